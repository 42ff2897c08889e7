-- requires: functions/usage/threshold.sql
-- requires: functions/usage/compute_org_days.sql
-- The daily cost forecast of one organization made on local day p_as_of (which it does
-- not use: only complete days before it) for the p_days local days from p_as_of on.
-- Method: weekday-seasonal run rate times a linear trend. Over the history (the complete
-- days [p_as_of - h, p_as_of), h = min(28, days since the organization's first request),
-- days without spend counting 0): trend a + b t by least squares (regr_intercept /
-- regr_slope over t = day - p_as_of), weekday factors f_w = mean spend on weekday w /
-- mean spend (1 when the mean is 0); forecast y_t = max(0, (a + b t) x f_w(t)); sigma =
-- the standard deviation of the history's residuals y - (a + b t) x f_w. Days are local
-- dates, so a 23- or 25-hour day (DST) is one day like any other.
-- Daily spend: usage.org_days through its inlined reader private.org_days_rows.
-- Returns one row per forecast day with history_days and sigma repeated; no row when the
-- history is shorter than forecast.min_history_days ("insufficient data": callers say so).
create or replace function usage.forecast_daily(p_org_id uuid, p_as_of date, p_days integer)
returns table (day date, forecast numeric, history_days integer, sigma numeric)
language plpgsql
stable
set search_path = ''
set jit = off
as $$
declare
  v_tz    text;
  v_first date;
  v_h     integer;
begin
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  select (pg_catalog.min(r.occurred_at) at time zone v_tz)::date into v_first
  from usage.model_requests as r where r.org_id = p_org_id;
  v_h := least(28, p_as_of - v_first);
  if v_h is null or v_h < usage.threshold('forecast.min_history_days') then
    return;
  end if;
  return query
  with spend as materialized (
    select d.day, d.cost
    from private.org_days_rows(p_org_id, p_as_of - v_h, p_as_of) as d
  ),
  hist as (
    select (g.d - p_as_of) as t, extract(isodow from g.d)::integer as dow, coalesce(s.cost, 0)::double precision as y
    from pg_catalog.generate_series(p_as_of - v_h, p_as_of - 1, interval '1 day') as g0 (ts)
    cross join lateral (select g0.ts::date as d) as g
    left join spend as s on s.day = g.d
  ),
  fit as (
    select pg_catalog.regr_intercept(h.y, h.t) as a, pg_catalog.regr_slope(h.y, h.t) as b, pg_catalog.avg(h.y) as mean from hist as h
  ),
  factors as (
    select h.dow, case when f.mean = 0 then 1 else pg_catalog.avg(h.y) / f.mean end as factor
    from hist as h, fit as f group by h.dow, f.mean
  ),
  resid as (
    select coalesce(pg_catalog.stddev_samp(h.y - (f.a + f.b * h.t) * x.factor), 0) as sigma
    from hist as h, fit as f, factors as x where x.dow = h.dow
  )
  select g.d, pg_catalog.round(greatest(0, (f.a + f.b * (g.d - p_as_of)) * coalesce(x.factor, 1))::numeric, 6), v_h,
         pg_catalog.round(r.sigma::numeric, 6)
  from pg_catalog.generate_series(p_as_of, p_as_of + p_days - 1, interval '1 day') as g0 (ts)
  cross join lateral (select g0.ts::date as d) as g
  cross join fit as f cross join resid as r
  left join factors as x on x.dow = extract(isodow from g.d)::integer
  order by g.d;
end;
$$;
revoke execute on function usage.forecast_daily(uuid, date, integer) from public, anon, authenticated;
grant execute on function usage.forecast_daily(uuid, date, integer) to service_role;
comment on function usage.forecast_daily(uuid, date, integer) is
  'Daily cost forecast from p_as_of on: weekday factors x linear trend fitted by regr_slope over the last 28 complete local days; no rows with less than forecast.min_history_days days of history.';
