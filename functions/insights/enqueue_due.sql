-- The daily scheduled generation (pg_cron at 06:00 UTC, or `audiencectl insights work
-- --due`): a pending scheduled (not manual) run for each organization insights.orgs_due
-- returns, at most p_limit (1 to 1000); returns how many were queued. An organization with
-- a run pending already is not due (orgs_due skips any run of the last 20 hours that has
-- not failed); concurrent calls are serialized (transaction advisory lock), so two
-- schedulers at once queue one run per organization.
-- service_role only; 22023 for a limit out of range (orgs_due's).
create or replace function insights.enqueue_due(p_limit integer default 100)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  -- One at a time: a second call waits, then (its INSERT's snapshot taken after the wait)
  -- sees the runs the first one queued and finds those organizations not due. Two at once
  -- had queued 150 runs for 75 organizations.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.enqueue_due'));
  insert into insights.generation_runs (org_id, status, is_manual, requested_by, period_start, period_end)
  select d.org_id, 'pending', false, null, b.period_start, b.period_end
  from insights.orgs_due(p_limit) d
  cross join lateral insights.period_bounds(d.org_id) b;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
revoke execute on function insights.enqueue_due(integer) from public, anon, authenticated;
grant execute on function insights.enqueue_due(integer) to service_role;
comment on function insights.enqueue_due(integer) is
  'Queues a pending scheduled generation run for each organization due (insights.orgs_due, at most p_limit); returns the count. Run daily by the scheduler before audiencectl insights work. service_role only.';
