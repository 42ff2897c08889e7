-- Contract: audience.customers on the rollup engine, with its two sources (analytics.events
-- and audience.orders by received_at) and the watermark (organization "cust-engine").
-- Received times are set in 2030, above any real watermark, so that this file moves the
-- watermark itself (inside its rolled-back transaction). Fixture, received_at -> row:
--   2030-01-01 10:00  event v1 page_view at t-3d (wifi)
--   2030-01-01 11:00  event v1 page_view at t-3d+10min
--   2030-01-01 12:00  order v2 2000 at t-2d (no event: a customer from the second source)
--   2030-01-01 13:00  event v3 page_view at t-1d (3g)   exactly at W1 = 13:00
--   2030-01-02 09:00  event v1 page_view at t-10d       late: older than everything of v1
--   2030-01-02 09:30  v2's order refunded                (the update sets received_at)
-- After an apply up to W1: v1 (2 events, 1 session) and v2 (1 order, 2000); v3 not yet.
-- Readers (private.rollup_rows, audience.customers_now) see all of it at every moment:
-- v1 3 events, 2 sessions, first seen t-10d; v2 no order; v3 1 event. t = now().
select plan(13);

select tests.create_user('owner@cust-engine.test');
select tests.create_org('cust-engine', md5('owner@cust-engine.test')::uuid);
-- Everything received before this transaction is applied first.
select private.apply_rollup('audience.customers', now(), true);

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, network_type)
select md5('org:cust-engine')::uuid, now() + x.occurred, x.received::timestamptz, 'page_view', x.visitor, x.network
from (values (interval '-3 days', '2030-01-01 10:00Z', 'v1', 'wifi'), (interval '-3 days' + interval '10 minutes', '2030-01-01 11:00Z', 'v1', 'wifi'),
             (interval '-1 day', '2030-01-01 13:00Z', 'v3', '3g')) as x (occurred, received, visitor, network);
insert into audience.orders (org_id, kind, visitor_id, amount_cents, currency, occurred_at, received_at)
values (md5('org:cust-engine')::uuid, 'purchase', 'v2', 2000, 'EUR', now() - interval '2 days', '2030-01-01 12:00Z');

select is(private.apply_rollup('audience.customers', '2030-01-01 13:00Z', true), 2::bigint,
          'apply up to W1 = 13:00 writes the 2 customers of the rows received before it');
select results_eq(
  $$ select visitor_id collate "default", events_count, sessions_count, orders_count, revenue_cents
     from audience.customers where org_id = md5('org:cust-engine')::uuid order by visitor_id $$,
  $$ values ('v1', 2::bigint, 1::bigint, 0, 0::bigint), ('v2', 0, 0, 1, 2000) $$,
  'stored: v1 from its events, v2 from its order (the second source); v3, received exactly at the watermark, is not in it');
select is((select watermark from private.rollups where name = 'audience.customers'), '2030-01-01 13:00Z'::timestamptz,
          'the watermark moved to W1');

-- A late event and a refund, both received after the watermark.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, network_type)
values (md5('org:cust-engine')::uuid, now() - interval '10 days', '2030-01-02 09:00Z', 'page_view', 'v1', 'wifi');
update audience.orders set refunded_at = now(), received_at = '2030-01-02 09:30Z'
where org_id = md5('org:cust-engine')::uuid and visitor_id = 'v2';

select results_eq(
  $$ select visitor_id collate "default", first_seen_at = now() - interval '10 days', events_count, sessions_count, orders_count, revenue_cents
     from private.rollup_rows(null::audience.customers, md5('org:cust-engine')::uuid) order by visitor_id $$,
  $$ values ('v1', true, 3::bigint, 2::bigint, 0, 0::bigint), ('v2', false, 0, 0, 0, 0), ('v3', false, 1, 1, 0, 0) $$,
  'before the next apply the reader counts the late event (v1: 3 events, 2 sessions, first seen t-10d), the refund (v2: no order) and v3');
select results_eq(
  $$ select * from private.rollup_rows(null::audience.customers, md5('org:cust-engine')::uuid) order by visitor_id $$,
  $$ select * from audience.compute_customers(md5('org:cust-engine')::uuid, '-infinity', 'infinity') order by visitor_id $$,
  'the reader equals a recomputation from all raw rows, column by column');
select results_eq(
  $$ select visitor_id collate "default", lifecycle_stage::text, propensity_score::int
     from audience.customers_now(md5('org:cust-engine')::uuid) order by visitor_id $$,
  $$ values ('v1', 'prospect', 1), ('v2', 'prospect', 0), ('v3', 'prospect', 0) $$,
  'customers_now: v1 a repeat visitor (1), v2 a prospect again after its refund (no past-purchaser points), v3 on 3g 0 (clamped)');
select results_eq(
  $$ select visitor_id collate "default", propensity_score::int from audience.customers_now(md5('org:cust-engine')::uuid) order by visitor_id $$,
  $$ select p.visitor_key collate "default", p.propensity_score
     from audience.propensity_scores(array_fill(md5('org:cust-engine')::uuid, array[3]), array['v1', 'v2', 'v3'], now()) as p
     order by p.visitor_key $$,
  'the propensity derived from stored dates equals audience.propensity_scores over the raw events');

select is(private.apply_rollup('audience.customers', '2030-01-02 10:00Z', true), 3::bigint,
          'the next apply writes exactly the 3 customers touched since W1 (v1 late event, v2 refund, v3 at W1)');
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:cust-engine')::uuid order by visitor_id $$,
  $$ select * from audience.compute_customers(md5('org:cust-engine')::uuid, '-infinity', 'infinity') order by visitor_id $$,
  'after it the stored rows equal the recomputation from raw rows');

-- A full rebuild is the same apply from -infinity.
create temp table customers_before as select * from audience.customers where org_id = md5('org:cust-engine')::uuid;
select lives_ok($$ select private.reset_rollup('audience.customers') $$, 'reset empties the rollup');
select lives_ok($$ select private.apply_rollup('audience.customers', '2030-01-02 10:00Z', true) $$, 'and the apply rebuilds it');
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:cust-engine')::uuid order by visitor_id $$,
  $$ select * from customers_before order by visitor_id $$,
  'the rebuild equals the incrementally maintained rows');

-- An opt-out: never computed again, gone from the readers at once.
insert into audience.opt_outs (org_id, visitor_id) values (md5('org:cust-engine')::uuid, 'v3');
select results_eq(
  $$ select (select array_agg(visitor_id collate "default" order by visitor_id) from audience.compute_customers(md5('org:cust-engine')::uuid, '-infinity', 'infinity')),
            (select array_agg(visitor_id collate "default" order by visitor_id) from audience.customers_now(md5('org:cust-engine')::uuid)) $$,
  $$ values (array['v1', 'v2'], array['v1', 'v2']) $$,
  'after v3 opts out, neither the compute function nor customers_now returns it');

select * from finish();
