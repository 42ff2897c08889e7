-- Contract: audience.customers, a rollup of the engine (audience.compute_customers,
-- applied by audience.update_customers), read exactly by audience.customers_now (stage,
-- intent and propensity derived at now()); the lifecycle rules and the RLS of the table.
-- Lifecycle depends on now(), so the fixture (tests.audience_recent_fixture,
-- _support/40_audience_fixtures.sql) is relative to now (t):
--   C1  page_view t-2d (instagram / social / spring, mobile, DE, Berlin); order 2500 t-2d -> customer
--   C2  page views t-20d (direct), t-10d (newsletter / email / weekly), t-5d; orders 1000,
--       2000, 3000 and a refunded 9000 -> repeat_buyer, 3 orders, 6000, AOV 2000
--   C3  page_view t-3d; 4 orders of 500 (t-40d .. t-3d) -> champion
--   C4  page_view and an order of 1000 at t-70d -> at_risk (60+ days)
--   C5  page_view and 5 orders at t-200d -> churned (180+ days)
--   C6  two page views t-1d 10 minutes apart (desktop) -> prospect, 1 session
--   C7  page_view and order t-1d, opted out -> no row
--   C8  40 plays in one session t-1d, no order: engagement 5 + 80 = 85 -> champion
--   BOT bot events -> no row; an 'anon:...' visitor (pseudonymized by retention) -> no row
-- Rows this transaction writes later carry received_at = clock_timestamp(), as a later
-- transaction would (the fixture's now() lies below the watermark once a refresh ran).
-- audience.customers_now is internal (the segment RPCs call it): read here as the owner.
select plan(33);

-- What the database held before (e.g. the demo seed, loaded but not refreshed) is brought
-- current first, up to this transaction's start (the fixture's received_at), so that later
-- calls apply only this fixture.
select private.apply_rollup('audience.customers', now(), true);

select tests.audience_orgs();
select tests.audience_recent_fixture(md5('org:aud-berlin')::uuid);
-- An event pseudonymized by raw-event retention (analytics.apply_retention): never profiled.
select tests.audience_event(md5('org:aud-berlin')::uuid, 'anon:6f1d2c3b-0000-4000-8000-000000000001', now() - interval '3 days', 'page_view');


-- 1. Exact before any refresh, then stored by it.
select results_eq(
  $$ select visitor_id collate "default", lifecycle_stage::text, orders_count, revenue_cents, aov_cents, events_count,
            sessions_count, first_source collate "default", last_source collate "default", engagement_score::int
     from audience.customers_now(md5('org:aud-berlin')::uuid) order by visitor_id $$,
  $$ values ('C1', 'customer', 1, 2500::bigint, 2500::bigint, 1::bigint, 1::bigint, 'instagram', 'instagram', 5),
            ('C2', 'repeat_buyer', 3, 6000, 2000, 3, 3, '(direct)', 'newsletter', 15),
            ('C3', 'champion', 4, 2000, 500, 1, 1, '(direct)', '(direct)', 5),
            ('C4', 'at_risk', 1, 1000, 1000, 1, 1, '(direct)', '(direct)', 5),
            ('C5', 'churned', 5, 500, 100, 1, 1, '(direct)', '(direct)', 5),
            ('C6', 'prospect', 0, 0, null, 2, 1, '(direct)', '(direct)', 5),
            ('C8', 'champion', 0, 0, null, 40, 1, '(direct)', '(direct)', 85) $$,
  'before any refresh customers_now answers exactly: lifecycle, orders (refunds excluded), LTV, AOV, events, sessions, first and last touch, engagement (not C7, opted out, nor the bot)'
);
select is((select count(*)::int from audience.customers where org_id = md5('org:aud-berlin')::uuid), 0,
          'nothing of the fixture is stored before the refresh step');
select lives_ok($$ select audience.update_customers() $$, 'the refresh step (update_customers) applies the rollup');
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:aud-berlin')::uuid order by visitor_id $$,
  $$ select * from audience.compute_customers(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') order by visitor_id $$,
  'the 7 stored rows equal a recomputation from the raw rows'
);
select is((select count(*)::int from audience.customers where org_id = md5('org:aud-berlin')::uuid), 7,
          '7 rows stored (C1-C6, C8)');

select results_eq(
  $$ select user_id is null, device_type collate "default", country::text collate "default", city, propensity_score::int, intent_level::text,
            first_seen_at = now() - interval '2 days', last_seen_at = now() - interval '2 days'
     from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'C1' $$,
  $$ values (true, 'mobile'::text, 'DE'::text, 'Berlin'::text, 3, 'low'::text, true, true) $$,
  'C1: device and place of the latest event, propensity 3 (past purchaser only), low intent, first and last seen'
);
select is((select count(*)::int from audience.customers where visitor_id like 'anon:%'), 0,
          'no customer for a visitor id pseudonymized by retention (anon:...)');
select is(audience.update_customers(), 0::bigint, 'a second run without new activity changes 0 rows');

-- 2. A new event of C6: counted at once by customers_now, stored by the next run.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type)
values (md5('org:aud-berlin')::uuid, now() - interval '1 hour', clock_timestamp(), 'ticket_cta', 'C6', 'desktop');
select results_eq(
  $$ select events_count, sessions_count, propensity_score::int, intent_level::text from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'C6' $$,
  $$ values (3::bigint, 2::bigint, 4, 'medium'::text) $$,
  'before the refresh, C6 has 3 events, 2 sessions, propensity 3 (ticket CTA) + 1 (repeat) = 4: medium'
);
select is(audience.update_customers(), 1::bigint, 'a new event: only C6 is recomputed');
select results_eq(
  $$ select events_count, sessions_count, last_ticket_cta_at = now() - interval '1 hour', last_gap_at = now() - interval '1 day' + interval '10 minutes'
     from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C6' $$,
  $$ values (3::bigint, 2::bigint, true, true) $$,
  'C6 stored: 3 events, 2 sessions, the ticket CTA''s date, the event before its last 30-minute gap'
);

