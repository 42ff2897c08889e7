-- audiencectl:no-transaction
-- 0921: the recency rollups of 0920 look up a visitor's previous and next active day
-- (analytics.compute_org_daily_recency, analytics.compute_entity_daily_recency): one index
-- range per visitor instead of a scan of the organization's history. Both tables may be
-- large (6.6 M and 2.7 M rows at 10 M events): built concurrently, outside a transaction (a
-- rerun after a failure finds the INVALID index named by audiencectl; drop it and rerun).
create index concurrently index_visitor_daily_counts_on_org_id_visitor_key_day
  on analytics.visitor_daily_counts (org_id, visitor_key, day);
create index concurrently index_entity_daily_visitors_on_visitor_key
  on analytics.entity_daily_visitors (org_id, entity_id, entity_type, visitor_key, day) include (played);
