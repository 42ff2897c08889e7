-- The signed source rows of the combinable usage rollups (migrations/1000, 1001), with the
-- local day of each (the date of occurred_at in its organization's time zone): the
-- requests received in [p_after, p_upto) with sign +1, and each old version retracted in
-- that range (usage.request_retractions: a request that usage.reprice changed, whose new
-- version is one of the requests above) that was received before p_after with sign -1, so
-- that the partial aggregate over these rows, added to a stored row that counts the
-- requests received before p_after, counts each request once at its current values. From
-- '-infinity' (the full rebuild) nothing is retracted.
-- p_all: every organization's rows (apply and the full rebuild: the BRIN on received_at;
-- p_org_id is ignored), else p_org_id's (readers: its (org_id, received_at) index). Callers
-- pass p_all as a CONSTANT: this function is LANGUAGE sql, STABLE, without SET, so
-- PostgreSQL inlines it and folds the other case's branches away. One plan holding both
-- cases (a parameter instead of a constant) added their estimates up, and the branch of
-- every organization (tens of thousands of rows) sized the readers' hash tables and sorts
-- (2-6 MB allocated per call for a few hundred rows).
-- Internal: the compute functions of the combinable usage rollups call it; owner only.
drop function if exists usage.request_deltas(uuid, timestamptz, timestamptz);
drop function if exists usage.request_deltas_all(timestamptz, timestamptz);
create or replace function usage.request_deltas(p_all boolean, p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, day date, occurred_at timestamptz, sign integer, user_id uuid, team text, project text,
               feature text, provider text, model text, was_routed boolean, router_confidence numeric,
               input_tokens integer, output_tokens integer, cached_input_tokens integer, cache_write_tokens integer,
               latency_ms integer, status text, rating smallint, cost numeric, baseline_cost numeric)
language sql
stable
as $$
  select q.org_id, (q.occurred_at at time zone q.timezone)::date, q.occurred_at, 1, q.user_id, q.team, q.project,
         q.feature, q.provider, q.model, q.was_routed, q.router_confidence, q.input_tokens, q.output_tokens,
         q.cached_input_tokens, q.cache_write_tokens, q.latency_ms, q.status, q.rating, q.cost, q.baseline_cost
  from (select r.*, (select o.timezone from app.organizations as o where o.id = p_org_id) as timezone
        from usage.model_requests as r                            -- one organization: its (org_id, received_at) index
        where not p_all and r.org_id = p_org_id and r.received_at >= p_after and r.received_at < p_upto
        union all
        select r.*, o.timezone
        from usage.model_requests as r                            -- every organization: the BRIN on received_at
        join app.organizations as o on o.id = r.org_id
        where p_all and r.received_at >= p_after and r.received_at < p_upto) as q
  union all
  select x.org_id, (x.occurred_at at time zone (select o.timezone from app.organizations as o where o.id = x.org_id))::date,
         x.occurred_at, -1, x.user_id, x.team, x.project, x.feature, x.provider, x.model, x.was_routed,
         x.router_confidence, x.input_tokens, x.output_tokens, x.cached_input_tokens, x.cache_write_tokens,
         x.latency_ms, x.status, x.rating, x.cost, x.baseline_cost
  from usage.request_retractions as x                             -- old versions the stored rows count (few)
  where (p_all or x.org_id = p_org_id)
    and x.retracted_at >= p_after and x.retracted_at < p_upto and x.received_at < p_after
$$;
revoke execute on function usage.request_deltas(boolean, uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function usage.request_deltas(boolean, uuid, timestamptz, timestamptz) is
  'Signed source rows of the combinable usage rollups with their local day: requests received in [p_after, p_upto) (+1) and the old versions retracted in that range that were received before p_after (-1); every organization (p_all, a constant) or p_org_id''s. Inlined into the compute functions. Internal (owner only).';
