-- Contract: public.get_audience_cohorts. Cohorts are relative to the current week, so this
-- fixture is placed relative to now(): W = the Monday of the current week in Berlin;
-- W-3, W-2, W-1 the three weeks before (all events lie before now()).
--   cohort W-3: 10 visitors first seen Tuesday 12:00, plus C0 whose first event is Monday
--               00:30 Berlin (Sunday 22:30 UTC: the week before in UTC) -> 11 visitors;
--               6 of them back on Tuesday of W-2, 3 on Tuesday of W-1 -> 11, 6, 3, 0
--   cohort W-2: 4 visitors first seen Wednesday 12:00, 2 back on Wednesday of W-1 -> 4, 2, 0
--   OLD:        first seen 20 weeks before W, back in W-2: in no cohort of a 4- or 12-week
--               window (not a new visitor of W-2), cohort W-20 in a 52-week one
--   5 bots first seen in W-3: excluded.
select plan(9);

select tests.audience_orgs();

do $$
declare
  v_org uuid := md5('org:aud-berlin')::uuid;
  v_w   timestamp := pg_catalog.date_trunc('week', pg_catalog.now() at time zone 'Europe/Berlin');
  i int;
begin
  for i in 1 .. 10 loop
    perform tests.audience_event(v_org, 'A' || i, (v_w - interval '3 weeks' + interval '1 day 12 hours') at time zone 'Europe/Berlin', 'page_view');
  end loop;
  perform tests.audience_event(v_org, 'C0', (v_w - interval '3 weeks' + interval '30 minutes') at time zone 'Europe/Berlin', 'page_view');
  for i in 1 .. 6 loop
    perform tests.audience_event(v_org, 'A' || i, (v_w - interval '2 weeks' + interval '1 day 12 hours') at time zone 'Europe/Berlin', 'page_view');
  end loop;
  for i in 1 .. 3 loop
    perform tests.audience_event(v_org, 'A' || i, (v_w - interval '1 week' + interval '1 day 12 hours') at time zone 'Europe/Berlin', 'page_view');
  end loop;
  for i in 1 .. 4 loop
    perform tests.audience_event(v_org, 'B' || i, (v_w - interval '2 weeks' + interval '2 days 12 hours') at time zone 'Europe/Berlin', 'page_view');
  end loop;
  for i in 1 .. 2 loop
    perform tests.audience_event(v_org, 'B' || i, (v_w - interval '1 week' + interval '2 days 12 hours') at time zone 'Europe/Berlin', 'page_view');
  end loop;
  perform tests.audience_event(v_org, 'OLD', (v_w - interval '20 weeks' + interval '1 day') at time zone 'Europe/Berlin', 'page_view');
  perform tests.audience_event(v_org, 'OLD', (v_w - interval '2 weeks' + interval '1 day') at time zone 'Europe/Berlin', 'page_view');
  for i in 1 .. 5 loop
    perform tests.audience_event(v_org, 'BOT' || i, (v_w - interval '3 weeks' + interval '1 day 13 hours') at time zone 'Europe/Berlin', 'page_view', p_is_bot => true);
  end loop;
end $$;

create temp table cohort_weeks as
select (pg_catalog.date_trunc('week', pg_catalog.now() at time zone 'Europe/Berlin'))::date as w;
grant select on cohort_weeks to public;

select tests.authenticate_as(tests.audience_user('viewer'));

select results_eq(
  $$ select cohort_week - (select w from cohort_weeks), week_offset, cohort_size, retained_visitors, retention_pct
     from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 4) $$,
  $$ values (-21, 0, 11::bigint, 11::bigint, 100.0),
            (-21, 1, 11::bigint, 6::bigint, 54.5),
            (-21, 2, 11::bigint, 3::bigint, 27.3),
            (-21, 3, 11::bigint, 0::bigint, 0.0),
            (-14, 0, 4::bigint, 4::bigint, 100.0),
            (-14, 1, 4::bigint, 2::bigint, 50.0),
            (-14, 2, 4::bigint, 0::bigint, 0.0) $$,
  '4 weeks: cohort W-3 of 11 (C0 at Monday 00:30 Berlin included, bots not) retains 6, 3, 0; cohort W-2 of 4 retains 2, 0; OLD (first seen 20 weeks ago) is in neither'
);

select results_eq(
  $$ select cohort_week - (select w from cohort_weeks), week_offset, cohort_size, retained_visitors
     from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 3) $$,
  $$ values (-14, 0, 4::bigint, 4::bigint), (-14, 1, 4::bigint, 2::bigint), (-14, 2, 4::bigint, 0::bigint) $$,
  '3 weeks: only cohort W-2'
);

select results_eq(
  $$ select count(*)::int, count(distinct cohort_week)::int from public.get_audience_cohorts(md5('org:aud-berlin')::uuid) $$,
  $$ values (7, 2) $$,
  'default 12 weeks: the 7 rows of cohorts W-3 and W-2 (OLD''s first week, W-20, is outside the window)'
);

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(
  $$ select * from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 4) $$,
  '42501', null, 'a member of another organization gets 42501'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 4) $$,
  '42501', null, 'anon gets 42501'
);
select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok(
  $$ select * from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 0) $$,
  '22023', null, 'weeks 0: 22023'
);
select throws_ok(
  $$ select * from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 53) $$,
  '22023', null, 'weeks 53: 22023'
);
select throws_ok(
  $$ select * from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, null) $$,
  '22023', null, 'weeks NULL: 22023'
);
select results_eq(
  $$ select week_offset, cohort_size, retained_visitors from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 52)
     where cohort_week = (select w from cohort_weeks) - 140 and retained_visitors > 0 $$,
  $$ values (0, 1::bigint, 1::bigint), (18, 1::bigint, 1::bigint) $$,
  '52 weeks: OLD is the cohort of W-20 (size 1), back at offset 18 (W-2)'
);

select * from finish();
