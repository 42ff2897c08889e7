-- requires: functions/usage/latency_bucket.sql
-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.model_hours (engine contract): the complete,
-- recomputed rows of every (org, local hour, provider, model, feature) key touched by
-- requests received in [p_after, p_upto) (p_org_id NULL: every organization), from the
-- raw requests of just the (org, local hour)s of those keys (all keys of such an hour; the
-- full rebuild, every organization from '-infinity': one scan of all requests, which may
-- also return complete rows of keys whose requests were all received at or after p_upto).
-- hour = date_trunc('hour', occurred_at, timezone of
-- the organization). errors: status error or timeout. cost: sum of the priced requests'
-- cost; unpriced: requests with cost NULL. Routing: routed_compared / routed_cost /
-- baseline_cost over routed requests with both costs known; regrets: routed requests
-- that failed or were rated <= 2; confidence_counts by tenth of router_confidence.
-- Internal: the engine (service_role) and private.rollup_rows call it.
create or replace function usage.compute_model_hours(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.model_hours
language plpgsql
stable
set search_path = ''
set jit = off
-- Plan settings and the early exit below: README, "Usage rollups: plan settings".
set max_parallel_workers_per_gather = 0
set enable_nestloop = on
-- The touched hours are few (readers: the rows since the watermark): one index range per
-- hour. A generic plan that hashed the whole request table instead cost 0.6 s per reader.
set enable_hashjoin = off
set enable_mergejoin = off
set plan_cache_mode = force_generic_plan
as $$
begin
  if p_org_id is not null and not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  return query
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
    where p_org_id is not null or p_after > '-infinity'
  ),
  rows as (
    select t.org_id, t.hour, r.provider, r.model, r.feature, r.status, r.cost, r.baseline_cost, r.was_routed,
           r.router_confidence, r.rating, r.input_tokens, r.output_tokens, r.cached_input_tokens, r.cache_write_tokens,
           usage.latency_bucket(r.latency_ms) as bucket
    from touched as t
    join usage.model_requests as r
      on r.org_id = t.org_id
     -- a wider window, then the exact bucket: a repeated local hour (DST end) is one bucket
     and r.occurred_at >= t.hour - interval '1 hour' and r.occurred_at < t.hour + interval '2 hours'
     and pg_catalog.date_trunc('hour', r.occurred_at, t.timezone) = t.hour
    union all
    -- The full rebuild (every organization from '-infinity'): every key is touched, so one
    -- scan of all requests, grouped, instead of one index range per hour.
    select r.org_id, pg_catalog.date_trunc('hour', r.occurred_at, o.timezone), r.provider, r.model, r.feature, r.status,
           r.cost, r.baseline_cost, r.was_routed, r.router_confidence, r.rating, r.input_tokens, r.output_tokens,
           r.cached_input_tokens, r.cache_write_tokens, usage.latency_bucket(r.latency_ms)
    from usage.model_requests as r
    join app.organizations as o on o.id = r.org_id
    where p_org_id is null and p_after = '-infinity'
  ),
  -- Two levels of grouping, no join: per key and latency bucket first (the histogram's
  -- counts), then per key (the sums of the partial sums, the buckets in order).
  per_bucket as (
    select x.org_id, x.hour, x.provider, x.model, x.feature, x.bucket,
           pg_catalog.count(*) as n,
           pg_catalog.count(*) filter (where x.status in ('error', 'timeout')) as errors,
           pg_catalog.sum(x.cost) as cost,
           pg_catalog.count(*) filter (where x.cost is null) as unpriced,
           pg_catalog.sum(x.input_tokens) as input_tokens, pg_catalog.sum(x.output_tokens) as output_tokens,
           pg_catalog.sum(x.cached_input_tokens) as cached_input_tokens,
           pg_catalog.sum(x.cache_write_tokens) as cache_write_tokens,
           pg_catalog.sum(x.rating) as rating_sum, pg_catalog.count(x.rating) as rating_count,
           pg_catalog.count(*) filter (where x.was_routed) as routed,
           pg_catalog.count(*) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null) as routed_compared,
           pg_catalog.sum(x.cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null) as routed_cost,
           pg_catalog.sum(x.baseline_cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null) as baseline_cost,
           pg_catalog.count(*) filter (where x.was_routed and (x.status in ('error', 'timeout') or x.rating <= 2)) as regrets,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence < 0.1) as c0,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.1 and x.router_confidence < 0.2) as c1,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.2 and x.router_confidence < 0.3) as c2,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.3 and x.router_confidence < 0.4) as c3,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.4 and x.router_confidence < 0.5) as c4,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.5 and x.router_confidence < 0.6) as c5,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.6 and x.router_confidence < 0.7) as c6,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.7 and x.router_confidence < 0.8) as c7,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.8 and x.router_confidence < 0.9) as c8,
           pg_catalog.count(*) filter (where x.was_routed and x.router_confidence >= 0.9) as c9
    from rows as x
    group by 1, 2, 3, 4, 5, 6
  )
  select k.org_id, k.hour, k.provider, k.model, k.feature,
         pg_catalog.sum(k.n)::bigint, pg_catalog.sum(k.errors)::bigint, coalesce(pg_catalog.sum(k.cost), 0),
         pg_catalog.sum(k.unpriced)::bigint,
         pg_catalog.sum(k.input_tokens)::bigint, pg_catalog.sum(k.output_tokens)::bigint,
         pg_catalog.sum(k.cached_input_tokens)::bigint, pg_catalog.sum(k.cache_write_tokens)::bigint,
         coalesce(pg_catalog.array_agg(k.bucket order by k.bucket) filter (where k.bucket is not null), '{}'),
         coalesce(pg_catalog.array_agg(k.n order by k.bucket) filter (where k.bucket is not null), '{}'),
         coalesce(pg_catalog.sum(k.rating_sum), 0)::bigint, pg_catalog.sum(k.rating_count)::bigint,
         pg_catalog.sum(k.routed)::bigint, pg_catalog.sum(k.routed_compared)::bigint,
         coalesce(pg_catalog.sum(k.routed_cost), 0), coalesce(pg_catalog.sum(k.baseline_cost), 0),
         pg_catalog.sum(k.regrets)::bigint,
         array[pg_catalog.sum(k.c0)::bigint, pg_catalog.sum(k.c1)::bigint, pg_catalog.sum(k.c2)::bigint, pg_catalog.sum(k.c3)::bigint, pg_catalog.sum(k.c4)::bigint, pg_catalog.sum(k.c5)::bigint, pg_catalog.sum(k.c6)::bigint, pg_catalog.sum(k.c7)::bigint, pg_catalog.sum(k.c8)::bigint, pg_catalog.sum(k.c9)::bigint]
  from per_bucket as k
  group by 1, 2, 3, 4, 5;
end;
$$;
revoke execute on function usage.compute_model_hours(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_model_hours(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_model_hours(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.model_hours: complete rows of the (org, local hour, provider, model, feature) keys touched by requests received in [p_after, p_upto).';
