-- Contract: the daily rollups of migrations 0030 / 0660 on the rollup engine
-- (analytics.visitor_daily_counts; organization, visitor sets, entities, users, venue
-- profile): exact readers before any apply (private.rollup_rows), the applied rows, the
-- watermark, idempotence, a late event, an event received exactly at the watermark, a
-- late follower moving the running totals, the rebuild from empty equal to the
-- incremental result, and who may read what.
-- Fixture: venue "roll" in America/New_York. DST starts 2025-03-09 at 07:00 UTC, so the
-- local day 03-09 lasts 23 hours: [03-09 05:00Z, 03-10 04:00Z). c1 is a content item,
-- T1 a tour date, U a signed-in fan (visitor vU). Events are received now (as live
-- events; the engine follows received_at). Times UTC -> local day:
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
select plan(34);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('owner@roll.test');
select tests.create_user('outsider@roll.test');
select tests.create_user('fan@roll.test');
select tests.create_org('roll', md5('owner@roll.test')::uuid);
select tests.create_org('roll-other', md5('outsider@roll.test')::uuid);
update app.organizations set timezone = 'America/New_York', kind = 'venue' where id = md5('org:roll')::uuid;

insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, user_id,
                              session_id, properties, is_bot)
select md5('org:roll')::uuid, x.at::timestamptz, x.type, x.etype,
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

-- The expected rows, by construction.
create temp table roll_expected_org (day date, events bigint, plays bigint, page_views bigint, follows bigint, profile_views bigint,
                                     searches bigint, ticket_clicks bigint, link_clicks bigint, visitors bigint, sessions bigint);
insert into roll_expected_org values
  ('2025-03-09', 3, 1, 1, 0, 0, 0, 0, 0, 3, 0), ('2025-03-10', 4, 1, 1, 1, 1, 0, 0, 0, 2, 0),
  ('2025-03-11', 8, 0, 2, 0, 0, 1, 1, 1, 3, 1), ('2025-03-12', 5, 0, 2, 1, 0, 0, 0, 0, 2, 0),
  ('2025-03-13', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0), ('2025-03-14', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0),
  ('2025-03-15', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0), ('2025-03-16', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0);

-- Before any apply: the readers' rows are already exact (computed from the raw events).
select results_eq(
  $$ select day, events, plays, page_views, follows, profile_views, searches, ticket_clicks, link_clicks, visitors, sessions
     from private.rollup_rows(null::analytics.org_daily_stats, md5('org:roll')::uuid) order by day $$,
  $$ select * from roll_expected_org order by day $$,
  'before any apply, rollup_rows gives org_daily_stats per New York day from the raw events: 03-10 03:59:59Z falls on the 23-hour DST day 03-09, 04:00:00Z on 03-10; the bot play is not counted');

select cmp_ok(tests.apply_daily_rollups(), '>', 0::bigint, 'apply the seven daily rollups');
select results_eq(
  $$ select day, events, plays, page_views, follows, profile_views, searches, ticket_clicks, link_clicks, visitors, sessions
     from analytics.org_daily_stats where org_id = md5('org:roll')::uuid order by day $$,
  $$ select * from roll_expected_org order by day $$,
  'the applied org_daily_stats rows (summed from visitor_daily_counts) are the same 8 days');
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
select results_eq(
  $$ select day, events, page_views, searches, reviews, rating_sum, pg_catalog.cardinality(sessions)
     from analytics.visitor_daily_counts where org_id = md5('org:roll')::uuid and day = '2025-03-11' order by events $$,
  $$ values ('2025-03-11'::date, 1, 1, 0, 0, 0::numeric, 0), ('2025-03-11', 2, 1, 0, 1, 4, 0), ('2025-03-11', 5, 0, 1, 0, 0, 1) $$,
  'visitor_daily_counts of 03-11: v1 (a page view), v2 (a page view and a review rated 4), vU (5 events in one session)');
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
select ok((select bool_and(r.watermark > now()) from private.rollups as r
            where r.name in ('analytics.visitor_daily_counts', 'analytics.entity_daily_stats', 'analytics.entity_daily_visitors',
                             'analytics.user_daily_stats', 'analytics.org_daily_stats', 'analytics.org_daily_visitors',
                             'analytics.profile_daily_stats')),
          'every watermark is past the fixture''s events');

-- Applying twice changes nothing: no row rewritten.
create temp table roll_before as select tests.roll_snapshot() as s;
select is(tests.apply_daily_rollups(), 0::bigint, 'a second apply writes no row');
select is(tests.roll_snapshot(), (select s from roll_before),
          'every rollup row is byte-for-byte the same row version (xmin unchanged)');

-- A late event (occurred on 03-11, received now): the readers count it at once; apply
-- then recomputes the units it touches (a visitor-day, an entity-day, ...), and only them.
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
values (md5('org:roll')::uuid, '2025-03-11 16:30:00Z', clock_timestamp(), 'play', 'content_item',
        '00000000-0000-4000-8000-00000000a0c1', 'v9');
