-- The rows of shared source p_source (migrations/0970) that private.apply_rollup has
-- already read in this session, when they are the ones asked for: the temporary table
-- pg_temp.rollup_memo_<oid of p_source(uuid, timestamptz, timestamptz)> while apply_rollup
-- runs the compute function of a rollup that names p_source, for exactly
-- p_source(null, p_after, p_upto); NULL otherwise (any reader, an organization, other
-- bounds, no apply running). The source's reader calls it first and, when it names a
-- table, returns that table's rows instead of reading the log:
--   v_memo := private.shared_source_memo('analytics.daily_rollup_events', p_org_id, p_after, p_upto);
--   if v_memo is not null then return query execute 'select * from ' || v_memo; return; end if;
-- Internal; never granted to API roles. No errors.
create or replace function private.shared_source_memo(p_source text, p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_active text[] := pg_catalog.string_to_array(pg_catalog.current_setting('rollup.shared_source', true), '|');
  v_source regprocedure;
begin
  if p_org_id is not null or pg_catalog.cardinality(v_active) is distinct from 3 or v_active[1] <> p_source
     or v_active[2]::timestamptz <> p_after or v_active[3]::timestamptz <> p_upto then
    return null;
  end if;
  v_source := pg_catalog.to_regprocedure(p_source || '(uuid, timestamptz, timestamptz)');
  if v_source is null or pg_catalog.to_regclass('pg_temp.rollup_memo_' || v_source::oid::text) is null then
    return null;
  end if;
  return 'pg_temp.rollup_memo_' || v_source::oid::text;
end;
$$;
revoke execute on function private.shared_source_memo(text, uuid, timestamptz, timestamptz) from public;
comment on function private.shared_source_memo(text, uuid, timestamptz, timestamptz) is
  'The temporary table holding p_source(null, p_after, p_upto) while private.apply_rollup runs a compute function that shares that read; NULL otherwise. Internal (migrations/0970).';
