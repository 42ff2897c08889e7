-- The locks of a refresh run, taken by the session that runs it (private.run_refresh, or
-- the first session of `audiencectl refresh --jobs N`) and held until private.end_refresh or
-- the session's end. Session-level advisory locks, the keys audiencectl uses:
--   refresh (7022629572271931394), exclusive: overlapping runs do not stack; begin_refresh
--     waits up to p_wait_seconds for a run holding it, then raises 55P03;
--   migrate (7022629572271931393), shared: a running `audiencectl migrate` (exclusive) is
--     waited for up to p_wait_seconds + 60 s (then 55P03, the refresh lock released); while
--     a refresh runs, migrate waits for it;
--   the run's own lock (1920229733, private.refresh_run_key(run id)), shared, held by every
--     session that runs its steps: this one, and each other session of `--jobs N`, which
--     joins the run with private.join_refresh. A step runs only in a session that holds its
--     run's lock, while the session holding the refresh lock holds it too
--     (private.refresh_run_held; else 55000): so a session left running a step after its
--     run's first session ended (a killed client, a terminated backend) takes no further
--     step, and a new run waits for its step to end (up to p_wait_seconds, then 55P03).
-- Then every step left without finished_at and error by another run is marked
-- 'interrupted: ...' in private.refresh_log: no session of another run is left, so its
-- session ended mid-step (server restart, killed client) or its statement was cancelled
-- (pg_cancel_backend, a timeout), which no handler sees.
-- Owner / DBA sessions only (no grants).
create or replace function private.refresh_run_key(p_run_id bigint)
returns integer
language sql
immutable
set search_path = ''
as $$
  select (p_run_id % 2147483648)::integer
$$;
revoke execute on function private.refresh_run_key(bigint) from public, anon, authenticated;
comment on function private.refresh_run_key(bigint) is
  'The second key of refresh run p_run_id''s advisory lock (first key 1920229733): the run id modulo 2^31. Owner / DBA.';

-- Whether session p_pid (default: this one) holds the lock of refresh run p_run_id.
create or replace function private.refresh_run_lock_held(p_run_id bigint, p_pid integer default pg_catalog.pg_backend_pid())
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (select 1 from pg_catalog.pg_locks as l
                 where l.locktype = 'advisory' and l.granted and l.pid = p_pid
                   and l.database = (select d.oid from pg_catalog.pg_database as d where d.datname = pg_catalog.current_database())
                   and l.classid = 1920229733::oid and l.objid = private.refresh_run_key(p_run_id)::oid and l.objsubid = 2)
$$;
revoke execute on function private.refresh_run_lock_held(bigint, integer) from public, anon, authenticated;
comment on function private.refresh_run_lock_held(bigint, integer) is
  'Whether session p_pid (this one by default) holds the advisory lock of refresh run p_run_id. Owner / DBA.';

-- Whether refresh run p_run_id is live and this session takes part in it: this session
-- holds the run's lock, and the session holding the refresh lock holds it too.
create or replace function private.refresh_run_held(p_run_id bigint)
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.refresh_run_lock_held(p_run_id)
     and exists (select 1 from pg_catalog.pg_locks as l
                 where l.locktype = 'advisory' and l.granted
                   and l.database = (select d.oid from pg_catalog.pg_database as d where d.datname = pg_catalog.current_database())
                   and l.classid = (7022629572271931394 >> 32)::oid
                   and l.objid = (7022629572271931394 & 4294967295)::oid
                   and l.objsubid = 1
                   and private.refresh_run_lock_held(p_run_id, l.pid))
$$;
revoke execute on function private.refresh_run_held(bigint) from public, anon, authenticated;
comment on function private.refresh_run_held(bigint) is
  'Whether refresh run p_run_id is live (the session holding the refresh lock holds the run''s lock) and this session holds its lock too. Owner / DBA.';

create or replace function private.begin_refresh(p_run_id bigint, p_wait_seconds integer default 0)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_deadline timestamptz := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => greatest(p_wait_seconds, 0));
  v_left     text;
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
  -- A session of an earlier run still running a step (its first session ended): wait for it.
  while exists (select 1 from pg_catalog.pg_locks as l
                where l.locktype = 'advisory' and l.classid = 1920229733::oid and l.objsubid = 2
                  and l.pid <> pg_catalog.pg_backend_pid()
                  and l.database = (select d.oid from pg_catalog.pg_database as d where d.datname = pg_catalog.current_database())) loop
    if pg_catalog.clock_timestamp() >= v_deadline then
      select pg_catalog.string_agg(distinct l.objid::text, ', ') into v_left
      from pg_catalog.pg_locks as l
      where l.locktype = 'advisory' and l.classid = 1920229733::oid and l.objsubid = 2
        and l.pid <> pg_catalog.pg_backend_pid()
        and l.database = (select d.oid from pg_catalog.pg_database as d where d.datname = pg_catalog.current_database());
      perform pg_catalog.pg_advisory_unlock_shared(7022629572271931393);
      perform pg_catalog.pg_advisory_unlock(7022629572271931394);
      raise exception 'a step of refresh run % is still running in another session (its run''s first session ended)', v_left
        using errcode = '55P03', hint = 'wait for it to finish (it takes no further step), or pass a longer wait (audiencectl refresh --wait SECONDS)';
    end if;
    perform pg_catalog.pg_sleep(0.2);
  end loop;
  perform pg_catalog.pg_advisory_lock_shared(1920229733, private.refresh_run_key(p_run_id));
  update private.refresh_log
     set error = 'interrupted: the step did not finish (its session ended, or its statement was cancelled)'
   where finished_at is null and error is null and run_id <> p_run_id;
end;
$$;
revoke execute on function private.begin_refresh(bigint, integer) from public, anon, authenticated;
comment on function private.begin_refresh(bigint, integer) is
  'Takes the refresh run''s session locks (refresh exclusive, migrate shared, the run''s own lock shared; waits up to p_wait_seconds for another run and for a step of an ended run still running, then 55P03) and marks the steps of dead runs interrupted. Owner / DBA.';

-- Another session of `audiencectl refresh --jobs N` joins run p_run_id: takes the run's lock
-- (shared). 55000 when the run is not live (the session holding the refresh lock does not
-- hold the run's lock).
create or replace function private.join_refresh(p_run_id bigint)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_lock_shared(1920229733, private.refresh_run_key(p_run_id));
  if not private.refresh_run_held(p_run_id) then
    perform pg_catalog.pg_advisory_unlock_shared(1920229733, private.refresh_run_key(p_run_id));
    raise exception 'refresh run % is not running: no session holds the refresh lock for it', p_run_id
      using errcode = '55000', hint = 'start the run with private.begin_refresh (audiencectl refresh --jobs N does)';
  end if;
end;
$$;
revoke execute on function private.join_refresh(bigint) from public, anon, authenticated;
comment on function private.join_refresh(bigint) is
  'Joins refresh run p_run_id from another session (--jobs): takes the run''s lock shared; 55000 when the run is not live. Owner / DBA.';

drop function if exists private.end_refresh();
create or replace function private.end_refresh(p_run_id bigint)
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.pg_advisory_unlock_shared(1920229733, private.refresh_run_key(p_run_id));
  select pg_catalog.pg_advisory_unlock_shared(7022629572271931393);
  select pg_catalog.pg_advisory_unlock(7022629572271931394);
$$;
revoke execute on function private.end_refresh(bigint) from public, anon, authenticated;
comment on function private.end_refresh(bigint) is
  'Releases the locks of private.begin_refresh for run p_run_id. Owner / DBA.';

drop function if exists private.refresh_lock_held();
