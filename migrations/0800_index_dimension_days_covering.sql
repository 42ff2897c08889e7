-- audiencectl:no-transaction
-- 0800: the cost breakdown by user, team, project or feature and the user activity read one
-- organization's rows of one dimension over a range of days from usage.dimension_days
-- (through private.dimension_days_rows). Rows of one organization are spread over the
-- whole table (a rebuild and each refresh write all organizations' days together): at 10M
-- requests the largest organization's 11,800 user rows of 60 days sat on 11,136 heap pages.
-- A covering index answers them from the index alone (index-only scan). usage.dimension_days
-- may be large: built concurrently, outside a transaction (a rerun after a failure finds the
-- INVALID index; drop it and rerun).
create index concurrently index_dimension_days_on_org_id_dimension_day_key
  on usage.dimension_days (org_id, dimension, day, key) include (requests, cost, tokens);
