-- Contract: public.get_audience_kpi_series (the per-day series behind the 8 KPI cards).
-- Fixture: tests.audience_june_fixture (aud-berlin, Europe/Berlin), days [2026-06-01, 2026-06-15).
-- Each day equals get_audience_overview(day, day + 1), from the events alone, from the
-- rollups, and from the rollups plus late events they do not reflect.
select plan(10);

select tests.audience_june_fixture(tests.audience_orgs());

create function pg_temp.series_vs_overview() returns setof text language sql as $$
  select s::text from public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-05-18', '2026-06-16') as s
  except
  select (d.day::date, o.visitors, o.sessions, o.checkout_visitors, o.checkout_rate_pct, o.buyers, o.purchase_rate_pct,
          o.new_buyers, o.returning_buyers, o.mobile_visitors, o.mobile_conversion_pct, o.desktop_visitors,
          o.desktop_conversion_pct)::text
  from generate_series('2026-05-18'::date, '2026-06-15', interval '1 day') as d (day),
       lateral public.get_audience_overview(md5('org:aud-berlin')::uuid, d.day::date, d.day::date + 1) as o
  where o.period = 'current'
$$;

select tests.authenticate_as(tests.audience_user('viewer'));

select results_eq(
  $$ select day, visitors, sessions, checkout_visitors, checkout_rate_pct, buyers, purchase_rate_pct, new_buyers,
            returning_buyers, mobile_visitors, mobile_conversion_pct, desktop_visitors, desktop_conversion_pct
     from public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') where visitors > 0 $$,
  $$ values ('2026-06-01'::date, 1::bigint, 1::bigint, 0::bigint, 0.0, 0::bigint, 0.0, 0::bigint, 0::bigint, 1::bigint, 0.0, 0::bigint, null::numeric),
            ('2026-06-03', 1, 1, 0, 0.0, 0, 0.0, 0, 0, 1, 0.0, 0, null),
            ('2026-06-05', 1, 1, 0, 0.0, 0, 0.0, 0, 0, 0, null, 1, 0.0),
            ('2026-06-08', 1, 1, 1, 100.0, 0, 0.0, 0, 0, 1, 0.0, 0, null),
            ('2026-06-10', 1, 1, 1, 100.0, 1, 100.0, 1, 0, 1, 100.0, 0, null),
            ('2026-06-11', 1, 1, 0, 0.0, 0, 0.0, 0, 0, 1, 0.0, 0, null),
            ('2026-06-12', 1, 1, 1, 100.0, 1, 100.0, 0, 1, 0, null, 1, 100.0) $$,
  'days with visitors: V4 06-01 (Berlin day of 05-31 22:30 UTC), V7 06-03, V2 06-05 (refunded: no buyer), V6 06-08 (checkout), V1 06-10 (new buyer, mobile) and 06-11, V3 06-12 (returning buyer, desktop)'
);

select results_eq(
  $$ select count(*)::int, count(*) filter (where visitors = 0 and sessions = 0 and buyers = 0 and checkout_rate_pct is null
                                             and purchase_rate_pct is null and mobile_conversion_pct is null)::int,
            sum(visitors)::int
     from public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values (14, 7, 7) $$,
  '14 rows, one per day; the 7 days without a human visitor (06-09 has only the bot) are zeros with NULL rates; the days sum to 7 visitors while the period has 6 (V1 on two days): a day counts its own distinct visitors'
);

select is_empty($$ select * from pg_temp.series_vs_overview() $$,
  'from the events: each day of [05-18, 06-16) equals get_audience_overview(day, day + 1)');

-- Rollups built, watermark past every event.
select tests.clear_authentication();
select count(*) from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
update private.audience_rollup_watermarks set events_received = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid;
select is((private.audience_touched(md5('org:aud-berlin')::uuid, '2026-05-18', '2026-06-16')).days, '{}'::date[],
  'after the build every day comes from the rollups');
select tests.authenticate_as(tests.audience_user('viewer'));
select is_empty($$ select * from pg_temp.series_vs_overview() $$,
  'from the rollups: each day equals the overview of that day');

-- Late events on a day the rollups hold: V20 buys on 06-05 on mobile; V2 comes back.
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type, network_type, is_bot)
values (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-05 10:00'), clock_timestamp(), 'page_view', 'V20', 'mobile', '5g', false),
       (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-05 10:04'), clock_timestamp(), 'checkout_started', 'V20', 'mobile', '5g', false);
select tests.audience_order(md5('org:aud-berlin')::uuid, 'V20', tests.berlin('2026-06-05 10:04'), 2500);
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select visitors, sessions, checkout_visitors, buyers, purchase_rate_pct, new_buyers, mobile_visitors, mobile_conversion_pct,
            desktop_visitors, desktop_conversion_pct
     from public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-06-05', '2026-06-06') $$,
  $$ values (2::bigint, 2::bigint, 1::bigint, 1::bigint, 50.0, 1::bigint, 1::bigint, 100.0, 1::bigint, 0.0) $$,
  'late events of 06-05 are in before the next refresh: V2 and V20, V20 a new mobile buyer (50.0 %, mobile 100.0 %)'
);
select is_empty($$ select * from pg_temp.series_vs_overview() $$,
  'rollups plus late events: each day still equals the overview of that day');

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(
  $$ select * from public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'a member of another organization gets 42501');
select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'anon gets 42501');
select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok(
  $$ select * from public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-06-15', '2026-06-01') $$,
  '22023', null, 'a period that ends before it starts: 22023');

select * from finish();
