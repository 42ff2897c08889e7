-- audiencectl:no-transaction
-- 0141: indexes for the customers rollup (0140).
-- * audience.orders (received_at): audience.compute_customers finds the orders received
--   (stored or changed) in a range of receipt times. The table may be large: built
--   concurrently, outside a transaction (a rerun after a failure finds the INVALID index
--   named by audiencectl; drop it and rerun).
-- * Two indexes of audience.customers that nothing reads any more, dropped concurrently:
--   the buyers index served the old update_customers' candidate search, and
--   (org_id, last_seen_at) the segment filters, which now read every row of the
--   organization through audience.customers_now (private.rollup_rows); each cost every
--   apply an index insertion per row.
create index concurrently index_orders_on_received_at on audience.orders (received_at);
drop index concurrently audience.index_customers_on_org_id_visitor_id_buyers;
drop index concurrently audience.index_customers_on_org_id_last_seen_at;
