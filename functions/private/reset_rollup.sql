-- Empties a rollup's target and sets its watermark to '-infinity', so that the next
-- private.apply_rollup rebuilds it in full with the same statement as every incremental
-- run (there is no second code path). Takes an ACCESS EXCLUSIVE lock on the target until
-- the transaction ends: readers wait; run it with the apply in one transaction
-- (`select private.reset_rollup(n); select private.apply_rollup(n);`) or in a quiet hour.
-- A rollup that keeps retractions for its dependents (migrations/1215) also empties them
-- and resets those dependents: they move by differences, which its rebuild does not keep.
-- Owner / DBA sessions only. Errors: 22023 for an unknown rollup.
create or replace function private.reset_rollup(p_name text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_target regclass;
  v_retractions regclass;
  v_dependent text;
begin
  select r.target, r.retractions into v_target, v_retractions from private.rollups as r where r.name = p_name for update;
  if not found then
    raise exception 'no rollup is named %', p_name
      using errcode = '22023', hint = 'see select name from private.rollups';
  end if;
  execute pg_catalog.format('truncate %s', v_target);
  update private.rollups as r
  set watermark = '-infinity', applied_at = null, applied_rows = null, duration_ms = null
  where r.name = p_name;
  if v_retractions is not null then
    -- Its rebuild keeps no retractions: the dependents that move by them are rebuilt too.
    execute pg_catalog.format('truncate %s', v_retractions);
    for v_dependent in select d.name from private.rollups as d where p_name = any (d.depends_on) order by d.name loop
      perform private.reset_rollup(v_dependent);
    end loop;
  end if;
end;
$$;
revoke execute on function private.reset_rollup(text) from public;
comment on function private.reset_rollup(text) is
  'Empties a rollup''s target and resets its watermark to -infinity: the next apply_rollup rebuilds it in full. Owner only.';
