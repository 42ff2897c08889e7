-- 0640: audience.customers becomes a rollup of the engine (migrations/0100), computed by
-- audience.compute_customers (functions/audience; registered there): one row per
-- customer (org_id, visitor key), recomputed for the customers touched by the rows
-- received in a range, from two sources:
--   * analytics.events.received_at (the registered source log);
--   * audience.orders.received_at (added here): set on insert (default now()) and bumped
--     to clock_timestamp() by a trigger on every update (a refund, a corrected amount), so
--     a changed order touches its customer like a new one. clock_timestamp() of a writing
--     transaction is never below its start, so the engine's safe bound
--     (private.received_upper_bound, the start of the oldest running transaction of the
--     database) covers it as it covers events;
--   * audience.orders_removed (created here): a deleted order, or an order moved to
--     another visitor, leaves no row to carry a receipt time, so a trigger records its old
--     customer key with clock_timestamp() here and deletes that customer's stored row (it
--     is rebuilt from what is left: by the next apply, and at once by every reader through
--     private.rollup_rows, since the marker lies after the watermark). Markers below the
--     rollup's watermark are no longer needed; audience.update_customers deletes them.
-- Stored rows depend only on data: the columns that changed with the passing of time
-- (propensity_score, intent_level, lifecycle_stage, review_at, refreshed_at) are dropped
-- and derived at read time (audience.customers_now) from dates stored instead: the latest
-- ticket CTA, checkout start, event (and its network type), and 30-minute session gap.
-- customer_watermarks (the old per-organization watermark) is dropped: the engine's
-- registry row holds the one watermark. The table is emptied: the first apply (or any
-- reader before it) rebuilds it from -infinity with the same statement.

-- Orders carry their receipt time. now() is STABLE, not volatile: PostgreSQL 11+ stores it
-- once as the column's missing value (no rewrite, a brief ACCESS EXCLUSIVE lock only);
-- squawk does not recognize the qualified name.
-- squawk-ignore adding-field-with-default
alter table audience.orders add column received_at timestamptz not null default pg_catalog.now();
comment on column audience.orders.received_at is
  'When the row was stored or last changed (insert: the transaction''s now(); update: clock_timestamp(), set by trigger bump_received_at). The customers rollup (audience.compute_customers) recomputes the customers of orders received since its watermark.';

