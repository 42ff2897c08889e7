-- Contract: public.get_audience_kpis (KPI cards: value, previous, target, trailing 90 days,
-- benchmark), public.set_audience_kpi_target, private.refresh_kpi_benchmarks.
-- Fixture: tests.audience_june_fixture (aud-berlin, Europe/Berlin), period [2026-06-01, 2026-06-15);
-- aud-berlin is made a 'label' and four more labels kpi-bench-1..4 are built (UTC), each
-- with k mobile visitors on 2026-06-10 and one order by the first of them. The benchmark is
-- computed as of 2026-06-15 from exactly these organizations (p_org_ids), so other data in
-- the database does not change it.
select plan(18);

select tests.audience_june_fixture(tests.audience_orgs());
update app.organizations set kind = 'label' where id = md5('org:aud-berlin')::uuid;
select tests.create_org('kpi-bench-' || k, tests.audience_user('other')) from generate_series(1, 4) as k;
update app.organizations set kind = 'label' where slug like 'kpi-bench-%';
-- A refreshed database holds the benchmarks of its own labels: "no benchmark yet" is this
-- contract's own state (rolled back with it).
delete from private.audience_kpi_benchmarks where org_kind = 'label';
select tests.audience_event(md5('org:kpi-bench-' || k)::uuid, 'B' || i, '2026-06-10 12:00+00', 'page_view')
from generate_series(1, 4) as k, generate_series(1, k) as i;
select tests.audience_order(md5('org:kpi-bench-' || k)::uuid, 'B1', '2026-06-10 12:05+00', 1000) from generate_series(1, 4) as k;

select tests.authenticate_as(tests.audience_user('viewer'));

select results_eq(
  $$ select kpi, value, previous_value, trailing_90d_value, target, target_pct, benchmark_median
     from public.get_audience_kpis(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values ('visitors', 6::numeric, 2::numeric, 7::numeric, null::numeric, null::numeric, null::numeric),
            ('sessions', 7, 2, 9, null, null, null),
            ('checkout_rate_pct', 50.0, 0.0, 42.9, null, null, null),
            ('purchase_rate_pct', 33.3, 50.0, 28.6, null, null, null),
            ('new_buyers', 1, 1, 2, null, null, null),
            ('returning_buyers', 1, 0, 0, null, null, null),
            ('mobile_conversion_pct', 25.0, 0.0, 20.0, null, null, null),
            ('desktop_conversion_pct', 50.0, 100.0, 50.0, null, null, null) $$,
  'the 8 cards in order: values of get_audience_overview (current, previous); trailing [03-17, 06-15): V1-V4, V6-V8 = 7 visitors, 9 sessions, 3 checkouts (42.9 %), buyers V1 and V3 (28.6 %, both new: V3''s first order 05-20 is inside), mobile 1 of 5, desktop 1 of 2; no target, no benchmark yet'
);

-- Targets.
select throws_ok($$ select public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'visitors', 8) $$,
  '42501', null, 'a viewer cannot set a target');
select tests.authenticate_as(tests.audience_user('analyst'));
select throws_ok($$ select public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'visitors', 8) $$,
  '42501', null, 'an analyst cannot set a target');
select tests.authenticate_as(tests.audience_user('admin'));
select is(public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'visitors', 8), 8::numeric, 'an admin sets visitors = 8');
select is(public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'purchase_rate_pct', 30), 30::numeric, 'and purchase_rate_pct = 30');
select is(public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'purchase_rate_pct', 40), 40::numeric, 'setting again replaces it (40)');
select is(public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'sessions', 100), 100::numeric, 'sessions = 100');
select is(public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'sessions', null), null::numeric, 'NULL removes the sessions target');
select throws_ok($$ select public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'revenue', 8) $$,
  '22023', 'unknown audience KPI ''revenue''', 'an unknown KPI: 22023, named');
select throws_ok($$ select public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'checkout_rate_pct', 120) $$,
  '22023', 'target 120 of checkout_rate_pct is out of range', 'a percentage over 100: 22023');
select throws_ok($$ select public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'visitors', -1) $$,
  '22023', 'target -1 of visitors is out of range', 'a negative count: 22023');
select throws_ok($$ select public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'visitors', 'NaN') $$,
  '22023', 'target NaN of visitors is out of range', 'NaN: 22023 (NaN >= 0 holds for numeric)');
select throws_ok($$ select public.set_audience_kpi_target(md5('org:aud-berlin')::uuid, 'sessions', 'Infinity') $$,
  '22023', 'target Infinity of sessions is out of range', 'Infinity: 22023');
select results_eq(
  $$ select kpi, target from audience.kpi_targets where org_id = md5('org:aud-berlin')::uuid order by kpi $$,
  $$ values ('purchase_rate_pct', 40::numeric), ('visitors', 8::numeric) $$,
  'RLS: members read their targets (two set)');

-- Benchmarks of the 5 labels as of 2026-06-15 (trailing 90 days): visitors 1, 2, 3, 4, 7 -> 3;
-- purchase rate 100, 50, 33.3, 25, 28.6 -> 33.3; mobile conversion the same but aud-berlin
-- 20.0 -> 33.3; desktop only aud-berlin (1 organization: hidden).
select tests.clear_authentication();
select private.refresh_kpi_benchmarks('2026-06-15', array(select id from app.organizations where slug like 'kpi-bench-%' or slug = 'aud-berlin'));
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select kpi, value, target, target_pct, benchmark_median, benchmark_orgs, benchmark_as_of
     from public.get_audience_kpis(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values ('visitors', 6::numeric, 8::numeric, 75.0, 3::numeric, 5, '2026-06-15'::date),
            ('sessions', 7, null, null, 3, 5, '2026-06-15'),
            ('checkout_rate_pct', 50.0, null, null, 0.0, 5, '2026-06-15'),
            ('purchase_rate_pct', 33.3, 40, 83.3, 33.3, 5, '2026-06-15'),
            ('new_buyers', 1, null, null, 1, 5, '2026-06-15'),
            ('returning_buyers', 1, null, null, 0, 5, '2026-06-15'),
            ('mobile_conversion_pct', 25.0, null, null, 33.3, 5, '2026-06-15'),
            ('desktop_conversion_pct', 50.0, null, null, null, null, null) $$,
  'targets: 6 of 8 visitors = 75.0 %, 33.3 of 40 % = 83.3 %; medians of 5 labels; desktop conversion has 1 contributor (< 5): hidden'
);

select tests.clear_authentication();
select private.refresh_kpi_benchmarks('2026-06-15', array(select id from app.organizations where slug like 'kpi-bench-%'));
select results_eq(
  $$ select kpi, orgs, median from private.audience_kpi_benchmarks where org_kind = 'label' and kpi in ('visitors', 'purchase_rate_pct') order by kpi $$,
  $$ values ('purchase_rate_pct', 4, 41.7), ('visitors', 4, 2.5) $$,
  'with the four benchmark labels only: medians 2.5 visitors and 41.7 % (mean of the middle two), 4 organizations each');
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select count(*)::int from public.get_audience_kpis(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15')
     where benchmark_median is null and benchmark_orgs is null $$,
  $$ values (8) $$,
  'below 5 contributing organizations no benchmark is shown');

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok($$ select * from public.get_audience_kpis(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'a member of another organization gets 42501');

select * from finish();
