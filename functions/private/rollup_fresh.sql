-- requires: functions/private/rollup_for_row.sql
-- The rows a rollup's compute function returns for one organization since its watermark:
-- compute(p_org_id, watermark, infinity), i.e. the recomputed rows of every key (or unit)
-- that source rows received since the last apply touch. The fresh half of every reader
-- (private.<target>_rows, private.rollup_reader); the rollup is the one whose target's row
-- type is that of p_row: select * from private.rollup_fresh(null::analytics.org_daily_stats, org).
-- Runs without JIT and parallel workers (SET below): the compute functions' queries are
-- planned generically over the whole partitioned log, whose estimates cross jit_above_cost
-- and the parallel thresholds, while a reader call finds a few new rows (at 10M events,
-- largest organization, nothing new: 0.9-1.3 s with JIT, 0.17-0.20 s with workers, 34 ms
-- without either). Reads the watermark in the caller's snapshot (STABLE), the same one in
-- which the reader reads the stored rows. Internal; never granted to API roles.
-- Errors: 22023 when no rollup has that target.
create or replace function private.rollup_fresh(p_row anyelement, p_org_id uuid)
returns setof anyelement
language plpgsql
stable
set search_path = ''
set jit = off
set max_parallel_workers_per_gather = 0
as $$
declare
  v_rollup private.rollups;
begin
  v_rollup := private.rollup_for_row(p_row);
  return query execute pg_catalog.format(
    'select c.* from %s($1, $2, ''infinity'') as c where c.org_id = $1', v_rollup.compute_function)
  using p_org_id, v_rollup.watermark;
end;
$$;
revoke execute on function private.rollup_fresh(anyelement, uuid) from public;
comment on function private.rollup_fresh(anyelement, uuid) is
  'A registered rollup''s compute function over [watermark, infinity) for one organization: the recomputed rows of the keys touched since the last apply. Internal, for the readers.';
