-- 1220: rebuilds the rollups whose incremental apply could leave rows a rebuild does not
-- have, fixed in their functions (found by Tests/Contracts/rollups_incremental_equivalence.sql):
-- * private.audience_touch_days (602fcc4): a visitor's later stored days kept their old
--   latest non-direct touch when a late, earlier direct event changed the touch of the day
--   it came from; and with it private.audience_attribution_days, which sums those rows
--   (and moves by their retractions, migration 1215: a rebuild of the touch rows keeps none);
-- * analytics.entity_daily_funnel (a5974c7): a late, earlier impression moved a visitor-day
--   to another source and position, and the old row stayed.
-- Their next apply (`audiencectl refresh`) rebuilds them from the events with the fixed
-- functions; until then their readers answer from the events, exactly. At 10M events the
-- rebuilds take some 2-4 minutes of that refresh (BENCHMARKS.md). A database without those
-- rollups registered yet (a new one: functions/ registers them after the migrations) has
-- nothing to rebuild. The tables are derived; emptying them blocks nothing but their readers
-- for the length of this transaction.
do $$
begin
  if exists (select 1 from private.rollups as r where r.name = 'private.audience_touch_days' and r.watermark > '-infinity') then
    truncate private.audience_touch_days, private.audience_attribution_days, private.audience_touch_retractions;
    update private.rollups
       set watermark = '-infinity', applied_at = null, applied_rows = null, duration_ms = null
     where name in ('private.audience_touch_days', 'private.audience_attribution_days');
  end if;
  if exists (select 1 from private.rollups as r where r.name = 'analytics.entity_daily_funnel' and r.watermark > '-infinity') then
    truncate analytics.entity_daily_funnel;
    update private.rollups
       set watermark = '-infinity', applied_at = null, applied_rows = null, duration_ms = null
     where name = 'analytics.entity_daily_funnel';
  end if;
end;
$$;
