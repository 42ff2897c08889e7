-- Contract: the generation queue. public.request_insight_generation (what an app's POST
-- /generate calls: members, one manual generation an hour, IN002 with fewer than 20 link
-- clicks), insights.claim_pending_run (a worker takes the oldest pending run),
-- insights.enqueue_due (the daily schedule), insights.fail_abandoned_runs, runs tied to
-- their session (insights.hold_run) and failed at once when it ended
-- (insights.fail_orphaned_runs), and polling a run through RLS. Data relative to now(),
-- inside the default period.
select plan(29);

select tests.create_user('owner@queue.test');
select tests.create_user('viewer@queue.test');
select tests.create_user('outsider@queue.test');
select tests.create_org('queue-ok', pg_catalog.md5('owner@queue.test')::uuid);
select tests.create_org('queue-thin', pg_catalog.md5('owner@queue.test')::uuid);
select tests.add_member(pg_catalog.md5('org:queue-ok')::uuid, pg_catalog.md5('viewer@queue.test')::uuid, 'viewer');

-- queue-ok: 25 link clicks 2 to 9 days ago and a page view 20 days ago; queue-thin: 19 clicks.
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, is_bot)
select pg_catalog.md5('org:' || g.slug)::uuid,
       pg_catalog.date_trunc('day', pg_catalog.now(), 'UTC') + interval '12 hours' - pg_catalog.make_interval(days => 2 + s.i % 8, secs => s.i),
       'link_click', 'v' || s.i, false
from (values ('queue-ok', 25), ('queue-thin', 19)) as g (slug, n)
cross join pg_catalog.generate_series(1, g.n) as s (i);
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, is_bot)
select pg_catalog.md5('org:' || g.slug)::uuid, pg_catalog.now() - interval '20 days', 'page_view', 'first', false
from (values ('queue-ok'), ('queue-thin')) as g (slug);

-- Requests ------------------------------------------------------------------------------

select tests.authenticate_as(pg_catalog.md5('viewer@queue.test')::uuid);
create temporary table requested as
select * from public.request_insight_generation(pg_catalog.md5('org:queue-ok')::uuid);
select results_eq($$ select status::text from requested $$, $$ values ('pending') $$,
  'a viewer requests a generation: one row, status pending');
select results_eq(
  $$ select r.status::text, r.is_manual, r.requested_by, r.started_at is null
       from insights.generation_runs r join requested q on q.run_id = r.id $$,
  $$ values ('pending', true, pg_catalog.md5('viewer@queue.test')::uuid, true) $$,
  'the member polls the run through RLS: pending, manual, requested by the viewer, not started');
select throws_ok($$ select * from public.request_insight_generation(pg_catalog.md5('org:queue-ok')::uuid) $$,
  'IN001', null, 'a second request within the hour: rate limited (IN001), the pending run counts');
select throws_ok($$ select * from public.request_insight_generation(pg_catalog.md5('org:queue-thin')::uuid) $$,
  '42501', null, 'the viewer is not a member of queue-thin: 42501');
select tests.clear_authentication();

select tests.authenticate_as(pg_catalog.md5('outsider@queue.test')::uuid);
select throws_ok($$ select * from public.request_insight_generation(pg_catalog.md5('org:queue-ok')::uuid) $$,
  '42501', null, 'a non-member cannot request: 42501');
select is((select pg_catalog.count(*)::int from insights.generation_runs where org_id = pg_catalog.md5('org:queue-ok')::uuid), 0,
  'a non-member does not see the organization''s runs');
select tests.clear_authentication();

select tests.authenticate_as(pg_catalog.md5('owner@queue.test')::uuid);
select throws_ok($$ select * from public.request_insight_generation(pg_catalog.md5('org:queue-thin')::uuid) $$,
  'IN002', null, 'queue-thin has 19 link clicks (20 needed): insufficient data, IN002');
select tests.clear_authentication();
create function pg_temp.hint_of(p_sql text) returns text language plpgsql as $f$
declare
  v_hint text;
begin
  execute p_sql;
  return null;
exception when others then
  get stacked diagnostics v_hint = pg_exception_hint;
  return v_hint;
end
$f$;
select tests.authenticate_as(pg_catalog.md5('owner@queue.test')::uuid);
select is(pg_temp.hint_of($$ select * from public.request_insight_generation(pg_catalog.md5('org:queue-thin')::uuid) $$),
  'Insights need more audience activity: share your links, then try again in a few days.',
  'the refusal carries a hint an app can show');
select tests.clear_authentication();
select is((select pg_catalog.count(*)::int from insights.generation_runs where org_id = pg_catalog.md5('org:queue-thin')::uuid), 0,
  'a refused request queues nothing');

-- The worker ------------------------------------------------------------------------------

create temporary table claimed as
select * from insights.claim_pending_run() where org_id in (pg_catalog.md5('org:queue-ok')::uuid);
select results_eq($$ select run_id = (select run_id from requested), is_manual from claimed $$, $$ values (true, true) $$,
  'claim_pending_run takes the pending run (the oldest; this fixture''s only one)');
select results_eq(
  $$ select r.status::text, r.started_at is not null from insights.generation_runs r join requested q on q.run_id = r.id $$,
  $$ values ('processing', true) $$, 'the claimed run is processing, with its start time');
select is((select pg_catalog.count(*)::int from insights.claim_pending_run() c where c.org_id = pg_catalog.md5('org:queue-ok')::uuid), 0,
  'a claimed run is not claimed twice');
select lives_ok(
  $$ select insights.finish_run((select run_id from requested), 'failed', 0, 26, null, null, null, null, 'provider down', '[]') $$,
  'the worker records the failure');

