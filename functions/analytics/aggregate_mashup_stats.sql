-- requires: functions/analytics/aggregate_daily.sql
-- The mashup dashboard plan's name: recompute the rollups of one local day (every
-- organization; entity stats included), or run incrementally when target_date is NULL.
-- A thin wrapper over analytics.aggregate_daily. Callable by service_role and DBA sessions.
create or replace function analytics.aggregate_mashup_stats(target_date date)
returns table (org_id uuid, days integer, first_day date, last_day date, rows_changed bigint, watermark timestamptz)
language sql
volatile
set search_path = ''
as $$
  select * from analytics.aggregate_daily(null, target_date)
$$;
revoke execute on function analytics.aggregate_mashup_stats(date) from public, anon, authenticated;
grant execute on function analytics.aggregate_mashup_stats(date) to service_role;
comment on function analytics.aggregate_mashup_stats(date) is
  'Plan name (mashup_daily_stats): analytics.aggregate_daily(null, target_date). service_role / DBA.';
