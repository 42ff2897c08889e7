-- requires: functions/private/register_rollup.sql
-- requires: functions/private/rollup_for_row.sql
-- The rows of a rollup for one organization, exact at every moment, through its generated
-- reader private.<target table name>_rows (private.create_rollup_reader: stored rows of
-- untouched keys plus private.rollup_fresh). With p_from and p_to, only rows whose bucket
-- column lies in [p_from, p_to) (a NULL bound is an open end).
-- The rollup is the one whose target's row type is that of p_row:
--   select * from private.rollup_rows(null::analytics.org_daily_stats, p_org_id, p_from, p_to)
-- For callers that do not know the target statically (contracts, run-time checks). An RPC
-- calls the reader itself: this function is plpgsql and materializes every row of the
-- range, and no caller filter reaches it; the reader is inlined into the caller's query.
-- Runs without JIT and parallel workers (see private.rollup_fresh). Reads in the caller's
-- snapshot (STABLE). Internal; never granted to API roles.
-- Errors: 22023 when no rollup has that target, or bounds on a rollup without a bucket column.
create or replace function private.rollup_rows(p_row anyelement, p_org_id uuid, p_from anycompatible, p_to anycompatible)
returns setof anyelement
language plpgsql
stable
set search_path = ''
set jit = off
set max_parallel_workers_per_gather = 0
as $$
declare
  v_rollup private.rollups;
  v_reader text;
  v_bucket_type text;
begin
  v_rollup := private.rollup_for_row(p_row);
  select pg_catalog.format('private.%I', c.relname || '_rows'), pg_catalog.format_type(a.atttypid, a.atttypmod)
  into v_reader, v_bucket_type
  from pg_catalog.pg_class as c
  left join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attname = v_rollup.bucket_column
  where c.oid = v_rollup.target;
  if v_rollup.bucket_column is null then
    if p_from is not null or p_to is not null then
      raise exception 'rollup % has no bucket column to filter on', v_rollup.name
        using errcode = '22023', hint = 'call private.rollup_rows without bounds';
    end if;
    return query execute pg_catalog.format('select * from %s($1)', v_reader) using p_org_id;
  else
    return query execute pg_catalog.format(
      'select * from %1$s($1, coalesce($2::text, ''-infinity'')::%2$s, coalesce($3::text, ''infinity'')::%2$s)',
      v_reader, v_bucket_type)
    using p_org_id, p_from, p_to;
  end if;
end;
$$;

-- All the organization's rows (no bucket bounds).
create or replace function private.rollup_rows(p_row anyelement, p_org_id uuid)
returns setof anyelement
language sql
stable
set search_path = ''
as $$
  select * from private.rollup_rows(p_row, p_org_id, null::integer, null::integer);
$$;
revoke execute on function private.rollup_rows(anyelement, uuid, anycompatible, anycompatible) from public;
revoke execute on function private.rollup_rows(anyelement, uuid) from public;
comment on function private.rollup_rows(anyelement, uuid, anycompatible, anycompatible) is
  'A registered rollup''s rows of one organization with bucket in [from, to), exact at every moment, through its generated reader private.<target>_rows. Internal, for callers that do not know the target statically.';
comment on function private.rollup_rows(anyelement, uuid) is
  'A registered rollup''s rows of one organization, exact at every moment. Internal.';
