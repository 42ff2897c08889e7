-- Contract: the refresh step of private.mv_cohort_retention runs at most once per age
-- (private.refresh_mv_cohort_retention, p_max_age 1 hour by default) and after every local
-- week start (private.mv_cohort_retention_due), so `refresh` every minute does not recompute
-- every organization's cohorts each time.
-- The due rule (fixed instants, any data): due when never computed, when as_of is p_max_age
-- old or older, when as_of lies in the future, or when a week began between as_of and now in
-- UTC or in some organization's time zone (organization "cad-ktm", Asia/Kathmandu, +05:45:
-- its week of Monday 2026-11-30 begins on Sunday 2026-11-29 18:15 UTC, when UTC is still in
-- the week of Monday 2026-11-23). The step itself (refreshed, then kept within the hour,
-- refreshed when forced) runs only on databases with fewer than 100,000 events, since it
-- recomputes every organization's cohorts (as audience_materialized_views.sql).
select plan(12);

select ok(private.mv_cohort_retention_due(null, '2026-12-02 12:00+00', interval '1 hour'),
          'never computed (no as_of): due');
select is(private.mv_cohort_retention_due('2026-12-02 11:55+00', '2026-12-02 12:00+00', interval '1 hour'), false,
          '5 minutes old, a Wednesday noon UTC (the same week in every time zone): kept');
select is(private.mv_cohort_retention_due('2026-12-02 11:00:00.000001+00', '2026-12-02 12:00+00', interval '1 hour'), false,
          'a microsecond under the age: kept');
select ok(private.mv_cohort_retention_due('2026-12-02 11:00+00', '2026-12-02 12:00+00', interval '1 hour'),
          'exactly the age: due');
select ok(private.mv_cohort_retention_due('2026-12-02 12:00:01+00', '2026-12-02 12:00+00', interval '1 hour'),
          'computed after now (a clock set back): due');
select ok(private.mv_cohort_retention_due('2026-11-29 23:55+00', '2026-11-30 00:05+00', interval '1 hour'),
          '10 minutes old, but the UTC week began in between: due');

select tests.create_user('owner@cad-ktm.test');
select tests.create_org('cad-ktm', md5('owner@cad-ktm.test')::uuid);
update app.organizations set timezone = 'Asia/Kathmandu' where id = md5('org:cad-ktm')::uuid;
select ok(private.mv_cohort_retention_due('2026-11-29 18:10+00', '2026-11-29 18:20+00', interval '1 hour'),
          '10 minutes old, the UTC week unchanged, but the week of an organization in Asia/Kathmandu began at 18:15 UTC: due');

select throws_ok($$ select private.mv_cohort_retention_due(null, now(), interval '0') $$, '22023', null,
                 'a non-positive age: 22023');

create temp table cad_run as
select (select pg_catalog.count(*) from (select 1 from analytics.events limit 100000) as e) < 100000 as go;

select case when (select go from cad_run)
  then is(private.refresh_mv_cohort_retention(true), 'refreshed', 'forced: refreshed')
  else skip('100,000 events or more: the view is not refreshed by this contract', 1) end;
select case when (select go from cad_run)
  then results_eq($$ select as_of from private.mv_cohort_retention where org_id = '00000000-0000-0000-0000-000000000000'::uuid $$,
                  $$ values (now()) $$, 'its marker row holds this transaction''s now()')
  else skip('100,000 events or more', 1) end;
select case when (select go from cad_run)
  then is(private.refresh_mv_cohort_retention(), 'kept', 'computed this instant: kept by the step')
  else skip('100,000 events or more', 1) end;
select case when (select go from cad_run)
  then is(private.refresh_mv_cohort_retention(false, interval '1 microsecond'), 'kept',
          'same instant with a 1 microsecond age: still kept (as_of = now, not older)')
  else skip('100,000 events or more', 1) end;

select * from finish();
