-- Contract: public.get_audience_device_network. Fixtures: tests.audience_june_fixture (see
-- Tests/Contracts/_support/40_audience_fixtures.sql) in aud-berlin, and below an
-- organization aud-alert designed for the alert rule.
select plan(9);

select tests.audience_june_fixture(tests.audience_orgs());

-- aud-alert (Europe/Berlin), all on 2026-06-10, one page view per visitor:
--   desktop/wifi 10 visitors, 4 buyers (40.0 %), load 800
--   mobile/4g    10 visitors, 2 buyers (20.0 %: exactly half of the best, no alert), load 1500
--   mobile/3g    10 visitors, 1 buyer  (10.0 %: alert), load 4500
--   tablet/wifi   3 visitors, 0 buyers (under 5 visitors: no alert)
do $$
declare
  v_org uuid := tests.create_org('aud-alert', tests.audience_user('owner'));
  i int;
begin
  update app.organizations set timezone = 'Europe/Berlin' where id = v_org;
  for i in 1 .. 10 loop
    perform tests.audience_event(v_org, 'D' || i, tests.berlin('2026-06-10 09:00') + pg_catalog.make_interval(mins => i), 'page_view', 'desktop', 'wifi', 800);
    perform tests.audience_event(v_org, 'M' || i, tests.berlin('2026-06-10 10:00') + pg_catalog.make_interval(mins => i), 'page_view', 'mobile', '4g', 1500);
    perform tests.audience_event(v_org, 'S' || i, tests.berlin('2026-06-10 11:00') + pg_catalog.make_interval(mins => i), 'page_view', 'mobile', '3g', 4500);
  end loop;
  for i in 1 .. 3 loop
    perform tests.audience_event(v_org, 'T' || i, tests.berlin('2026-06-10 12:00') + pg_catalog.make_interval(mins => i), 'page_view', 'tablet', 'wifi', 900);
  end loop;
  for i in 1 .. 4 loop
    perform tests.audience_order(v_org, 'D' || i, tests.berlin('2026-06-10 13:00'), 1000);
  end loop;
  for i in 1 .. 2 loop
    perform tests.audience_order(v_org, 'M' || i, tests.berlin('2026-06-10 13:00'), 1000);
  end loop;
  perform tests.audience_order(v_org, 'S1', tests.berlin('2026-06-10 13:00'), 1000);
end $$;

select tests.authenticate_as(tests.audience_user('viewer'));

-- aud-berlin: mobile/4g V1 (2 sessions, 11 loads: 10 x 1000 + 2000) and V6 (3000): avg
-- 15000 / 12 = 1250; mobile/3g V4 (6000) and V7 (5000): 5500; desktop/wifi V2 (500) and V3
-- (700): 600. Buyers V1 and V3.
select results_eq(
  $$ select device_type, network_type, visitors, sessions, converted_visitors, conversion_rate_pct, avg_page_load_ms, alert
     from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values ('desktop'::text, 'wifi'::text, 2::bigint, 2::bigint, 1::bigint, 50.0, 600, null::text),
            ('mobile', '3g', 2, 2, 0, 0.0, 5500, null),
            ('mobile', '4g', 2, 3, 1, 50.0, 1250, null) $$,
  'aud-berlin: visitors, sessions, buyers, conversion and mean page load per combination (bot''s desktop/wifi excluded; under 5 visitors: no alert)'
);

select tests.authenticate_as(tests.audience_user('owner'));
select results_eq(
  $$ select device_type, network_type, visitors, converted_visitors, conversion_rate_pct, avg_page_load_ms, alert
     from public.get_audience_device_network(md5('org:aud-alert')::uuid, '2026-06-10', '2026-06-11') $$,
  $$ values ('desktop'::text, 'wifi'::text, 10::bigint, 4::bigint, 40.0, 800, null::text),
            ('mobile', '3g', 10, 1, 10.0, 4500, 'mobile/3g converts 10.0% vs 40.0% on desktop/wifi'),
            ('mobile', '4g', 10, 2, 20.0, 1500, null),
            ('tablet', 'wifi', 3, 0, 0.0, 900, null) $$,
  'aud-alert: an alert only where a combination with 5+ visitors converts below half the best (mobile/3g 10 % vs 40 %; mobile/4g at exactly half has none; tablet has too few visitors)'
);

select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select device_type, network_type, visitors from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-02') $$,
  $$ values ('mobile'::text, '3g'::text, 1::bigint) $$,
  'day boundary: V4 (2026-05-31 22:30 UTC) is on 06-01 in Berlin'
);

select results_eq(
  $$ select visitors, converted_visitors from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2026-06-05', '2026-06-06') $$,
  $$ values (1::bigint, 0::bigint) $$,
  'refund: V2 (refunded order) is not converted'
);

select is_empty(
  $$ select * from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2026-06-09', '2026-06-10') $$,
  'bots: the bot''s events of 06-09 make no row'
);

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(
  $$ select * from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'a member of another organization gets 42501'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'anon gets 42501'
);
select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok(
  $$ select * from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2026-06-15', '2026-06-01') $$,
  '22023', null, 'to before from: 22023'
);
select throws_ok(
  $$ select * from public.get_audience_device_network(md5('org:aud-berlin')::uuid, '2024-01-01', '2026-01-01') $$,
  '22023', null, 'two years: 22023'
);

select * from finish();
