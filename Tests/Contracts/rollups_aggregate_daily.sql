-- Contract: analytics.aggregate_daily and the daily rollups (organization, visitor sets,
-- entities, users, venue profile), the watermark, idempotence, late events and the plan's
-- wrapper names.
-- Fixture: venue "roll" in America/New_York. DST starts 2025-03-09 at 07:00 UTC, so the
-- local day 03-09 lasts 23 hours: [03-09 05:00Z, 03-10 04:00Z). c1 is a content item,
-- T1 a tour date, U a signed-in fan (visitor vU). Times UTC -> local day:
--   1  03-09 05:30     -> 03-09  content_created c1 by U (vU)
--   2  03-09 06:00     -> 03-09  page_view v1
--   3  03-10 03:59:59  -> 03-09  play c1 v2 (23:59:59 EDT)
--   4  03-10 04:00:00  -> 03-10  play c1 v1 (00:00:00 EDT)
--   5  03-10 15:00     -> 03-10  follow v3 (the venue)      6  03-10 15:01  profile_view v3
--   7-13  16:00 on each day 03-10 .. 03-16: page_view v1
--   14 03-11 16:05  page_view v2                          15 03-12 16:05  page_view v2
--   16-20 03-11 17:00, 17:05, 17:10, 17:15, 17:20, U in session sU: search; event_view,
--         ticket_cta, link_click and interested on T1
--   21 03-11 18:00  review v2 rating 4                    22 03-12 18:00  review v1 rating 5
--   23 03-12 18:30  review v1 rating "x" (not a number)   24 03-12 19:00  follow of user U by v2
--   25 03-13 12:00  play c1 by a bot (never counted)
-- Daily distinct visitors 03-09..03-16: 3, 2, 3, 2, 1, 1, 1, 1; over the week 03-10..03-16
-- the sum of the days is 11 but the distinct visitors are v1 v2 v3 vU = 4.
select plan(31);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('owner@roll.test');
select tests.create_user('outsider@roll.test');
select tests.create_user('fan@roll.test');
select tests.create_org('roll', md5('owner@roll.test')::uuid);
select tests.create_org('roll-other', md5('outsider@roll.test')::uuid);
update app.organizations set timezone = 'America/New_York', kind = 'venue' where id = md5('org:roll')::uuid;

insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id, user_id,
                              session_id, properties, is_bot)
select md5('org:roll')::uuid, x.at::timestamptz, x.at::timestamptz, x.type, x.etype,
       case x.entity when 'c1' then '00000000-0000-4000-8000-00000000a0c1'::uuid
                     when 'T1' then '00000000-0000-4000-8000-00000000a071'::uuid
                     when 'U' then md5('fan@roll.test')::uuid end,
       x.visitor, case when x.visitor = 'vU' then md5('fan@roll.test')::uuid end, x.session,
       coalesce(x.props::jsonb, '{}'), x.visitor = 'bot'
from (values
  ('2025-03-09 05:30:00Z', 'content_created', 'content_item', 'c1', 'vU', null, null),
  ('2025-03-09 06:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-10 03:59:59Z', 'play', 'content_item', 'c1', 'v2', null, null),
  ('2025-03-10 04:00:00Z', 'play', 'content_item', 'c1', 'v1', null, null),
  ('2025-03-10 15:00:00Z', 'follow', null, null, 'v3', null, null),
  ('2025-03-10 15:01:00Z', 'profile_view', null, null, 'v3', null, null),
  ('2025-03-10 16:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-11 16:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-12 16:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-13 16:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-14 16:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-15 16:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-16 16:00:00Z', 'page_view', null, null, 'v1', null, null),
  ('2025-03-11 16:05:00Z', 'page_view', null, null, 'v2', null, null),
  ('2025-03-12 16:05:00Z', 'page_view', null, null, 'v2', null, null),
  ('2025-03-11 17:00:00Z', 'search', null, null, 'vU', 'sU', null),
  ('2025-03-11 17:05:00Z', 'event_view', 'tour_date', 'T1', 'vU', 'sU', null),
  ('2025-03-11 17:10:00Z', 'ticket_cta', 'tour_date', 'T1', 'vU', 'sU', null),
  ('2025-03-11 17:15:00Z', 'link_click', 'tour_date', 'T1', 'vU', 'sU', null),
  ('2025-03-11 17:20:00Z', 'interested', 'tour_date', 'T1', 'vU', 'sU', null),
  ('2025-03-11 18:00:00Z', 'review', null, null, 'v2', null, '{"rating": 4}'),
  ('2025-03-12 18:00:00Z', 'review', null, null, 'v1', null, '{"rating": 5}'),
  ('2025-03-12 18:30:00Z', 'review', null, null, 'v1', null, '{"rating": "x"}'),
  ('2025-03-12 19:00:00Z', 'follow', 'user', 'U', 'v2', null, null),
  ('2025-03-13 12:00:00Z', 'play', 'content_item', 'c1', 'bot', null, null)
) as x (at, type, etype, entity, visitor, session, props);

