-- Creates the missing monthly partitions of analytics.events, from p_months_back months
-- before the current month (UTC) to p_months_ahead months after it; returns how many it
-- created. Idempotent; safe to run concurrently (serialized by an advisory lock).
-- Callable by service_role (audiencectl migrate / refresh / seed) and DBA sessions.
--
-- Each partition analytics.events_pYYYY_MM holds [first day of the month 00:00 UTC,
-- first day of the next month 00:00 UTC). It is built detached, filled with the rows
-- of that month that the DEFAULT partition already holds (moved, not copied: one
-- DELETE ... RETURNING feeding one INSERT), then attached. Attaching takes only SHARE
-- UPDATE EXCLUSIVE on the parent (readers and writers of other months carry on) and
-- ACCESS EXCLUSIVE on the default partition, which is taken first so that no row of
-- that month can slip into the default partition meanwhile. A bounds CHECK added before
-- ATTACH spares the scan of the new partition; ATTACH still scans the default partition,
-- which therefore should stay small (stragglers only).
-- New partitions get RLS enabled and no privilege for public/anon/authenticated: they
-- are reached only through the parent, whose policies apply.
-- It then calls usage.ensure_partitions with the same arguments (the monthly partitions
-- of usage.model_requests), so that every caller of this one path keeps both tables'
-- months; the number returned counts analytics.events partitions only.
create or replace function analytics.ensure_partitions(p_months_ahead int default 3, p_months_back int default 1)
returns int
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
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

  -- One creator at a time (two migrate runs, refresh and seed at once).
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('analytics.ensure_partitions'));

  select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum)
  into v_columns
  from pg_catalog.pg_attribute a
  where a.attrelid = 'analytics.events'::pg_catalog.regclass
    and a.attnum > 0
    and not a.attisdropped;

  for v_month in
    select pg_catalog.generate_series(v_current - pg_catalog.make_interval(months => p_months_back),
                                      v_current + pg_catalog.make_interval(months => p_months_ahead),
                                      interval '1 month')::date
  loop
    v_name := 'events_p' || pg_catalog.to_char(v_month, 'YYYY_MM');
    continue when pg_catalog.to_regclass(pg_catalog.format('analytics.%I', v_name)) is not null;

    v_from := v_month::timestamp at time zone 'UTC';
    v_to := (v_month + interval '1 month')::timestamp at time zone 'UTC';

    lock table analytics.events_default in access exclusive mode;

    execute pg_catalog.format(
      'create table analytics.%I (like analytics.events including defaults including constraints including storage)',
      v_name);
    execute pg_catalog.format(
      'alter table analytics.%I add constraint %I check (occurred_at >= %L and occurred_at < %L)',
      v_name, 'check_' || v_name || '_bounds', v_from, v_to);
    execute pg_catalog.format(
      'with moved as (delete from analytics.events_default where occurred_at >= $1 and occurred_at < $2 returning %s) '
      'insert into analytics.%I (%s) select %s from moved',
      v_columns, v_name, v_columns, v_columns)
      using v_from, v_to;
    execute pg_catalog.format(
      'alter table analytics.events attach partition analytics.%I for values from (%L) to (%L)',
      v_name, v_from, v_to);
    execute pg_catalog.format('alter table analytics.%I drop constraint %I', v_name, 'check_' || v_name || '_bounds');

    execute pg_catalog.format('alter table analytics.%I enable row level security', v_name);
    execute pg_catalog.format('revoke all on table analytics.%I from public, anon, authenticated', v_name);
    execute pg_catalog.format(
      'comment on table analytics.%I is %L', v_name,
      pg_catalog.format('Partition of analytics.events for %s (UTC). Reached only through the parent.',
                        pg_catalog.to_char(v_month, 'YYYY-MM')));
    v_created := v_created + 1;
  end loop;

  -- The same months for the other partitioned log (migration 0200); its count is its own.
  if pg_catalog.to_regprocedure('usage.ensure_partitions(integer, integer)') is not null then
    perform usage.ensure_partitions(p_months_ahead, p_months_back);
  end if;

  return v_created;
end;
$$;
revoke execute on function analytics.ensure_partitions(int, int) from public, anon, authenticated;
grant execute on function analytics.ensure_partitions(int, int) to service_role;
comment on function analytics.ensure_partitions(int, int) is
  'Creates the missing monthly partitions of analytics.events (UTC months, from p_months_back before the current month to p_months_ahead after it), moving rows of those months out of the DEFAULT partition; returns the number created. Idempotent. service_role / DBA.';
