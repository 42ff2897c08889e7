-- Applies the source rows received since a rollup's watermark: upserts
-- compute(null, watermark, bound) into its target (on conflict on the key, writing only
-- rows that changed) and moves the watermark to bound. bound is
-- private.received_upper_bound() (no in-flight transaction can still add a row below it),
-- or p_upto when given; a p_upto above the safe bound is refused unless
-- p_allow_unsafe_upto (for tests and benchmarks inside a transaction that is rolled back:
-- committed, it would skip rows that in-flight transactions are still writing).
-- Two runs at once serialize on the registry row; the second finds the watermark moved
-- and applies only what is left. A full rebuild is the same call after
-- private.reset_rollup. Returns the number of target rows inserted or changed.
-- Called by private.run_refresh (one logged step per rollup); owner / DBA sessions only.
-- Errors: 22023 for an unknown rollup or an unsafe p_upto.
create or replace function private.apply_rollup(
  p_name text,
  p_upto timestamptz default null,
  p_allow_unsafe_upto boolean default false
)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_rollup private.rollups;
  v_bound timestamptz;
  v_upto timestamptz;
  v_columns text;
  v_changes text;
  v_rows bigint;
  v_started timestamptz := pg_catalog.clock_timestamp();
begin
  select * into v_rollup from private.rollups as r where r.name = p_name for update;
  if not found then
    raise exception 'no rollup is named %', p_name
      using errcode = '22023', hint = 'see select name from private.rollups';
  end if;
  -- After the row lock: a run that waited for another computes its bound now.
  v_bound := private.received_upper_bound();
  v_upto := coalesce(p_upto, v_bound);
  if v_upto > v_bound and not p_allow_unsafe_upto then
    raise exception 'rollup %: % is above the safe bound %', p_name, v_upto, v_bound
      using errcode = '22023', hint = 'rows below it may still be in flight; omit p_upto';
  end if;
  if v_upto <= v_rollup.watermark then
    return 0;
  end if;

  select pg_catalog.string_agg(pg_catalog.format('%I', a.attname), ', ' order by a.attnum),
         pg_catalog.string_agg(pg_catalog.format('%1$I = excluded.%1$I', a.attname), ', ' order by a.attnum)
           filter (where not a.attname = any (v_rollup.key_columns))
  into v_columns, v_changes
  from pg_catalog.pg_attribute as a
  where a.attrelid = v_rollup.target and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';

  execute pg_catalog.format(
    'insert into %1$s as t (%2$s) select %2$s from %3$s(null, $1, $2) on conflict (%4$s) %5$s',
    v_rollup.target, v_columns, v_rollup.compute_function,
    (select pg_catalog.string_agg(pg_catalog.format('%I', k), ', ') from pg_catalog.unnest(v_rollup.key_columns) as k),
    case when v_changes is null then 'do nothing'
         else pg_catalog.format('do update set %s where row(t.*) is distinct from row(excluded.*)', v_changes) end)
  using v_rollup.watermark, v_upto;
  get diagnostics v_rows = row_count;

  update private.rollups as r
  set watermark = v_upto, applied_at = pg_catalog.clock_timestamp(), applied_rows = v_rows,
      duration_ms = (extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::integer
  where r.name = p_name;
  return v_rows;
end;
$$;
revoke execute on function private.apply_rollup(text, timestamptz, boolean) from public;
comment on function private.apply_rollup(text, timestamptz, boolean) is
  'Applies the source rows received in [watermark, safe bound) to a registered rollup (one upsert of its compute function) and moves its watermark. Owner only.';
