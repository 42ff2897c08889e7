-- usage.request_deltas for every organization: the signed source rows of the combinable
-- usage rollups for the requests received in [p_after, p_upto) (the BRIN on received_at)
-- and the old versions retracted in that range that were received before p_after (-1).
-- apply_rollup and the full rebuild (from '-infinity': nothing retracted) read it.
-- LANGUAGE sql, STABLE, without SET: inlined into the compute functions' queries.
-- Internal; owner only.
create or replace function usage.request_deltas_all(p_after timestamptz, p_upto timestamptz)
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
  from usage.model_requests as q                                  -- every organization: the BRIN on received_at
  where q.received_at >= p_after and q.received_at < p_upto
  union all
  select x.org_id, x.occurred_at, -1, x.user_id, x.team, x.project, x.feature, x.provider, x.model, x.was_routed,
         x.router_confidence, x.input_tokens, x.output_tokens, x.cached_input_tokens, x.cache_write_tokens,
         x.latency_ms, x.status, x.rating, x.cost, x.baseline_cost
  from usage.request_retractions as x                             -- old versions the stored rows count
  where x.retracted_at >= p_after and x.retracted_at < p_upto and x.received_at < p_after
$$;
revoke execute on function usage.request_deltas_all(timestamptz, timestamptz) from public, anon, authenticated;
comment on function usage.request_deltas_all(timestamptz, timestamptz) is
  'Signed source rows of the combinable usage rollups, every organization: requests received in [p_after, p_upto) (+1) and the old versions retracted in that range that were received before p_after (-1). Inlined into the compute functions. Internal (owner only).';
