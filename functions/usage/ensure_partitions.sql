-- Creates the missing monthly partitions of usage.model_requests, from p_months_back
-- months before the current month (UTC) to p_months_ahead months after it; returns how
-- many it created. Idempotent; serialized by its own advisory lock. The same rules as
-- analytics.ensure_partitions (which calls this one: one partition-maintenance path for
-- both partitioned tables): usage.model_requests_pYYYY_MM holds [first day of the month
-- 00:00 UTC, first day of the next month), is built detached, filled with that month's
-- rows moved out of the DEFAULT partition, then attached; RLS enabled, no privilege for
-- the API roles (reached only through the parent).
-- Callable by service_role and DBA sessions.
create or replace function usage.ensure_partitions(p_months_ahead int default 3, p_months_back int default 1)
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
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('usage.ensure_partitions'));

  select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum)
  into v_columns
  from pg_catalog.pg_attribute a
  where a.attrelid = 'usage.model_requests'::pg_catalog.regclass
    and a.attnum > 0
    and not a.attisdropped;

  for v_month in
    select pg_catalog.generate_series(v_current - pg_catalog.make_interval(months => p_months_back),
                                      v_current + pg_catalog.make_interval(months => p_months_ahead),
                                      interval '1 month')::date
  loop
    v_name := 'model_requests_p' || pg_catalog.to_char(v_month, 'YYYY_MM');
    continue when pg_catalog.to_regclass(pg_catalog.format('usage.%I', v_name)) is not null;

    v_from := v_month::timestamp at time zone 'UTC';
    v_to := (v_month + interval '1 month')::timestamp at time zone 'UTC';

    lock table usage.model_requests_default in access exclusive mode;

    execute pg_catalog.format(
      'create table usage.%I (like usage.model_requests including defaults including constraints including storage)',
      v_name);
    execute pg_catalog.format(
      'alter table usage.%I add constraint %I check (occurred_at >= %L and occurred_at < %L)',
      v_name, 'check_' || v_name || '_bounds', v_from, v_to);
    execute pg_catalog.format(
      'with moved as (delete from usage.model_requests_default where occurred_at >= $1 and occurred_at < $2 returning %s) '
      'insert into usage.%I (%s) select %s from moved',
      v_columns, v_name, v_columns, v_columns)
      using v_from, v_to;
    execute pg_catalog.format(
      'alter table usage.model_requests attach partition usage.%I for values from (%L) to (%L)',
      v_name, v_from, v_to);
    execute pg_catalog.format('alter table usage.%I drop constraint %I', v_name, 'check_' || v_name || '_bounds');

    execute pg_catalog.format('alter table usage.%I enable row level security', v_name);
    execute pg_catalog.format('revoke all on table usage.%I from public, anon, authenticated', v_name);
    execute pg_catalog.format(
      'comment on table usage.%I is %L', v_name,
      pg_catalog.format('Partition of usage.model_requests for %s (UTC). Reached only through the parent.',
                        pg_catalog.to_char(v_month, 'YYYY-MM')));
    v_created := v_created + 1;
  end loop;

  return v_created;
end;
$$;
revoke execute on function usage.ensure_partitions(int, int) from public, anon, authenticated;
grant execute on function usage.ensure_partitions(int, int) to service_role;
comment on function usage.ensure_partitions(int, int) is
  'Creates the missing monthly partitions of usage.model_requests (UTC months, from p_months_back before the current month to p_months_ahead after it), moving rows of those months out of the DEFAULT partition; returns the number created. Idempotent; called by analytics.ensure_partitions. service_role / DBA.';
