-- Contract: public.get_audience_acquisition. Fixture: tests.audience_june_fixture (see
-- Tests/Contracts/_support/40_audience_fixtures.sql), organization aud-berlin in
-- Europe/Berlin, period [2026-06-01, 2026-06-15).
select plan(10);

select tests.audience_june_fixture(tests.audience_orgs());
select tests.authenticate_as(tests.audience_user('viewer'));

-- instagram: V1 (clicked, bought 5000) and V6 (clicked); direct: V3 (bought 4000; 2000
-- before, so LTV 6000) and V7; google.com: V2 (refunded); newsletter: V4.
-- quality = round(40 conv/50 + 40 ltv/6000 + 20 ctr/100): instagram 40 + 33.3 + 20 = 93,
-- direct 40 + 40 + 0 = 80, the others 0.
select results_eq(
  $$ select source, medium, campaign, visitors, clicked_visitors, click_through_rate_pct, buyers, conversion_rate_pct,
            orders, revenue_cents, aov_cents, ltv_cents, quality_score
     from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values ('instagram'::text, 'social'::text, 'summer'::text, 2::bigint, 2::bigint, 100.0, 1::bigint, 50.0, 1::bigint, 5000::bigint, 5000::bigint, 5000::bigint, 93),
            ('(direct)', '(none)', '(none)', 2, 0, 0.0, 1, 50.0, 1, 4000, 4000, 6000, 80),
            ('google.com', 'referral', '(none)', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0),
            ('newsletter', 'email', 'june-news', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0) $$,
  'per first-touch channel: visitors, CTR, conversion, revenue counted once, AOV, LTV, quality score; ordered by revenue'
);

select results_eq(
  $$ select sum(visitors)::bigint, sum(revenue_cents)::bigint from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values (6::bigint, 9000::bigint) $$,
  'each visitor in exactly one channel (6 = overview''s visitors) and each order once (9000 = overview''s revenue)'
);

select results_eq(
  $$ select source, visitors, orders, revenue_cents from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-10', '2026-06-11') $$,
  $$ values ('instagram'::text, 1::bigint, 1::bigint, 5000::bigint) $$,
  'V1: ten page views and more before one purchase, revenue 5000 once'
);

select results_eq(
  $$ select source, visitors, buyers, revenue_cents from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-05', '2026-06-06') $$,
  $$ values ('google.com'::text, 1::bigint, 0::bigint, 0::bigint) $$,
  'refund: V2''s refunded order is no revenue and no buyer'
);

select results_eq(
  $$ select source, visitors from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-02') $$,
  $$ values ('newsletter'::text, 1::bigint) $$,
  'day boundary: V4 (2026-05-31 22:30 UTC) is on 06-01 in Berlin'
);

select is_empty(
  $$ select * from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-09', '2026-06-10') $$,
  'bots: the bot''s instagram page views of 06-09 make no row'
);

-- An order whose buyer has no event in the period: its own row, with 0 visitors.
select tests.clear_authentication();
select tests.audience_order(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-13 12:00'), 700);
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select source, visitors, buyers, revenue_cents, conversion_rate_pct from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-13', '2026-06-14') $$,
  $$ values ('(untracked)'::text, 0::bigint, 1::bigint, 700::bigint, null::numeric) $$,
  'a buyer without events in the period is reported as (untracked), revenue kept'
);

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(
  $$ select * from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'a member of another organization gets 42501'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'anon gets 42501'
);
select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok(
  $$ select * from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-15', '2026-06-01') $$,
  '22023', null, 'to before from: 22023'
);

select * from finish();
