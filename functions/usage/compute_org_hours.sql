-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/histogram_percentile.sql
-- requires: functions/usage/latency_bucket.sql
-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.org_hours (engine contract, migrations/0100):
-- the row of every (organization, local hour) touched by requests received in
-- [p_after, p_upto) (hour = date_trunc('hour', occurred_at, the organization's time zone), as
-- usage.compute_model_hours), recomputed from the raw requests of that hour (one index range
-- of the primary key per hour): requests, errors (error or timeout), cost of the priced
-- requests (0 when none), and the p95 of the hour's log-scale latency histogram
-- (usage.latency_bucket, usage.histogram_percentile). The full rebuild (every organization
-- from '-infinity') is one grouped pass over all requests.
-- Before migrations/1000 a dependent of usage.model_hours, recomputed from the model hours of
-- the touched hours (through their reader, itself recomputing the hour from its requests:
-- two levels of reader per call): the same rows. Not combinable: its p95 needs the
-- histogram, which it does not store.
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
-- The touched hours are few (readers: the rows since the watermark): one index range per
-- hour, as usage.compute_model_hours.
set enable_hashjoin = off
set enable_mergejoin = off
set plan_cache_mode = force_generic_plan
as $$
declare
  v_tz text;
begin
  if p_org_id is null then
    -- apply and the full rebuild: every organization (a statement of its own: the one of a
    -- reader is planned for one organization's few hours, see usage.request_deltas).
    return query
      with touched as materialized (
        select distinct q.org_id, pg_catalog.date_trunc('hour', q.occurred_at, o.timezone) as hour, o.timezone
        from usage.model_requests as q                                -- the BRIN on received_at
        join app.organizations as o on o.id = q.org_id
        where q.received_at >= p_after and q.received_at < p_upto and p_after > '-infinity'
      ),
      rows as (
        select t.org_id, t.hour, r.status, r.cost, usage.latency_bucket(r.latency_ms) as bucket
        from touched as t                                             -- the touched hours: one index range each
        join usage.model_requests as r
          on r.org_id = t.org_id
         -- a wider window, then the exact bucket: a repeated local hour (DST end) is one bucket
         and r.occurred_at >= t.hour - interval '1 hour' and r.occurred_at < t.hour + interval '2 hours'
         and pg_catalog.date_trunc('hour', r.occurred_at, t.timezone) = t.hour
        union all
        select r.org_id, pg_catalog.date_trunc('hour', r.occurred_at, o.timezone), r.status, r.cost,
               usage.latency_bucket(r.latency_ms)
        from usage.model_requests as r                                -- full rebuild: one scan of all requests
        join app.organizations as o on o.id = r.org_id
        where p_after = '-infinity'
      ),
      per_bucket as (
        select x.org_id, x.hour, x.bucket, pg_catalog.count(*) as n,
               pg_catalog.count(*) filter (where x.status in ('error', 'timeout')) as errors, pg_catalog.sum(x.cost) as cost
        from rows as x
        group by 1, 2, 3
      ),
      per_hour as (
        select k.org_id, k.hour, pg_catalog.sum(k.n)::bigint as requests, pg_catalog.sum(k.errors)::bigint as errors,
               coalesce(pg_catalog.sum(k.cost), 0) as cost,
               pg_catalog.array_agg(k.bucket) filter (where k.bucket is not null) as buckets,
               pg_catalog.array_agg(k.n) filter (where k.bucket is not null) as counts
        from per_bucket as k
        group by 1, 2
      )
      select h.org_id, h.hour, h.requests, h.errors, h.cost, usage.histogram_percentile(h.buckets, h.counts, 0.95)
      from per_hour as h;
    return;
  end if;
  if not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  -- One organization (a reader): its touched hours through its (org_id, received_at) index.
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  return query
    with touched as materialized (
      select distinct pg_catalog.date_trunc('hour', q.occurred_at, v_tz) as hour
      from usage.model_requests as q
      where q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto
    ),
    per_bucket as (
      select t.hour, usage.latency_bucket(r.latency_ms) as bucket, pg_catalog.count(*) as n,
             pg_catalog.count(*) filter (where r.status in ('error', 'timeout')) as errors, pg_catalog.sum(r.cost) as cost
      from touched as t
      cross join lateral (                                          -- one primary-key range per hour
        select q.latency_ms, q.status, q.cost from usage.model_requests as q
        where q.org_id = p_org_id
          and q.occurred_at >= t.hour - interval '1 hour' and q.occurred_at < t.hour + interval '2 hours'
          and pg_catalog.date_trunc('hour', q.occurred_at, v_tz) = t.hour
        offset 0) as r                                              -- not pulled up: the planner materialized every
                                                                    -- request of the organization (estimated 10,000)
      group by 1, 2
    ),
    per_hour as (
      select k.hour, pg_catalog.sum(k.n)::bigint as requests, pg_catalog.sum(k.errors)::bigint as errors,
             coalesce(pg_catalog.sum(k.cost), 0) as cost,
             pg_catalog.array_agg(k.bucket) filter (where k.bucket is not null) as buckets,
             pg_catalog.array_agg(k.n) filter (where k.bucket is not null) as counts
      from per_bucket as k
      group by 1
    )
    select p_org_id, h.hour, h.requests, h.errors, h.cost, usage.histogram_percentile(h.buckets, h.counts, 0.95)
    from per_hour as h;
end;
$$;
revoke execute on function usage.compute_org_hours(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_org_hours(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_org_hours(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.org_hours: the rows of the local hours touched by requests received in [p_after, p_upto), from their raw requests.';

select private.register_rollup(
  'usage.org_hours', 'usage.model_requests', 'usage.org_hours', 'usage.compute_org_hours',
  array['org_id', 'hour'], 'hour', '{}',
  'Model requests per organization and local hour (from the raw requests of the hour): requests, errors, cost, p95 latency.');
