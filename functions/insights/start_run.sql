-- requires: functions/insights/check_generation_allowed.sql
-- Starts an insight generation run for an organization and returns its id (status
-- processing), after two checks. Callable by service_role only (audiencectl insights
-- generate, or an app back end acting for a member): a run started by an API user would
-- never be processed and would take the organization's manual slot. The membership check
-- (analyst or above) stays inside in case it is ever granted further.
--
-- The checks are insights.check_generation_allowed's (shared with
-- public.request_insight_generation):
-- 1. Rate limit (manual runs only): at most one manual generation per organization within
--    lifecycle.manual_interval_minutes (60). A manual run that failed does not count (the
--    user may retry after a provider outage). Raises SQLSTATE IN001 ("insights rate
--    limited"), the message and hint giving the minutes left, the detail
--    "retry_after_minutes=<n>" for programs.
-- 2. Sufficient data (every run): in the default period (the last 30 whole days in the
--    organization's time zone) at least min.total_clicks (20) link clicks, bots excluded,
--    and at least min.history_days (7) days between the first event and the period end.
--    Raises SQLSTATE IN002 ("insufficient data"), the message giving both numbers.
-- Custom SQLSTATE class IN (insights): IN001 rate limited, IN002 insufficient data.
-- Concurrent starts for one organization are serialized (transaction advisory lock), so
-- two manual requests at once cannot both pass the rate limit.
create or replace function insights.start_run(p_org_id uuid, p_manual boolean)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_bounds       record;
  v_run_id       uuid;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  if p_manual is null then
    raise exception 'p_manual must not be null'
      using errcode = '22023', hint = 'Pass true for a generation requested for one organization, false for the scheduled batch.';
  end if;

  perform insights.check_generation_allowed(p_org_id, p_manual);
  select * into v_bounds from insights.period_bounds(p_org_id);

  insert into insights.generation_runs (org_id, status, is_manual, requested_by, period_start, period_end, started_at)
  values (p_org_id, 'processing', p_manual, auth.uid(), v_bounds.period_start, v_bounds.period_end, pg_catalog.now())
  returning id into v_run_id;
  return v_run_id;
end;
$$;
revoke execute on function insights.start_run(uuid, boolean) from public, anon, authenticated;
grant execute on function insights.start_run(uuid, boolean) to service_role;
comment on function insights.start_run(uuid, boolean) is
  'Starts an insight generation run (status processing) and returns its id. Manual runs: at most one per lifecycle.manual_interval_minutes per organization, else SQLSTATE IN001 with the minutes left (detail retry_after_minutes=<n>). Every run: at least min.total_clicks link clicks in the last 30 days and min.history_days days of history, else SQLSTATE IN002 (insufficient data). service_role only.';