select results_eq($$ select plays, visitors from private.rollup_rows(null::analytics.org_daily_stats, md5('org:roll')::uuid, '2025-03-11'::date, '2025-03-12'::date) $$,
                  $$ values (1::bigint, 4::bigint) $$, 'before the next apply, rollup_rows already counts the late play and its visitor on 03-11');
select results_eq($$ select plays, visitors from analytics.org_daily_stats where org_id = md5('org:roll')::uuid and day = '2025-03-11' $$,
                  $$ values (0::bigint, 3::bigint) $$, 'the stored row of 03-11 does not have it yet');
create temp table roll_other_days as
  select s.day, s.xmin::text as version from analytics.org_daily_stats s where s.org_id = md5('org:roll')::uuid and s.day <> '2025-03-11';
create temp table roll_other_visitors as
  select s.day, s.visitor_key, s.xmin::text as version from analytics.visitor_daily_counts s where s.org_id = md5('org:roll')::uuid;
select is(tests.apply_daily_rollups(), 6::bigint,
          'apply writes 6 rows: v9''s visitor-day and visitor set row, the c1 entity-day of 03-11 and its visitor, the 03-11 organization row, and U''s 03-11 row (a play of the item U created)');
select results_eq($$ select plays, visitors from analytics.org_daily_stats where org_id = md5('org:roll')::uuid and day = '2025-03-11' $$,
                  $$ values (1::bigint, 4::bigint) $$, '03-11 now has the late play and its visitor');
select is((select count(*) from analytics.org_daily_stats s join roll_other_days o on o.day = s.day
            where s.org_id = md5('org:roll')::uuid and s.xmin::text = o.version), 7::bigint,
          'the 7 other days were not rewritten');
select is((select count(*) from analytics.visitor_daily_counts s join roll_other_visitors o on (o.day, o.visitor_key) = (s.day, s.visitor_key)
            where s.org_id = md5('org:roll')::uuid and s.xmin::text = o.version), (select count(*) from roll_other_visitors),
          'no other visitor-day was rewritten');
select results_eq(
  $$ select count(distinct visitor_key) from analytics.org_daily_visitors
      where org_id = md5('org:roll')::uuid and day between '2025-03-10' and '2025-03-16' $$,
  $$ values (5::bigint) $$, 'distinct visitors over the week: 5 with the late visitor');

-- A late follower on 03-09 received exactly at the watermark: it belongs to the next
-- apply ([watermark, bound)); the readers count it at once, and it moves the running
-- follower totals of every later day.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
select md5('org:roll')::uuid, '2025-03-09 20:00:00Z', r.watermark, 'follow', 'v5'
from private.rollups as r where r.name = 'analytics.visitor_daily_counts';
select results_eq(
  $$ select day, new_followers, total_followers from private.rollup_rows(null::analytics.profile_daily_stats, md5('org:roll')::uuid) order by day $$,
  $$ values ('2025-03-09'::date, 1::bigint, 1::bigint), ('2025-03-10', 1, 2), ('2025-03-11', 0, 2), ('2025-03-12', 0, 2) $$,
  'before the apply, rollup_rows has the follower received at the watermark: total followers 1 from 03-09, 2 from 03-10 on');
select lives_ok($$ select tests.apply_daily_rollups() $$, 'apply');
select results_eq(
  $$ select day, new_followers, total_followers from analytics.profile_daily_stats where org_id = md5('org:roll')::uuid order by day $$,
  $$ values ('2025-03-09'::date, 1::bigint, 1::bigint), ('2025-03-10', 1, 2), ('2025-03-11', 0, 2), ('2025-03-12', 0, 2) $$,
  'the applied rows agree');

-- A late, earlier content_created of c1 by another user W (03-08 12:00 local): the earliest
-- one names the creator, so every play of c1 is W's. U's 03-10 row (only that play) is gone,
-- the plays leave U's 03-09 and 03-11 rows; W gets the creation and the three plays. The
-- reader has it before the apply; the apply deletes the vanished row (unit: the day).
select tests.create_user('maker@roll.test');
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id, user_id)
values (md5('org:roll')::uuid, '2025-03-08 17:00:00Z', clock_timestamp(), 'content_created', 'content_item',
        '00000000-0000-4000-8000-00000000a0c1', 'vW', md5('maker@roll.test')::uuid);
select results_eq(
  $$ select case user_id when md5('fan@roll.test')::uuid then 'U' when md5('maker@roll.test')::uuid then 'W' end, day, items_created, plays_received
     from private.rollup_rows(null::analytics.user_daily_stats, md5('org:roll')::uuid) order by 1, 2 $$,
  $$ values ('U', '2025-03-09'::date, 1::bigint, 0::bigint), ('U', '2025-03-11', 0, 0), ('U', '2025-03-12', 0, 0),
            ('W', '2025-03-08', 1, 0), ('W', '2025-03-09', 0, 1), ('W', '2025-03-10', 0, 1), ('W', '2025-03-11', 0, 1) $$,
  'a late earlier creator: before the apply, the reader credits W with every play of c1 and U with none (no 03-10 row left)');
