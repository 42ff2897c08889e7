-- Contract: public.get_audience_overview. Fixture: tests.audience_june_fixture (see
-- Tests/Contracts/_support/40_audience_fixtures.sql), organization aud-berlin in
-- Europe/Berlin; current period [2026-06-01, 2026-06-15), previous [2026-05-18, 2026-06-01).
select plan(20);

select tests.audience_june_fixture(tests.audience_orgs());

select tests.authenticate_as(tests.audience_user('viewer'));

select results_eq(
  $$ select visitors, sessions, checkout_visitors, checkout_rate_pct, buyers, purchase_rate_pct, new_buyers,
            returning_buyers, orders, revenue_cents, mobile_visitors, mobile_conversion_pct, desktop_visitors,
            desktop_conversion_pct
     from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') where period = 'current' $$,
  $$ values (6::bigint, 7::bigint, 3::bigint, 50.0, 2::bigint, 33.3, 1::bigint, 1::bigint, 2::bigint, 9000::bigint,
             4::bigint, 25.0, 2::bigint, 50.0) $$,
  'current period: 6 visitors (V1-V4, V6, V7; V5 is local 06-15, the bot excluded), 7 sessions (V1 twice), 3 with checkout (50.0 %), 2 buyers (V1 5000, V3 4000; V2 refunded) = 33.3 %, V1 new and V3 returning, revenue 9000, mobile 1 of 4 = 25.0 %, desktop 1 of 2 = 50.0 %'
);

select results_eq(
  $$ select period_from, period_to, visitors, sessions, checkout_visitors, checkout_rate_pct, buyers, purchase_rate_pct,
            new_buyers, returning_buyers, orders, revenue_cents, mobile_visitors, mobile_conversion_pct,
            desktop_visitors, desktop_conversion_pct
     from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') where period = 'previous' $$,
  $$ values ('2026-05-18'::date, '2026-06-01'::date, 2::bigint, 2::bigint, 0::bigint, 0.0, 1::bigint, 50.0, 1::bigint,
             0::bigint, 1::bigint, 2000::bigint, 1::bigint, 0.0, 1::bigint, 100.0) $$,
  'previous period [05-18, 06-01): V3 (first order 2000, a new buyer then) and V8; V4 (05-31 22:30 UTC) is not in it because 06-01 00:30 is its Berlin day'
);

select results_eq(
  $$ select period from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values ('current'), ('previous') $$,
  'two rows, current first'
);

select results_eq(
  $$ select visitors, sessions from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-02') where period = 'current' $$,
  $$ values (1::bigint, 1::bigint) $$,
  'day boundary: V4''s event at 2026-05-31 22:30 UTC is on 2026-06-01 in Berlin (UTC bucketing would give 0)'
);

select results_eq(
  $$ select visitors from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-14', '2026-06-15') where period = 'current' $$,
  $$ values (0::bigint) $$,
  'day boundary: V5''s event at 2026-06-14 22:30 UTC is on 2026-06-15 in Berlin, outside [06-14, 06-15) (UTC bucketing would give 1)'
);

select results_eq(
  $$ select visitors, buyers, orders, revenue_cents from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-10', '2026-06-11') where period = 'current' $$,
  $$ values (1::bigint, 1::bigint, 1::bigint, 5000::bigint) $$,
  'V1 has 13 events (10 page views) before one purchase: its order counts once, 5000'
);

select results_eq(
  $$ select visitors, buyers, orders, revenue_cents, purchase_rate_pct from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-05', '2026-06-06') where period = 'current' $$,
  $$ values (1::bigint, 0::bigint, 0::bigint, 0::bigint, 0.0) $$,
  'refund: V2''s order of 3000 was refunded, so it adds no revenue and V2 is no buyer'
);

select results_eq(
  $$ select visitors, sessions from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-09', '2026-06-10') where period = 'current' $$,
  $$ values (0::bigint, 0::bigint) $$,
  'bots: the six bot events of 06-09 count nowhere'
);

select results_eq(
  $$ select visitors, new_buyers, returning_buyers from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-05-18', '2026-06-15') where period = 'current' $$,
  $$ values (7::bigint, 2::bigint, 0::bigint) $$,
  'distinct over the whole range: 7 visitors in [05-18, 06-15), not 6 + 2 (V3 visited in both halves and counts once); V1 and V3 are both new buyers there (first order in the range)'
);

select tests.authenticate_as_service_role();
select results_eq(
  $$ select visitors, buyers from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') where period = 'current' $$,
  $$ values (6::bigint, 2::bigint) $$,
  'service_role reads any organization'
);

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'a member of another organization gets 42501'
);

select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'anon gets 42501 (no EXECUTE privilege)'
);

select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-15', '2026-06-01') $$,
  '22023', null, 'to before from: 22023'
);
select throws_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-15', '2026-06-15') $$,
  '22023', null, 'an empty period (to = from): 22023'
);
select throws_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2025-06-01', '2026-06-03') $$,
  '22023', null, 'a period of 367 days: 22023'
);
select lives_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2025-06-01', '2026-06-02') $$,
  'a period of exactly 366 days is allowed'
);
select throws_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, null, '2026-06-15') $$,
  '22023', null, 'a NULL bound: 22023'
);
select throws_ok(
  $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, '-infinity', '2026-06-15') $$,
  '22023', 'period bounds must be finite dates', 'an infinite bound: 22023, named'
);

-- An order with neither visitor_id nor user_id (a box-office sale, say) on 06-10: its
-- 1,500 count in orders and revenue, and nobody is its buyer (it was dropped whole, against
-- the header). get_audience_acquisition puts it in the (untracked) row, buyers 0.
select tests.authenticate_as_service_role();
insert into audience.orders (org_id, kind, amount_cents, currency, occurred_at)
values (md5('org:aud-berlin')::uuid, 'purchase', 1500, 'EUR', '2026-06-10 12:00Z');
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select buyers, new_buyers, returning_buyers, orders, revenue_cents
     from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') where period = 'current' $$,
  $$ values (2::bigint, 1::bigint, 1::bigint, 3::bigint, 10500::bigint) $$,
  'an order without visitor and user: orders 3 and revenue 10500, still 2 buyers (1 new, 1 returning)');
select results_eq(
  $$ select visitors, buyers, orders, revenue_cents, ltv_cents
     from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') where source = '(untracked)' $$,
  $$ values (0::bigint, 0::bigint, 1::bigint, 1500::bigint, null::bigint) $$,
  'acquisition: the order in the (untracked) row, nobody''s (0 buyers, no lifetime value)');

select * from finish();
