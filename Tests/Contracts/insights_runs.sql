-- Contract: insights.start_run (manual rate limit IN001, insufficient data IN002),
-- insights.finish_run and insights.orgs_due (the scheduled batch). Data is placed relative
-- to now() (the transaction time), 2 to 20 days back, inside the default period (the last
-- 30 whole days in the organization's time zone).
select plan(28);

select tests.create_user('owner@runs.test');
select tests.create_user('viewer@runs.test');
select tests.create_user('other@runs.test');
select tests.create_org('runs-ok', pg_catalog.md5('owner@runs.test')::uuid);
select tests.create_org('runs-thin', pg_catalog.md5('owner@runs.test')::uuid);
select tests.create_org('runs-young', pg_catalog.md5('owner@runs.test')::uuid);
select tests.create_org('runs-other', pg_catalog.md5('other@runs.test')::uuid);
select tests.add_member(pg_catalog.md5('org:runs-ok')::uuid, pg_catalog.md5('viewer@runs.test')::uuid, 'viewer');
update app.organizations set timezone = 'America/New_York' where slug = 'runs-ok';
-- Scheduled-batch organizations: due-new (60 clicks, 20 days of history, never run),
-- due-old (60 clicks, last run 30 hours ago), recent (60 clicks, run 10 hours ago),
-- few (50 clicks: not over 50), fresh (60 clicks, first event 3 days ago), bots (60 bot clicks).
select tests.create_org('due-new', pg_catalog.md5('other@runs.test')::uuid);
select tests.create_org('due-old', pg_catalog.md5('other@runs.test')::uuid);
select tests.create_org('due-recent', pg_catalog.md5('other@runs.test')::uuid);
select tests.create_org('due-few', pg_catalog.md5('other@runs.test')::uuid);
select tests.create_org('due-fresh', pg_catalog.md5('other@runs.test')::uuid);
select tests.create_org('due-bots', pg_catalog.md5('other@runs.test')::uuid);

-- runs-ok: 25 link clicks 2 to 9 days ago, a page view 20 days ago. runs-thin: 10 clicks.
-- runs-young: 30 clicks, all 2 days ago (at noon UTC, so the day count does not depend on the time the
-- contract runs). due-*: clicks 2 to 9 days ago, a page view 20 days ago.
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, is_bot)
select pg_catalog.md5('org:' || g.slug)::uuid,
       pg_catalog.date_trunc('day', pg_catalog.now(), 'UTC') + interval '12 hours' - pg_catalog.make_interval(days => case when g.young or g.slug = 'due-fresh' then 2 else 2 + s.i % 8 end, secs => s.i),
       'link_click', 'v' || s.i, g.bot
from (values ('runs-ok', 25, false, false), ('runs-thin', 10, false, false), ('runs-young', 30, true, false),
             ('due-new', 60, false, false), ('due-old', 60, false, false), ('due-recent', 60, false, false),
             ('due-few', 50, false, false), ('due-fresh', 60, false, false), ('due-bots', 60, false, true)) as g (slug, n, young, bot)
cross join pg_catalog.generate_series(1, g.n) as s (i);
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, is_bot)
select pg_catalog.md5('org:' || g.slug)::uuid, pg_catalog.now() - interval '20 days', 'page_view', 'first', g.slug = 'due-bots'
from (values ('runs-ok'), ('runs-thin'), ('due-new'), ('due-old'), ('due-recent'), ('due-few'), ('due-bots')) as g (slug);
insert into insights.generation_runs (org_id, status, is_manual, period_start, period_end, created_at, finished_at)
values (pg_catalog.md5('org:due-old')::uuid, 'completed', false, '2026-01-01Z', '2026-01-31Z',
        pg_catalog.now() - interval '30 hours', pg_catalog.now() - interval '29 hours'),
       (pg_catalog.md5('org:due-recent')::uuid, 'completed', false, '2026-01-01Z', '2026-01-31Z',
        pg_catalog.now() - interval '10 hours', pg_catalog.now() - interval '9 hours'),
       -- a run of a killed batch, failed since as abandoned: it does not hold due-old back
       (pg_catalog.md5('org:due-old')::uuid, 'failed', false, '2026-01-01Z', '2026-01-31Z',
        pg_catalog.now() - interval '5 hours', pg_catalog.now() - interval '4 hours');

