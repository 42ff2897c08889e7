-- 1251: rebuilds the rollups whose stored rows a fixed definition changes (found by
-- recomputing the RPCs from the raw events):
-- * analytics.user_daily_stats: plays stayed credited to an item's former creator when a
--   late, earlier content_created named another one (their days kept rows a rebuild does
--   not have; unit of replacement (org_id, day) since migration 1250);
-- * analytics.entity_daily_funnel: a visitor-day counted once per entity type its events
--   carried (an id logged with and without entity_type); it is now one visitor-day per id.
-- The next apply (`audiencectl refresh`) rebuilds them from the events with the fixed
-- functions (private.reset_rollup: emptied, watermark '-infinity'; the documented rebuild);
-- until then their readers answer from the events, exactly. A database without them
-- registered yet (a new one: functions/ registers them, and creates reset_rollup, after the
-- migrations) has nothing to rebuild. The tables are derived; emptying them blocks nothing
-- but their readers for the length of this transaction. At 1M events their rebuilds took
-- 1.8 s and 0.8 s of the next refresh.
do $$
begin
  if exists (select 1 from private.rollups as r where r.name = 'analytics.user_daily_stats' and r.watermark > '-infinity') then
    perform private.reset_rollup('analytics.user_daily_stats');
  end if;
  if exists (select 1 from private.rollups as r where r.name = 'analytics.entity_daily_funnel' and r.watermark > '-infinity') then
    perform private.reset_rollup('analytics.entity_daily_funnel');
  end if;
end;
$$;
