-- Contract: analytics.apply_retention(p_raw_days).
-- Fixture (times relative to now(); organization "ret" in UTC; the cutoff for 90 days is
-- today's UTC midnight - 90 days). Monthly partitions for the last 8 months are created.
--   M1 = the month 6 months ago, M2 = the month after it (both end before the cutoff).
--   a1 a2 a3   M1 + 9 days, 10:00 .. 12:00: page_view v1 (session s1), play v1, page_view vU (user U)
--   b1 b2      M2 + 4 days, 10:00 / 11:00: page_view v2 (session s2), like v2
--   b3         M2 + 5 days: page_view v4, received after the aggregation (not covered yet)
--   d1         2019-06-15 10:00 (no partition: the DEFAULT partition): page_view v1, user U, session s9
--   n1         cutoff + 1 day: page_view v1, user U (recent: untouched)
-- Run 1: M1 is dropped whole (3 rows); M2 holds the uncovered b3, so it is kept and the
-- dropping stops there; b1, b2, d1 (covered, before the cutoff) are anonymized, b3 waits.
-- Run 2 (after aggregating b3): M2 is dropped (3 rows), nothing is left to anonymize.
select plan(20);

select tests.create_user('owner@ret.test');
select tests.create_user('fan@ret.test');
select tests.create_org('ret', md5('owner@ret.test')::uuid);
select analytics.ensure_partitions(0, 8);

create temp table ret_t as
  select (date_trunc('month', now() at time zone 'UTC') - interval '6 months') at time zone 'UTC' as m1,
         (date_trunc('month', now() at time zone 'UTC') - interval '5 months') at time zone 'UTC' as m2,
         (date_trunc('day', now() at time zone 'UTC') - interval '90 days') at time zone 'UTC' as cutoff;
alter table ret_t add column m1_name text, add column m2_name text;
update ret_t set m1_name = 'analytics.events_p' || to_char(m1 at time zone 'UTC', 'YYYY_MM'),
                 m2_name = 'analytics.events_p' || to_char(m2 at time zone 'UTC', 'YYYY_MM');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id, session_id)
select md5('org:ret')::uuid, x.at, x.at, x.type, x.visitor, x.user_id, x.session
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
select analytics.aggregate_daily(md5('org:ret')::uuid);
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
select md5('org:ret')::uuid, t.m2 + interval '5 days', clock_timestamp(), 'page_view', 'v4' from ret_t t;

select tests.authenticate_as_service_role();
create temp table ret_run1 as select * from analytics.apply_retention(90);
select tests.clear_authentication();

select results_eq($$ select r.action, r.rows from ret_run1 r, ret_t t where r.target = t.m1_name $$,
                  $$ values ('dropped_partition'::text, 3::bigint) $$,
                  'the partition of M1 (3 events, all aggregated) is dropped whole');
select results_eq($$ select r.action, r.rows from ret_run1 r, ret_t t where r.target = t.m2_name $$,
                  $$ values ('kept_uncovered_partition'::text, null::bigint) $$,
                  'the partition of M2 holds an event the rollups do not cover yet: kept, and the dropping stops');
select is((select to_regclass(m1_name) from ret_t), null, 'the M1 partition table no longer exists');
select ok((select to_regclass(m2_name) is not null from ret_t), 'the M2 partition table still exists');
select is((select raw_events_from from analytics.retention_state), (select m2 from ret_t),
          'raw events before the start of M2 are gone: the retention horizon');
select results_eq($$ select s.events, s.visitors from analytics.org_daily_stats s, ret_t t
                      where s.org_id = md5('org:ret')::uuid and s.day = (t.m1 at time zone 'UTC')::date + 9 $$,
                  $$ values (3::bigint, 2::bigint) $$, 'the rollup of the dropped day stays: 3 events, 2 visitors');
select results_eq($$ select rows from ret_run1 where action in ('anonymized', 'waiting_for_rollups') order by action $$,
                  $$ values (3::bigint), (1::bigint) $$,
                  '3 covered events before the cutoff are anonymized (b1, b2, d1); 1 (b3) waits for the rollups');
select is((select e.visitor_id collate "default" from analytics.events e, ret_t t
            where e.org_id = md5('org:ret')::uuid and e.occurred_at = t.m2 + interval '4 days 10 hours'),
          (select 'anon:' || v.visitor_key::text from analytics.org_daily_visitors v, ret_t t
            where v.org_id = md5('org:ret')::uuid and v.day = (t.m2 at time zone 'UTC')::date + 4),
          'the anonymized visitor id is the visitor key of the rollups (keyed hash)');
select results_eq($$ select visitor_id like 'anon:%', user_id is not null and user_id <> md5('fan@ret.test')::uuid, session_id like 'anon:%'
                     from analytics.events where org_id = md5('org:ret')::uuid and occurred_at = '2019-06-15 10:00:00Z' $$,
                  $$ values (true, true, true) $$,
                  'the old event of the DEFAULT partition: visitor, user and session ids replaced by keyed hashes');
select results_eq($$ select visitor_id collate "default", user_id from analytics.events e, ret_t t
                      where e.org_id = md5('org:ret')::uuid and e.occurred_at in (t.cutoff + interval '1 day', t.m2 + interval '5 days')
                      order by e.occurred_at $$,
                  $$ values ('v4'::text, null::uuid), ('v1', md5('fan@ret.test')::uuid) $$,
                  'untouched: the uncovered old event and the event after the cutoff');
select results_eq($$ select rows_changed from analytics.aggregate_daily(md5('org:ret')::uuid, (select (m2 at time zone 'UTC')::date + 4 from ret_t)) $$,
                  $$ values (0::bigint) $$,
                  'recomputing an anonymized day changes no rollup row: distinct visitors are unchanged');
select is((select analytics.reset_aggregation(md5('org:ret')::uuid)), 1, 'forget the watermark');
select lives_ok($$ select analytics.aggregate_daily(md5('org:ret')::uuid) $$, 'a full recomputation after the drop');
select results_eq($$ select s.events from analytics.org_daily_stats s, ret_t t
                      where s.org_id = md5('org:ret')::uuid and s.day = (t.m1 at time zone 'UTC')::date + 9 $$,
                  $$ values (3::bigint) $$, 'days before the horizon are never recomputed: the dropped day keeps its rollup');

-- Run 2: everything is covered now.
select tests.authenticate_as_service_role();
create temp table ret_run2 as select * from analytics.apply_retention(90);
select tests.clear_authentication();
select results_eq($$ select r.action, r.rows from ret_run2 r, ret_t t where r.target = t.m2_name $$,
                  $$ values ('dropped_partition'::text, 3::bigint) $$, 'once aggregated, M2 (3 events) is dropped');
select results_eq($$ select rows from ret_run2 where action in ('anonymized', 'waiting_for_rollups') order by action $$,
                  $$ values (0::bigint), (0::bigint) $$, 'nothing is anonymized twice, nothing waits');

select throws_ok($$ select * from analytics.apply_retention(0) $$, '22023', null, 'a retention of 0 days is 22023');
select tests.authenticate_as(md5('owner@ret.test')::uuid);
select throws_ok($$ select * from analytics.apply_retention(90) $$, '42501', null, 'a signed-in user may not run retention');
select tests.authenticate_as_service_role();
select throws_ok($$ select * from private.pseudonymization_key $$, '42501', null,
                 'the pseudonymization key is not readable by service_role');
select tests.authenticate_as_anon();
select throws_ok($$ select * from analytics.apply_retention(90) $$, '42501', null, 'anon may not run retention');

select * from finish();