-- start_run -----------------------------------------------------------------------------

create temporary table first_run as
select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) as id;
select results_eq(
  $$ select r.status::text, r.is_manual, r.period_end, r.period_end - r.period_start
     from insights.generation_runs r join first_run f on f.id = r.id $$,
  $$ values ('processing', true,
             pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'America/New_York') at time zone 'America/New_York',
             pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'America/New_York') at time zone 'America/New_York'
             - ((pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'America/New_York') - interval '30 days') at time zone 'America/New_York')) $$,
  'a manual run starts as processing over the last 30 whole days in the organization''s time zone (ending at local midnight)');
select throws_ok($$ select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) $$,
  'IN001', null, 'a second manual generation within the hour is refused with SQLSTATE IN001');
update insights.generation_runs set created_at = pg_catalog.now() - interval '20 minutes'
where id = (select id from first_run);
select throws_like($$ select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) $$,
  '%the next manual generation is possible in 40 minute(s)',
  'the error gives the time left: a manual run 20 minutes ago leaves 40 minutes');
select isnt(insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, false), null,
  'a scheduled run is not rate limited');
update insights.generation_runs set status = 'failed', error = 'provider down', finished_at = pg_catalog.now()
where id = (select id from first_run);
create temporary table second_run as
select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) as id;
select isnt((select id from second_run), null, 'a failed manual run does not count: a new manual run may start');
update insights.generation_runs set created_at = pg_catalog.now() - interval '61 minutes'
where id = (select id from second_run);
select isnt(insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true), null,
  'a manual run more than 60 minutes ago does not block the next one');

select throws_ok($$ select insights.start_run(pg_catalog.md5('org:runs-thin')::uuid, true) $$,
  'IN002', null, 'too few link clicks: insufficient data, SQLSTATE IN002');
select throws_like($$ select insights.start_run(pg_catalog.md5('org:runs-thin')::uuid, false) $$,
  'insufficient data for insights in organization %: 10 link clicks in the last 30 days (at least 20 needed)%',
  'the message gives the 10 clicks against the 20 needed');
select throws_like($$ select insights.start_run(pg_catalog.md5('org:runs-young')::uuid, false) $$,
  '%and 1 days of history (at least 7 needed)',
  'enough clicks (30) but 2 days of events before today (1 whole day before the period end): insufficient history');
select is((select count(*) from insights.generation_runs where org_id in (pg_catalog.md5('org:runs-thin')::uuid, pg_catalog.md5('org:runs-young')::uuid)),
  0::bigint, 'refused starts leave no run behind');
update insights.thresholds set value = 10 where key = 'min.total_clicks';
select isnt(insights.start_run(pg_catalog.md5('org:runs-thin')::uuid, false), null,
  'the minimum comes from insights.thresholds: at min.total_clicks 10 the thin organization may run');

select pg_catalog.set_config('runs_test.run', (select id::text from second_run), true);
select tests.authenticate_as(pg_catalog.md5('owner@runs.test')::uuid);
select throws_ok($$ select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) $$, '42501', null,
  'even the owner cannot start a run directly: runs are started by service_role (the generator), so nobody takes the manual slot with a run that is never processed');
select throws_ok($$ select insights.finish_run(pg_catalog.current_setting('runs_test.run')::uuid, 'completed') $$,
  '42501', 'permission denied for function finish_run', 'nor finish one');
select tests.authenticate_as(pg_catalog.md5('viewer@runs.test')::uuid);
select throws_ok($$ select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) $$, '42501', null,
  'a viewer may not start a run');
select tests.authenticate_as_anon();
select throws_ok($$ select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) $$, '42501', null,
  'anon may not start a run');
select tests.authenticate_as_service_role();
select throws_ok($$ select insights.start_run(pg_catalog.md5('org:runs-ok')::uuid, true) $$, 'IN001', null,
  'service_role (JWT role claim) is subject to the same rate limit');
select tests.clear_authentication();

-- finish_run ----------------------------------------------------------------------------

