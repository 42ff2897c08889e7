-- Contract: audience.update_customers (incremental), the lifecycle rules and the RLS of
-- audience.customers. Lifecycle depends on now(), so the fixture
-- (tests.audience_recent_fixture, _support/40_audience_fixtures.sql) is relative to now (t):
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
select plan(20);

-- What the database held before (e.g. the demo seed, loaded but not refreshed) is brought
-- current first, so that the call for every organization below counts only this fixture.
select audience.update_customers();

select tests.audience_orgs();
select tests.audience_recent_fixture(md5('org:aud-berlin')::uuid);
-- An event pseudonymized by raw-event retention (analytics.apply_retention): never profiled.
select tests.audience_event(md5('org:aud-berlin')::uuid, 'anon:6f1d2c3b-0000-4000-8000-000000000001', now() - interval '3 days', 'page_view');

select tests.authenticate_as_service_role();

select is(audience.update_customers(md5('org:aud-berlin')::uuid), 7::bigint,
          'first run: 7 customers inserted (C1-C6, C8; not the opted-out C7 nor the bot)');

select results_eq(
  $$ select visitor_id::text collate "default", lifecycle_stage::text, orders_count, revenue_cents, aov_cents, events_count,
            sessions_count, first_source::text collate "default", last_source::text collate "default", engagement_score::int
     from audience.customers where org_id = md5('org:aud-berlin')::uuid order by visitor_id $$,
  $$ values ('C1', 'customer', 1, 2500::bigint, 2500::bigint, 1::bigint, 1::bigint, 'instagram', 'instagram', 5),
            ('C2', 'repeat_buyer', 3, 6000, 2000, 3, 3, '(direct)', 'newsletter', 15),
            ('C3', 'champion', 4, 2000, 500, 1, 1, '(direct)', '(direct)', 5),
            ('C4', 'at_risk', 1, 1000, 1000, 1, 1, '(direct)', '(direct)', 5),
            ('C5', 'churned', 5, 500, 100, 1, 1, '(direct)', '(direct)', 5),
            ('C6', 'prospect', 0, 0, null, 2, 1, '(direct)', '(direct)', 5),
            ('C8', 'champion', 0, 0, null, 40, 1, '(direct)', '(direct)', 85) $$,
  'lifecycle, orders (refunds excluded), LTV, AOV, events, sessions, first and last touch, engagement'
);

select results_eq(
  $$ select user_id is null, device_type::text collate "default", country::text collate "default", city, propensity_score::int, intent_level::text,
            first_seen_at = now() - interval '2 days', last_seen_at = now() - interval '2 days'
     from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C1' $$,
  $$ values (true, 'mobile'::text, 'DE'::text, 'Berlin'::text, 3, 'low'::text, true, true) $$,
  'C1: device and place of the latest event, propensity 3 (past purchaser only), low intent, first and last seen'
);

select is((select count(*)::int from audience.customers where visitor_id like 'anon:%'), 0,
          'no customer for a visitor id pseudonymized by retention (anon:...)');

select is(audience.update_customers(md5('org:aud-berlin')::uuid), 0::bigint,
          'second run without new activity touches 0');

-- A new event of C6, received after the run (as a later transaction would store it).
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type)
values (md5('org:aud-berlin')::uuid, now() - interval '1 hour', clock_timestamp(), 'ticket_cta', 'C6', 'desktop');
select tests.authenticate_as_service_role();
select is(audience.update_customers(md5('org:aud-berlin')::uuid), 1::bigint, 'a new event: only C6 is recomputed');
select results_eq(
  $$ select events_count, sessions_count, propensity_score::int from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C6' $$,
  $$ values (3::bigint, 2::bigint, 4) $$,
  'C6 now: 3 events, 2 sessions, propensity 3 (ticket CTA) + 1 (repeat) = 4'
);

-- A refund of C1's order (orders have no watermark: they are compared).
select tests.clear_authentication();
update audience.orders set refunded_at = now() where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C1';
select tests.authenticate_as_service_role();
select is(audience.update_customers(md5('org:aud-berlin')::uuid), 1::bigint, 'a refund: only C1 is recomputed');
select results_eq(
  $$ select lifecycle_stage::text, orders_count, revenue_cents from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C1' $$,
  $$ values ('prospect'::text, 0, 0::bigint) $$,
  'C1 after its refund: prospect, no order, LTV 0'
);

-- A row gone stale (as time passing would make it): re-evaluated once its review_at passed.
select tests.clear_authentication();
update audience.customers set lifecycle_stage = 'customer', review_at = now() - interval '1 second'
where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C4';
select tests.authenticate_as_service_role();
select is(audience.update_customers(md5('org:aud-berlin')::uuid), 1::bigint, 'a row whose review_at passed is re-evaluated');
select is((select lifecycle_stage::text from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C4'),
          'at_risk', 'C4 is at_risk again');
select ok((select review_at > now() from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C5') is not true
          and (select review_at = last_seen_at + interval '180 days' from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C4'),
          'review_at: C4 (at_risk) at its 180th day of inactivity; C5 (churned, no signal) never');

-- An opt-out deletes the row.
select tests.clear_authentication();
insert into audience.opt_outs (org_id, visitor_id) values (md5('org:aud-berlin')::uuid, 'C6');
select tests.authenticate_as_service_role();
select is(audience.update_customers(md5('org:aud-berlin')::uuid), 1::bigint, 'an opt-out: C6''s row is deleted');
select is((select count(*)::int from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id in ('C6', 'C7')), 0,
          'no row for opted-out visitors');

select is(audience.update_customers(), 1::bigint, 'NULL: every organization (aud-other''s one visitor is new)');

select throws_ok($$ select audience.update_customers('00000000-0000-0000-0000-000000000000') $$, 'P0002', null,
                 'an unknown organization: P0002');

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
