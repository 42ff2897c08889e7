-- Contract: analytics.profile_daily_stats applied incrementally keeps exact running
-- follower totals (the total before the first touched day is the stored total of the
-- latest earlier day), equal to a recomputation from all raw rows after every batch and to
-- a rebuild from empty (artist organization "prof-incr", UTC days). Received times are in
-- 2031, above any real watermark; the file applies analytics.visitor_daily_counts and
-- analytics.profile_daily_stats itself inside its rolled-back transaction.
--   batch 1, received 2031-03-01 10:00 (W1 = 12:00): follows v1, v2 on 04-01, v3 on 04-03,
--            a profile view on 04-05             -> totals 04-01 2, 04-03 3, 04-05 3
--   batch 2: a follow on 04-04 received exactly at W1, one on 04-05 (W2 = 03-02 12:00)
--                                                 -> 04-04 4, 04-05 5
--   batch 3: a late follow on 04-02 (W3 = 03-03)  -> 04-02 3, 04-03 4, 04-04 5, 04-05 6
select plan(13);
select tests.reset_retention_horizon();  -- fixture in past months

select tests.create_user('owner@prof-incr.test');
select tests.create_org('prof-incr', md5('owner@prof-incr.test')::uuid);
update app.organizations set timezone = 'UTC' where id = md5('org:prof-incr')::uuid;
select private.apply_rollup('analytics.visitor_daily_counts', now(), true);
select private.apply_rollup('analytics.profile_daily_stats', now(), true);

create function pg_temp.apply_prof(p_upto timestamptz) returns bigint
language sql as $$
  select private.apply_rollup('analytics.visitor_daily_counts', p_upto, true) * 0
         + private.apply_rollup('analytics.profile_daily_stats', p_upto, true)
$$;

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:prof-incr')::uuid, '2025-04-01 10:00Z', '2031-03-01 10:00Z', 'follow', 'v1'),
       (md5('org:prof-incr')::uuid, '2025-04-01 11:00Z', '2031-03-01 10:00Z', 'follow', 'v2'),
       (md5('org:prof-incr')::uuid, '2025-04-03 10:00Z', '2031-03-01 10:00Z', 'follow', 'v3'),
       (md5('org:prof-incr')::uuid, '2025-04-05 10:00Z', '2031-03-01 10:00Z', 'profile_view', 'v1');
select is(pg_temp.apply_prof('2031-03-01 12:00Z'), 3::bigint, 'batch 1 applied up to W1: 3 days');
select results_eq(
  $$ select day, new_followers, total_followers from analytics.profile_daily_stats
     where org_id = md5('org:prof-incr')::uuid order by day $$,
  $$ values ('2025-04-01'::date, 2::bigint, 2::bigint), ('2025-04-03', 1, 3), ('2025-04-05', 0, 3) $$,
  'batch 1: running totals 2, 3, 3');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:prof-incr')::uuid, '2025-04-04 10:00Z', '2031-03-01 12:00Z', 'follow', 'v4'),
       (md5('org:prof-incr')::uuid, '2025-04-05 12:00Z', '2031-03-01 13:00Z', 'follow', 'v5');
-- The total before the first touched day (04-04) is the stored total of 04-03: a marker
-- written there carries into the computed days.
update analytics.profile_daily_stats set total_followers = 103
where org_id = md5('org:prof-incr')::uuid and day = '2025-04-03';
select private.apply_rollup('analytics.visitor_daily_counts', '2031-03-02 12:00Z', true) * 0;
select results_eq(
  $$ select day, total_followers from analytics.compute_profile_daily_stats(md5('org:prof-incr')::uuid, '2031-03-01 12:00Z', '2031-03-02 12:00Z')
     order by day $$,
  $$ values ('2025-04-04'::date, 104::bigint), ('2025-04-05', 105) $$,
  'the touched days continue from the stored total of the latest earlier day (a marker of 103 on 04-03)');
update analytics.profile_daily_stats set total_followers = 3
where org_id = md5('org:prof-incr')::uuid and day = '2025-04-03';

select is(pg_temp.apply_prof('2031-03-02 12:00Z'), 2::bigint, 'batch 2 applied up to W2: 04-04 (new) and 04-05');
select results_eq(
  $$ select day, new_followers, total_followers from analytics.profile_daily_stats
     where org_id = md5('org:prof-incr')::uuid order by day $$,
  $$ values ('2025-04-01'::date, 2::bigint, 2::bigint), ('2025-04-03', 1, 3), ('2025-04-04', 1, 4), ('2025-04-05', 1, 5) $$,
  'batch 2: the follow received exactly at W1 and the one after it: totals 4 and 5');