-- 3. Time passing recomputes nothing: the stored dates give the values of any moment.
select results_eq(
  $$ select audience.propensity_from_dates(c.last_ticket_cta_at, c.last_checkout_at, c.last_gap_at, c.last_event_at,
                                           c.last_network_type, c.first_order_at, now() + x.later)
     from audience.customers as c, (values (interval '0 days', 1), (interval '29 days', 2), (interval '31 days', 3)) as x (later, n)
     where c.org_id = md5('org:aud-berlin')::uuid and c.visitor_id = 'C6' order by x.n $$,
  $$ values (4), (4), (0) $$,
  'C6''s stored row scores 4 now and in 29 days, 0 in 31 days (the ticket CTA and the second session leave the window)'
);
select results_eq(
  $$ select audience.lifecycle_stage_for(c.orders_count, c.engagement_score, c.last_seen_at, now() + x.later)::text
     from audience.customers as c, (values (interval '57 days', 1), (interval '58 days', 2), (interval '178 days', 3)) as x (later, n)
     where c.org_id = md5('org:aud-berlin')::uuid and c.visitor_id = 'C1' order by x.n $$,
  $$ values ('customer'), ('at_risk'), ('churned') $$,
  'C1 (last seen t-2d) is a customer in 57 days, at_risk in 58, churned in 178: derived, never stored'
);

-- 4. A refund after the watermark (the trigger bumps the order's received_at).
update audience.orders set refunded_at = now() where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C1';
select results_eq(
  $$ select lifecycle_stage::text, orders_count, revenue_cents, propensity_score::int from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'C1' $$,
  $$ values ('prospect'::text, 0, 0::bigint, 0) $$,
  'before the refresh, C1 after its refund: prospect, no order, LTV 0, no past-purchaser points'
);
select is(audience.update_customers(), 1::bigint, 'a refund: only C1 is recomputed');
select results_eq(
  $$ select orders_count, revenue_cents, first_order_at from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C1' $$,
  $$ values (0, 0::bigint, null::timestamptz) $$,
  'C1 stored after its refund: no order, LTV 0'
);

-- 5. A deleted order: the customer's row is deleted at once and rebuilt from what is left.
delete from audience.orders
where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C3' and occurred_at = (
  select max(occurred_at) from audience.orders where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C3');
select is((select count(*)::int from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C3'), 0,
          'deleting one of C3''s orders deletes its stored row at once');
select results_eq(
  $$ select lifecycle_stage::text, orders_count, revenue_cents from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'C3' $$,
  $$ values ('repeat_buyer'::text, 3, 1500::bigint) $$,
  'customers_now rebuilds C3 at once from what is left: 3 orders, 1500, repeat_buyer'
);
select is(audience.update_customers(), 1::bigint, 'the next run stores C3 again (1 row)');
select results_eq(
  $$ select orders_count, revenue_cents from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C3' $$,
  $$ values (3, 1500::bigint) $$,
  'C3 stored: 3 orders, 1500'
);
-- An order-only customer whose only order goes away.
insert into audience.orders (org_id, kind, visitor_id, amount_cents, currency, occurred_at, received_at)
values (md5('org:aud-berlin')::uuid, 'tip', 'C9', 700, 'EUR', now() - interval '1 day', clock_timestamp());
select is(audience.update_customers(), 1::bigint, 'C9 (one tip, no event) is stored by the next run');
delete from audience.orders where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C9';
select is((select count(*)::int from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C9')
          + (select count(*)::int from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'C9'), 0,
          'C9''s only order deleted: no customer, stored or read, at once');
select is(audience.update_customers(), 0::bigint, 'the next run writes nothing for C9');
select is((select count(*)::int from audience.orders_removed where org_id = md5('org:aud-berlin')::uuid), 0,
          'and sweeps the removed-order markers below the watermark');

-- 6. An opt-out: hidden at once, the stored row deleted by the next run if an apply wrote it back.
insert into audience.opt_outs (org_id, visitor_id) values (md5('org:aud-berlin')::uuid, 'C6');
select is((select count(*)::int from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'C6'), 0,
          'an opted-out visitor is gone from customers_now at once');
select is(audience.update_customers(), 1::bigint, 'an opt-out: the next run deletes C6''s row');
select is((select count(*)::int from audience.compute_customers(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') where visitor_id in ('C6', 'C7')), 0,
          'the compute function never returns opted-out visitors');

select throws_ok($$ select audience.update_customers('00000000-0000-0000-0000-000000000000') $$, 'P0002', null,
                 'an unknown organization: P0002');
select tests.authenticate_as_service_role();
select is(audience.update_customers(md5('org:aud-berlin')::uuid), 0::bigint, 'service_role runs it (nothing new: 0)');

-- Who may run it, and who reads the table.
select tests.authenticate_as(tests.audience_user('owner'));
select throws_ok($$ select audience.update_customers(md5('org:aud-berlin')::uuid) $$, '42501', null,
                 'even an owner may not run update_customers (service_role only)');
select results_eq(
  $$ select count(*)::int from audience.customers $$, $$ values (6) $$,
  'an owner reads their organization''s 6 customers (C1-C5, C8; RLS hides aud-other''s)'
);
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select count(*)::int from audience.customers $$, $$ values (0) $$,
  'a viewer reads no customer (analyst or above)'
);
select tests.authenticate_as_anon();
select throws_ok($$ select count(*) from audience.customers $$, '42501', null, 'anon may not read customers');

select * from finish();