-- Every rollup row of the organization with its physical version (xmin): equal
-- snapshots mean nothing was even rewritten.
create function tests.roll_snapshot() returns text language sql as $$
  select md5(string_agg(r, '|' order by r)) from (
    select 'o' || s::text || s.xmin::text as r from analytics.org_daily_stats s where s.org_id = md5('org:roll')::uuid
    union all select 'v' || s::text || s.xmin::text from analytics.org_daily_visitors s where s.org_id = md5('org:roll')::uuid
    union all select 'e' || s::text || s.xmin::text from analytics.entity_daily_stats s where s.org_id = md5('org:roll')::uuid
    union all select 'w' || s::text || s.xmin::text from analytics.entity_daily_visitors s where s.org_id = md5('org:roll')::uuid
    union all select 'u' || s::text || s.xmin::text from analytics.user_daily_stats s where s.org_id = md5('org:roll')::uuid
    union all select 'p' || s::text || s.xmin::text from analytics.profile_daily_stats s where s.org_id = md5('org:roll')::uuid
  ) as x
$$;

-- First run: no watermark yet, so every day from the first to the last event.
select results_eq(
  $$ select days, first_day, last_day, rows_changed > 0 from analytics.aggregate_daily(md5('org:roll')::uuid) $$,
  $$ values (8, '2025-03-09'::date, '2025-03-16'::date, true) $$,
  'the first run aggregates the organization in full: 8 local days 03-09 .. 03-16');
select results_eq(
  $$ select day, events, plays, page_views, follows, profile_views, searches, ticket_clicks, link_clicks, visitors, sessions
     from analytics.org_daily_stats where org_id = md5('org:roll')::uuid order by day $$,
  $$ values ('2025-03-09'::date, 3::bigint, 1::bigint, 1::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 3::bigint, 0::bigint),
            ('2025-03-10', 4, 1, 1, 1, 1, 0, 0, 0, 2, 0),
            ('2025-03-11', 8, 0, 2, 0, 0, 1, 1, 1, 3, 1),
            ('2025-03-12', 5, 0, 2, 1, 0, 0, 0, 0, 2, 0),
            ('2025-03-13', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0),
            ('2025-03-14', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0),
            ('2025-03-15', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0),
            ('2025-03-16', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0) $$,
  'org_daily_stats per New York day: 03-10 03:59:59Z falls on the 23-hour DST day 03-09, 04:00:00Z on 03-10; the bot play is not counted');
select results_eq(
  $$ select sum(visitors)::bigint from analytics.org_daily_stats
      where org_id = md5('org:roll')::uuid and day between '2025-03-10' and '2025-03-16' $$,
  $$ values (11::bigint) $$, 'the daily visitor counts of the week add up to 11');
select results_eq(
  $$ select count(distinct visitor_key) from analytics.org_daily_visitors
      where org_id = md5('org:roll')::uuid and day between '2025-03-10' and '2025-03-16' $$,
  $$ values (4::bigint) $$,
  'distinct visitors over the week from the per-day visitor sets: 4, not the sum of the days (11)');
select results_eq(
  $$ select day, source collate "default", country collate "default", device_type collate "default", events from analytics.org_daily_visitors
      where org_id = md5('org:roll')::uuid and day = '2025-03-11' order by events $$,
  $$ values ('2025-03-11'::date, '(direct)'::text, null::char(2), null::text, 1), ('2025-03-11', '(direct)', null, null, 2),
            ('2025-03-11', '(direct)', null, null, 5) $$,
  'the visitor set of 03-11: v1 (1 event), v2 (2), vU (5), keyed by pseudonymous keys');
