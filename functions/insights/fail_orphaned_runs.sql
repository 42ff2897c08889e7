-- requires: functions/insights/holds_run_lock.sql
-- Ends as failed every processing generation run of p_org_id (NULL: of every organization)
-- whose session ended: it was tied to a session (insights.hold_run: session_lock) and its
-- advisory lock is free, so the process that worked on it died or lost its connection before
-- it finished. Returns how many were failed. A run whose session is alive (its lock is held),
-- that the calling session holds itself, that is being finished right now (its row is
-- locked), or that is not tied to a session, is left processing. The free lock is taken for
-- the transaction only (pg_try_advisory_xact_lock), so the check leaves nothing behind.
-- A failed run does not count toward the manual rate limit. Called by
-- insights.check_generation_allowed (so a crash never holds the manual slot) and
-- insights.fail_abandoned_runs; service_role only.
create or replace function insights.fail_orphaned_runs(p_org_id uuid default null)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run   record;
  v_count integer := 0;
begin
  for v_run in
    select r.id, r.session_lock
      from insights.generation_runs r
     where r.status = 'processing'
       and r.session_lock is not null
       and (p_org_id is null or r.org_id = p_org_id)
     order by r.id
       for update skip locked
  loop
    if not insights.holds_run_lock(v_run.session_lock) and pg_catalog.pg_try_advisory_xact_lock(v_run.session_lock) then
      update insights.generation_runs r
      set status = 'failed',
          error = 'abandoned: the session processing it ended before it finished (its process stopped or lost the connection)',
          finished_at = pg_catalog.now(),
          duration_ms = pg_catalog.round(extract(epoch from pg_catalog.now() - r.created_at) * 1000)::integer
      where r.id = v_run.id;
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end;
$$;
revoke execute on function insights.fail_orphaned_runs(uuid) from public, anon, authenticated;
grant execute on function insights.fail_orphaned_runs(uuid) to service_role;
comment on function insights.fail_orphaned_runs(uuid) is
  'Fails the processing generation runs (of one organization, or all with NULL) whose session ended: tied by insights.hold_run and their advisory lock free. Returns the count. service_role only.';
