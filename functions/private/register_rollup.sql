-- requires: functions/private/create_rollup_reader.sql
-- requires: functions/private/reset_rollup.sql
-- Registers a rollup (or updates its definition, keeping its watermark): target table,
-- source log, compute function f(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
-- returning setof the target's row type, key columns (with org_id; target must have a
-- unique index on exactly them), the bucket column readers filter on, and the rollups
-- that must be applied before it (a rollup of a rollup: its compute function reads their
-- targets, and its watermark never passes theirs), and optionally the unit of replacement
-- (a subset of the key with org_id, for rollups whose rows are groups that can vanish:
-- see migrations/0600), and optionally a shared source (a function s(p_org_id uuid,
-- p_after timestamptz, p_upto timestamptz) returning a set, the read the compute function
-- starts from and shares with the other rollups that name it: see migrations/0970 and
-- private.apply_rollup), and optionally a combine function c(stored <target>, delta <target>)
-- returning <target> (migrations/1000: the compute function then returns the partial
-- aggregates of the source rows received in [p_after, p_upto), which apply and the reader
-- combine with the stored row of each key; c gets NULL for a key without a stored row).
-- A rollup that becomes combinable while its source holds rows received at or after its
-- watermark (stored rows recomputed over whole keys may count them) is reset (emptied, from
-- '-infinity': the next apply rebuilds it). See migrations/0100 for the pattern. Then
-- (re)creates the rollup's inlinable reader private.<target table name>_rows
-- (private.create_rollup_reader).
-- Called from migrations; owner / DBA sessions only (no grants).
-- Errors: 22023 with a hint naming what is missing (function, signature, return type,
-- received_at, unique index, bucket column, unknown dependency, unit not within the key,
-- a target table name that another rollup's target already has, an unknown shared source,
-- a combine function that is not c(target, target) returns target, or combined with unit
-- columns).
drop function if exists private.register_rollup(text, regclass, regclass, text, text[], text, text[], text, text[], text);
drop function if exists private.register_rollup(text, regclass, regclass, text, text[], text, text[], text);
drop function if exists private.register_rollup(text, regclass, regclass, text, text[], text, text[], text, text[]);
create or replace function private.register_rollup(
  p_name text,
  p_source regclass,
  p_target regclass,
  p_compute_function text,
  p_key_columns text[],
  p_bucket_column text,
  p_depends_on text[],
  p_description text,
  p_unit_columns text[] default null,
  p_shared_source text default null,
  p_combine_function text default null
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_proc regprocedure := pg_catalog.to_regprocedure(p_compute_function || '(uuid, timestamptz, timestamptz)');
  v_target_type oid;
  v_missing text;
  v_shared regprocedure := pg_catalog.to_regprocedure(p_shared_source || '(uuid, timestamptz, timestamptz)');
  v_combine regprocedure := pg_catalog.to_regprocedure(p_combine_function || '(' || p_target::text || ', ' || p_target::text || ')');
  v_was_combined boolean;
  v_watermark timestamptz;
  v_reset boolean := false;
begin
  if v_proc is null then
    raise exception 'rollup %: no function %(uuid, timestamptz, timestamptz)', p_name, p_compute_function
      using errcode = '22023', hint = 'create the compute function f(p_org_id uuid, p_after timestamptz, p_upto timestamptz) returns setof <target> first';
  end if;
  select c.reltype into v_target_type from pg_catalog.pg_class as c where c.oid = p_target;
  if not exists (select 1 from pg_catalog.pg_proc as p
                 where p.oid = v_proc and p.proretset and p.prorettype = v_target_type) then
    raise exception 'rollup %: % must return setof %', p_name, v_proc, p_target
      using errcode = '22023', hint = 'declare it "returns setof ' || p_target::text || '" so that its rows are the target''s rows';
  end if;
  if not exists (select 1 from pg_catalog.pg_attribute as a
                 where a.attrelid = p_source and a.attname = 'received_at' and not a.attisdropped
                   and a.atttypid = 'pg_catalog.timestamptz'::pg_catalog.regtype) then
    raise exception 'rollup %: source % has no received_at timestamptz column', p_name, p_source
      using errcode = '22023', hint = 'a rollup follows a log by the time its rows were received';
  end if;
  select pg_catalog.string_agg(k, ', ') into v_missing
  from pg_catalog.unnest(p_key_columns || p_bucket_column) as k
  where k is not null
    and not exists (select 1 from pg_catalog.pg_attribute as a
                    where a.attrelid = p_target and a.attname = k and a.attnum > 0 and not a.attisdropped);
  if v_missing is not null then
    raise exception 'rollup %: % has no column %', p_name, p_target, v_missing
      using errcode = '22023', hint = 'key and bucket columns must be columns of the target';
  end if;
  if not exists (
    select 1 from pg_catalog.pg_index as i
    where i.indrelid = p_target and i.indisunique and i.indpred is null and i.indexprs is null
      and (select pg_catalog.array_agg(a.attname::text order by a.attname)
           from pg_catalog.pg_attribute as a
           where a.attrelid = p_target and a.attnum = any (i.indkey::int2[]))
          = (select pg_catalog.array_agg(k order by k) from pg_catalog.unnest(p_key_columns) as k)
  ) then
    raise exception 'rollup %: % has no unique index on exactly (%)', p_name, p_target, pg_catalog.array_to_string(p_key_columns, ', ')
      using errcode = '22023', hint = 'apply_rollup upserts on the key: give the target a primary key or unique index on it';
  end if;
  if p_unit_columns is not null
     and not (p_unit_columns <@ p_key_columns and 'org_id' = any (p_unit_columns) and pg_catalog.cardinality(p_unit_columns) > 0) then
    raise exception 'rollup %: unit columns (%) are not a subset of the key (%) with org_id', p_name,
      pg_catalog.array_to_string(p_unit_columns, ', '), pg_catalog.array_to_string(p_key_columns, ', ')
      using errcode = '22023', hint = 'the unit of replacement groups whole keys: name key columns, org_id among them';
  end if;
  if p_shared_source is not null
     and not exists (select 1 from pg_catalog.pg_proc as p where p.oid = v_shared and p.proretset) then
    raise exception 'rollup %: no set-returning function %(uuid, timestamptz, timestamptz) to share', p_name, p_shared_source
      using errcode = '22023', hint = 'a shared source is a function s(p_org_id uuid, p_after timestamptz, p_upto timestamptz) returning a set (migrations/0970)';
  end if;
  if p_combine_function is not null
     and not exists (select 1 from pg_catalog.pg_proc as p
                     where p.oid = v_combine and not p.proretset and p.prorettype = v_target_type) then
    raise exception 'rollup %: no function %(%, %) returning %', p_name, p_combine_function, p_target, p_target, p_target
      using errcode = '22023', hint = 'a combine function is c(stored <target>, delta <target>) returns <target> (migrations/1000)';
  end if;
  if p_combine_function is not null and p_unit_columns is not null and not p_unit_columns @> p_key_columns then
    raise exception 'rollup %: a combinable rollup has no unit of replacement', p_name
      using errcode = '22023', hint = 'units are groups recomputed whole; combine key by key, or omit the combine function';
  end if;
  select pg_catalog.string_agg(d, ', ') into v_missing
  from pg_catalog.unnest(p_depends_on) as d
  where not exists (select 1 from private.rollups as r where r.name = d);
  if v_missing is not null then
    raise exception 'rollup % depends on %, which is not registered', p_name, v_missing
      using errcode = '22023', hint = 'register the rollups it reads first';
  end if;

  select r.combine_function is not null, r.watermark into v_was_combined, v_watermark
  from private.rollups as r where r.name = p_name for update;
  if p_combine_function is not null and not coalesce(v_was_combined, true) then
    -- Stored rows recomputed over whole keys count every source row visible when they were
    -- computed; a combined delta counts the rows received since the watermark: exact only
    -- while no source row was received at or after the watermark.
    execute pg_catalog.format('select exists (select 1 from %s as s where s.received_at >= $1)', p_source)
    into v_reset using v_watermark;
  end if;

  insert into private.rollups as r (name, source, target, compute_function, key_columns, bucket_column, depends_on, description, unit_columns,
                                    shared_source, combine_function)
  select p_name, p_source, p_target, pg_catalog.format('%I.%I', n.nspname, p.proname),
         p_key_columns, p_bucket_column, coalesce(p_depends_on, '{}'), p_description,
         case when p_unit_columns is null or p_unit_columns @> p_key_columns then null else p_unit_columns end,
         (select pg_catalog.format('%I.%I', sn.nspname, sp.proname)
          from pg_catalog.pg_proc as sp join pg_catalog.pg_namespace as sn on sn.oid = sp.pronamespace
          where sp.oid = v_shared),
         (select pg_catalog.format('%I.%I', cn.nspname, cp.proname)
          from pg_catalog.pg_proc as cp join pg_catalog.pg_namespace as cn on cn.oid = cp.pronamespace
          where cp.oid = v_combine)
  from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
  where p.oid = v_proc
  on conflict (name) do update
    set source = excluded.source, target = excluded.target, compute_function = excluded.compute_function,
        key_columns = excluded.key_columns, bucket_column = excluded.bucket_column,
        depends_on = excluded.depends_on, description = excluded.description, unit_columns = excluded.unit_columns,
        shared_source = excluded.shared_source, combine_function = excluded.combine_function;
  if v_reset then
    perform private.reset_rollup(p_name);
  end if;
  perform private.create_rollup_reader(p_name);
end;
$$;
revoke execute on function private.register_rollup(text, regclass, regclass, text, text[], text, text[], text, text[], text, text) from public;
comment on function private.register_rollup(text, regclass, regclass, text, text[], text, text[], text, text[], text, text) is
  'Registers a rollup (target, source log, compute function, key, bucket column, dependencies, unit of replacement, shared source, combine function) or updates its definition keeping its watermark. Owner only.';