select is((select count(*) from analytics.org_daily_visitors
            where org_id = md5('org:roll')::uuid and visitor_key::text like 'v%'), 0::bigint,
          'no raw visitor id is stored in the visitor sets');
select results_eq(
  $$ select entity_type collate "default", day, events, plays, unique_plays, clicks, ticket_clicks, interested, visitors
     from analytics.entity_daily_stats where org_id = md5('org:roll')::uuid order by day, entity_type $$,
  $$ values ('content_item'::text, '2025-03-09'::date, 2::bigint, 1::bigint, 1::bigint, 0::bigint, 0::bigint, 0::bigint, 2::bigint),
            ('content_item', '2025-03-10', 1, 1, 1, 0, 0, 0, 1),
            ('tour_date', '2025-03-11', 4, 0, 0, 1, 1, 1, 1),
            ('user', '2025-03-12', 1, 0, 0, 0, 0, 0, 1) $$,
  'entity_daily_stats: c1 on 03-09 (creation + the 23:59:59 play) and 03-10, the tour date on 03-11, the followed user on 03-12');
select results_eq(
  $$ select day, items_created, plays_received, followers_gained, searches, events_viewed, events_clicked,
            events_interested, ticket_links_clicked, sessions, time_spent_seconds
     from analytics.user_daily_stats where org_id = md5('org:roll')::uuid and user_id = md5('fan@roll.test')::uuid order by day $$,
  $$ values ('2025-03-09'::date, 1::bigint, 1::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::numeric),
            ('2025-03-10', 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
            ('2025-03-11', 0, 0, 0, 1, 1, 1, 1, 1, 1, 1200),
            ('2025-03-12', 0, 0, 1, 0, 0, 0, 0, 0, 0, 0) $$,
  'user_daily_stats of U: created c1 and received its plays (03-09, 03-10), one 20-minute session on 03-11, a follower on 03-12');
select results_eq(
  $$ select day, profile_kind::text, profile_views, new_followers, total_followers, reviews_received, rating_count, average_rating
     from analytics.profile_daily_stats where org_id = md5('org:roll')::uuid order by day $$,
  $$ values ('2025-03-10'::date, 'venue', 1::bigint, 1::bigint, 1::bigint, 0::bigint, 0::bigint, null::numeric),
            ('2025-03-11', 'venue', 0, 0, 1, 1, 1, 4.00),
            ('2025-03-12', 'venue', 0, 0, 1, 2, 1, 5.00) $$,
  'venue stats: a profile view and a follower on 03-10, reviews rated 4 and 5 (the "x" rating is ignored); following user U is not a venue follower');
select ok((select w.events_received > '2025-03-16 16:00:00Z'::timestamptz from analytics.aggregation_watermarks w
            where w.org_id = md5('org:roll')::uuid), 'the watermark is past every event received');

-- Running twice changes nothing: no row rewritten, nothing reported.
create temp table roll_before as select tests.roll_snapshot() as s;
select is_empty($$ select * from analytics.aggregate_daily(md5('org:roll')::uuid) $$,
                'a second incremental run finds nothing to recompute');
select results_eq($$ select rows_changed from analytics.aggregate_daily(md5('org:roll')::uuid, '2025-03-11') $$,
                  $$ values (0::bigint) $$, 'recomputing a day whose events did not change writes no row');
select is(tests.roll_snapshot(), (select s from roll_before),
          'after both runs every rollup row is byte-for-byte the same row version (xmin unchanged)');

-- A late event (occurred on 03-11, received now) re-aggregates its day, and only it.
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
values (md5('org:roll')::uuid, '2025-03-11 16:30:00Z', clock_timestamp(), 'play', 'content_item',
        '00000000-0000-4000-8000-00000000a0c1', 'v9');
create temp table roll_other_days as
  select s.day, s.xmin::text as version from analytics.org_daily_stats s where s.org_id = md5('org:roll')::uuid and s.day <> '2025-03-11';
select results_eq($$ select days, first_day, last_day from analytics.aggregate_daily(md5('org:roll')::uuid) $$,
                  $$ values (1, '2025-03-11'::date, '2025-03-11'::date) $$,
                  'the late event recomputes its own day 03-11 only');
select results_eq($$ select plays, visitors from analytics.org_daily_stats where org_id = md5('org:roll')::uuid and day = '2025-03-11' $$,
                  $$ values (1::bigint, 4::bigint) $$, '03-11 now has the late play and its visitor');
select is((select count(*) from analytics.org_daily_stats s join roll_other_days o on o.day = s.day
            where s.org_id = md5('org:roll')::uuid and s.xmin::text = o.version), 7::bigint,
          'the 7 other days were not rewritten');
select results_eq(
  $$ select count(distinct visitor_key) from analytics.org_daily_visitors
      where org_id = md5('org:roll')::uuid and day between '2025-03-10' and '2025-03-16' $$,
  $$ values (5::bigint) $$, 'distinct visitors over the week: 5 with the late visitor');

-- A late follower on 03-09 moves the running follower totals of the later days.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:roll')::uuid, '2025-03-09 20:00:00Z', clock_timestamp(), 'follow', 'v5');
select results_eq($$ select days, first_day from analytics.aggregate_daily(md5('org:roll')::uuid) $$,
                  $$ values (1, '2025-03-09'::date) $$, 'the late follow recomputes 03-09');
select results_eq(
  $$ select day, new_followers, total_followers from analytics.profile_daily_stats where org_id = md5('org:roll')::uuid order by day $$,
  $$ values ('2025-03-09'::date, 1::bigint, 1::bigint), ('2025-03-10', 1, 2), ('2025-03-11', 0, 2), ('2025-03-12', 0, 2) $$,
  'total followers: 1 from 03-09, 2 from 03-10 on');

-- The plan's names.
select results_eq($$ select days, rows_changed from analytics.aggregate_mashup_stats('2025-03-12') where org_id = md5('org:roll')::uuid $$,
                  $$ values (1, 0::bigint) $$, 'aggregate_mashup_stats(day) recomputes that day (nothing changed)');
select results_eq($$ select days, rows_changed from analytics.aggregate_daily_analytics('2025-03-12') where org_id = md5('org:roll')::uuid $$,
                  $$ values (1, 0::bigint) $$, 'aggregate_daily_analytics(day) recomputes that day (nothing changed)');

-- A full recomputation (after forgetting the watermark) reproduces the incremental result.
create temp table roll_incremental as select tests.roll_snapshot() as s;
select is(analytics.reset_aggregation(md5('org:roll')::uuid), 1, 'reset_aggregation removes the watermark');
select results_eq($$ select days, rows_changed from analytics.aggregate_daily(md5('org:roll')::uuid) $$,
                  $$ values (8, 0::bigint) $$, 'the full recomputation covers 8 days and changes no row');
select is(tests.roll_snapshot(), (select s from roll_incremental), 'full and incremental rollups are identical');

-- Raw events removed: recomputing the day removes what no longer exists.
delete from analytics.events where org_id = md5('org:roll')::uuid and event_type = 'profile_view';
select results_eq($$ select days, rows_changed from analytics.aggregate_daily(md5('org:roll')::uuid, '2025-03-10') $$,
                  $$ values (1, 3::bigint) $$, 'recomputing 03-10 rewrites 3 rows: the day''s org row, v3''s visitor row (2 events -> 1) and the venue row');
select is((select profile_views from analytics.profile_daily_stats where org_id = md5('org:roll')::uuid and day = '2025-03-10'),
          0::bigint, 'the deleted profile view is gone from the rollup');

-- Who may run it and read it.
select throws_ok($$ select * from analytics.aggregate_daily(md5('org:nope')::uuid) $$, '22023', null,
                 'an unknown organization is 22023');
select tests.authenticate_as(md5('owner@roll.test')::uuid);
select throws_ok($$ select * from analytics.aggregate_daily() $$, '42501', null,
                 'a signed-in user (even an owner) may not run the aggregation');
select is((select count(*) from analytics.org_daily_stats), 8::bigint, 'a member reads the organization''s 8 daily rows (RLS)');
select throws_ok($$ select count(*) from analytics.org_daily_visitors $$, '42501', null,
                 'the visitor sets are not readable by API users');
select tests.authenticate_as(md5('outsider@roll.test')::uuid);
select is((select count(*) from analytics.org_daily_stats where org_id = md5('org:roll')::uuid), 0::bigint,
          'a member of another organization reads none of them');

select * from finish();