create table audience.orders_removed (
  org_id      uuid        not null,
  visitor_id  text        collate "C" not null,
  received_at timestamptz not null,
  constraint pk_orders_removed primary key (org_id, visitor_id, received_at),
  constraint fk_orders_removed_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_orders_removed_on_received_at on audience.orders_removed (received_at);
comment on table audience.orders_removed is
  'Customer keys (audience.visitor_key of the order) whose order was deleted or moved to another visitor, with when (clock_timestamp() of the change): a source of the customers rollup, like orders.received_at for changed orders. Written by the triggers of audience.orders; markers below the rollup''s watermark are deleted by audience.update_customers; erasure deletes a person''s markers (org_id, visitor_id).';
alter table audience.orders_removed enable row level security;
create policy all_service_role on audience.orders_removed
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.orders_removed is 'Only service_role (and the definer triggers of audience.orders) reads or writes the markers.';
revoke all on table audience.orders_removed from public, anon, authenticated;
grant select, insert, delete on table audience.orders_removed to service_role;

-- Triggers of audience.orders. A changed order is received again: bump_received_at sets
-- received_at to clock_timestamp() (never below the writing transaction's start, so the
-- safe bound covers it), or to a later time the update itself sets.
create function audience.bump_order_received_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.received_at := greatest(pg_catalog.clock_timestamp(), new.received_at);
  return new;
end;
$$;
revoke execute on function audience.bump_order_received_at() from public, anon, authenticated;
comment on function audience.bump_order_received_at() is
  'Trigger: an updated order is received again (received_at = clock_timestamp(), or a later time the update sets), so the customers rollup recomputes its customer.';
create trigger bump_received_at before update on audience.orders
  for each row execute function audience.bump_order_received_at();
comment on trigger bump_received_at on audience.orders is 'A changed order (refund, correction) touches its customer in the customers rollup.';

-- A deleted order, or one moved to another visitor (visitor_id / user_id changed), leaves
-- its old customer with no row received after the watermark: the old key gets a marker
-- (clock_timestamp()) and its stored row is deleted (a key whose activity is all gone must
-- have no row; one with activity left is rebuilt by the next apply, and by every reader at
-- once through private.rollup_rows). Statement triggers with transition tables (only the
-- trigger function itself can read them, hence the work is here, not in a repeatable).
create function audience.record_removed_order_customers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    with keys as (
      select distinct o.org_id, audience.visitor_key(o.visitor_id, o.user_id) as visitor_id
      from old_orders as o
      where o.visitor_id is not null or o.user_id is not null
    ),
    marked as (
      insert into audience.orders_removed (org_id, visitor_id, received_at)
      select k.org_id, k.visitor_id, pg_catalog.clock_timestamp() from keys as k
      where exists (select 1 from app.organizations as g where g.id = k.org_id)  -- not when the organization goes
      on conflict do nothing
    )
    delete from audience.customers as c
    using keys as k
    where c.org_id = k.org_id and c.visitor_id = k.visitor_id;
  else
    with keys as (
      select distinct o.org_id, audience.visitor_key(o.visitor_id, o.user_id) as visitor_id
      from old_orders as o
      join new_orders as n on n.org_id = o.org_id and n.id = o.id
      where (o.visitor_id is not null or o.user_id is not null)
        and audience.visitor_key(o.visitor_id, o.user_id) is distinct from audience.visitor_key(n.visitor_id, n.user_id)
    ),
    marked as (
      insert into audience.orders_removed (org_id, visitor_id, received_at)
      select k.org_id, k.visitor_id, pg_catalog.clock_timestamp() from keys as k
      where exists (select 1 from app.organizations as g where g.id = k.org_id)  -- not when the organization goes
      on conflict do nothing
    )
    delete from audience.customers as c
    using keys as k
    where c.org_id = k.org_id and c.visitor_id = k.visitor_id;
  end if;
  return null;
end;
$$;
revoke execute on function audience.record_removed_order_customers() from public, anon, authenticated;
comment on function audience.record_removed_order_customers() is
  'Trigger: after a statement deleted orders or moved them to another visitor, marks the old customer keys in audience.orders_removed and deletes their stored customer rows (the customers rollup rebuilds what is left).';
create trigger record_removed_orders after delete on audience.orders
  referencing old table as old_orders for each statement execute function audience.record_removed_order_customers();
create trigger record_moved_orders after update on audience.orders
  referencing old table as old_orders new table as new_orders for each statement execute function audience.record_removed_order_customers();
comment on trigger record_removed_orders on audience.orders is 'Deleted orders: their customers are recomputed (audience.orders_removed).';
comment on trigger record_moved_orders on audience.orders is 'Orders moved to another visitor: the old customers are recomputed (audience.orders_removed).';

-- Customers: dates instead of time-relative values.
-- squawk-ignore ban-drop-column
alter table audience.customers drop column propensity_score;
-- squawk-ignore ban-drop-column
alter table audience.customers drop column intent_level;
-- squawk-ignore ban-drop-column
alter table audience.customers drop column lifecycle_stage;
-- squawk-ignore ban-drop-column
alter table audience.customers drop column review_at;
-- squawk-ignore ban-drop-column
alter table audience.customers drop column refreshed_at;
alter table audience.customers add column last_event_at timestamptz;
alter table audience.customers add column last_network_type text collate "C";
alter table audience.customers add column last_ticket_cta_at timestamptz;
alter table audience.customers add column last_checkout_at timestamptz;
alter table audience.customers add column last_gap_at timestamptz;
comment on column audience.customers.last_event_at is 'Latest non-bot event (last_seen_at also counts orders).';
comment on column audience.customers.last_network_type is 'network_type of the latest non-bot event (ties: the highest id); NULL when it reported none.';
comment on column audience.customers.last_ticket_cta_at is 'Latest ticket_cta event (propensity: +3 while within the 30 days before the reading time).';
comment on column audience.customers.last_checkout_at is 'Latest checkout_started event (propensity: +4 while within the 30 days).';
comment on column audience.customers.last_gap_at is
  'The event before the latest gap of 30 minutes or more between two consecutive events (a session boundary): the visitor has 2+ sessions in the 30 days before time t exactly when last_gap_at >= t - 30 days (propensity: repeat visitor).';
comment on table audience.customers is
  'One row per visitor of an organization (key: audience.visitor_key), a rollup of the engine (private.rollups ''audience.customers'', compute function audience.compute_customers) over analytics.events (bots excluded) and audience.orders. Stored values depend only on data; stage, propensity and intent are derived at read time by audience.customers_now (exact, through private.rollup_rows). Visitors who opted out (audience.opt_outs) have no row. Segments filter it.';

-- Rebuilt by the first apply (every reader computes it exactly before that).
truncate audience.customers;
drop table audience.customer_watermarks;
