-- The signed source rows of the combinable usage rollups (migrations/1000, 1001) for the
-- requests of organization p_org_id received in [p_after, p_upto) (usage.request_deltas_all:
-- every organization's, for apply and the full rebuild): each request
-- received in the range with sign +1, and each old version retracted in the range
-- (usage.request_retractions: a request that usage.reprice changed, whose new version is
-- one of the requests above) that was received before p_after with sign -1, so that the
-- partial aggregate over these rows, added to a stored row that counts the requests
-- received before p_after, counts each request once at its current values. From
-- '-infinity' (the full rebuild) nothing is retracted. Day and hour mapping are the
-- compute functions' own.
-- LANGUAGE sql, STABLE, without SET: PostgreSQL inlines it into the compute functions'
-- queries: the (org_id, received_at) index. Two functions, not one with a branch per case:
-- a generic plan's estimates add up the branches, and the branch of every organization (tens
-- of thousands of rows) sized the readers' hash tables and sorts (2-6 MB allocated per call
-- for a few hundred rows).
-- Internal: the compute functions of the combinable usage rollups call it; owner only.
create or replace function usage.request_deltas(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, occurred_at timestamptz, sign integer, user_id uuid, team text, project text,
               feature text, provider text, model text, was_routed boolean, router_confidence numeric,
               input_tokens integer, output_tokens integer, cached_input_tokens integer, cache_write_tokens integer,
               latency_ms integer, status text, rating smallint, cost numeric, baseline_cost numeric)
language sql
stable
as $$
  select q.org_id, q.occurred_at, 1, q.user_id, q.team, q.project, q.feature, q.provider, q.model, q.was_routed,
         q.router_confidence, q.input_tokens, q.output_tokens, q.cached_input_tokens, q.cache_write_tokens,
         q.latency_ms, q.status, q.rating, q.cost, q.baseline_cost
  from usage.model_requests as q                                  -- one organization: its (org_id, received_at) index
  where q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto
  union all
  select x.org_id, x.occurred_at, -1, x.user_id, x.team, x.project, x.feature, x.provider, x.model, x.was_routed,
         x.router_confidence, x.input_tokens, x.output_tokens, x.cached_input_tokens, x.cache_write_tokens,
         x.latency_ms, x.status, x.rating, x.cost, x.baseline_cost
  from usage.request_retractions as x                             -- old versions the stored rows count
  where x.org_id = p_org_id
    and x.retracted_at >= p_after and x.retracted_at < p_upto and x.received_at < p_after
$$;
revoke execute on function usage.request_deltas(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function usage.request_deltas(uuid, timestamptz, timestamptz) is
  'Signed source rows of the combinable usage rollups for one organization: requests received in [p_after, p_upto) (+1) and the old versions retracted in that range that were received before p_after (-1). Inlined into the compute functions. Internal (owner only).';
