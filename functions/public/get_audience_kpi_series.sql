-- requires: functions/private/assert_period.sql
-- requires: functions/private/audience_kpi_days.sql
-- The per-day series behind the 8 KPI cards of the audience overview (sparklines), for
-- the local days [p_from, p_to) of one organization: one row per day, days without a
-- visitor included (zeros; rates NULL).
-- Each row is exactly public.get_audience_overview(p_org_id, day, day + 1)'s current row
-- (see there for the definitions): visitors, sessions started, checkout_rate_pct,
-- purchase_rate_pct (visitors of the day who bought that day / visitors), new_buyers
-- (first order ever that day), returning_buyers, mobile_conversion_pct and
-- desktop_conversion_pct; the counts behind each rate are returned with it. A day's
-- distinct counts are of that day: the sum of a series is not the period's distinct count.
-- Callable by members (viewer or above) and service_role.
-- Errors: 42501 not a member (hint: ask an admin); 22023 p_to not after p_from, a NULL or
-- infinite bound, or more than 366 days (hint names the limit).
create or replace function public.get_audience_kpi_series(p_org_id uuid, p_from date, p_to date)
returns table (
  day                    date,
  visitors               bigint,
  sessions               bigint,
  checkout_visitors      bigint,
  checkout_rate_pct      numeric,
  buyers                 bigint,
  purchase_rate_pct      numeric,
  new_buyers             bigint,
  returning_buyers       bigint,
  mobile_visitors        bigint,
  mobile_conversion_pct  numeric,
  desktop_visitors       bigint,
  desktop_conversion_pct numeric
)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);

  return query
  select k.day, k.visitors, k.sessions, k.checkout_visitors,
         pg_catalog.round(100.0 * k.checkout_visitors / nullif(k.visitors, 0), 1),
         k.buyers,
         pg_catalog.round(100.0 * k.converted / nullif(k.visitors, 0), 1),
         k.new_buyers, k.buyers - k.new_buyers,
         k.mobile_visitors,
         pg_catalog.round(100.0 * k.mobile_converted / nullif(k.mobile_visitors, 0), 1),
         k.desktop_visitors,
         pg_catalog.round(100.0 * k.desktop_converted / nullif(k.desktop_visitors, 0), 1)
  from private.audience_kpi_days(p_org_id, p_from, p_to) as k
  order by k.day;
end;
$$;
revoke execute on function public.get_audience_kpi_series(uuid, date, date) from public, anon;
grant execute on function public.get_audience_kpi_series(uuid, date, date) to authenticated, service_role;
comment on function public.get_audience_kpi_series(uuid, date, date) is
  'Per local day of [p_from, p_to) (every day, zeros when empty): the 8 audience KPIs (visitors, sessions, checkout_rate_pct, purchase_rate_pct, new_buyers, returning_buyers, mobile_conversion_pct, desktop_conversion_pct) with their counts; each row equals get_audience_overview(day, day + 1). Members (viewer+) and service_role; 42501 non-members, 22023 bad period.';
