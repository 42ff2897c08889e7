-- requires: functions/insights/fail_orphaned_runs.sql
-- Ends as failed every generation run whose session ended (insights.fail_orphaned_runs: tied
-- to a session by insights.hold_run, its advisory lock free), at once, and every run left
-- processing for more than p_minutes (default 30) minutes: its worker died or hung before it
-- could finish it. A failed run does not count toward the rate limit, so the organization
-- may request again. Returns how many were failed (both kinds).
-- Called by `audiencectl insights work` before it takes runs; service_role only; 22023
-- unless p_minutes is at least 1.
create or replace function insights.fail_abandoned_runs(p_minutes integer default 30)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count   integer;
  v_orphans integer;
begin
  if p_minutes is null or p_minutes < 1 then
    raise exception 'p_minutes must be at least 1, not %', coalesce(p_minutes::text, 'NULL')
      using errcode = '22023', hint = 'Pass how many minutes a run may stay processing.';
  end if;
  v_orphans := insights.fail_orphaned_runs(null);
  update insights.generation_runs r
  set status = 'failed',
      error = pg_catalog.format('abandoned: still processing after %s minutes (the worker stopped before finishing it)', p_minutes),
      finished_at = pg_catalog.now(),
      duration_ms = pg_catalog.round(extract(epoch from pg_catalog.now() - r.created_at) * 1000)::integer
  where r.status = 'processing'
    and coalesce(r.started_at, r.created_at) < pg_catalog.now() - pg_catalog.make_interval(mins => p_minutes);
  get diagnostics v_count = row_count;
  return v_orphans + v_count;
end;
$$;
revoke execute on function insights.fail_abandoned_runs(integer) from public, anon, authenticated;
grant execute on function insights.fail_abandoned_runs(integer) to service_role;
comment on function insights.fail_abandoned_runs(integer) is
  'Fails generation runs whose session ended (insights.fail_orphaned_runs), and runs left processing for more than p_minutes (default 30) minutes, with the reason; returns the count. service_role only.';
