-- 0090: the BRIN index on analytics.events.received_at answers "what arrived since the
-- watermark" (private.audience_dirty_days, analytics.aggregate_daily, update_customers).
-- A block range filled since the last vacuum has no summary, and every such range is
-- read in full by each of those questions: 35 ranges (35 MB) after a day of inserts cost
-- an audience RPC 13 ms. With autosummarize, autovacuum summarizes a range as soon as
-- inserts move on to the next one. Partitions inherit the option from this index (new
-- and attached ones alike). Rebuilding reads each partition once (BRIN: no sort).
drop index analytics.index_events_on_received_at_brin;
create index index_events_on_received_at_brin
  on analytics.events using brin (received_at) with (autosummarize = on);