select lives_ok($$ select tests.apply_daily_rollups() $$, 'apply');
select results_eq(
  $$ select case user_id when md5('fan@roll.test')::uuid then 'U' when md5('maker@roll.test')::uuid then 'W' end, day, items_created, plays_received
     from analytics.user_daily_stats where org_id = md5('org:roll')::uuid order by 1, 2 $$,
  $$ values ('U', '2025-03-09'::date, 1::bigint, 0::bigint), ('U', '2025-03-11', 0, 0), ('U', '2025-03-12', 0, 0),
            ('W', '2025-03-08', 1, 0), ('W', '2025-03-09', 0, 1), ('W', '2025-03-10', 0, 1), ('W', '2025-03-11', 0, 1) $$,
  'the applied rows agree: U''s 03-10 row is deleted');

-- The rebuild from empty (the same compute function over every received row) equals the
-- incremental result, row for row, for the fixture's organization.
select is((select count(*) from (
             (select 'o', to_jsonb(c) from analytics.compute_org_daily_stats(md5('org:roll')::uuid, '-infinity', 'infinity') c
              union all select 'v', to_jsonb(c) from analytics.compute_org_daily_visitors(md5('org:roll')::uuid, '-infinity', 'infinity') c
              union all select 'c', to_jsonb(c) from analytics.compute_visitor_daily_counts(md5('org:roll')::uuid, '-infinity', 'infinity') c
              union all select 'e', to_jsonb(c) from analytics.compute_entity_daily_stats(md5('org:roll')::uuid, '-infinity', 'infinity') c
              union all select 'w', to_jsonb(c) from analytics.compute_entity_daily_visitors(md5('org:roll')::uuid, '-infinity', 'infinity') c
              union all select 'u', to_jsonb(c) from analytics.compute_user_daily_stats(md5('org:roll')::uuid, '-infinity', 'infinity') c
              union all select 'p', to_jsonb(c) from analytics.compute_profile_daily_stats(md5('org:roll')::uuid, '-infinity', 'infinity') c)
             except all
             (select 'o', to_jsonb(t) from analytics.org_daily_stats t where t.org_id = md5('org:roll')::uuid
              union all select 'v', to_jsonb(t) from analytics.org_daily_visitors t where t.org_id = md5('org:roll')::uuid
              union all select 'c', to_jsonb(t) from analytics.visitor_daily_counts t where t.org_id = md5('org:roll')::uuid
              union all select 'e', to_jsonb(t) from analytics.entity_daily_stats t where t.org_id = md5('org:roll')::uuid
              union all select 'w', to_jsonb(t) from analytics.entity_daily_visitors t where t.org_id = md5('org:roll')::uuid
              union all select 'u', to_jsonb(t) from analytics.user_daily_stats t where t.org_id = md5('org:roll')::uuid
              union all select 'p', to_jsonb(t) from analytics.profile_daily_stats t where t.org_id = md5('org:roll')::uuid)) as d),
          0::bigint, 'every row recomputed from empty is a stored row');
select is((select count(*) from analytics.org_daily_stats t where t.org_id = md5('org:roll')::uuid)
          + (select count(*) from analytics.visitor_daily_counts t where t.org_id = md5('org:roll')::uuid)
          + (select count(*) from analytics.profile_daily_stats t where t.org_id = md5('org:roll')::uuid),
          (select count(*) from analytics.compute_org_daily_stats(md5('org:roll')::uuid, '-infinity', 'infinity'))
          + (select count(*) from analytics.compute_visitor_daily_counts(md5('org:roll')::uuid, '-infinity', 'infinity'))
          + (select count(*) from analytics.compute_profile_daily_stats(md5('org:roll')::uuid, '-infinity', 'infinity')),
          'and no stored row is missing from the rebuild');

-- The reads of the events received that the daily rollups share run without JIT (compiling
-- the plan of a day's keyed read cost 7.5 s at 10M events: BENCHMARKS.md, helper dr).
select results_eq(
  $$ select p.proname::text collate "C" from pg_catalog.pg_proc as p
     where p.pronamespace = 'analytics'::regnamespace
       and p.proname in ('received_days', 'received_day_types', 'touched_days', 'touched_day_events')
       and 'jit=off' = any (p.proconfig)
     order by 1 $$,
  $$ values ('received_day_types' collate "C"), ('received_days'), ('touched_day_events'), ('touched_days') $$,
  'the shared reads of the daily rollups set jit = off'
);

-- Who may read what.
select tests.authenticate_as(md5('owner@roll.test')::uuid);
select is((select count(*) from analytics.org_daily_stats), 9::bigint, 'a member reads the organization''s 9 daily rows (RLS; 03-08 has the late content_created)');
select throws_ok($$ select count(*) from analytics.org_daily_visitors $$, '42501', null,
                 'the visitor sets are not readable by API users');
select throws_ok($$ select count(*) from analytics.visitor_daily_counts $$, '42501', null,
                 'nor the visitor-day counts');
select tests.authenticate_as(md5('outsider@roll.test')::uuid);
select is((select count(*) from analytics.org_daily_stats where org_id = md5('org:roll')::uuid), 0::bigint,
          'a member of another organization reads none of them');

select * from finish();
