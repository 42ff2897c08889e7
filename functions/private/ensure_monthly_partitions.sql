-- Creates the missing monthly partitions of a log partitioned by month on occurred_at
-- (analytics.events, usage.model_requests), from p_months_back months before the current
-- month (UTC) to p_months_ahead months after it; returns how many it created. Idempotent;
-- one creator per table at a time (transaction-level advisory lock).
--
-- Each partition <schema>.<table>_pYYYY_MM holds [first day of the month 00:00 UTC, first
-- day of the next month 00:00 UTC). It is built detached, filled with the rows of that month
-- that the DEFAULT partition <schema>.<table>_default already holds (moved, not copied: one
-- DELETE ... RETURNING feeding one INSERT), then attached. Attaching takes only SHARE
-- UPDATE EXCLUSIVE on the parent (readers and writers of other months carry on) and ACCESS
-- EXCLUSIVE on the default partition, which is taken first so that no row of that month can
-- slip into it meanwhile. A bounds CHECK added before ATTACH spares the scan of the new
-- partition; ATTACH still scans the default partition, which therefore should stay small.
-- New partitions get RLS enabled and no privilege for public/anon/authenticated: they are
-- reached only through the parent, whose policies apply.
-- Internal: called by analytics.ensure_partitions and usage.ensure_partitions (their
-- owner); never granted. Errors: 22023 for months out of range.
create or replace function private.ensure_monthly_partitions(p_parent regclass, p_months_ahead int, p_months_back int)
returns int
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_schema  text;
  v_table   text;
  v_current date := pg_catalog.date_trunc('month', pg_catalog.now() at time zone 'UTC')::date;
  v_month   date;
  v_name    text;
  v_from    timestamptz;
  v_to      timestamptz;
  v_columns text;
  v_created int := 0;
begin
  if p_months_ahead is null or p_months_ahead not between 0 and 120
     or p_months_back is null or p_months_back not between 0 and 600 then
    raise exception 'months ahead % / back % out of range', p_months_ahead, p_months_back
      using errcode = '22023', hint = 'Pass 0 to 120 months ahead and 0 to 600 months back.';
  end if;
  select n.nspname, c.relname into v_schema, v_table
  from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
  where c.oid = p_parent;

  -- One creator at a time (two migrate runs, refresh and seed at once); the key is the one
  -- seed scale and analytics.apply_retention take too: hashtext('<schema>.ensure_partitions').
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext(v_schema || '.ensure_partitions'));

  select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum)
  into v_columns
  from pg_catalog.pg_attribute a
  where a.attrelid = p_parent
    and a.attnum > 0
    and not a.attisdropped;

  for v_month in
    select pg_catalog.generate_series(v_current - pg_catalog.make_interval(months => p_months_back),
                                      v_current + pg_catalog.make_interval(months => p_months_ahead),
                                      interval '1 month')::date
  loop
    v_name := v_table || '_p' || pg_catalog.to_char(v_month, 'YYYY_MM');
    continue when pg_catalog.to_regclass(pg_catalog.format('%I.%I', v_schema, v_name)) is not null;

    v_from := v_month::timestamp at time zone 'UTC';
    v_to := (v_month + interval '1 month')::timestamp at time zone 'UTC';

    execute pg_catalog.format('lock table %I.%I in access exclusive mode', v_schema, v_table || '_default');

    execute pg_catalog.format(
      'create table %1$I.%2$I (like %1$I.%3$I including defaults including constraints including storage)',
      v_schema, v_name, v_table);
    execute pg_catalog.format(
      'alter table %I.%I add constraint %I check (occurred_at >= %L and occurred_at < %L)',
      v_schema, v_name, 'check_' || v_name || '_bounds', v_from, v_to);
    execute pg_catalog.format(
      'with moved as (delete from %1$I.%2$I where occurred_at >= $1 and occurred_at < $2 returning %3$s) '
      'insert into %1$I.%4$I (%3$s) select %3$s from moved',
      v_schema, v_table || '_default', v_columns, v_name)
      using v_from, v_to;
    execute pg_catalog.format(
      'alter table %1$I.%2$I attach partition %1$I.%3$I for values from (%4$L) to (%5$L)',
      v_schema, v_table, v_name, v_from, v_to);
    execute pg_catalog.format('alter table %I.%I drop constraint %I', v_schema, v_name, 'check_' || v_name || '_bounds');

    execute pg_catalog.format('alter table %I.%I enable row level security', v_schema, v_name);
    execute pg_catalog.format('revoke all on table %I.%I from public, anon, authenticated', v_schema, v_name);
    execute pg_catalog.format(
      'comment on table %I.%I is %L', v_schema, v_name,
      pg_catalog.format('Partition of %s.%s for %s (UTC). Reached only through the parent.',
                        v_schema, v_table, pg_catalog.to_char(v_month, 'YYYY-MM')));
    v_created := v_created + 1;
  end loop;
  return v_created;
end;
$$;
revoke execute on function private.ensure_monthly_partitions(regclass, int, int) from public, anon, authenticated;
comment on function private.ensure_monthly_partitions(regclass, int, int) is
  'Creates the missing monthly (UTC) partitions of a log partitioned on occurred_at, moving rows of those months out of its DEFAULT partition; returns the number created. Internal to analytics.ensure_partitions and usage.ensure_partitions.';
