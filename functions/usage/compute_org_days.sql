-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/touched_user_days.sql
-- requires: functions/usage/histogram_percentile.sql
-- requires: functions/usage/register_rollups.sql
-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.org_days, a dependent of usage.model_hours
-- (engine contract, migrations/0100): the row of every (organization, local day) touched by
-- requests received in [p_after, p_upto) (usage.touched_user_days), recomputed from the
-- model hours of that day (day = the local date of the hour's start, as usage.model_days):
-- the sums of every column of usage.model_hours over the day's hours, models and features
-- (confidence_counts element by element), the latency histogram merged bucket by bucket and
-- its p95 (usage.histogram_percentile).
-- Reads the upstream target directly when p_org_id is NULL (apply: the engine caps p_upto
-- at usage.model_hours' watermark; from '-infinity', the full rebuild, in one grouped pass
-- over it, nothing materialized) and private.model_hours_rows for one organization
-- (readers: exact). Two statements, each with its generic plan: the full rebuild (one pass:
-- each model hour unnested into its latency buckets and grouped per (organization, day,
-- bucket), its sums counted at its first bucket only; then per day) and the touched days
-- (their model hours summed per day, and their histograms merged bucket by bucket).
-- Internal: the engine (service_role) and the reader private.org_days_rows call it.
create or replace function usage.compute_org_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.org_days
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
  if p_org_id is null and p_after = '-infinity' then
    -- The full rebuild: one grouped pass over the whole target of usage.model_hours, nothing
    -- materialized (each model hour unnested into its latency buckets and grouped per
    -- (organization, day, bucket), its sums counted at its first bucket only; then per day).
    return query
    with hours as (
      select h.*, (h.hour at time zone o.timezone)::date as day
      from usage.model_hours as h
      join app.organizations as o on o.id = h.org_id
    ),
    per_bucket as (                                                 -- an hour's sums at its first bucket only
      select h.org_id, h.day, b.b, pg_catalog.sum(b.n)::bigint as n,
             pg_catalog.sum(h.requests) filter (where b.i is null or b.i = 1) as requests,
             pg_catalog.sum(h.errors) filter (where b.i is null or b.i = 1) as errors,
             pg_catalog.sum(h.cost) filter (where b.i is null or b.i = 1) as cost,
             pg_catalog.sum(h.unpriced) filter (where b.i is null or b.i = 1) as unpriced,
             pg_catalog.sum(h.input_tokens) filter (where b.i is null or b.i = 1) as input_tokens,
             pg_catalog.sum(h.output_tokens) filter (where b.i is null or b.i = 1) as output_tokens,
             pg_catalog.sum(h.cached_input_tokens) filter (where b.i is null or b.i = 1) as cached_input_tokens,
             pg_catalog.sum(h.cache_write_tokens) filter (where b.i is null or b.i = 1) as cache_write_tokens,
             pg_catalog.sum(h.rating_sum) filter (where b.i is null or b.i = 1) as rating_sum,
             pg_catalog.sum(h.rating_count) filter (where b.i is null or b.i = 1) as rating_count,
             pg_catalog.sum(h.routed) filter (where b.i is null or b.i = 1) as routed,
             pg_catalog.sum(h.routed_compared) filter (where b.i is null or b.i = 1) as routed_compared,
             pg_catalog.sum(h.routed_cost) filter (where b.i is null or b.i = 1) as routed_cost,
             pg_catalog.sum(h.baseline_cost) filter (where b.i is null or b.i = 1) as baseline_cost,
             pg_catalog.sum(h.regrets) filter (where b.i is null or b.i = 1) as regrets,
             pg_catalog.sum(h.confidence_counts[1]) filter (where b.i is null or b.i = 1) as c1,
             pg_catalog.sum(h.confidence_counts[2]) filter (where b.i is null or b.i = 1) as c2,
             pg_catalog.sum(h.confidence_counts[3]) filter (where b.i is null or b.i = 1) as c3,
             pg_catalog.sum(h.confidence_counts[4]) filter (where b.i is null or b.i = 1) as c4,
             pg_catalog.sum(h.confidence_counts[5]) filter (where b.i is null or b.i = 1) as c5,
             pg_catalog.sum(h.confidence_counts[6]) filter (where b.i is null or b.i = 1) as c6,
             pg_catalog.sum(h.confidence_counts[7]) filter (where b.i is null or b.i = 1) as c7,
             pg_catalog.sum(h.confidence_counts[8]) filter (where b.i is null or b.i = 1) as c8,
             pg_catalog.sum(h.confidence_counts[9]) filter (where b.i is null or b.i = 1) as c9,
             pg_catalog.sum(h.confidence_counts[10]) filter (where b.i is null or b.i = 1) as c10
      from hours as h
      left join lateral unnest(h.latency_buckets, h.latency_counts) with ordinality as b (b, n, i) on true
      group by 1, 2, 3
    ),
    per_day as (
      select k.org_id, k.day,
             pg_catalog.sum(k.requests)::bigint as requests, pg_catalog.sum(k.errors)::bigint as errors,
             coalesce(pg_catalog.sum(k.cost), 0) as cost, pg_catalog.sum(k.unpriced)::bigint as unpriced,
             pg_catalog.sum(k.input_tokens)::bigint as input_tokens, pg_catalog.sum(k.output_tokens)::bigint as output_tokens,
             pg_catalog.sum(k.cached_input_tokens)::bigint as cached_input_tokens,
             pg_catalog.sum(k.cache_write_tokens)::bigint as cache_write_tokens,
             pg_catalog.sum(k.rating_sum)::bigint as rating_sum, pg_catalog.sum(k.rating_count)::bigint as rating_count,
             pg_catalog.sum(k.routed)::bigint as routed, pg_catalog.sum(k.routed_compared)::bigint as routed_compared,
             coalesce(pg_catalog.sum(k.routed_cost), 0) as routed_cost, coalesce(pg_catalog.sum(k.baseline_cost), 0) as baseline_cost,
             pg_catalog.sum(k.regrets)::bigint as regrets,
             array[pg_catalog.sum(k.c1), pg_catalog.sum(k.c2), pg_catalog.sum(k.c3), pg_catalog.sum(k.c4), pg_catalog.sum(k.c5),
                   pg_catalog.sum(k.c6), pg_catalog.sum(k.c7), pg_catalog.sum(k.c8), pg_catalog.sum(k.c9), pg_catalog.sum(k.c10)]::bigint[] as confidence_counts,
             coalesce(pg_catalog.array_agg(k.b order by k.b) filter (where k.b is not null), '{}') as latency_buckets,
             coalesce(pg_catalog.array_agg(k.n order by k.b) filter (where k.b is not null), '{}') as latency_counts
      from per_bucket as k
      group by 1, 2
    )
    select d.org_id, d.day, d.requests, d.errors, d.cost, d.unpriced, d.input_tokens, d.output_tokens,
           d.cached_input_tokens, d.cache_write_tokens, d.rating_sum, d.rating_count, d.routed, d.routed_compared,
           d.routed_cost, d.baseline_cost, d.regrets, d.confidence_counts, d.latency_buckets, d.latency_counts,
           usage.histogram_percentile(d.latency_buckets, d.latency_counts, 0.95)
    from per_day as d;
    return;
  end if;
  if p_org_id is not null and not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  -- The touched days (apply, or one organization's reader): a statement of its own, with its
  -- own generic plan; the day's model hours (a few hundred) are summed once per day and only
  -- their histograms unnested (the one-pass form above carried 26 filtered sums through every
  -- bucket row: ~12,000 rows for a day of the largest organization at 10M requests).
  return query
    with touched as materialized (
      select distinct t.org_id, t.day, t.timezone
      from usage.touched_user_days(p_org_id, p_after, p_upto) as t
    ),
    hours as materialized (
      select h.*, t.day                                             -- apply: the touched days of the target
      from touched as t
      join usage.model_hours as h
        on h.org_id = t.org_id
       and h.hour >= (t.day::timestamp at time zone t.timezone) and h.hour < ((t.day + 1)::timestamp at time zone t.timezone)
      where p_org_id is null
      union all
      select h.*, t.day                                             -- one organization: exact rows of its touched days
      from private.model_hours_rows(p_org_id,
             coalesce((select pg_catalog.min(t.day::timestamp at time zone t.timezone) from touched as t), 'infinity'),
             coalesce((select pg_catalog.max((t.day + 1)::timestamp at time zone t.timezone) from touched as t), 'infinity')) as h
      join touched as t
        on t.org_id = h.org_id
       and h.hour >= (t.day::timestamp at time zone t.timezone) and h.hour < ((t.day + 1)::timestamp at time zone t.timezone)
      where p_org_id is not null and exists (select from touched)   -- nothing touched: no call at all
    ),
    sums as (
      select h.org_id, h.day,
             pg_catalog.sum(h.requests)::bigint as requests, pg_catalog.sum(h.errors)::bigint as errors,
             coalesce(pg_catalog.sum(h.cost), 0) as cost, pg_catalog.sum(h.unpriced)::bigint as unpriced,
             pg_catalog.sum(h.input_tokens)::bigint as input_tokens, pg_catalog.sum(h.output_tokens)::bigint as output_tokens,
             pg_catalog.sum(h.cached_input_tokens)::bigint as cached_input_tokens,
             pg_catalog.sum(h.cache_write_tokens)::bigint as cache_write_tokens,
             pg_catalog.sum(h.rating_sum)::bigint as rating_sum, pg_catalog.sum(h.rating_count)::bigint as rating_count,
             pg_catalog.sum(h.routed)::bigint as routed, pg_catalog.sum(h.routed_compared)::bigint as routed_compared,
             coalesce(pg_catalog.sum(h.routed_cost), 0) as routed_cost, coalesce(pg_catalog.sum(h.baseline_cost), 0) as baseline_cost,
             pg_catalog.sum(h.regrets)::bigint as regrets,
             array[pg_catalog.sum(h.confidence_counts[1]), pg_catalog.sum(h.confidence_counts[2]), pg_catalog.sum(h.confidence_counts[3]),
                   pg_catalog.sum(h.confidence_counts[4]), pg_catalog.sum(h.confidence_counts[5]), pg_catalog.sum(h.confidence_counts[6]),
                   pg_catalog.sum(h.confidence_counts[7]), pg_catalog.sum(h.confidence_counts[8]), pg_catalog.sum(h.confidence_counts[9]),
                   pg_catalog.sum(h.confidence_counts[10])]::bigint[] as confidence_counts
      from hours as h
      group by 1, 2
    ),
    hist as (                                                       -- the day's histogram, bucket by bucket
      select g.org_id, g.day, pg_catalog.array_agg(g.b order by g.b) as buckets, pg_catalog.array_agg(g.n order by g.b) as counts
      from (select h.org_id, h.day, b.b, pg_catalog.sum(b.n)::bigint as n
            from hours as h, unnest(h.latency_buckets, h.latency_counts) as b (b, n)
            group by 1, 2, 3) as g
      group by 1, 2
    )
    select s.org_id, s.day, s.requests, s.errors, s.cost, s.unpriced, s.input_tokens, s.output_tokens,
           s.cached_input_tokens, s.cache_write_tokens, s.rating_sum, s.rating_count, s.routed, s.routed_compared,
           s.routed_cost, s.baseline_cost, s.regrets, s.confidence_counts, coalesce(h.buckets, '{}'), coalesce(h.counts, '{}'),
           usage.histogram_percentile(coalesce(h.buckets, '{}'), coalesce(h.counts, '{}'), 0.95)
    from sums as s
    left join hist as h on h.org_id = s.org_id and h.day = s.day;
end;
$$;
revoke execute on function usage.compute_org_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_org_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_org_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.org_days (dependent of usage.model_hours): the rows of the local days touched by requests received in [p_after, p_upto), from their model hours.';

select private.register_rollup(
  'usage.org_days', 'usage.model_requests', 'usage.org_days', 'usage.compute_org_days',
  array['org_id', 'day'], 'day', array['usage.model_hours'],
  'Model requests per organization and local day (from usage.model_hours): totals, tokens, ratings, routing, router confidence, merged latency histogram and p95.');