select results_eq(
  $$ select * from analytics.profile_daily_stats where org_id = md5('org:prof-incr')::uuid order by day $$,
  $$ select * from analytics.compute_profile_daily_stats(md5('org:prof-incr')::uuid, '-infinity', 'infinity') order by day $$,
  'after batch 2 the stored rows equal the recomputation from every visitor-day');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:prof-incr')::uuid, '2025-04-02 09:00Z', '2031-03-02 13:00Z', 'follow', 'v6');
-- With it on 04-02: a review rated 4, an impression of a tour date, a follow of a user (not
-- a follower of the profile, but a relevant event), a bot's profile view (not counted) and
-- an event with no visitor.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, entity_type, entity_id, is_bot, properties)
values (md5('org:prof-incr')::uuid, '2025-04-02 09:10Z', '2031-03-02 13:00Z', 'review', 'v6', null, null, false, '{"rating": 4}'),
       (md5('org:prof-incr')::uuid, '2025-04-02 09:20Z', '2031-03-02 13:00Z', 'impression', 'v7', 'tour_date', md5('td:prof-incr')::uuid, false, '{}'),
       (md5('org:prof-incr')::uuid, '2025-04-02 09:30Z', '2031-03-02 13:00Z', 'follow', 'v7', 'user', md5('user:prof-incr')::uuid, false, '{}'),
       (md5('org:prof-incr')::uuid, '2025-04-02 09:40Z', '2031-03-02 13:00Z', 'profile_view', 'bot-1', null, null, true, '{}'),
       (md5('org:prof-incr')::uuid, '2025-04-02 09:50Z', '2031-03-02 13:00Z', 'profile_view', null, null, null, false, '{}');
-- A reader's rows (one organization: counted over the touched days' events) before the apply,
-- and the apply's (summed from the stored visitor rows) after it: the same.
create temp table prof_incr_reader as
select * from analytics.compute_profile_daily_stats(md5('org:prof-incr')::uuid, '2031-03-02 12:00Z', 'infinity');
select results_eq(
  $$ select day, profile_views, new_followers, total_followers, event_impressions, reviews_received, rating_sum, rating_count
     from prof_incr_reader order by day $$,
  $$ values ('2025-04-02'::date, 1::bigint, 1::bigint, 3::bigint, 1::bigint, 1::bigint, 4::numeric, 1::bigint),
            ('2025-04-03', 0, 1, 4, 0, 0, 0, 0), ('2025-04-04', 0, 1, 5, 0, 0, 0, 0), ('2025-04-05', 1, 1, 6, 0, 0, 0, 0) $$,
  'a reader before the apply: 04-02 counts the review (rated 4), the impression, the follower and the visitor-less view, not the bot''s view nor the follow of a user; the later totals move');
select is(pg_temp.apply_prof('2031-03-03 00:00Z'), 4::bigint, 'batch 3 applied: 04-02 (new) and the 3 later days');
select results_eq(
  $$ select * from analytics.profile_daily_stats where org_id = md5('org:prof-incr')::uuid and day >= '2025-04-02' order by day $$,
  $$ select * from prof_incr_reader order by day $$,
  'the applied rows equal the reader''s');
select results_eq(
  $$ select day, new_followers, total_followers from analytics.profile_daily_stats
     where org_id = md5('org:prof-incr')::uuid order by day $$,
  $$ values ('2025-04-01'::date, 2::bigint, 2::bigint), ('2025-04-02', 1, 3), ('2025-04-03', 1, 4), ('2025-04-04', 1, 5),
            ('2025-04-05', 1, 6) $$,
  'batch 3: the late follow on 04-02 moves every later total');

create temp table prof_incr_before as select * from analytics.profile_daily_stats where org_id = md5('org:prof-incr')::uuid;
select lives_ok($$ select private.reset_rollup('analytics.profile_daily_stats') $$, 'reset empties the rollup');
select lives_ok($$ select private.apply_rollup('analytics.profile_daily_stats', '2031-03-03 00:00Z', true) $$, 'and the apply rebuilds it');
select results_eq(
  $$ select * from analytics.profile_daily_stats where org_id = md5('org:prof-incr')::uuid order by day $$,
  $$ select * from prof_incr_before order by day $$,
  'the rebuild from empty equals the rows maintained over three batches');

select * from finish();
