-- requires: functions/private/assert_period.sql
-- requires: functions/usage/compute_org_days.sql
-- requires: functions/usage/compute_org_hours.sql
-- requires: functions/usage/compute_active_user_days.sql
-- The series the charts and sparklines of one organization draw over the local days
-- [p_from, p_to), one row per bucket (every bucket of the range, zeros included):
-- p_grain 'day' (local days; at most 366) or 'hour' (local hours; at most 31 days).
-- bucket_start (the local start of the day or hour, as timestamptz: date_trunc in the
-- organization's zone, so an hour that clocks skip into, half an hour later, keeps the
-- label of its truncation), requests, cost (to
-- the cent), errors, error_rate_pct (1 decimal), latency_p95_ms (log-scale buckets,
-- within 4.4 %), active_users (distinct users of the day, exact; NULL for hours: the
-- hourly rollup has no user dimension).
-- Who: analysts and above (a plain member gets 42501: the series are organization-wide).
-- Reads one row a bucket through the inlined readers: usage.org_days and
-- usage.active_user_days (day: active users of a day = the sum of its rows) or
-- usage.org_hours (hour); the p95 of each day or hour is stored with it (the same
-- usage.histogram_percentile of its merged histogram). Errors: 42501 not a member or below analyst; 22023 bad period,
-- unknown grain, more than 31 days at hour grain.
create or replace function public.get_usage_trends(p_org_id uuid, p_from date, p_to date, p_grain text default 'day')
returns table (bucket_start timestamptz, requests bigint, cost numeric, errors bigint, error_rate_pct numeric,
               latency_p95_ms numeric, active_users bigint)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_tz text;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  perform private.assert_period(p_from, p_to);
  if p_grain is null or p_grain not in ('day', 'hour') then
    raise exception 'unknown grain %', p_grain using errcode = '22023', hint = 'Use day or hour.';
  end if;
  if p_grain = 'hour' and p_to - p_from > 31 then
    raise exception 'an hourly series covers at most 31 days; this one covers %', p_to - p_from
      using errcode = '22023', hint = 'Use grain day for longer periods.';
  end if;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  return query
  with a as (
    select r.day::timestamp at time zone v_tz as bucket, r.requests, r.cost, r.errors, r.latency_p95_ms as p95
    from private.org_days_rows(p_org_id, p_from, p_to) as r
    where p_grain = 'day'
    union all
    select r.hour, r.requests, r.cost, r.errors, r.latency_p95_ms
    from private.org_hours_rows(p_org_id, p_from::timestamp at time zone v_tz, p_to::timestamp at time zone v_tz) as r
    where p_grain = 'hour'
  ),
  buckets as (
    select case when p_grain = 'day' then d::date::timestamp at time zone v_tz end as bucket
    from pg_catalog.generate_series(p_from::timestamp, (p_to - 1)::timestamp, interval '1 day') as d
    where p_grain = 'day'
    union
    -- Every local hour the rollup can label (date_trunc in the zone), found by stepping a
    -- quarter of an hour: a zone whose clocks move by half an hour (Australia/Lord_Howe)
    -- puts hour starts at :30 UTC, which whole-hour steps from midnight miss.
    select pg_catalog.date_trunc('hour', t, v_tz)
    from pg_catalog.generate_series(p_from::timestamp at time zone v_tz, (p_to::timestamp at time zone v_tz) - interval '15 minutes',
                                    interval '15 minutes') as t
    where p_grain = 'hour'
  ),
  u as (
    select a.day::timestamp at time zone v_tz as bucket, pg_catalog.sum(a.users)::bigint as users
    from private.active_user_days_rows(p_org_id, p_from, p_to) as a
    where p_grain = 'day'
    group by a.day
  )
  select k.bucket, coalesce(a.requests, 0), pg_catalog.round(coalesce(a.cost, 0), 2), coalesce(a.errors, 0),
         pg_catalog.round(100.0 * a.errors / nullif(a.requests, 0), 1), a.p95,
         case when p_grain = 'day' then coalesce(u.users, 0) end
  from buckets as k
  left join a on a.bucket = k.bucket
  left join u on u.bucket = k.bucket
  order by k.bucket;
end;
$$;
revoke execute on function public.get_usage_trends(uuid, date, date, text) from public, anon;
grant execute on function public.get_usage_trends(uuid, date, date, text) to authenticated, service_role;
comment on function public.get_usage_trends(uuid, date, date, text) is
  'Daily or hourly series for local days [p_from, p_to): requests, cost, errors, error rate, p95 latency (log-scale buckets), active users (days only). Analysts and above. 42501; 22023 bad period or grain.';
