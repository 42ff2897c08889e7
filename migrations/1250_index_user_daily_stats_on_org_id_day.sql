-- audiencectl:no-transaction
-- 1250: analytics.user_daily_stats gets the unit of replacement (org_id, day) (its compute
-- function's file): a late, earlier content_created names another creator of an item, and
-- the plays credited to the one it replaces leave that user's days. The engine deletes a
-- unit's stored rows that its compute function no longer returns, and readers hide them,
-- through the unit's columns: this index. Built CONCURRENTLY (writes go on).
create index concurrently if not exists index_user_daily_stats_on_org_id_day
  on analytics.user_daily_stats (org_id, day);