select tests.authenticate_as(pg_catalog.md5('viewer@queue.test')::uuid);
select results_eq(
  $$ select r.status::text, r.error, r.data_points_analyzed from insights.generation_runs r join requested q on q.run_id = r.id $$,
  $$ values ('failed', 'provider down', 26::bigint) $$, 'the member polls the failed run: status, reason, data points');
create temporary table again as select * from public.request_insight_generation(pg_catalog.md5('org:queue-ok')::uuid);
select results_eq($$ select status::text from again $$, $$ values ('pending') $$,
  'a failed run does not consume the rate limit: the member may request again');
select tests.clear_authentication();

-- Abandoned runs --------------------------------------------------------------------------

update insights.generation_runs set status = 'processing', started_at = pg_catalog.now() - interval '31 minutes'
where id = (select run_id from again);
select ok(insights.fail_abandoned_runs(30) >= 1, 'a run processing for 31 minutes is failed as abandoned');
select results_eq(
  $$ select status::text, error from insights.generation_runs where id = (select run_id from again) $$,
  $$ values ('failed', 'abandoned: still processing after 30 minutes (the worker stopped before finishing it)') $$,
  'the abandoned run says why it failed');
select throws_ok($$ select insights.fail_abandoned_runs(0) $$, '22023', null, 'p_minutes must be at least 1');

-- Runs tied to their session --------------------------------------------------------------
-- What `insights generate` does: the run started and tied to this session in one statement.
create temporary table held as
select insights.hold_run(insights.start_run(pg_catalog.md5('org:queue-ok')::uuid, true)) as run_id;
select results_eq(
  $$ select r.status::text, r.session_lock = ('x' || pg_catalog.left(pg_catalog.replace(r.id::text, '-', ''), 16))::bit(64)::bigint,
            insights.holds_run_lock(r.session_lock)
       from insights.generation_runs r join held h on h.run_id = r.id $$,
  $$ values ('processing', true, true) $$,
  'hold_run ties the run to this session: the key (its id''s first 64 bits) recorded, the advisory lock held');
create temporary table swept as select insights.fail_abandoned_runs(30) as failed;
select results_eq($$ select r.status::text from insights.generation_runs r join held h on h.run_id = r.id $$, $$ values ('processing') $$,
  'a run whose session is alive is not abandoned');
create function pg_temp.message_of(p_sql text) returns text language plpgsql as $f$
begin
  execute p_sql;
  return null;
exception when others then
  return sqlstate || ' ' || sqlerrm;
end
$f$;
select matches(pg_temp.message_of($$ select insights.start_run(pg_catalog.md5('org:queue-ok')::uuid, true) $$),
  '^IN001 a manual generation for organization [0-9a-f-]{36} requested at .+ is still processing; the next manual generation is possible in 60 minute\(s\)$',
  'a run processing in a live session holds the manual slot: IN001 says it is still processing, 60 minutes left');
select lives_ok(
  $$ select insights.finish_run((select run_id from held), 'failed', 0, null, null, null, null, null, 'provider down', '[]') $$,
  'the run is finished in its session');
select results_eq(
  $$ select insights.holds_run_lock(r.session_lock), r.session_lock is not null from insights.generation_runs r join held h on h.run_id = r.id $$,
  $$ values (false, true) $$, 'finish_run releases the session''s lock (the key stays recorded)');

-- A run tied to a session that ended: its lock is free (here: never taken by anyone).
create temporary table orphan as select insights.start_run(pg_catalog.md5('org:queue-ok')::uuid, true) as run_id;
update insights.generation_runs r set session_lock = ('x' || pg_catalog.left(pg_catalog.replace(r.id::text, '-', ''), 16))::bit(64)::bigint
where r.id = (select run_id from orphan);
select lives_ok($$ create temporary table restarted as select insights.start_run(pg_catalog.md5('org:queue-ok')::uuid, true) as run_id $$,
  'a run whose session ended does not hold the manual slot: the next manual generation starts at once, not after 30 minutes');
select results_eq(
  $$ select status::text, error, finished_at is not null from insights.generation_runs where id = (select run_id from orphan) $$,
  $$ values ('failed', 'abandoned: the session processing it ended before it finished (its process stopped or lost the connection)', true) $$,
  'it was failed first (check_generation_allowed -> fail_orphaned_runs), with the reason');
select results_eq($$ select status::text, session_lock is null from insights.generation_runs where id = (select run_id from restarted) $$,
  $$ values ('processing', true) $$, 'a run not tied to a session (an app back end working it) is only abandoned after 30 minutes');

-- Privileges ----------------------------------------------------------------------------

select ok(not pg_catalog.has_function_privilege('anon', 'public.request_insight_generation(uuid)', 'execute'),
  'anon cannot request generations');
select ok(not pg_catalog.has_function_privilege('authenticated', 'insights.claim_pending_run()', 'execute')
          and not pg_catalog.has_function_privilege('authenticated', 'insights.enqueue_due(integer)', 'execute')
          and not pg_catalog.has_function_privilege('authenticated', 'insights.fail_abandoned_runs(integer)', 'execute'),
  'claim, enqueue and abandon are for service_role only');
select ok(not pg_catalog.has_function_privilege('authenticated', 'insights.hold_run(uuid)', 'execute')
          and pg_catalog.has_function_privilege('service_role', 'insights.hold_run(uuid)', 'execute')
          and not pg_catalog.has_function_privilege('authenticated', 'insights.fail_orphaned_runs(uuid)', 'execute')
          and not pg_catalog.has_function_privilege('service_role', 'insights.holds_run_lock(bigint)', 'execute')
          and not pg_catalog.has_function_privilege('anon', 'insights.holds_run_lock(bigint)', 'execute'),
  'hold_run and fail_orphaned_runs are for service_role only; holds_run_lock is internal');

select * from finish();
