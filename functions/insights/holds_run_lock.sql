-- Whether the calling session itself holds the session-level advisory lock p_lock (a run's
-- session_lock, pg_advisory_lock(bigint)): pg_try_advisory_lock succeeds for a lock the
-- session already holds, so a session would otherwise take its own run for an orphan.
-- Reads pg_locks (the lock of a bigint key: classid its high 32 bits, objid its low 32 bits,
-- objsubid 1). NULL is held by nobody. Internal: called by insights.fail_orphaned_runs and
-- insights.finish_run; no API role may call it.
create or replace function insights.holds_run_lock(p_lock bigint)
returns boolean
language sql
stable
set search_path = ''
as $$
  select p_lock is not null
     and exists (select 1 from pg_catalog.pg_locks l
                  where l.locktype = 'advisory'
                    and l.pid = pg_catalog.pg_backend_pid()
                    and l.database = (select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database())
                    and l.objsubid = 1
                    and l.classid = ((p_lock >> 32) & 4294967295)::oid
                    and l.objid = (p_lock & 4294967295)::oid
                    and l.granted)
$$;
revoke execute on function insights.holds_run_lock(bigint) from public, anon, authenticated, service_role;
comment on function insights.holds_run_lock(bigint) is
  'Whether the calling session holds the session-level advisory lock p_lock (a generation run''s session_lock). Internal.';
