-- requires: functions/usage/forecast_daily.sql
-- requires: functions/usage/period_interval.sql
-- requires: functions/usage/compute_org_days.sql
-- Cost forecast of one organization for the current month, quarter and year (p_horizon
-- 'month', 'quarter', 'year' or 'all'), "current" being the periods of p_as_of, by
-- default today's local date in the organization's time zone. Per period: period_start,
-- period_end (exclusive), spent_so_far (the period's cost up to now, today included, to
-- the cent), projected_total = the cost of the period's complete days before p_as_of +
-- the forecast of p_as_of .. period_end - 1 (usage.forecast_daily), low_80 / high_80 =
-- projected -/+ 1.2816 x sigma x sqrt(days left) (low never below spent_so_far),
-- history_days, status 'ok' or 'insufficient data' (less than 7 complete days since the
-- first request: projections NULL, never a division by zero) and the method:
--   weekday-seasonal run rate x linear trend fitted with regr_slope over the last 28
--   complete local days; 80 % interval from the residual standard deviation.
-- Backtest on the demo (seed/README.md, demo-nexus): forecast made on 2026-06-08 for the
-- 7 days 2026-06-08 .. 2026-06-14: $42.75 against $40.58 spent (+5.3 %): it cannot know
-- the price cut of 2026-06-10 (-$2/day) nor the batch cost spike of 2026-06-08 (+$7.13).
-- Periods are local dates, so the first day of a period, and DST changes (a 23- or
-- 25-hour day is one day), need nothing special.
-- Daily spend is read from usage.org_days (one row a local day) through its inlined reader
-- private.org_days_rows. Who: analysts and above. Errors: 42501 not a member or below analyst; 22023 unknown
-- horizon (hint).
create or replace function public.forecast_costs(p_org_id uuid, p_horizon text default 'all', p_as_of date default null)
returns table (horizon text, period_start date, period_end date, status text, method text, history_days integer,
               spent_so_far numeric, projected_total numeric, low_80 numeric, high_80 numeric)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_today date;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  if p_horizon is null or p_horizon not in ('month', 'quarter', 'year', 'all') then
    raise exception 'unknown forecast horizon %', p_horizon using errcode = '22023', hint = 'Use month, quarter, year or all.';
  end if;
  select coalesce(p_as_of, (pg_catalog.now() at time zone o.timezone)::date) into v_today
  from app.organizations as o where o.id = p_org_id;
  return query
  with periods as (
    select p.h, pg_catalog.date_trunc(p.h, v_today)::date as ps,
           (pg_catalog.date_trunc(p.h, v_today) + usage.period_interval(p.h))::date as pe
    from (values (1, 'month'), (2, 'quarter'), (3, 'year')) as p (ord, h)
    where p_horizon in ('all', p.h)
  ),
  spend as materialized (
    select d.day, d.cost
    from private.org_days_rows(p_org_id, (select pg_catalog.min(p.ps) from periods as p), v_today + 1) as d
  ),
  fc as (select * from usage.forecast_daily(p_org_id, v_today, (select pg_catalog.max(p.pe) from periods as p) - v_today))
  select p.h, p.ps, p.pe,
         case when (select pg_catalog.count(*) from fc) = 0 then 'insufficient data' else 'ok' end,
         'weekday-seasonal run rate x linear trend (regr_slope over the last 28 complete local days); 80 % interval from the residual standard deviation'::text,
         (select pg_catalog.max(f.history_days) from fc as f),
         pg_catalog.round(coalesce((select pg_catalog.sum(s.cost) from spend as s where s.day >= p.ps and s.day <= v_today), 0), 2),
         x.projected, case when x.projected is not null then greatest(x.spent, x.projected - x.half) end, x.projected + x.half
  from periods as p
  cross join lateral (
    select pg_catalog.round(coalesce((select pg_catalog.sum(s.cost) from spend as s where s.day >= p.ps and s.day < v_today), 0)
                            + pg_catalog.sum(f.forecast), 2) as projected,
           pg_catalog.round(1.2816 * pg_catalog.max(f.sigma) * pg_catalog.sqrt((p.pe - v_today)::numeric), 2) as half,
           pg_catalog.round(coalesce((select pg_catalog.sum(s.cost) from spend as s where s.day >= p.ps and s.day <= v_today), 0), 2) as spent
    from fc as f where f.day < p.pe
  ) as x
  order by p.pe - p.ps;
end;
$$;
revoke execute on function public.forecast_costs(uuid, text, date) from public, anon;
grant execute on function public.forecast_costs(uuid, text, date) to authenticated, service_role;
comment on function public.forecast_costs(uuid, text, date) is
  'Cost forecast for the current month, quarter and year: spent so far, projected total with an 80 % interval, the method (weekday-seasonal run rate x regr_slope trend over 28 days) or "insufficient data" with less than 7 days of history. Analysts and above. 42501; 22023 unknown horizon.';
