-- The daily rollups of migrations 0030 / 0660 on the rollup engine: applies each of them
-- (private.apply_rollup, dependency order) all up to the same moment, now (clock_timestamp: above the safe bound
-- while other sessions run, allowed because verify rolls every contract back). Returns the
-- rows written. Fixture events must be received now (received_at default), as live events
-- are: an event received before a rollup's watermark is never applied (migration 0100).
create or replace function tests.apply_daily_rollups()
returns bigint
language plpgsql
as $$
declare
  v_name text;
  v_upto timestamptz := pg_catalog.clock_timestamp();
  v_rows bigint := 0;
begin
  foreach v_name in array array['analytics.visitor_daily_counts', 'analytics.entity_daily_stats',
                                'analytics.entity_daily_visitors', 'analytics.user_daily_stats',
                                'analytics.org_daily_stats', 'analytics.org_daily_visitors',
                                'analytics.profile_daily_stats'] loop
    v_rows := v_rows + private.apply_rollup(v_name, v_upto, true);
  end loop;
  return v_rows;
end;
$$;
comment on function tests.apply_daily_rollups() is
  'Applies the seven daily rollups (visitor_daily_counts first, its dependents after) up to clock_timestamp(); rows written.';
