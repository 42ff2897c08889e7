-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/touched_user_days.sql
-- requires: functions/usage/compute_dimension_days.sql
-- requires: functions/usage/received_any.sql
-- The (organization, local week) units of usage.dimension_weeks that the requests received
-- in [p_after, p_upto) touch (p_org_id NULL: every organization): the Mondays of the local
-- days of usage.touched_user_days. The units usage.compute_dimension_weeks recomputes, and
-- the weeks public.get_cost_breakdown reads as days instead (those touched since the
-- rollup's watermark). LANGUAGE sql, STABLE, no SET: inlined. Internal; owner and
-- service_role.
create or replace function usage.touched_weeks(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, week date)
language sql
stable
as $$
  select distinct t.org_id, pg_catalog.date_trunc('week', t.day::timestamp)::date
  from usage.touched_user_days(p_org_id, p_after, p_upto) as t
$$;
revoke execute on function usage.touched_weeks(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.touched_weeks(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.touched_weeks(uuid, timestamptz, timestamptz) is
  'Distinct (org, local week) of the requests received in [p_after, p_upto): the units of usage.dimension_weeks they touch. Internal.';

-- The compute function of the rollup usage.dimension_weeks (migrations/1160), a dependent of
-- usage.dimension_days (engine contract, migrations/0100; replace unit org_id, week): ALL
-- rows of every (organization, local week) unit that the requests received in
-- [p_after, p_upto) touch (week = the Monday of the ISO week of the local day of
-- occurred_at, usage.touched_weeks), recomputed: per dimension and key, the sums of
-- requests, cost and tokens of usage.dimension_days over the week's seven days.
-- Exact: the apply (p_org_id NULL) reads the stored rows of usage.dimension_days, which count
-- every request received before p_upto (the engine caps a dependent at its upstream's
-- watermark; requests received after p_upto that they may count touch the unit again at the
-- next apply, which recomputes it whole); a reader (one organization, p_upto = infinity)
-- reads private.dimension_days_rows (stored rows plus the requests received since that
-- rollup's watermark). From '-infinity' with p_org_id NULL (the full rebuild): one grouped
-- pass over usage.dimension_days.
-- Internal: the engine (service_role) and the reader private.dimension_weeks_rows call it.
create or replace function usage.compute_dimension_weeks(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.dimension_weeks
language plpgsql
stable
set search_path = ''
set jit = off
-- Plan settings and the early exit below: README, "Usage rollups: plan settings".
set max_parallel_workers_per_gather = 0
set enable_nestloop = on
set plan_cache_mode = force_generic_plan
as $$
declare
  v_weeks date[];
begin
  if p_org_id is null and p_after = '-infinity' then
    return query
      select d.org_id, pg_catalog.date_trunc('week', d.day::timestamp)::date, d.dimension, d.key,
             pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
      from usage.dimension_days as d
      group by 1, 2, 3, 4;
    return;
  end if;
  if p_org_id is null then
    return query
      with units as materialized (select t.org_id, t.week from usage.touched_weeks(null, p_after, p_upto) as t)
      select d.org_id, u.week, d.dimension, d.key,
             pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
      from units as u
      join usage.dimension_days as d on d.org_id = u.org_id and d.day >= u.week and d.day < u.week + 7
      group by 1, 2, 3, 4;
    return;
  end if;
  if not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  v_weeks := array(select t.week from usage.touched_weeks(p_org_id, p_after, p_upto) as t);
  return query
    select p_org_id, pg_catalog.date_trunc('week', d.day::timestamp)::date, d.dimension, d.key,
           pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
    from private.dimension_days_rows(p_org_id, (select pg_catalog.min(w) from pg_catalog.unnest(v_weeks) as w),
                                     (select pg_catalog.max(w) from pg_catalog.unnest(v_weeks) as w) + 7) as d
    where pg_catalog.date_trunc('week', d.day::timestamp)::date = any (v_weeks)
    group by 1, 2, 3, 4;
end;
$$;
revoke execute on function usage.compute_dimension_weeks(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_dimension_weeks(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_dimension_weeks(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.dimension_weeks (dependent of usage.dimension_days; unit org_id, week): all (dimension, key) rows of the local weeks touched by requests received in [p_after, p_upto), summed from dimension_days over the week.';

select private.register_rollup(
  'usage.dimension_weeks', 'usage.model_requests', 'usage.dimension_weeks', 'usage.compute_dimension_weeks',
  array['org_id', 'week', 'dimension', 'key'], 'week', array['usage.dimension_days'],
  'Model requests per organization, local week (Monday) and user, team, project or feature: requests, cost, tokens; the sums of usage.dimension_days over the week.',
  array['org_id', 'week']);
