-- requires: functions/private/begin_refresh.sql
-- Runs one step of refresh run p_run_id (a row of private.refresh_plan: its name and
-- statement) and logs it in private.refresh_log: a row when it starts, committed (a run that
-- dies mid-step leaves it without finished_at; the next run marks it interrupted), a NOTICE
-- 'refresh run N step S: started' (names the step to a client whose connection is lost), the
-- statement, then the row's finished_at, duration_ms and error ('SQLSTATE: message'; the
-- step's changes rolled back), committed. A failing step does not raise: the run goes on.
-- CALLed outside a transaction block (it commits), in a session that takes part in live run
-- p_run_id (private.refresh_run_held: the session that began it with private.begin_refresh,
-- or one that joined it with private.join_refresh): private.run_refresh for each step in
-- turn, or the sessions of `audiencectl refresh --jobs N` for the steps of a group at once.
-- 55000: this session is not part of run p_run_id, or the run's first session no longer
-- holds the refresh lock (it ended: a session left with a step takes no further one).
-- Owner / DBA sessions only (no grants).
create or replace procedure private.run_refresh_step(p_run_id bigint, p_step text, p_sql text)
language plpgsql
-- No `set search_path` clause: a procedure with one cannot COMMIT. It is not SECURITY
-- DEFINER, and every name below is schema-qualified.
as $$
declare
  v_log_id bigint;
  v_started timestamptz := pg_catalog.clock_timestamp();
  v_error text;
begin
  if not private.refresh_run_held(p_run_id) then
    raise exception 'refresh step % of run % outside a live refresh run: this session has not joined it, or its first session no longer holds the refresh lock', p_step, p_run_id
      using errcode = '55000', hint = 'run audiencectl refresh, or call private.run_refresh()';
  end if;
  insert into private.refresh_log (run_id, step, started_at) values (p_run_id, p_step, v_started)
    returning id into v_log_id;
  commit;
  raise notice 'refresh run % step %: started', p_run_id, p_step;
  begin
    execute p_sql;
  exception when others then
    v_error := sqlstate || ': ' || sqlerrm;
  end;
  update private.refresh_log
     set finished_at = pg_catalog.clock_timestamp(),
         duration_ms = (extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::integer,
         error = v_error
   where id = v_log_id;
  commit;
end;
$$;
revoke execute on procedure private.run_refresh_step(bigint, text, text) from public;
comment on procedure private.run_refresh_step(bigint, text, text) is
  'Runs and logs one refresh step (private.refresh_log: started, committed; then finished_at, duration_ms, error); a failing step does not raise. Needs this session to take part in live run p_run_id (private.refresh_run_held; 55000). Owner / DBA.';
