-- Requests an insight generation for an organization: what an app's POST /generate calls.
-- Records a pending manual run and returns its id; `audiencectl insights work` (run by the
-- scheduler) processes it. Poll insights.generation_runs (members read their
-- organizations' runs) until its status is completed or failed.
-- Callable by any member (viewer or above) and service_role.
-- Errors:
--   42501  not a member of the organization (hint: ask an owner to invite you);
--   IN001  rate limited: a manual generation (pending, processing or completed) within
--          lifecycle.manual_interval_minutes (60); failed runs do not count. Detail
--          retry_after_minutes=<n>, hint with the minutes left;
--   IN002  insufficient data: fewer than min.total_clicks (20) link clicks in the last 30
--          days or fewer than min.history_days (7) days of history (the refusal an API
--          answers with 422), hint: share your links and try again in a few days.
create or replace function public.request_insight_generation(p_org_id uuid)
returns table (run_id uuid, status insights.insight_run_status)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_bounds record;
  v_run_id uuid;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform insights.check_generation_allowed(p_org_id, true);
  select * into v_bounds from insights.period_bounds(p_org_id);
  insert into insights.generation_runs (org_id, status, is_manual, requested_by, period_start, period_end)
  values (p_org_id, 'pending', true, auth.uid(), v_bounds.period_start, v_bounds.period_end)
  returning id into v_run_id;
  return query select v_run_id, 'pending'::insights.insight_run_status;
end;
$$;
revoke execute on function public.request_insight_generation(uuid) from public, anon;
grant execute on function public.request_insight_generation(uuid) to authenticated, service_role;
comment on function public.request_insight_generation(uuid) is
  'Requests an insight generation (a pending manual run, processed by audiencectl insights work); returns its id and status pending. Members (viewer or above) and service_role. 42501 non-member; IN001 rate limited (one manual generation per hour, failed runs excepted; detail retry_after_minutes=<n>); IN002 insufficient data (fewer than 20 link clicks in the last 30 days or under 7 days of history).';
