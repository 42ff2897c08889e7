-- Contract: the KPI cards, series, targets, benchmarks and attribution on the demo seed
-- (seed/10_demo.sql, reference 2026-06-15 12:00:00+00), with the numbers written in
-- seed/README.md ("Audience extras on the demo data").
-- audiencectl:uses-seed
select plan(8);

select count(*) from seed.load_demo('2026-06-15 12:00:00+00');
select tests.authenticate_as_service_role();

select results_eq(
  $$ select kpi, value, previous_value, trailing_90d_value from public.get_audience_kpis((select id from app.organizations where slug = 'demo-bowery-hall'), '2026-05-16', '2026-06-15') $$,
  $$ values ('visitors', 200::numeric, 150::numeric, 350::numeric), ('sessions', 245, 180, 425),
            ('checkout_rate_pct', 20.0, 16.7, 18.6), ('purchase_rate_pct', 10.0, 8.0, 9.1),
            ('new_buyers', 20, 12, 32), ('returning_buyers', 0, 0, 0),
            ('mobile_conversion_pct', 15.6, 12.8, 14.4), ('desktop_conversion_pct', 10.0, 6.7, 8.6) $$,
  'demo-bowery-hall, last 30 days vs previous 30 vs trailing 90: 200 / 150 / 350 visitors, 245 / 180 / 425 sessions (the 45 and 30 ticket link clicks of seed/40_insights_demo.sql are sessions of their own), checkout 40/200, 25/150, 65/350; buyers 20, 12, 32 (all new); mobile 20/128, 12/94, 32/222; desktop 6/60, 3/45, 9/105');

select results_eq(
  $$ select count(*)::int, count(*) filter (where visitors > 0)::int, sum(visitors)::int, sum(checkout_visitors)::int, sum(buyers)::int,
            count(*) filter (where buyers = 1 and new_buyers = 1)::int, min(day) filter (where buyers > 0), max(day) filter (where buyers > 0),
            count(*) filter (where visitors = 8)::int, count(*) filter (where visitors = 9)::int
     from public.get_audience_kpi_series((select id from app.organizations where slug = 'demo-bowery-hall'), '2026-05-16', '2026-06-15') $$,
  $$ values (30, 28, 245, 40, 20, 20, '2026-05-26'::date, '2026-06-14'::date, 7, 21) $$,
  'series: 30 days, visitors on days 1..28 (7 days of 8 and 21 of 9 = 245 visitor-days: the 200 visitors, and 45 of them again on the day of their ticket link click), 40 checkouts, one new buyer on each of the 20 days 05-26..06-14');

select results_eq(
  $$ select day, visitors, checkout_visitors, buyers, purchase_rate_pct from public.get_audience_kpi_series((select id from app.organizations where slug = 'demo-bowery-hall'), '2026-06-13', '2026-06-15') $$,
  $$ values ('2026-06-13'::date, 9::bigint, 2::bigint, 1::bigint, 11.1), ('2026-06-14', 9, 2, 1, 11.1) $$,
  'the last two days: 9 visitors (8, and one ticket link clicker), 2 checkouts, 1 buyer (11.1 %) each');

select is(public.set_audience_kpi_target((select id from app.organizations where slug = 'demo-bowery-hall'), 'purchase_rate_pct', 12.5), 12.5, 'service_role sets a 12.5 % purchase-rate target');
select is(public.set_audience_kpi_target((select id from app.organizations where slug = 'demo-bowery-hall'), 'visitors', 250), 250::numeric, 'and 250 visitors');
select results_eq(
  $$ select kpi, target, target_pct from public.get_audience_kpis((select id from app.organizations where slug = 'demo-bowery-hall'), '2026-05-16', '2026-06-15') where target is not null $$,
  $$ values ('visitors', 250::numeric, 80.0), ('purchase_rate_pct', 12.5, 80.0) $$,
  '200 of 250 visitors and 10.0 of 12.5 %: both 80.0 % of target');

select tests.clear_authentication();
select private.refresh_kpi_benchmarks('2026-06-15', array(select id from app.organizations where slug in ('demo-nachtfalter', 'demo-bowery-hall', 'demo-southern-lights')));
select tests.authenticate_as_service_role();
select results_eq(
  $$ select count(*)::int from public.get_audience_kpis((select id from app.organizations where slug = 'demo-bowery-hall'), '2026-05-16', '2026-06-15') where benchmark_median is null $$,
  $$ values (8) $$,
  'the three demo organizations are of three kinds: one contributor per kind, so no benchmark is shown');

select results_eq(
  $$ select m, a.source, a.visitors, a.buyers, a.orders, a.revenue_cents
     from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m,
          public.get_audience_attribution((select id from app.organizations where slug = 'demo-nachtfalter'), '2026-05-16', '2026-06-15', m, 30) as a $$,
  $$ values ('first_touch', '(direct)'::text, 290::bigint, 18::bigint, 18::bigint, 15499::bigint), ('first_touch', 'instagram', 210, 0, 0, 0), ('first_touch', 'google.com', 100, 0, 0, 0),
            ('last_touch', '(direct)', 290, 18, 18, 15499), ('last_touch', 'instagram', 210, 0, 0, 0), ('last_touch', 'google.com', 100, 0, 0, 0),
            ('last_non_direct', '(direct)', 290, 18, 18, 15499), ('last_non_direct', 'instagram', 210, 0, 0, 0), ('last_non_direct', 'google.com', 100, 0, 0, 0) $$,
  'demo-nachtfalter, last 30 days: every demo visitor has one channel, so the three models agree: direct 290 (270 link clickers, 15 tippers, the 5 buyer visitors anna, cara, eve, dan, ben), instagram 210, google.com 100; 18 buyers (15 tippers, anna, cara, dan: eve''s and ben''s orders of the period are refunded), 15499 cents');

select * from finish();
