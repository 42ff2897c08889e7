-- Contract: analytics.apply_retention(p_raw_days).
-- Passes on a database holding any other data (issue 14, item 8): retention is global
-- (whole partitions, one horizon), so the fixture lives in months no other data uses,
-- March and April 2001 (before any partition ensure_partitions or the seeds create), in
-- partitions of its own that are the oldest of analytics.events: apply_retention takes
-- partitions oldest first and stops at the first uncovered one, so what it does to them
-- does not depend on the rest of the database. Assertions read the fixture's own rows
-- (organization "ret"), never global counts. The horizon is cleared first
-- (tests.reset_retention_horizon) for a database whose retention has already run.
-- Fixture (organization "ret" in UTC; the cutoff for 90 days is today's UTC midnight - 90 days):
--   M1 = 2001-03, M2 = 2001-04 (both end before the cutoff; partitions created here).
--   a1 a2 a3   M1 + 9 days, 10:00 .. 12:00: page_view v1 (session s1), play v1, page_view vU (user U)
--   b1 b2      M2 + 4 days, 10:00 / 11:00: page_view v2 (session s2), like v2
--   b3         M2 + 5 days: page_view v4, received an hour from now, after the rollups' watermarks
--              (not covered yet)
--   d1         2019-06-15 10:00 (no partition: the DEFAULT partition): page_view v1, user U, session s9
--   n1         cutoff + 1 day: page_view v1, user U (recent: untouched)
-- Run 1: M1 is dropped whole (3 rows); M2 holds the uncovered b3, so it is kept and the
-- dropping stops there; b1, b2, d1 (covered, before the cutoff) are anonymized, b3 waits.
-- Run 2 (after every rollup applied b3): M2 is dropped (3 rows), nothing of ret is left to anonymize.
-- Events are received now (b3: later), as live events: the rollups follow received_at.
select plan(24);
select tests.reset_retention_horizon();

select tests.create_user('owner@ret.test');
select tests.create_user('fan@ret.test');
select tests.create_org('ret', md5('owner@ret.test')::uuid);
select analytics.ensure_partitions(0, 3);

create temp table ret_t as
  select '2001-03-01Z'::timestamptz as m1, '2001-04-01Z'::timestamptz as m2,
         (date_trunc('day', now() at time zone 'UTC') - interval '90 days') at time zone 'UTC' as cutoff,
         'analytics.events_p2001_03'::text as m1_name, 'analytics.events_p2001_04'::text as m2_name;
create table analytics.events_p2001_03 (like analytics.events including defaults including constraints including storage);
alter table analytics.events attach partition analytics.events_p2001_03 for values from ('2001-03-01Z') to ('2001-04-01Z');
create table analytics.events_p2001_04 (like analytics.events including defaults including constraints including storage);
alter table analytics.events attach partition analytics.events_p2001_04 for values from ('2001-04-01Z') to ('2001-05-01Z');

insert into analytics.events (org_id, occurred_at, event_type, visitor_id, user_id, session_id)
select md5('org:ret')::uuid, x.at, x.type, x.visitor, x.user_id, x.session
from ret_t t
cross join lateral (values
  (t.m1 + interval '9 days 10 hours', 'page_view', 'v1', null::uuid, 's1'),
  (t.m1 + interval '9 days 11 hours', 'play', 'v1', null, null),
  (t.m1 + interval '9 days 12 hours', 'page_view', 'vU', md5('fan@ret.test')::uuid, null),
  (t.m2 + interval '4 days 10 hours', 'page_view', 'v2', null, 's2'),
  (t.m2 + interval '4 days 11 hours', 'like', 'v2', null, null),
  ('2019-06-15 10:00:00Z'::timestamptz, 'page_view', 'v1', md5('fan@ret.test')::uuid, 's9'),
  (t.cutoff + interval '1 day', 'page_view', 'v1', md5('fan@ret.test')::uuid, null)
) as x (at, type, visitor, user_id, session);
-- d1 carries personal property keys (analytics.personal_property_keys) and one that is not.
update analytics.events set properties = '{"ip": "203.0.113.9", "email": "fan@ret.test", "plan": "gold"}'
where org_id = md5('org:ret')::uuid and occurred_at = '2019-06-15 10:00:00Z';
select tests.apply_daily_rollups();
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
select md5('org:ret')::uuid, t.m2 + interval '5 days', clock_timestamp() + interval '1 hour', 'page_view', 'v4' from ret_t t;

select tests.authenticate_as_service_role();
create temp table ret_run1 as select * from analytics.apply_retention(90);
select tests.clear_authentication();
-- When M1 is kept (a failure below), say why: the rollups' lowest watermark against this
-- transaction's start (when a1..a3 were received), and every other session of this database
-- with a transaction open (the safe bound, private.received_upper_bound, stays below its
-- start; never their query text, which may hold a secret); verify prints these lines for a
-- failing contract.
select diag(pg_catalog.format('M1 kept: lowest rollup watermark %s, this transaction began %s; the wait for other sessions'' transactions begun in the minute before it: %s; other transactions now: %s',
                              (select pg_catalog.min(r.watermark) from private.rollups as r), now(),
                              coalesce(pg_catalog.current_setting('tests.earlier_transactions', true), 'not checked'),
                              coalesce((select pg_catalog.string_agg(pg_catalog.format('pid %s %s %L since %s (%s)',
                                          a.pid, a.backend_type, a.application_name, a.xact_start, a.state), '; ')
                                        from pg_catalog.pg_stat_activity as a
                                        where a.datname = pg_catalog.current_database() and a.pid <> pg_catalog.pg_backend_pid()
                                          and a.xact_start is not null), 'none')))
where not exists (select 1 from ret_run1 r, ret_t t where r.target = t.m1_name and r.action = 'dropped_partition');

select results_eq($$ select r.action, r.rows from ret_run1 r, ret_t t where r.target = t.m1_name $$,
                  $$ values ('dropped_partition'::text, 3::bigint) $$,
                  'the partition of M1 (3 events, all aggregated) is dropped whole');
select results_eq($$ select r.action, r.rows from ret_run1 r, ret_t t where r.target = t.m2_name $$,
                  $$ values ('kept_uncovered_partition'::text, null::bigint) $$,
                  'the partition of M2 holds an event the rollups do not cover yet: kept, and the dropping stops');
select is((select to_regclass(m1_name) from ret_t), null, 'the M1 partition table no longer exists');
select ok((select to_regclass(m2_name) is not null from ret_t), 'the M2 partition table still exists');
select ok((select raw_events_from >= (select m2 from ret_t) from analytics.retention_state),
          'raw events before the start of M2 are gone: the retention horizon is at M2 or later');
select results_eq($$ select s.events, s.visitors from analytics.org_daily_stats s, ret_t t
                      where s.org_id = md5('org:ret')::uuid and s.day = (t.m1 at time zone 'UTC')::date + 9 $$,
                  $$ values (3::bigint, 2::bigint) $$, 'the rollup of the dropped day stays: 3 events, 2 visitors');
select results_eq($$ select count(*) filter (where visitor_id like 'anon:%'), count(*) filter (where visitor_id not like 'anon:%')
                     from analytics.events e, ret_t t where e.org_id = md5('org:ret')::uuid and e.occurred_at < t.cutoff $$,
                  $$ values (3::bigint, 1::bigint) $$,
                  '3 covered events of ret before the cutoff are anonymized (b1, b2, d1); 1 (b3) waits for the rollups');
select is((select e.visitor_id collate "default" from analytics.events e, ret_t t
            where e.org_id = md5('org:ret')::uuid and e.occurred_at = t.m2 + interval '4 days 10 hours'),
          (select 'anon:' || v.visitor_key::text from analytics.org_daily_visitors v, ret_t t
            where v.org_id = md5('org:ret')::uuid and v.day = (t.m2 at time zone 'UTC')::date + 4),
          'the anonymized visitor id is the visitor key of the rollups (keyed hash)');
select results_eq($$ select visitor_id like 'anon:%', user_id is not null and user_id <> md5('fan@ret.test')::uuid, session_id like 'anon:%'
                     from analytics.events where org_id = md5('org:ret')::uuid and occurred_at = '2019-06-15 10:00:00Z' $$,
                  $$ values (true, true, true) $$,
                  'the old event of the DEFAULT partition: visitor, user and session ids replaced by keyed hashes');
select is((select properties from analytics.events where org_id = md5('org:ret')::uuid and occurred_at = '2019-06-15 10:00:00Z'),
          '{"plan": "gold"}'::jsonb, 'and its properties lose the personal keys (ip, email), the others stay');
select results_eq($$ select count(*) filter (where s.user_id = md5('fan@ret.test')::uuid),
                            count(*) filter (where s.user_id = e.user_id)
                     from analytics.user_daily_stats s, ret_t t,
                          (select user_id from analytics.events where org_id = md5('org:ret')::uuid and occurred_at = '2019-06-15 10:00:00Z') e
                     where s.org_id = md5('org:ret')::uuid and s.day < (t.cutoff at time zone 'UTC')::date $$,
                  $$ values (0::bigint, 2::bigint) $$,
                  'the daily user stats before the cutoff keep no raw user id: U''s rows of 2019-06-15 and of M1 (its partition dropped) carry the keyed hash its events carry');
select is((select sessions from analytics.visitor_daily_counts v, ret_t t
            where v.org_id = md5('org:ret')::uuid and v.day = (t.m2 at time zone 'UTC')::date + 4),
          (select array_agg(distinct session_id) from analytics.events e, ret_t t
            where e.org_id = md5('org:ret')::uuid and e.occurred_at = t.m2 + interval '4 days 10 hours'),
          'the visitor-days keep the hashed session ids the events now carry (s2 -> anon:...), not s2');
select results_eq($$ select visitor_id collate "default", user_id from analytics.events e, ret_t t
                      where e.org_id = md5('org:ret')::uuid and e.occurred_at in (t.cutoff + interval '1 day', t.m2 + interval '5 days')
                      order by e.occurred_at $$,
                  $$ values ('v4'::text, null::uuid), ('v1', md5('fan@ret.test')::uuid) $$,
                  'untouched: the uncovered old event and the event after the cutoff');
select results_eq($$ select c.visitor_key, c.events, pg_catalog.cardinality(c.sessions)
                     from analytics.compute_visitor_daily_counts(md5('org:ret')::uuid, '-infinity', 'infinity') c, ret_t t
                     where c.day = (t.m2 at time zone 'UTC')::date + 4 $$,
                  $$ select v.visitor_key, v.events, pg_catalog.cardinality(v.sessions) from analytics.visitor_daily_counts v, ret_t t
                     where v.org_id = md5('org:ret')::uuid and v.day = (t.m2 at time zone 'UTC')::date + 4 $$,
                  'recomputing an anonymized day from its events gives the same visitor-days: visitor keys, events and sessions unchanged');
select is((select count(*) from analytics.compute_org_daily_stats(md5('org:ret')::uuid, '-infinity', 'infinity') c, ret_t t
            where c.day = (t.m1 at time zone 'UTC')::date + 9), 0::bigint,
          'a rebuild from empty never recomputes a day before the horizon (analytics.received_days)');
select is((select count(*) from analytics.compute_visitor_daily_counts(md5('org:ret')::uuid, '-infinity', 'infinity') c, ret_t t
            where c.day = (t.m1 at time zone 'UTC')::date + 9), 0::bigint,
          'nor its visitor-days');
select results_eq($$ select s.events from analytics.org_daily_stats s, ret_t t
                      where s.org_id = md5('org:ret')::uuid and s.day = (t.m1 at time zone 'UTC')::date + 9 $$,
                  $$ values (3::bigint) $$, 'so the dropped day keeps its rollup');

-- Every registered rollup applies b3 (an apply up to two hours from now, rolled back with
-- the contract).
select count(private.apply_rollup(r.name, now() + interval '2 hours', true))
from (select o.name from private.rollups_in_order() as o order by o.level, o.name) as r;

-- d1 is given a personal key again (as a row pseudonymized before 1259 would have kept it):
-- run 2 takes it again for its properties, and keeps its hashes.
create temp table ret_d1 as
  select visitor_id, user_id, session_id from analytics.events where org_id = md5('org:ret')::uuid and occurred_at = '2019-06-15 10:00:00Z';
update analytics.events set properties = properties || '{"user_agent": "Mozilla/5.0"}'
where org_id = md5('org:ret')::uuid and occurred_at = '2019-06-15 10:00:00Z';

-- Run 2: everything is covered now.
select tests.authenticate_as_service_role();
create temp table ret_run2 as select * from analytics.apply_retention(90);
select tests.clear_authentication();
select results_eq($$ select r.action, r.rows from ret_run2 r, ret_t t where r.target = t.m2_name $$,
                  $$ values ('dropped_partition'::text, 3::bigint) $$, 'once every rollup covers b3, M2 (3 events) is dropped');
select results_eq($$ select count(*), count(*) filter (where visitor_id like 'anon:%')
                     from analytics.events e, ret_t t where e.org_id = md5('org:ret')::uuid and e.occurred_at < t.cutoff $$,
                  $$ values (1::bigint, 1::bigint) $$, 'of ret''s old events only d1 (DEFAULT partition, anonymized once) is left, nothing waits');
select results_eq($$ select e.visitor_id = d.visitor_id and e.user_id = d.user_id and e.session_id = d.session_id, e.properties
                     from analytics.events e, ret_d1 d where e.org_id = md5('org:ret')::uuid and e.occurred_at = '2019-06-15 10:00:00Z' $$,
                  $$ values (true, '{"plan": "gold"}'::jsonb) $$,
                  'd1 taken again for a personal key: the key is removed, its hashes stay as they were (not hashed twice)');

select throws_ok($$ select * from analytics.apply_retention(0) $$, '22023', null, 'a retention of 0 days is 22023');
select tests.authenticate_as(md5('owner@ret.test')::uuid);
select throws_ok($$ select * from analytics.apply_retention(90) $$, '42501', null, 'a signed-in user may not run retention');
select tests.authenticate_as_service_role();
select throws_ok($$ select * from private.pseudonymization_key $$, '42501', null,
                 'the pseudonymization key is not readable by service_role');
select tests.authenticate_as_anon();
select throws_ok($$ select * from analytics.apply_retention(90) $$, '42501', null, 'anon may not run retention');

select * from finish();
