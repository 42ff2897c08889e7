-- requires: functions/insights/locked_run.sql
-- requires: functions/insights/holds_run_lock.sql
-- Ties a processing generation run to the calling session and returns its id: takes a
-- session-level advisory lock keyed by the run (the first 64 bits of its id) and records the
-- key in generation_runs.session_lock. The lock lasts until insights.finish_run releases it or
-- the session ends; a processing run whose lock another session can take lost its session and
-- is failed at once as abandoned (insights.fail_orphaned_runs, run by
-- insights.check_generation_allowed and insights.fail_abandoned_runs), instead of holding the
-- organization's manual slot for 30 minutes. audiencectl calls it in the statement that starts
-- or claims the run (`select insights.hold_run(insights.start_run(...))`), so no run is left
-- untied between the two. Call it on a direct connection or through a session pooler (which
-- releases a client's advisory locks when the client goes, with DISCARD ALL): through a
-- transaction pooler the lock would stay on a server session other clients share.
-- A run already tied, or whose key another session holds (two runs whose ids share 64 bits),
-- is left as it is: then only the 30 minutes of insights.fail_abandoned_runs apply to it.
-- Callable by service_role only, like insights.start_run; membership (analyst or above) is
-- checked as insights.finish_run does. Errors: unknown run P0002 (42501 for an API user), a
-- run that is not processing 55000.
create or replace function insights.hold_run(p_run_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run insights.generation_runs;
  v_key bigint;
begin
  v_run := insights.locked_run(p_run_id);   -- P0002 / 42501
  if v_run.status <> 'processing' then
    raise exception 'generation run % is %, not processing', p_run_id, v_run.status
      using errcode = '55000', hint = 'Tie a run to the session in the statement that starts or claims it.';
  end if;
  if v_run.session_lock is not null then
    return p_run_id;
  end if;
  v_key := ('x' || pg_catalog.left(pg_catalog.replace(p_run_id::text, '-', ''), 16))::bit(64)::bigint;
  if pg_catalog.pg_try_advisory_lock(v_key) then
    update insights.generation_runs r set session_lock = v_key where r.id = p_run_id;
  end if;
  return p_run_id;
end;
$$;
revoke execute on function insights.hold_run(uuid) from public, anon, authenticated;
grant execute on function insights.hold_run(uuid) to service_role;
comment on function insights.hold_run(uuid) is
  'Ties a processing generation run to the calling session (a session-level advisory lock, its key in session_lock) and returns its id; a run whose session ended is failed at once by insights.fail_orphaned_runs. P0002 unknown run, 55000 not processing. service_role only.';
