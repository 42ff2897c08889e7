-- The locks of a refresh run, taken by the session that runs it (private.run_refresh, or
-- the first session of `audiencectl refresh --jobs N`) and held until private.end_refresh or
-- the session's end. Session-level advisory locks, the keys audiencectl uses:
--   refresh (7022629572271931394), exclusive: overlapping runs do not stack; begin_refresh
--     waits up to p_wait_seconds for a run holding it, then raises 55P03;
--   migrate (7022629572271931393), shared: a running `audiencectl migrate` (exclusive) is
--     waited for up to p_wait_seconds + 60 s (then 55P03, the refresh lock released); while
--     a refresh runs, migrate waits for it.
-- Then every step left without finished_at and error by another run is marked
-- 'interrupted: ...' in private.refresh_log: every live run holds the refresh lock, so its
-- session ended mid-step (server restart, killed client) or its statement was cancelled
-- (pg_cancel_backend, a timeout), which no handler sees.
-- private.refresh_lock_held: whether some session holds the refresh lock (a step's check).
-- Owner / DBA sessions only (no grants).
create or replace function private.begin_refresh(p_run_id bigint, p_wait_seconds integer default 0)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_deadline timestamptz := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => greatest(p_wait_seconds, 0));
begin
  while not pg_catalog.pg_try_advisory_lock(7022629572271931394) loop
    if pg_catalog.clock_timestamp() >= v_deadline then
      raise exception 'another refresh is running'
        using errcode = '55P03', hint = 'wait for it to finish, or pass a longer wait (audiencectl refresh --wait SECONDS)';
    end if;
    perform pg_catalog.pg_sleep(0.2);
  end loop;
  while not pg_catalog.pg_try_advisory_lock_shared(7022629572271931393) loop
    if pg_catalog.clock_timestamp() >= v_deadline + interval '60 seconds' then
      perform pg_catalog.pg_advisory_unlock(7022629572271931394);
      raise exception 'audiencectl migrate has been running for over a minute; refresh gave up waiting'
        using errcode = '55P03', hint = 'run refresh again when the migration has finished';
    end if;
    perform pg_catalog.pg_sleep(0.2);
  end loop;
  update private.refresh_log
     set error = 'interrupted: the step did not finish (its session ended, or its statement was cancelled)'
   where finished_at is null and error is null and run_id <> p_run_id;
end;
$$;
revoke execute on function private.begin_refresh(bigint, integer) from public, anon, authenticated;
comment on function private.begin_refresh(bigint, integer) is
  'Takes the refresh run''s session locks (refresh exclusive, migrate shared; waits up to p_wait_seconds, then 55P03) and marks the steps of dead runs interrupted. Owner / DBA.';

create or replace function private.end_refresh()
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.pg_advisory_unlock_shared(7022629572271931393);
  select pg_catalog.pg_advisory_unlock(7022629572271931394);
$$;
revoke execute on function private.end_refresh() from public, anon, authenticated;
comment on function private.end_refresh() is
  'Releases the locks of private.begin_refresh. Owner / DBA.';

create or replace function private.refresh_lock_held()
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (select 1 from pg_catalog.pg_locks as l
                 where l.locktype = 'advisory' and l.granted and l.database = (select d.oid from pg_catalog.pg_database as d where d.datname = pg_catalog.current_database())
                   and l.classid = (7022629572271931394 >> 32)::oid
                   and l.objid = (7022629572271931394 & 4294967295)::oid
                   and l.objsubid = 1)
$$;
revoke execute on function private.refresh_lock_held() from public, anon, authenticated;
comment on function private.refresh_lock_held() is
  'Whether some session holds the refresh lock of private.begin_refresh. Owner / DBA.';
