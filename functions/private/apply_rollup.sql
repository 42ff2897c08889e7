-- requires: functions/private/rollup_match.sql
-- Applies the source rows received since a rollup's watermark: upserts
-- compute(null, watermark, bound) into its target (on conflict on the key, writing only
-- rows that changed) and moves the watermark to bound. bound is
-- private.received_upper_bound() (no in-flight transaction can still add a row below it),
-- or p_upto when given; a p_upto above the safe bound is refused unless
-- p_allow_unsafe_upto (for tests and benchmarks inside a transaction that is rolled back:
-- committed, it would skip rows that in-flight transactions are still writing).
-- A combinable rollup (migrations/1000: a combine function c) gets compute(null, watermark,
-- bound), the partial aggregates of the rows received in that range, upserted with
-- ON CONFLICT DO UPDATE SET <value columns> = c(stored, delta): each source row is added
-- once, in the transaction that moves the watermark past it.
-- A rollup that depends on others is applied no further than the lowest of their
-- watermarks (its compute function reads their targets); a p_upto above it is refused.
-- A rollup with unit columns (migrations/0600) also deletes the stored rows of every unit
-- the compute function returned that it no longer returns, in the same statement.
-- A rollup with a shared source s (migrations/0970) shares one read of
-- s(null, watermark, bound) with the other rollups that name s. The first of them applied
-- in a session starts a round (watermark, bound) and, when another one has the same
-- watermark, reads s(null, watermark, bound) into a temporary table; every other one
-- applied in the round ends at the same bound (unless p_upto is given, e.g. by a test),
-- and its compute function reads that table (private.shared_source_memo) when its
-- watermark is the round's. The last one to reach the bound ends the round and drops the
-- table (else the session's end does). Rollups that share a source thus keep one watermark.
-- A shared read is used only while private.erasure_epoch has not moved since it was made
-- (migrations/0980): after an erasure, the compute function reads the source itself.
-- A rollup whose registry row names a retractions table (migrations/1215; neither
-- combinable nor with units) also copies there, in the same statement, the stored version
-- of every row it changes and a marker for every key it adds (retracted_at = the
-- watermark), for the dependents that move by differences; first it deletes those older
-- than every dependent's watermark.
-- Two runs at once serialize on the registry row; the second finds the watermark moved
-- and applies only what is left. A full rebuild is the same call after
-- private.reset_rollup. Rows are upserted in key order: a rebuild's millions of rows then
-- go to the primary key's pages in sequence rather than at random (usage.dimension_days at
-- 10M requests, 7.26M rows into its three indexes: 209-213 s unsorted, 57-66 s sorted, the
-- sort included), and two concurrent upserts lock keys in the same order. A rebuild (watermark
-- '-infinity') into an empty target, e.g. after private.reset_rollup, inserts its rows plainly
-- (no conflict to resolve; a speculative insertion per row costs more), unless every column
-- is a key.
-- Takes the lock of private.delete_organization_rollups in share mode (the targets have no
-- foreign key to app.organizations: an organization's deletion waits for the apply).
-- Returns the number of target rows inserted or changed.
-- Called by private.run_refresh (one logged step per rollup); owner / DBA sessions only.
-- Errors: 22023 for an unknown rollup, an unsafe p_upto, or a p_upto past a dependency's
-- watermark.
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
  v_keys text;
  v_dependencies timestamptz;
  v_upsert text;
  v_combined text;
  v_kept text;
  v_rows bigint;
  v_started timestamptz := pg_catalog.clock_timestamp();
  v_shared regprocedure;
  v_memo name;
  v_memo_state text;
  v_memo_after timestamptz;
  v_memo_upto timestamptz;
  v_memo_hit boolean := false;
  v_epoch bigint;
  v_empty boolean := false;
begin
  -- No deletion of an organization commits while its rows may be written (the targets have
  -- no foreign key to app.organizations: private.delete_organization_rollups).
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('private.delete_organization_rollups'), 0);
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
  select pg_catalog.min(d.watermark) into v_dependencies
  from private.rollups as d where d.name = any (v_rollup.depends_on);
  if p_upto > v_dependencies then
    raise exception 'rollup %: % is past the watermark % of a rollup it reads', p_name, p_upto, v_dependencies
      using errcode = '22023', hint = 'apply ' || pg_catalog.array_to_string(v_rollup.depends_on, ', ') || ' first';
  end if;
  v_upto := least(v_upto, v_dependencies);
  if v_rollup.shared_source is not null then
    -- The session's round of the shared source, if any: (after, upto) in a session setting
    -- named after the source function; its rows, when read, in pg_temp.rollup_memo_<oid>.
    v_shared := pg_catalog.to_regprocedure(v_rollup.shared_source || '(uuid, timestamptz, timestamptz)');
    v_memo := 'rollup_memo_' || v_shared::oid::text;
    v_memo_state := nullif(pg_catalog.current_setting('rollup_memo.s' || v_shared::oid::text, true), '');
    if v_memo_state is not null then
      v_memo_after := pg_catalog.split_part(v_memo_state, '|', 1)::timestamptz;
      v_memo_upto := pg_catalog.split_part(v_memo_state, '|', 2)::timestamptz;
      if p_upto is null and v_rollup.watermark < v_memo_upto then
        v_upto := least(v_upto, v_memo_upto);   -- end with the rollups that share the source
      end if;
    end if;
  end if;
  if v_upto <= v_rollup.watermark then
    return 0;
  end if;
  if v_shared is not null then
    -- An erasure committed since the shared read (private.erasure_epoch, migrations/0980)
    -- makes it stale: the compute function then reads the source itself.
    select e.epoch into v_epoch from private.erasure_epoch as e;
    v_memo_hit := v_memo_after = v_rollup.watermark and v_memo_upto = v_upto
                  and pg_catalog.split_part(v_memo_state, '|', 3) = v_epoch::text
                  and pg_catalog.to_regclass('pg_temp.' || v_memo) is not null;
    if v_memo_state is null or not v_rollup.watermark < v_memo_upto then
      -- A new round: the rollups that share the source and are behind end at v_upto too;
      -- when one of them has this watermark, read the source once for both.
      if pg_catalog.to_regclass('pg_temp.' || v_memo) is not null then
        execute pg_catalog.format('drop table pg_temp.%I', v_memo);
      end if;
      v_memo_after := v_rollup.watermark;
      v_memo_upto := v_upto;
      v_memo_state := v_memo_after::text || '|' || v_memo_upto::text || '|' || v_epoch::text;
      perform pg_catalog.set_config('rollup_memo.s' || v_shared::oid::text, v_memo_state, false);
      if exists (select 1 from private.rollups as r
                 where r.shared_source = v_rollup.shared_source and r.name <> p_name and r.watermark = v_rollup.watermark) then
        execute pg_catalog.format('create temporary table %I as select * from %s(null, %L::timestamptz, %L::timestamptz)',
                                  v_memo, v_rollup.shared_source, v_rollup.watermark, v_upto);
        v_memo_hit := true;
      end if;
    end if;
  end if;
  if v_memo_hit then
    -- While this compute function runs: the source's reader returns the rows read above.
    perform pg_catalog.set_config('rollup.shared_source',
      v_rollup.shared_source || '|' || v_memo_after::text || '|' || v_memo_upto::text, true);
  end if;

  select pg_catalog.string_agg(pg_catalog.format('%I', a.attname), ', ' order by a.attnum),
         pg_catalog.string_agg(pg_catalog.format('%1$I = excluded.%1$I', a.attname), ', ' order by a.attnum)
           filter (where not a.attname = any (v_rollup.key_columns))
  into v_columns, v_changes
  from pg_catalog.pg_attribute as a
  where a.attrelid = v_rollup.target and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';

  select pg_catalog.string_agg(pg_catalog.format('%I', k), ', ') into v_keys
  from pg_catalog.unnest(v_rollup.key_columns) as k;
  if v_rollup.combine_function is not null then
    -- A combinable rollup (migrations/1000): fresh holds the partial aggregates of the rows
    -- received in [watermark, bound); a stored key's row becomes combine(stored, delta), in
    -- this transaction, which also moves the watermark (a rerun finds nothing left to add).
    select pg_catalog.string_agg(pg_catalog.format('%I', a.attname), ', ' order by a.attnum),
           pg_catalog.string_agg(pg_catalog.format('c.%I', a.attname), ', ' order by a.attnum)
    into v_changes, v_combined
    from pg_catalog.pg_attribute as a
    where a.attrelid = v_rollup.target and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      and not a.attname = any (v_rollup.key_columns);
    v_upsert := pg_catalog.format(
      'insert into %1$s as t (%2$s) select %2$s from fresh order by %3$s on conflict (%3$s) %4$s',
      v_rollup.target, v_columns, v_keys,
      case when v_changes is null then 'do nothing'
           else pg_catalog.format('do update set (%1$s) = (select %2$s from %3$s(t, excluded) as c)',
                                  v_changes, v_combined, v_rollup.combine_function) end);
  else
    v_upsert := pg_catalog.format(
      'insert into %1$s as t (%2$s) select %2$s from fresh order by %3$s on conflict (%3$s) %4$s',
      v_rollup.target, v_columns, v_keys,
      case when v_changes is null then 'do nothing'
           else pg_catalog.format('do update set %s where row(t.*) is distinct from row(excluded.*)', v_changes) end);
  end if;
  if v_rollup.watermark = '-infinity' and v_changes is not null then
    -- A rebuild into an empty target (private.reset_rollup truncates it): a plain INSERT of
    -- the same rows. The upsert's speculative insertion costs a probe of the key and a WAL
    -- record more per row, with no stored row to conflict with (the touch rows' 388,109 rows
    -- at 1M: 3.0-3.2 s of CPU against 2.1-2.3 s). A key returned twice fails either way
    -- (23505 here, 21000 in the upsert). Not for a rollup with key columns only (its DO
    -- NOTHING drops a key returned twice).
    execute pg_catalog.format('select not exists (select from %s)', v_rollup.target) into v_empty;
    if v_empty then
      v_upsert := pg_catalog.format('insert into %1$s (%2$s) select %2$s from fresh order by %3$s',
                                    v_rollup.target, v_columns, v_keys);
    end if;
  end if;
  if v_rollup.retractions is not null and v_rollup.combine_function is null and v_rollup.unit_columns is null
     and v_rollup.watermark > '-infinity' then
    -- Retractions kept for the dependents (migrations/1215): those older than every
    -- dependent's watermark are read by nobody; then, in the statement that writes the rows,
    -- the stored version of each row it changes and a marker (existed false) for each key it
    -- adds, at retracted_at = the watermark. A rebuild (from '-infinity') writes none:
    -- private.reset_rollup resets the dependents with it.
    execute pg_catalog.format(
      'delete from %s as x where x.retracted_at < (select pg_catalog.min(d.watermark) from private.rollups as d where $1 = any (d.depends_on))',
      v_rollup.retractions)
    using p_name;
    select pg_catalog.string_agg(pg_catalog.format(case when a.attname = any (v_rollup.key_columns) then 'f.%I' else 't.%I' end, a.attname),
                                 ', ' order by a.attnum)
    into v_kept
    from pg_catalog.pg_attribute as a
    where a.attrelid = v_rollup.target and a.attnum > 0 and not a.attisdropped and a.attgenerated = '';
    execute pg_catalog.format(
      'with fresh as materialized (select * from %1$s(null, $1, $2)), '
      'kept as (insert into %2$s (retracted_at, existed, %3$s) '
      'select $1, t.%4$I is not null, %5$s from fresh as f left join %6$s as t on %7$s '
      'where row(t.*) is distinct from row(f.*)) ',
      v_rollup.compute_function, v_rollup.retractions, v_columns, v_rollup.key_columns[1], v_kept, v_rollup.target,
      private.rollup_match(v_rollup.target, v_rollup.key_columns, 'f', 't')) || v_upsert
    using v_rollup.watermark, v_upto;
    get diagnostics v_rows = row_count;
  elsif v_rollup.unit_columns is null then
    execute pg_catalog.format('with fresh as (select * from %s(null, $1, $2)) ', v_rollup.compute_function) || v_upsert
    using v_rollup.watermark, v_upto;
    get diagnostics v_rows = row_count;
  else
    -- Stored rows of a returned unit whose key the result no longer has are gone groups.
    execute pg_catalog.format(
      'with fresh as materialized (select * from %1$s(null, $1, $2)), '
      'upserted as (%2$s returning 1), '
      'gone as (delete from %3$s as t where exists (select 1 from fresh as f where %4$s) '
      'and not exists (select 1 from fresh as f where %5$s) returning 1) '
      'select (select pg_catalog.count(*) from upserted) + (select pg_catalog.count(*) from gone)',
      v_rollup.compute_function, v_upsert, v_rollup.target,
      private.rollup_match(v_rollup.target, v_rollup.unit_columns, 'f', 't'),
      private.rollup_match(v_rollup.target, v_rollup.key_columns, 'f', 't'))
    into v_rows
    using v_rollup.watermark, v_upto;
  end if;
  if v_memo_hit then
    perform pg_catalog.set_config('rollup.shared_source', '', true);
  end if;

  update private.rollups as r
  set watermark = v_upto, applied_at = pg_catalog.clock_timestamp(), applied_rows = v_rows,
      duration_ms = (extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::integer
  where r.name = p_name;
  if v_memo_state is not null
     and not exists (select 1 from private.rollups as r
                     where r.shared_source = v_rollup.shared_source and r.watermark < v_memo_upto) then
    -- Every rollup that shares the source is past it.
    if pg_catalog.to_regclass('pg_temp.' || v_memo) is not null then
      execute pg_catalog.format('drop table pg_temp.%I', v_memo);
    end if;
    perform pg_catalog.set_config('rollup_memo.s' || v_shared::oid::text, '', false);
  end if;
  return v_rows;
end;
$$;
revoke execute on function private.apply_rollup(text, timestamptz, boolean) from public;
comment on function private.apply_rollup(text, timestamptz, boolean) is
  'Applies the source rows received in [watermark, safe bound) to a registered rollup (one upsert of its compute function) and moves its watermark. Owner only.';