insert into insights.ai_insights (org_id, insight_type, category, priority, title, description, confidence, data_snapshot,
                                  subject_key, period_start, period_end, expires_at, generation_run_id, detector_version, input_hash)
values (pg_catalog.md5('org:runs-ok')::uuid, 'peak_activity', 'timing', 'low', 'Peak', 'Peak.', 0.7, '{}', 'all',
        '2026-01-01Z', '2026-01-31Z', pg_catalog.now() + interval '30 days', (select id from second_run), 'sql-1', 'x');
select results_eq(
  $$ select r->>'status', (r->>'insights_generated')::int, r->>'model_used', (r->>'prompt_tokens')::int,
            (r->>'completion_tokens')::int, r->'fallbacks', r->>'error', r->>'finished_at' is not null
     from insights.finish_run((select id from second_run), 'completed', null, 1234, 'anthropic:claude-test', 900, 300, 2500, null,
                              '[{"insight_type": "peak_activity", "subject_key": "all", "reason": "number 42 not in snapshot"}]') as r $$,
  $$ values ('completed', 1, 'anthropic:claude-test', 900, 300,
             '[{"insight_type": "peak_activity", "subject_key": "all", "reason": "number 42 not in snapshot"}]'::jsonb, null::text, true) $$,
  'finish_run records status, model, tokens and fallbacks; insights_generated defaults to the run''s stored insights (1)');
select is((select duration_ms from insights.generation_runs where id = (select id from second_run)), 2500,
  'the given duration is kept');
select throws_ok($$ select insights.finish_run((select id from second_run), 'completed') $$, '55000', null,
  'a finished run cannot be finished again (55000)');
select throws_ok($$ select insights.finish_run((select id from first_run), 'failed', p_error => 'again') $$, '55000', null,
  'nor can a failed one');
create temporary table third_run as
select insights.start_run(pg_catalog.md5('org:runs-thin')::uuid, false) as id;
select throws_ok($$ select insights.finish_run((select id from third_run), 'failed') $$, '22023', null,
  'a failed run needs an error message (22023)');
select throws_ok($$ select insights.finish_run((select id from third_run), 'processing') $$, '22023', null,
  'a run finishes as completed or failed only (22023)');
select throws_ok($$ select insights.finish_run((select id from third_run), 'completed', p_fallbacks => '{"a": 1}') $$, '22023', null,
  'fallbacks must be a JSON array (22023)');
select results_eq(
  $$ select r->>'status', r->>'error', (r->>'insights_generated')::int, (r->>'duration_ms')::int >= 0
     from insights.finish_run((select id from third_run), 'failed', p_error => 'HTTP 529 after 3 retries') as r $$,
  $$ values ('failed', 'HTTP 529 after 3 retries', 0, true) $$,
  'a failed run records its error; the duration defaults to the time since its start');

-- orgs_due --------------------------------------------------------------------------------

select results_eq(
  $$ select d.org_id, d.link_clicks, d.last_run_at is null
     from insights.orgs_due(1000) d
     where d.org_id in (select pg_catalog.md5('org:' || s)::uuid
                        from pg_catalog.unnest(array['due-new', 'due-old', 'due-recent', 'due-few', 'due-fresh', 'due-bots']) as s) $$,
  $$ values (pg_catalog.md5('org:due-new')::uuid, 51::bigint, true),
            (pg_catalog.md5('org:due-old')::uuid, 51::bigint, false) $$,
  'due: over 50 clicks, over 7 days of events, no run in 20 hours but failed ones (never run first; clicks counted up to 51); not due: a run 10 hours ago, exactly 50 clicks, 3 days of history, bot clicks only');
select is((select count(*) from insights.orgs_due(1)), 1::bigint, 'p_limit caps the batch');
select throws_ok($$ select * from insights.orgs_due(0) $$, '22023', null, 'p_limit below 1 is rejected (22023)');
select tests.authenticate_as(pg_catalog.md5('owner@runs.test')::uuid);
select throws_ok($$ select * from insights.orgs_due() $$, '42501', null, 'orgs_due is for service_role only');
select tests.clear_authentication();

select * from finish();
