-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/histogram_percentile.sql
-- requires: functions/usage/register_rollups.sql
-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.org_hours, a dependent of usage.model_hours
-- (engine contract, migrations/0100): the row of every (organization, local hour) touched
-- by requests received in [p_after, p_upto) (hour = date_trunc('hour', occurred_at, the
-- organization's time zone), as usage.compute_model_hours), recomputed from the model
-- hours of that hour: requests, errors and cost summed over its models and features, and
-- the p95 of its latency histogram merged bucket by bucket (usage.histogram_percentile).
-- Reads the upstream target directly when p_org_id is NULL (apply: the engine caps p_upto
-- at usage.model_hours' watermark; from '-infinity', the full rebuild, in one grouped pass
-- over it) and private.model_hours_rows for one organization (readers: exact).
-- Internal: the engine (service_role) and the reader private.org_hours_rows call it.
create or replace function usage.compute_org_hours(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.org_hours
language plpgsql
stable
set search_path = ''
set jit = off
-- Plan settings and the early exit below: README, "Usage rollups: plan settings".
set max_parallel_workers_per_gather = 0
set enable_nestloop = on
set plan_cache_mode = force_generic_plan
as $$
begin
  if p_org_id is not null and not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  return query
    with touched as materialized (
      select distinct r.org_id, pg_catalog.date_trunc('hour', r.occurred_at, o.timezone) as hour
      from (select q.org_id, q.occurred_at from usage.model_requests as q   -- one organization: its (org_id, received_at) index
            where p_org_id is not null and q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto
            union all
            select q.org_id, q.occurred_at from usage.model_requests as q   -- every organization: the BRIN on received_at
            where p_org_id is null and q.received_at >= p_after and q.received_at < p_upto) as r
      join app.organizations as o on o.id = r.org_id
      where p_org_id is not null or p_after > '-infinity'
    ),
    hours as (
      select h.org_id, h.hour, h.requests, h.errors, h.cost, h.latency_buckets, h.latency_counts
      from touched as t                                             -- apply: the touched hours of the target
      join usage.model_hours as h on h.org_id = t.org_id and h.hour = t.hour
      where p_org_id is null
      union all
      select h.org_id, h.hour, h.requests, h.errors, h.cost, h.latency_buckets, h.latency_counts
      from usage.model_hours as h                                   -- full rebuild: the whole target
      where p_org_id is null and p_after = '-infinity'
      union all
      select h.org_id, h.hour, h.requests, h.errors, h.cost, h.latency_buckets, h.latency_counts
      from private.model_hours_rows(p_org_id,                       -- one organization: exact rows of its touched hours
             coalesce((select pg_catalog.min(t.hour) from touched as t), 'infinity'),
             coalesce((select pg_catalog.max(t.hour) + interval '1 hour' from touched as t), 'infinity')) as h
      where p_org_id is not null and exists (select from touched)   -- nothing touched: no call at all
        and h.hour in (select t.hour from touched as t)
    ),
    per_bucket as (                                                 -- an hour's sums at its first bucket only
      select h.org_id, h.hour, b.b, pg_catalog.sum(b.n)::bigint as n,
             pg_catalog.sum(h.requests) filter (where b.i is null or b.i = 1) as requests,
             pg_catalog.sum(h.errors) filter (where b.i is null or b.i = 1) as errors,
             pg_catalog.sum(h.cost) filter (where b.i is null or b.i = 1) as cost
      from hours as h
      left join lateral unnest(h.latency_buckets, h.latency_counts) with ordinality as b (b, n, i) on true
      group by 1, 2, 3
    ),
    per_hour as (
      select k.org_id, k.hour, pg_catalog.sum(k.requests)::bigint as requests, pg_catalog.sum(k.errors)::bigint as errors,
             coalesce(pg_catalog.sum(k.cost), 0) as cost,
             pg_catalog.array_agg(k.b) filter (where k.b is not null) as buckets,
             pg_catalog.array_agg(k.n) filter (where k.b is not null) as counts
      from per_bucket as k
      group by 1, 2
    )
    select h.org_id, h.hour, h.requests, h.errors, h.cost, usage.histogram_percentile(h.buckets, h.counts, 0.95)
    from per_hour as h;
end;
$$;
revoke execute on function usage.compute_org_hours(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_org_hours(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_org_hours(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.org_hours (dependent of usage.model_hours): the rows of the local hours touched by requests received in [p_after, p_upto), from their model hours.';

select private.register_rollup(
  'usage.org_hours', 'usage.model_requests', 'usage.org_hours', 'usage.compute_org_hours',
  array['org_id', 'hour'], 'hour', array['usage.model_hours'],
  'Model requests per organization and local hour (from usage.model_hours): requests, errors, cost, p95 latency.');
