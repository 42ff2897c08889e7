-- audiencectl:no-transaction
-- 0641: the customers rollup (audience.compute_customers) finds the orders received (stored
-- or changed) in a range of receipt times. audience.orders may be large: built
-- concurrently, outside a transaction (a rerun after a failure finds the INVALID index
-- named by audiencectl; drop it and rerun).
create index concurrently index_orders_on_received_at on audience.orders (received_at);
