-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/touched_user_days.sql
-- requires: functions/usage/register_rollups.sql
-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.model_days, a dependent of usage.model_hours
-- (engine contract, migrations/0100): all rows of every (organization, local day) touched
-- by requests received in [p_after, p_upto) (usage.touched_user_days), recomputed from the
-- model hours of those days: day = the local date of the hour's start (a local hour lies in
-- one local day, 30- and 45-minute offsets included); the sums of usage.model_hours over
-- the day's hours and features; the latency histogram merged bucket by bucket.
-- Reads the upstream target directly when p_org_id is NULL (apply: the engine caps p_upto
-- at usage.model_hours' watermark, so it holds every request received before p_upto; from
-- '-infinity', the full rebuild, in one grouped scan of it) and
-- its inlined reader private.model_hours_rows for one organization (readers: exact).
-- Internal: the engine (service_role) and the reader private.model_days_rows call it.
create or replace function usage.compute_model_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.model_days
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
      select distinct t.org_id, t.day, t.timezone
      from usage.touched_user_days(p_org_id, p_after, p_upto) as t
      where p_org_id is not null or p_after > '-infinity'
    ),
    hours as materialized (
      select h.*, t.day                                             -- apply: the touched days of the target
      from touched as t
      join usage.model_hours as h
        on h.org_id = t.org_id
       and h.hour >= (t.day::timestamp at time zone t.timezone) and h.hour < ((t.day + 1)::timestamp at time zone t.timezone)
      where p_org_id is null
      union all
      select h.*, (h.hour at time zone o.timezone)::date           -- full rebuild: the whole target
      from usage.model_hours as h
      join app.organizations as o on o.id = h.org_id
      where p_org_id is null and p_after = '-infinity'
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
    hist as (
      select g.org_id, g.day, g.provider, g.model,
             pg_catalog.array_agg(g.b order by g.b) as buckets, pg_catalog.array_agg(g.n order by g.b) as counts
      from (select h.org_id, h.day, h.provider, h.model, b.b, pg_catalog.sum(b.n)::bigint as n
            from hours as h, unnest(h.latency_buckets, h.latency_counts) as b (b, n)
            group by 1, 2, 3, 4, 5) as g
      group by 1, 2, 3, 4
    ),
    agg as (
      select h.org_id, h.day, h.provider, h.model,
             pg_catalog.sum(h.requests)::bigint as requests, pg_catalog.sum(h.errors)::bigint as errors,
             pg_catalog.sum(h.cost) as cost, pg_catalog.sum(h.unpriced)::bigint as unpriced,
             pg_catalog.sum(h.input_tokens)::bigint as input_tokens, pg_catalog.sum(h.output_tokens)::bigint as output_tokens,
             pg_catalog.sum(h.cached_input_tokens)::bigint as cached_input_tokens,
             pg_catalog.sum(h.cache_write_tokens)::bigint as cache_write_tokens,
             pg_catalog.sum(h.rating_sum)::bigint as rating_sum, pg_catalog.sum(h.rating_count)::bigint as rating_count,
             pg_catalog.sum(h.routed_compared)::bigint as routed_compared,
             pg_catalog.sum(h.routed_cost) as routed_cost, pg_catalog.sum(h.baseline_cost) as baseline_cost
      from hours as h
      group by 1, 2, 3, 4
    )
    select a.org_id, a.day, a.provider, a.model, a.requests, a.errors, a.cost, a.unpriced,
           a.input_tokens, a.output_tokens, a.cached_input_tokens, a.cache_write_tokens,
           a.rating_sum, a.rating_count, a.routed_compared, a.routed_cost, a.baseline_cost,
           coalesce(h.buckets, '{}'), coalesce(h.counts, '{}')
    from agg as a
    left join hist as h using (org_id, day, provider, model);
end;
$$;
revoke execute on function usage.compute_model_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_model_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_model_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.model_days (dependent of usage.model_hours): all (provider, model) rows of the local days touched by requests received in [p_after, p_upto).';

select private.register_rollup(
  'usage.model_days', 'usage.model_requests', 'usage.model_days', 'usage.compute_model_days',
  array['org_id', 'day', 'provider', 'model'], 'day', array['usage.model_hours'],
  'Model requests per organization, local day, provider and model (from usage.model_hours): totals, tokens, ratings, router savings, merged latency histogram.');
