-- The registry row (private.rollups) of the rollup whose target's row type is that of
-- p_row: private.rollup_for_row(null::analytics.org_daily_stats). How private.rollup_fresh
-- and private.rollup_rows find the rollup they are called for. Internal.
-- Errors: 22023 when no registered rollup has that target.
create or replace function private.rollup_for_row(p_row anyelement)
returns private.rollups
language plpgsql
stable
set search_path = ''
as $$
declare
  v_rollup private.rollups;
begin
  select r.* into v_rollup
  from private.rollups as r join pg_catalog.pg_class as c on c.oid = r.target
  where c.reltype = pg_catalog.pg_typeof(p_row)::oid;
  if not found then
    raise exception 'no rollup has the row type %', pg_catalog.pg_typeof(p_row)
      using errcode = '22023', hint = 'pass null::<target table> of a registered rollup (private.rollups)';
  end if;
  return v_rollup;
end;
$$;
revoke execute on function private.rollup_for_row(anyelement) from public;
comment on function private.rollup_for_row(anyelement) is
  'The registry row of the rollup whose target has p_row''s row type; 22023 when none. Internal.';
