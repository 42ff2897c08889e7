-- requires: functions/usage/latency_bucket.sql
-- The compute function of the rollup usage.model_hours (engine contract): the complete,
-- recomputed rows of every (org, local hour, provider, model, feature) key touched by
-- requests received in [p_after, p_upto) (p_org_id NULL: every organization), from the
-- raw requests of just the (org, local hour)s of those keys (all keys of such an hour). hour = date_trunc('hour', occurred_at, timezone of
-- the organization). errors: status error or timeout. cost: sum of the priced requests'
-- cost; unpriced: requests with cost NULL. Routing: routed_compared / routed_cost /
-- baseline_cost over routed requests with both costs known; regrets: routed requests
-- that failed or were rated <= 2; confidence_counts by tenth of router_confidence.
-- Internal: the engine (service_role) and private.rollup_rows call it.
create or replace function usage.compute_model_hours(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.model_hours
language sql
stable
set search_path = ''
set jit = off
-- The touched hours are few (readers: the rows since the watermark): one index range per
-- hour. A generic plan that hashed the whole request table instead cost 0.6 s per reader.
set enable_hashjoin = off
set enable_mergejoin = off
as $$
  -- The touched keys are found per (organization, local hour): every request of such an
  -- hour is read once (one index range per hour, not one per key) and grouped by the full
  -- key, so each returned row is complete.
  with touched as (
    select distinct r.org_id, pg_catalog.date_trunc('hour', r.occurred_at, o.timezone) as hour, o.timezone
    from (select q.* from usage.model_requests as q              -- one organization: its (org_id, received_at) index
          where p_org_id is not null and q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto
          union all
          select q.* from usage.model_requests as q              -- every organization: the BRIN on received_at
          where p_org_id is null and q.received_at >= p_after and q.received_at < p_upto) as r
    join app.organizations as o on o.id = r.org_id
  ),
  rows as materialized (
    select t.org_id, t.hour, r.provider, r.model, r.feature, r.status, r.cost, r.baseline_cost, r.was_routed,
           r.router_confidence, r.rating, r.input_tokens, r.output_tokens, r.cached_input_tokens, r.cache_write_tokens,
           usage.latency_bucket(r.latency_ms) as bucket
    from touched as t
    join usage.model_requests as r
      on r.org_id = t.org_id
     -- a wider window, then the exact bucket: a repeated local hour (DST end) is one bucket
     and r.occurred_at >= t.hour - interval '1 hour' and r.occurred_at < t.hour + interval '2 hours'
     and pg_catalog.date_trunc('hour', r.occurred_at, t.timezone) = t.hour
  ),
  hist as (
    select h.org_id, h.hour, h.provider, h.model, h.feature,
           pg_catalog.array_agg(h.bucket order by h.bucket) as buckets, pg_catalog.array_agg(h.n order by h.bucket) as counts
    from (select x.org_id, x.hour, x.provider, x.model, x.feature, x.bucket, pg_catalog.count(*) as n
          from rows as x where x.bucket is not null
          group by 1, 2, 3, 4, 5, 6) as h
    group by 1, 2, 3, 4, 5
  ),
  agg as (
    select x.org_id, x.hour, x.provider, x.model, x.feature,
           pg_catalog.count(*) as requests,
           pg_catalog.count(*) filter (where x.status in ('error', 'timeout')) as errors,
           coalesce(pg_catalog.sum(x.cost), 0) as cost,
           pg_catalog.count(*) filter (where x.cost is null) as unpriced,
           pg_catalog.sum(x.input_tokens)::bigint as input_tokens, pg_catalog.sum(x.output_tokens)::bigint as output_tokens,
           pg_catalog.sum(x.cached_input_tokens)::bigint as cached_input_tokens,
           pg_catalog.sum(x.cache_write_tokens)::bigint as cache_write_tokens,
           coalesce(pg_catalog.sum(x.rating), 0)::bigint as rating_sum, pg_catalog.count(x.rating) as rating_count,
           pg_catalog.count(*) filter (where x.was_routed) as routed,
           pg_catalog.count(*) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null) as routed_compared,
           coalesce(pg_catalog.sum(x.cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null), 0) as routed_cost,
           coalesce(pg_catalog.sum(x.baseline_cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null), 0) as baseline_cost,
           pg_catalog.count(*) filter (where x.was_routed and (x.status in ('error', 'timeout') or x.rating <= 2)) as regrets,
           array[pg_catalog.count(*) filter (where x.was_routed and x.router_confidence < 0.1),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.1 and x.router_confidence < 0.2),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.2 and x.router_confidence < 0.3),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.3 and x.router_confidence < 0.4),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.4 and x.router_confidence < 0.5),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.5 and x.router_confidence < 0.6),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.6 and x.router_confidence < 0.7),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.7 and x.router_confidence < 0.8),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.8 and x.router_confidence < 0.9),
                 pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.9)] as confidence_counts
    from rows as x
    group by 1, 2, 3, 4, 5
  )
  select a.org_id, a.hour, a.provider, a.model, a.feature, a.requests, a.errors, a.cost, a.unpriced,
         a.input_tokens, a.output_tokens, a.cached_input_tokens, a.cache_write_tokens,
         coalesce(h.buckets, '{}'), coalesce(h.counts, '{}'), a.rating_sum, a.rating_count,
         a.routed, a.routed_compared,
         a.routed_cost, a.baseline_cost, a.regrets, a.confidence_counts
  from agg as a
  left join hist as h using (org_id, hour, provider, model, feature)
$$;
revoke execute on function usage.compute_model_hours(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_model_hours(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_model_hours(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.model_hours: complete rows of the (org, local hour, provider, model, feature) keys touched by requests received in [p_after, p_upto).';
