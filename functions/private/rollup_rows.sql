-- requires: functions/private/rollup_match.sql
-- The rows of a rollup for one organization, exact at every moment (the real-time
-- aggregate of the pattern in migrations/0100): the stored rows of p_org_id whose key no
-- source row received since the rollup's watermark touches, plus the rollup's compute
-- function over [watermark, infinity) for the keys that such rows touch (for a rollup with
-- unit columns, migrations/0600: stored rows are replaced unit by unit). With p_from and
-- p_to, only rows whose bucket column lies in [p_from, p_to).
-- The rollup is the one whose target's row type is that of p_row:
--   select * from private.rollup_rows(null::private.visitor_days, p_org_id, p_from, p_to)
-- Reads the watermark and the target in the caller's snapshot (STABLE), so a refresh
-- committing in between changes nothing. For the RPCs (which check membership first);
-- never granted to API roles.
-- Errors: 22023 when no rollup has that target, or bounds on a rollup without a bucket column.
create or replace function private.rollup_rows(p_row anyelement, p_org_id uuid, p_from anycompatible, p_to anycompatible)
returns setof anyelement
language plpgsql
stable
set search_path = ''
as $$
declare
  v_rollup private.rollups;
  v_match text;
  v_range text := '';
begin
  select r.* into v_rollup
  from private.rollups as r join pg_catalog.pg_class as c on c.oid = r.target
  where c.reltype = pg_catalog.pg_typeof(p_row)::oid;
  if not found then
    raise exception 'no rollup has the row type %', pg_catalog.pg_typeof(p_row)
      using errcode = '22023', hint = 'pass null::<target table> of a registered rollup (private.rollups)';
  end if;
  if p_from is not null or p_to is not null then
    if v_rollup.bucket_column is null then
      raise exception 'rollup % has no bucket column to filter on', v_rollup.name
        using errcode = '22023', hint = 'call private.rollup_rows without bounds';
    end if;
    v_range := pg_catalog.format(' and ($3 is null or %1$s.%2$I >= $3) and ($4 is null or %1$s.%2$I < $4)', '%1$s', v_rollup.bucket_column);
  end if;
  v_match := private.rollup_match(v_rollup.target, coalesce(v_rollup.unit_columns, v_rollup.key_columns), 'f', 't');

  return query execute pg_catalog.format(
    'with fresh as materialized (select c.* from %1$s($1, $2, ''infinity'') as c where c.org_id = $1) '
    'select t.* from %2$s as t where t.org_id = $1' || pg_catalog.format(v_range, 't') ||
    ' and not exists (select 1 from fresh as f where ' || v_match || ')'
    ' union all select f.* from fresh as f where true' || pg_catalog.format(v_range, 'f'),
    v_rollup.compute_function, v_rollup.target)
  using p_org_id, v_rollup.watermark, p_from, p_to;
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
  'A registered rollup''s rows of one organization with bucket in [from, to), exact at every moment: stored rows of untouched keys plus the compute function since the watermark. Internal, for RPCs.';
comment on function private.rollup_rows(anyelement, uuid) is
  'A registered rollup''s rows of one organization, exact at every moment. Internal, for RPCs.';
