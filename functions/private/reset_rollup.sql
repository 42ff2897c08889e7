-- Empties a rollup's target and sets its watermark to '-infinity', so that the next
-- private.apply_rollup rebuilds it in full with the same statement as every incremental
-- run (there is no second code path). Takes an ACCESS EXCLUSIVE lock on the target until
-- the transaction ends: readers wait; run it with the apply in one transaction
-- (`select private.reset_rollup(n); select private.apply_rollup(n);`) or in a quiet hour.
-- Owner / DBA sessions only. Errors: 22023 for an unknown rollup.
create or replace function private.reset_rollup(p_name text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_target regclass;
begin
  select r.target into v_target from private.rollups as r where r.name = p_name for update;
  if not found then
    raise exception 'no rollup is named %', p_name
      using errcode = '22023', hint = 'see select name from private.rollups';
  end if;
  execute pg_catalog.format('truncate %s', v_target);
  update private.rollups as r
  set watermark = '-infinity', applied_at = null, applied_rows = null, duration_ms = null
  where r.name = p_name;
end;
$$;
revoke execute on function private.reset_rollup(text) from public;
comment on function private.reset_rollup(text) is
  'Empties a rollup''s target and resets its watermark to -infinity: the next apply_rollup rebuilds it in full. Owner only.';
