-- Contract: audience.compute_customers trims a stored customer row of the events that
-- retention pseudonymized since it was computed, then continues it with the new events
-- ("trimmed": not read from its history), and reads the whole history where that cannot
-- be exact; every row equals the recomputation from all raw rows (organization "cust-ret").
-- Received times are in 2031, above any real watermark; the file moves the watermarks
-- itself inside its rolled-back transaction. B = now() - 10 days; two retention runs
-- simulated (analytics.retention_state's run history): C1 = B - 1 day, run before batch 1
-- was received (it covered receipts before 2031-02-01 00:00), then C2 = B + 12 h, run once
-- batch 1 was applied (covered up to W1: analytics.anonymize_old_events pseudonymizes the
-- events before C2).
-- Batch 1, received 2031-02-01 10:00 (applied up to W1 = 2031-02-01 12:00):
--   t1  B page_view (utm_source news, mobile, DE), B+10m play, B+13h page_view (desktop),
--       B+13h20m like: 4 events, 2 sessions, 2 engaged (score 14)
--   t2  B+11h50m page_view (referrer blog.example, mobile), B+12h05m page_view: 1 session
--   t3  B content_created (exempt from pseudonymization), B+13h page_view
--   t4  B-2d page_view (before C1: received after C1's run, which left it), B+13h page_view
--   t5  25 page_views an hour apart from B: 25 sessions, score 100
--   t6  40 page_views an hour apart from B: 40 sessions, score 100
--   t7  B+13h, B+14h page_view (nothing pseudonymized)
--   t8  B page_view, B+13h page_view
--   t9  B page_view of user U9 (signed in), B+13h page_view
--   t10 B page_view of user U10 (signed in), B+1h page_view, B+13h page_view of user U11
-- Between the batches: U9 is erased (app.erase_user: t9's events and its row are gone); the
-- events before C2 are pseudonymized; U10 is erased (linked to t10 only through pseudonymized
-- events, its row carrying U11: those events go, t10's row stays, still counting them).
-- Batch 2, received in [W1, W2 = 2031-02-02 12:00):
--   t1  B+2d page_view, received exactly at W1      t2 B+2d page_view
--   t3, t4, t5, t6  B+3d page_view                  t7 B-1d page_view: older than its first event
--   t8  B+1h page_view: late and before C2           t9 B+3d page_view: after the erasure
--   t10 B+2d page_view
-- Expected: t1, t2, t6 trimmed and continued; t3 (an event before C2 still its own), t4
-- (its first event pseudonymized by C2's run, not by C1's, the first whose cutoff lies
-- after it: the row may not count what C1's run pseudonymized), t5 (a score of 100 with 13 sessions left), t8 (late), t9 (no
-- stored row) recomputed; t7 late (its stored row from the new event on).
select plan(13);

-- A run appends its cutoff and covered bound (every rollup's watermark after its applies)
-- to the run history. The cutoff never moves back: on a database whose retention ran with
-- fewer days, a run of 3650 days keeps the last cutoff.
create temp table ret_history as select s.run_cutoffs, s.run_covered_upto, s.last_cutoff from analytics.retention_state as s where s.id = 1;
select count(*) from analytics.apply_retention(3650);
select results_eq(
  $$ select s.run_cutoffs = h.run_cutoffs || greatest((date_trunc('day', now() at time zone 'UTC') - interval '3650 days') at time zone 'UTC', h.last_cutoff),
            s.run_covered_upto = h.run_covered_upto || (select min(r.watermark) from private.rollups as r),
            s.last_cutoff = greatest((date_trunc('day', now() at time zone 'UTC') - interval '3650 days') at time zone 'UTC', h.last_cutoff)
     from analytics.retention_state as s, ret_history as h where s.id = 1 $$,
  $$ values (true, true, true) $$,
  'analytics.apply_retention appends its cutoff and its covered bound (the lowest watermark) to the run history; the cutoff is never earlier than the last');
-- A manual run with fewer days (a cutoff 89 days back, later than the 90-day one) today:
-- the scheduled run does nothing today, and tomorrow's keeps that cutoff.
update analytics.retention_state
   set last_cutoff = (date_trunc('day', now() at time zone 'UTC') - interval '89 days') at time zone 'UTC', last_run_at = now()
 where id = 1;
select is((select count(*) from analytics.apply_retention_due(90)), 0::bigint,
          'after a run of 89 days today, the scheduled 90-day run does nothing today');
update analytics.retention_state set last_run_at = now() - interval '1 day' where id = 1;
select count(*) from analytics.apply_retention_due(90);
select is((select last_cutoff from analytics.retention_state where id = 1),
          (date_trunc('day', now() at time zone 'UTC') - interval '89 days') at time zone 'UTC',
          'the next day''s 90-day run keeps the 89-day cutoff: it never moves back');

select tests.create_user('owner@cust-ret.test');
select tests.create_org('cust-ret', md5('owner@cust-ret.test')::uuid);
select tests.create_user('t9@cust-ret.test');
select tests.create_user('t10@cust-ret.test');
select private.apply_rollup('audience.customers', now(), true);

create temp table ret_events (visitor text, user_email text, after_b interval, received timestamptz, kind text,
                              source text, referrer text, device text, country text);
insert into ret_events (visitor, user_email, after_b, received, kind, source, referrer, device, country)
values ('t1', null, '0', '2031-02-01 10:00Z', 'page_view', 'news', null, 'mobile', 'DE'),
       ('t1', null, '10 minutes', '2031-02-01 10:00Z', 'play', null, null, null, null),
       ('t1', null, '13 hours', '2031-02-01 10:00Z', 'page_view', null, null, 'desktop', null),
       ('t1', null, '13 hours 20 minutes', '2031-02-01 10:00Z', 'like', null, null, null, null),
       ('t2', null, '11 hours 50 minutes', '2031-02-01 10:00Z', 'page_view', null, 'blog.example', 'mobile', null),
       ('t2', null, '12 hours 5 minutes', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t3', null, '0', '2031-02-01 10:00Z', 'content_created', null, null, null, null),
       ('t3', null, '13 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t4', null, '-2 days', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t4', null, '13 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t7', null, '13 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t7', null, '14 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t8', null, '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t8', null, '13 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t9', 't9@cust-ret.test', '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t9', null, '13 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t10', 't10@cust-ret.test', '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t10', null, '1 hour', '2031-02-01 10:00Z', 'page_view', null, null, null, null),
       ('t10', 't11@cust-ret.test', '13 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null);
insert into ret_events (visitor, after_b, received, kind)
select 't5', make_interval(hours => i), '2031-02-01 10:00Z'::timestamptz, 'page_view' from generate_series(0, 24) as i
union all
select 't6', make_interval(hours => i), '2031-02-01 10:00Z'::timestamptz, 'page_view' from generate_series(0, 39) as i;

create function pg_temp.load_ret(p_received_from timestamptz, p_received_to timestamptz) returns void
language sql as $$
  insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id, utm_source,
                                referrer_domain, device_type, country)
  select md5('org:cust-ret')::uuid, now() - interval '10 days' + x.after_b, x.received, x.kind, x.visitor,
         case when x.user_email is not null then md5(x.user_email)::uuid end, x.source, x.referrer, x.device, x.country
  from pg_temp.ret_events as x
  where x.received >= p_received_from and x.received < p_received_to
$$;
select pg_temp.load_ret('-infinity', 'infinity');
select is(private.apply_rollup('audience.customers', '2031-02-01 12:00Z', true), 10::bigint,
          'batch 1 applied up to W1: the 10 customers t1 to t10');

-- U9 erased; then retention: the events before C2 pseudonymized (covered: every watermark
-- moved to W1 for the transaction), and the two runs recorded.
select tests.authenticate_as_service_role();
create temp table ret_erased as select * from app.erase_user(md5('t9@cust-ret.test')::uuid);
select tests.clear_authentication();
select results_eq(
  $$ select r.rows from ret_erased as r where r.table_name in ('analytics.events', 'audience.customers') order by r.table_name $$,
  $$ values (2::bigint), (1::bigint) $$,
  'U9 erased: t9''s 2 events and its customer row');
update private.rollups set watermark = '2031-02-01 12:00Z' where watermark < '2031-02-01 12:00Z';
select analytics.anonymize_old_events(now() - interval '10 days' + interval '12 hours');
select is((select pg_catalog.count(*) from analytics.events where org_id = md5('org:cust-ret')::uuid and visitor_id like 'anon:%'),
          31::bigint, 'the events before C2 are pseudonymized: t1 2, t2 1, t4 1, t5 12, t6 12, t8 1, t10 2 (t3''s content_created is exempt)');
-- U10 erased after the pseudonymization: t10 is linked to U10 only through its pseudonymized
-- events (its row's user is U11), so its two pseudonymized events go and its row stays.
select tests.authenticate_as_service_role();
create temp table ret_erased_10 as select * from app.erase_user(md5('t10@cust-ret.test')::uuid);
select tests.clear_authentication();
select results_eq(
  $$ select (select r.rows from ret_erased_10 as r where r.table_name = 'analytics.events'),
            (select pg_catalog.count(*) from audience.customers where org_id = md5('org:cust-ret')::uuid and visitor_id = 't10') $$,
  $$ values (2::bigint, 1::bigint) $$,
  'U10 erased: t10''s 2 pseudonymized events, not its customer row');
update analytics.retention_state
   set last_cutoff = now() - interval '10 days' + interval '12 hours',
       run_cutoffs = array[now() - interval '11 days', now() - interval '10 days' + interval '12 hours'],
       run_covered_upto = array['2031-02-01 00:00Z', '2031-02-01 12:00Z']::timestamptz[]
 where id = 1;

insert into ret_events (visitor, after_b, received, kind)
values ('t1', '2 days', '2031-02-01 12:00Z', 'page_view'),
       ('t2', '2 days', '2031-02-01 13:00Z', 'page_view'),
       ('t3', '3 days', '2031-02-01 13:00Z', 'page_view'),
       ('t4', '3 days', '2031-02-01 13:00Z', 'page_view'),
       ('t5', '3 days', '2031-02-01 13:00Z', 'page_view'),
       ('t6', '3 days', '2031-02-01 13:00Z', 'page_view'),
       ('t7', '-1 day', '2031-02-01 13:00Z', 'page_view'),
       ('t8', '1 hour', '2031-02-01 13:00Z', 'page_view'),
       ('t9', '3 days', '2031-02-01 13:00Z', 'page_view'),
       ('t10', '2 days', '2031-02-01 13:00Z', 'page_view');
select pg_temp.load_ret('2031-02-01 12:00Z', '2031-02-02 12:00Z');

-- Which rows are continued: a marker in a stored column that neither the trim (no event
-- of these customers carries a city) nor the new events change survives where the row is
-- continued and is gone where the customer's history is read.
update audience.customers set city = 'marker' where org_id = md5('org:cust-ret')::uuid;
select results_eq(
  $$ select visitor_id collate "default", city is not distinct from 'marker'
     from audience.compute_customers(md5('org:cust-ret')::uuid, '2031-02-01 12:00Z', '2031-02-02 12:00Z') order by visitor_id $$,
  $$ values ('t1', true), ('t10', false), ('t2', true), ('t3', false), ('t4', false), ('t5', false), ('t6', true), ('t7', true),
            ('t8', false), ('t9', false) $$,
  'trimmed and continued: t1, t2, t6; late: t7; recomputed: t3 (content_created before C2), t4 (first event pseudonymized later than by C1''s run), t5 (score 100, 13 sessions left), t8 (late, before C2), t9 (erased: no stored row), t10 (its first event erased: not found pseudonymized)');
update audience.customers set city = null where org_id = md5('org:cust-ret')::uuid;

select is(private.apply_rollup('audience.customers', '2031-02-02 12:00Z', true), 10::bigint,
          'batch 2 applied up to W2: the 10 touched customers');
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:cust-ret')::uuid order by visitor_id $$,
  $$ select * from audience.compute_customers(md5('org:cust-ret')::uuid, '-infinity', 'infinity') order by visitor_id $$,
  'after batch 2 every stored row equals the recomputation from all raw rows, column by column');
select results_eq(
  $$ select visitor_id collate "default", events_count, sessions_count, engagement_score::int,
            first_seen_at - (now() - interval '10 days'), first_source collate "default", last_source collate "default",
            device_type collate "default", country::text collate "default"
     from audience.customers where org_id = md5('org:cust-ret')::uuid and visitor_id in ('t1', 't2', 't5', 't6')
     order by visitor_id $$,
  $$ values ('t1', 3::bigint, 2::bigint, 12, interval '13 hours', '(direct)', '(direct)', 'desktop', null),
            ('t2', 2, 2, 10, interval '12 hours 5 minutes', '(direct)', '(direct)', null, null),
            ('t5', 14, 14, 70, interval '12 hours', '(direct)', '(direct)', null, null),
            ('t6', 29, 29, 100, interval '12 hours', '(direct)', '(direct)', null, null) $$,
  't1: 2 events left (one session, one like: 7) and one new (a session: 12), its first touch and last source direct, desktop kept, DE gone; t2: its session across C2 counted once, device gone; t5: 14 sessions (70); t6: 29 sessions (100)');
select results_eq(
  $$ select visitor_id collate "default", events_count, sessions_count, first_seen_at - (now() - interval '10 days')
     from audience.customers where org_id = md5('org:cust-ret')::uuid and visitor_id in ('t3', 't4', 't7', 't8', 't9', 't10')
     order by visitor_id $$,
  $$ values ('t10', 2::bigint, 2::bigint, interval '13 hours'),
            ('t3', 3, 3, interval '0'), ('t4', 2, 2, interval '13 hours'), ('t7', 3, 3, interval '-1 day'),
            ('t8', 2, 2, interval '1 hour'), ('t9', 1, 1, interval '3 days') $$,
  't3 keeps its content_created event; t4, t8 and t10 count their events after C2 (and t8 its late one); t7 first seen at its late event; t9 only its event after the erasure');

create temp table ret_before as select * from audience.customers where org_id = md5('org:cust-ret')::uuid;
select private.reset_rollup('audience.customers');
select private.apply_rollup('audience.customers', '2031-02-02 12:00Z', true);
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:cust-ret')::uuid order by visitor_id $$,
  $$ select * from ret_before order by visitor_id $$,
  'the rebuild from empty equals the rows maintained over the two batches and the retention run');

select * from finish();
