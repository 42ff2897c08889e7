-- The received_at bound up to which every event of this database is committed and visible:
-- the start of the oldest transaction still running in it (other than this session's),
-- or now when there is none. Events received before it cannot appear later, so an
-- incremental run may move its watermark up to it. Needs the caller to see other
-- sessions' xact_start (superuser or pg_read_all_stats); without that, now minus 10
-- minutes (assumes no writing transaction runs longer). Internal helper of
-- private.apply_rollup, insights.refresh_aggregates and private.refresh_audience_rollups; SECURITY INVOKER.
create or replace function private.received_upper_bound()
returns timestamptz
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_upper timestamptz;
begin
  perform pg_catalog.pg_stat_clear_snapshot();
  if not pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'member') then
    return pg_catalog.clock_timestamp() - interval '10 minutes';
  end if;
  select least(pg_catalog.clock_timestamp(), pg_catalog.min(a.xact_start))
  into v_upper
  from pg_catalog.pg_stat_activity as a
  where a.pid <> pg_catalog.pg_backend_pid()
    and a.datname = pg_catalog.current_database()  -- other databases cannot write these events
    and a.xact_start is not null
    and a.backend_type in ('client backend', 'background worker');
  return coalesce(v_upper, pg_catalog.clock_timestamp());
end;
$$;
revoke execute on function private.received_upper_bound() from public, anon, authenticated;
comment on function private.received_upper_bound() is
  'received_at bound below which every event is committed and visible: start of the oldest other running transaction in this database (now if none; now - 10 minutes without pg_read_all_stats). Internal.';
