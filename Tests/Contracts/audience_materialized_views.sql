-- Contract: the audience RPCs answer the same after a refresh of the materialized view
-- private.mv_cohort_retention (the one audience view: mv_audience_by_channel and
-- mv_device_network, read by nothing, were dropped by migrations/1040) as before it. The answers are computed first from analytics.events (the organization is
-- created inside this transaction, after any committed refresh, so no view covers it),
-- then the organization is dated back, the views are refreshed inside this transaction
-- (rolled back at the end) and the answers must not change; a period that ends after the
-- refresh's day mixes both sources.
-- The refresh recomputes every organization's cohorts, so these tests run only on
-- databases with fewer than 100,000 events (CI, a development cluster) and are skipped
-- elsewhere (a production database), keeping `audiencectl verify` cheap there.
-- Fixture: tests.audience_recent_fixture (_support/40_audience_fixtures.sql), relative to
-- now, plus one page view today.
select plan(9);

create temp table mv_run as
select (select pg_catalog.count(*) from (select 1 from analytics.events limit 100000) as e) < 100000 as go,
       (pg_catalog.now() at time zone 'Europe/Berlin')::date as d;

select tests.audience_orgs();
select tests.audience_recent_fixture(md5('org:aud-berlin')::uuid);
select tests.audience_event(md5('org:aud-berlin')::uuid, 'C9',
                            greatest((select d from mv_run)::timestamp at time zone 'Europe/Berlin', now() - interval '1 minute'),
                            'page_view', 'tablet', '5g', 700, 'tiktok', 'social', 'today');

create temp table raw_overview as
select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, (select d - 30 from mv_run), (select d + 1 from mv_run));
create temp table raw_overview_complete as
select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, (select d - 60 from mv_run), (select d from mv_run));
create temp table raw_acquisition as
select * from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, (select d - 80 from mv_run), (select d + 1 from mv_run));
create temp table raw_device as
select * from public.get_audience_device_network(md5('org:aud-berlin')::uuid, (select d - 80 from mv_run), (select d + 1 from mv_run));
create temp table raw_cohorts as
select * from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 12);

update app.organizations set created_at = now() - interval '1 year' where id = md5('org:aud-berlin')::uuid;
do $$
begin
  if (select go from mv_run) then
    refresh materialized view private.mv_cohort_retention;
  end if;
end $$;

select case when (select go from mv_run)
  then results_eq(
    $$ select count(*)::int from private.mv_coverage('mv_cohort_retention', md5('org:aud-berlin')::uuid) $$,
    $$ values (1) $$,
    'after the refresh the cohort view covers the organization')
  else skip('100,000 events or more: the view is not refreshed by this contract', 1) end;

select results_eq(
  $$ select to_regclass('private.mv_audience_by_channel') is null, to_regclass('private.mv_device_network') is null,
            to_regprocedure('private.channel_days(uuid, date, date)') is null, to_regprocedure('private.device_days(uuid, date, date)') is null $$,
  $$ values (true, true, true, true) $$,
  'the channel and device views, read by nothing, are gone with their readers');

select case when (select go from mv_run)
  then results_eq(
    $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, (select d - 30 from mv_run), (select d + 1 from mv_run)) order by period $$,
    $$ select * from raw_overview order by period $$,
    'overview of the last 30 days and today: the same from the views (plus today''s events) as from the events')
  else skip('100,000 events or more', 1) end;

select case when (select go from mv_run)
  then results_eq(
    $$ select * from public.get_audience_overview(md5('org:aud-berlin')::uuid, (select d - 60 from mv_run), (select d from mv_run)) order by period $$,
    $$ select * from raw_overview_complete order by period $$,
    'overview of 60 complete days and the 60 before (partly older than the views'' 90 days): the same')
  else skip('100,000 events or more', 1) end;

select case when (select go from mv_run)
  then results_eq(
    $$ select * from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, (select d - 80 from mv_run), (select d + 1 from mv_run)) order by source, medium, campaign $$,
    $$ select * from raw_acquisition order by source, medium, campaign $$,
    'acquisition: the same from the views as from the events')
  else skip('100,000 events or more', 1) end;

select case when (select go from mv_run)
  then results_eq(
    $$ select * from public.get_audience_device_network(md5('org:aud-berlin')::uuid, (select d - 80 from mv_run), (select d + 1 from mv_run)) order by device_type, network_type $$,
    $$ select * from raw_device order by device_type, network_type $$,
    'device x network: the same from the views as from the events')
  else skip('100,000 events or more', 1) end;

select case when (select go from mv_run)
  then results_eq(
    $$ select * from public.get_audience_cohorts(md5('org:aud-berlin')::uuid, 12) $$,
    $$ select * from raw_cohorts order by cohort_week, week_offset $$,
    'cohorts: the same from the view as from the events')
  else skip('100,000 events or more', 1) end;

-- In the last 40 minutes before Berlin's midnight, the fixture's events of "a day ago plus a
-- few minutes" fall on today too: C6's second (+10 minutes) and C8's last plays (+40).
select results_eq(
  $$ select visitors from public.get_audience_overview(md5('org:aud-berlin')::uuid, (select d from mv_run), (select d + 1 from mv_run)) where period = 'current' $$,
  $$ select (1 + (now() - interval '1 day' + interval '10 minutes' >= m.midnight)::int
               + (now() - interval '1 day' + interval '40 minutes' >= m.midnight)::int)::bigint
     from (select d::timestamp at time zone 'Europe/Berlin' as midnight from mv_run) as m $$,
  'today (after the refresh''s day) comes from the events: C9 (and C6, C8 when their events of a day ago plus 10 and 40 minutes are today)'
);

select results_eq(
  $$ select visitors from raw_overview where period = 'current' $$,
  $$ values (7::bigint) $$,
  'the last 30 days and today: C1, C2, C3, C6, C7, C8 and C9 (an opt-out removes C7 from profiles and exports, not from anonymous counts)'
);

select * from finish();
