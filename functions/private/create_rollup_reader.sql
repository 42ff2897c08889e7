-- requires: functions/private/rollup_match.sql
-- requires: functions/private/rollup_fresh.sql
-- (Re)creates the reader of rollup p_name: private.<target table name>_rows(p_org_id uuid,
-- p_from <bucket type>, p_to <bucket type>) returning setof the target (without p_from and
-- p_to for a rollup without a bucket column). Its rows are those of the rollup for one
-- organization, exact at every moment (the real-time aggregate of migrations/0100): the
-- stored rows whose key (unit, for a rollup with unit columns: migrations/0600) nothing
-- received since the watermark touches, plus private.rollup_fresh, with the bucket in
-- [p_from, p_to) (pass '-infinity' / 'infinity' for an open end; NULL bounds match nothing).
-- A combinable rollup (migrations/1000) returns, for a touched key, its combine function
-- over the stored row (NULL when none) and the delta since the watermark.
-- The reader is LANGUAGE sql, STABLE, without SET or SECURITY DEFINER, so PostgreSQL inlines
-- it into the caller's query: the caller's WHERE on key columns reaches the target's index
-- and the stored half is never materialized (private.rollup_rows, plpgsql, materializes
-- every row of the range). Called by private.register_rollup; owner only. The reader is
-- executable by its owner only (the RPCs, SECURITY DEFINER); a migration that drops a
-- rollup's target drops its readers first (both below).
-- Also creates the same reader given the fresh rows: private.<target>_rows(p_org_id,
-- [p_from, p_to,] p_fresh <target>[]), where p_fresh holds what
-- private.rollup_fresh(null::<target>, p_org_id) returns. Every reader call computes its fresh
-- rows; a caller that reads a rollup more than once per call computes them once into an
-- array and passes it (private.audience_attribution_credits: 2-4 computations of the
-- touch rows of a day not refreshed became one).
-- Returns the first reader.
-- Errors: 22023 when another registered rollup's target has the same table name.
create or replace function private.create_rollup_reader(p_name text)
returns regprocedure
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_rollup private.rollups;
  v_relname name;
  v_bucket_type text;
  v_reader text;
  v_args text := 'p_org_id uuid';
  v_types text := 'uuid';
  v_range text := '';
  v_fresh text;
  v_plain_types text;
begin
  select r.* into strict v_rollup from private.rollups as r where r.name = p_name;
  select c.relname into v_relname from pg_catalog.pg_class as c where c.oid = v_rollup.target;
  if exists (select 1 from private.rollups as r join pg_catalog.pg_class as c on c.oid = r.target
             where c.relname = v_relname and r.name <> p_name) then
    raise exception 'rollup %: another rollup''s target is also named %', p_name, v_relname
      using errcode = '22023', hint = 'readers are named private.<target table name>_rows: give the targets distinct table names';
  end if;
  v_reader := pg_catalog.format('private.%I', v_relname || '_rows');
  if v_rollup.bucket_column is not null then
    select pg_catalog.format_type(a.atttypid, a.atttypmod) into v_bucket_type
    from pg_catalog.pg_attribute as a
    where a.attrelid = v_rollup.target and a.attname = v_rollup.bucket_column;
    v_args := v_args || pg_catalog.format(', p_from %1$s, p_to %1$s', v_bucket_type);
    v_types := v_types || pg_catalog.format(', %1$s, %1$s', v_bucket_type);
    v_range := pg_catalog.format(' and %%1$s.%1$I >= p_from and %%1$s.%1$I < p_to', v_rollup.bucket_column);
  end if;

  v_plain_types := v_types;
  -- The reader, then its variant given the fresh rows (p_fresh, the same rows that
  -- private.rollup_fresh returns): a caller that reads the rollup several times in one
  -- query computes them once.
  foreach v_fresh in array array[
      pg_catalog.format('private.rollup_fresh(null::%s, p_org_id)', v_rollup.target::text), 'pg_catalog.unnest(p_fresh)'] loop
    if v_fresh like 'pg_catalog.unnest%' then
      v_args := v_args || pg_catalog.format(', p_fresh %s[]', v_rollup.target::text);
      v_types := v_types || pg_catalog.format(', %s[]', v_rollup.target::text);
    end if;
    -- The stored rows whose key (unit) nothing received since the watermark touches, then
    -- the fresh rows. A combinable rollup (migrations/1000): rollup_fresh returns the partial
    -- aggregates (deltas) of the rows received since the watermark; a touched key's row is
    -- combine(stored row or NULL, delta), one call per touched key (OFFSET 0: (c.r).* then
    -- reads the fields of one result, it does not call the function once per column), its
    -- stored row read by a subquery (one probe of the key's unique index). No join: a caller
    -- that turns nested loops off (get_cost_breakdown) kept a plan without disabled nodes,
    -- so its plan stays cached (a lateral call needed a nested loop: replanned at every call).
    execute pg_catalog.format(
      'create or replace function %1$s(%2$s) returns setof %3$s language sql stable as $reader$'
      ' with fresh as materialized (select f.* from %4$s as f)'
      ' select t.* from %3$s as t where t.org_id = p_org_id%5$s'
      ' and not exists (select 1 from fresh as f where %6$s)'
      ' union all %7$s $reader$',
      v_reader, v_args, v_rollup.target::text, v_fresh,
      pg_catalog.format(v_range, 't'),
      private.rollup_match(v_rollup.target,
                           case when v_rollup.combine_function is null then coalesce(v_rollup.unit_columns, v_rollup.key_columns)
                                else v_rollup.key_columns end, 'f', 't'),
      case when v_rollup.combine_function is null
           then pg_catalog.format('select f.* from fresh as f where true%s', pg_catalog.format(v_range, 'f'))
           else pg_catalog.format(
             'select (c.r).* from (select %1$s((select s from %2$s as s where s.org_id = p_org_id and %3$s), f) as r'
             ' from fresh as f where true%4$s offset 0) as c',
             v_rollup.combine_function, v_rollup.target::text,
             private.rollup_match(v_rollup.target, v_rollup.key_columns, 'f', 's'), pg_catalog.format(v_range, 'f')) end);
    execute pg_catalog.format('revoke execute on function %s(%s) from public', v_reader, v_types);
    execute pg_catalog.format('comment on function %s(%s) is %L', v_reader, v_types,
      pg_catalog.format('Rows of rollup %s for one organization%s, exact at every moment (stored rows of untouched keys plus %s). Generated by private.create_rollup_reader; inlined into its callers. Internal, for RPCs.',
                        p_name, case when v_rollup.bucket_column is null then ''
                                     else pg_catalog.format(' with %I in [p_from, p_to)', v_rollup.bucket_column) end,
                        case when v_fresh like 'pg_catalog.unnest%' then 'p_fresh, the rows of private.rollup_fresh'
                             else 'the compute function since the watermark' end));
  end loop;
  return pg_catalog.to_regprocedure(v_reader || '(' || v_plain_types || ')');
end;
$$;
revoke execute on function private.create_rollup_reader(text) from public;
comment on function private.create_rollup_reader(text) is
  'Creates or replaces the inlinable reader private.<target>_rows of a registered rollup. Called by register_rollup; owner only.';

-- Readers of the rollups registered before this file last changed (a rollup registered
-- later gets its reader from register_rollup).
select private.create_rollup_reader(r.name) from private.rollups as r order by r.name;
