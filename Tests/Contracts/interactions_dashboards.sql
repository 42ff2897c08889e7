-- Contract: per-account-type dashboards (get_user_dashboard, get_profile_dashboard) and
-- the entity funnel (get_entity_funnel, rollup analytics.entity_daily_funnel).
-- Fixture: venue organization "prof" (UTC), period [2025-02-03, 2025-02-05). Tour dates
-- T1 (Lyon, Le Sucre, 02-04 20:00), T2 (02-03 21:00, cancelled), T3 (03-01).
-- The fan (a signed-in end user, not a member; visitor "fan"):
--   02-03 s1 10:00 event_view T1 40 s, 10:05 message_sent, 10:10 share_sent T1,
--            10:20 friend_added (session 1,200 s); s2 18:00 review_like, 18:00:30 review_comment (30 s)
--   02-04 s3 09:00 event_view T1 80 s, 09:01 navigate, 09:02 load_more, 09:03 scroll_depth 75,
--            09:04 scroll_depth 120 (counts 100), 09:05 ticket_cta T1 (300 s)
--   -> sessions 3, time spent 1,530 s, average session 510.0 s (02-03: 615.0, 02-04: 300.0);
--      2 events viewed, 1 ticket link; 1 each of review liked / commented, friend, message,
--      share, tab change, load-more; scroll 100; timed views 40 and 80 s: average and median 60.0.
-- Others: profile_view v1, v2 (02-03), v3 (02-04); follows v9 (02-01), v1 (02-03), v2 (02-04);
--   reviews of T1 rated 4 (02-03 v1), 2 and 5 (02-04 v2, v3);
--   02-03 impressions of T1: v1 (feed, 2), v2 (feed, 2), v3 (search, 1), v4 (feed, 5);
--   02-03 event_view T1 v1 and v3, ticket_cta T1 v1; 02-04 impression of T2 v5 (profile).
--   -> profile views 3; new followers 2, total 2 then 3; ratings 4.00 then 3.50 (running
--      4.00, 3.67); active events 1 then 2; hosted 0 then 1 (T2 cancelled, T3 later).
--   -> funnel of T1: 4 impressed, 2 clicked, 1 ticket (fan: no impression, not in it).
select plan(20);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('fan@prof.test');
select tests.create_user('analyst@prof.test');
select tests.create_user('viewer@prof.test');
select tests.create_user('outsider@prof.test');
select tests.create_org('prof', tests.create_user('owner@prof.test'));
select tests.add_member(md5('org:prof')::uuid, md5('analyst@prof.test')::uuid, 'analyst');
select tests.add_member(md5('org:prof')::uuid, md5('viewer@prof.test')::uuid, 'viewer');
select tests.create_org('prof-brand', md5('outsider@prof.test')::uuid);
update app.organizations set kind = 'venue' where id = md5('org:prof')::uuid;
update app.organizations set kind = 'brand' where id = md5('org:prof-brand')::uuid;
insert into app.tour_dates (id, org_id, city, country, starts_at, venue_name, ticket_status) values
  ('00000000-0000-4000-8000-0000000000f1', md5('org:prof')::uuid, 'Lyon', 'FR', '2025-02-04 20:00Z', 'Le Sucre', 'on_sale'),
  ('00000000-0000-4000-8000-0000000000f2', md5('org:prof')::uuid, 'Paris', 'FR', '2025-02-03 21:00Z', null, 'cancelled'),
  ('00000000-0000-4000-8000-0000000000f3', md5('org:prof')::uuid, 'Nice', 'FR', '2025-03-01 20:00Z', null, 'on_sale');

insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, user_id, session_id, properties)
select md5('org:prof')::uuid, x.at::timestamptz, x.type,
       case when x.t is not null then 'tour_date' end,
       case x.t when 'T1' then '00000000-0000-4000-8000-0000000000f1'::uuid when 'T2' then '00000000-0000-4000-8000-0000000000f2'::uuid end,
       x.visitor, case when x.visitor = 'fan' then md5('fan@prof.test')::uuid end, x.session, x.props::jsonb
from (values
  ('2025-02-03 10:00Z', 'event_view', 'T1', 'fan', 's1', '{"duration_seconds": 40}'),
  ('2025-02-03 10:05Z', 'message_sent', null, 'fan', 's1', '{}'),
  ('2025-02-03 10:10Z', 'share_sent', 'T1', 'fan', 's1', '{}'),
  ('2025-02-03 10:20Z', 'friend_added', null, 'fan', 's1', '{}'),
  ('2025-02-03 18:00:00Z', 'review_like', null, 'fan', 's2', '{}'),
  ('2025-02-03 18:00:30Z', 'review_comment', null, 'fan', 's2', '{}'),
  ('2025-02-04 09:00Z', 'event_view', 'T1', 'fan', 's3', '{"duration_seconds": 80}'),
  ('2025-02-04 09:01Z', 'navigate', null, 'fan', 's3', '{"from_tab": "for_you", "to_tab": "nearby"}'),
  ('2025-02-04 09:02Z', 'load_more', null, 'fan', 's3', '{"tab": "nearby", "page": 2}'),
  ('2025-02-04 09:03Z', 'scroll_depth', null, 'fan', 's3', '{"depth_pct": 75}'),
  ('2025-02-04 09:04Z', 'scroll_depth', null, 'fan', 's3', '{"depth_pct": 120}'),
  ('2025-02-04 09:05Z', 'ticket_cta', 'T1', 'fan', 's3', '{}'),
  ('2025-02-03 11:00Z', 'profile_view', null, 'v1', null, '{}'),
  ('2025-02-03 11:00Z', 'profile_view', null, 'v2', null, '{}'),
  ('2025-02-04 11:00Z', 'profile_view', null, 'v3', null, '{}'),
  ('2025-02-01 12:00Z', 'follow', null, 'v9', null, '{}'),
  ('2025-02-03 12:00Z', 'follow', null, 'v1', null, '{}'),
  ('2025-02-04 12:00Z', 'follow', null, 'v2', null, '{}'),
  ('2025-02-03 13:00Z', 'review', 'T1', 'v1', null, '{"rating": 4}'),
  ('2025-02-04 13:00Z', 'review', 'T1', 'v2', null, '{"rating": 2}'),
  ('2025-02-04 13:01Z', 'review', 'T1', 'v3', null, '{"rating": 5}'),
  ('2025-02-03 14:00Z', 'impression', 'T1', 'v1', null, '{"source": "feed", "position": 2}'),
  ('2025-02-03 14:00Z', 'impression', 'T1', 'v2', null, '{"source": "Feed", "position": 2}'),
  ('2025-02-03 14:00Z', 'impression', 'T1', 'v3', null, '{"source": "search", "position": 1}'),
  ('2025-02-03 14:00Z', 'impression', 'T1', 'v4', null, '{"source": "feed", "position": 5}'),
  ('2025-02-03 14:05Z', 'event_view', 'T1', 'v1', null, '{}'),
  ('2025-02-03 14:06Z', 'ticket_cta', 'T1', 'v1', null, '{}'),
  ('2025-02-03 14:07Z', 'event_view', 'T1', 'v3', null, '{}'),
  ('2025-02-04 14:00Z', 'impression', 'T2', 'v5', null, '{"source": "profile"}')
) as x (at, type, t, visitor, session, props);

-- The user's own dashboard --------------------------------------------------------------------
select tests.authenticate_as(md5('fan@prof.test')::uuid);
create temp table fan_dash as select public.get_user_dashboard(md5('org:prof')::uuid, '2025-02-03', '2025-02-05') as d;
select is((select d -> 'totals' from fan_dash),
          '{"plays": 0, "plays_received": 0, "followers_gained": 0, "items_created": 0, "events_viewed": 2,
            "events_clicked": 0, "events_interested": 0, "ticket_links_clicked": 1, "reviews": 0, "searches": 0,
            "sessions": 3, "time_spent_seconds": 1530, "avg_session_duration_seconds": 510.0,
            "reviews_liked": 1, "reviews_commented": 1, "friends_added": 1, "messages_sent": 1, "shares_sent": 1,
            "tab_changes": 1, "load_mores": 1, "max_scroll_depth_pct": 100, "timed_views": 2,
            "average_view_seconds": 60.0, "median_view_seconds": 60.0}'::jsonb,
          'the fan''s totals: 3 sessions, 1,530 s, 510.0 s each; one of each social action; scroll capped at 100; views 40 and 80 s');
select is((select d -> 'daily' from fan_dash),
          '[{"date": "2025-02-03", "plays": 0, "events_viewed": 1, "sessions": 2, "time_spent_seconds": 1230,
             "avg_session_duration_seconds": 615.0, "messages_sent": 1, "shares_sent": 1, "friends_added": 1,
             "timed_views": 1, "average_view_seconds": 40.0},
            {"date": "2025-02-04", "plays": 0, "events_viewed": 1, "sessions": 1, "time_spent_seconds": 300,
             "avg_session_duration_seconds": 300.0, "messages_sent": 0, "shares_sent": 0, "friends_added": 0,
             "timed_views": 1, "average_view_seconds": 80.0}]'::jsonb,
          'the fan''s days: 02-03 2 sessions, 615.0 s average; 02-04 one of 300 s');
select is((select d ->> 'user_id' from fan_dash), md5('fan@prof.test')::uuid::text, 'the dashboard is the caller''s own');
select throws_ok($$ select public.get_user_dashboard(md5('org:prof')::uuid, '2025-02-03', '2025-02-05', md5('viewer@prof.test')::uuid) $$,
                 '42501', null, 'a user cannot read another user''s dashboard');
select tests.authenticate_as(md5('viewer@prof.test')::uuid);
select throws_ok($$ select public.get_user_dashboard(md5('org:prof')::uuid, '2025-02-03', '2025-02-05', md5('fan@prof.test')::uuid) $$,
                 '42501', null, 'a viewer cannot read a user''s dashboard');
select tests.authenticate_as(md5('analyst@prof.test')::uuid);
select is(public.get_user_dashboard(md5('org:prof')::uuid, '2025-02-03', '2025-02-05', md5('fan@prof.test')::uuid),
          (select d from fan_dash), 'an analyst reads the fan''s dashboard: the same answer');
select tests.authenticate_as_anon();
select throws_ok($$ select public.get_user_dashboard(md5('org:prof')::uuid, '2025-02-03', '2025-02-05') $$,
                 '42501', null, 'anon has no dashboard');

-- The venue's profile dashboard ---------------------------------------------------------------
select tests.authenticate_as(md5('viewer@prof.test')::uuid);
create temp table prof_dash as select public.get_profile_dashboard(md5('org:prof')::uuid, '2025-02-03', '2025-02-05') as d;
select is((select d -> 'totals' from prof_dash),
          '{"profile_views": 3, "new_followers": 2, "total_followers": 3, "event_impressions": 9, "reviews_received": 3,
            "average_rating": 3.67, "events_hosted": 1, "active_events": 2}'::jsonb,
          'venue totals: 3 profile views, 2 new of 3 followers, 9 event impressions and views, 3 reviews rated 3.67, 1 show hosted, 2 active');
select is((select d -> 'daily' from prof_dash),
          '[{"date": "2025-02-03", "profile_views": 2, "new_followers": 1, "total_followers": 2, "reviews_received": 1,
             "average_rating": 4.00, "running_average_rating": 4.00, "events_hosted": 0, "active_events": 1},
            {"date": "2025-02-04", "profile_views": 1, "new_followers": 1, "total_followers": 3, "reviews_received": 2,
             "average_rating": 3.50, "running_average_rating": 3.67, "events_hosted": 1, "active_events": 2}]'::jsonb,
          'the rating trend 4.00 then 3.50 (running 3.67); followers 2 then 3; T1 hosted on 02-04');
select is((select d -> 'event_performance' from prof_dash),
          '[{"tour_date_id": "00000000-0000-4000-8000-0000000000f1", "city": "Lyon", "venue_name": "Le Sucre",
             "starts_at": "2025-02-04T20:00:00+00:00", "impressions": 4, "detail_views": 4, "clicks": 0, "ticket_clicks": 2,
             "click_through_rate_pct": 0.00, "ticket_conversion_rate_pct": 50.00, "reviews": 3, "average_rating": 3.67},
            {"tour_date_id": "00000000-0000-4000-8000-0000000000f2", "city": "Paris", "venue_name": null,
             "starts_at": "2025-02-03T21:00:00+00:00", "impressions": 1, "detail_views": 0, "clicks": 0, "ticket_clicks": 0,
             "click_through_rate_pct": 0.00, "ticket_conversion_rate_pct": null, "reviews": 0, "average_rating": null}]'::jsonb,
          'event performance: T1 4 impressions, 4 views, 2 ticket clicks (50 %), rated 3.67; T2 one impression');
select throws_ok($$ select public.get_profile_dashboard(md5('org:prof-brand')::uuid, '2025-02-03', '2025-02-05') $$,
                 '42501', null, 'a member of prof cannot read another organization''s profile dashboard');
select tests.authenticate_as(md5('outsider@prof.test')::uuid);
select throws_ok($$ select public.get_profile_dashboard(md5('org:prof-brand')::uuid, '2025-02-03', '2025-02-05') $$,
                 '22023', null, 'a brand has no profile dashboard');
select throws_ok($$ select public.get_profile_dashboard(md5('org:prof')::uuid, '2025-02-03', '2025-02-05') $$,
                 '42501', null, 'an outsider cannot read the venue''s dashboard');

-- The funnel ----------------------------------------------------------------------------------
select throws_ok($$ select * from public.get_entity_funnel(md5('org:prof')::uuid, '00000000-0000-4000-8000-0000000000f1', '2025-02-03', '2025-02-05') $$,
                 '42501', null, 'an outsider cannot read the funnel');
select tests.authenticate_as(md5('viewer@prof.test')::uuid);
select results_eq(
  $$ select source, "position", impressed, clicked, ticket_clicked, click_rate_pct, ticket_rate_pct, conversion_rate_pct
     from public.get_entity_funnel(md5('org:prof')::uuid, '00000000-0000-4000-8000-0000000000f1', '2025-02-03', '2025-02-05') $$,
  $$ values (null::text, null::integer, 4::bigint, 2::bigint, 1::bigint, 50.00, 50.00, 25.00),
            ('feed', 2, 2, 1, 1, 50.00, 100.00, 50.00),
            ('feed', 5, 1, 0, 0, 0.00, null, 0.00),
            ('search', 1, 1, 1, 0, 100.00, 0.00, 0.00) $$,
  'T1 funnel: 4 impressed -> 2 clicked -> 1 ticket; per source and position ("Feed" is feed)');
select results_eq(
  $$ select source, "position", impressed, clicked, ticket_clicked, click_rate_pct, ticket_rate_pct, conversion_rate_pct
     from public.get_entity_funnel(md5('org:prof')::uuid, '00000000-0000-4000-8000-0000000000f1', '2025-02-04', '2025-02-05') $$,
  $$ values (null::text, null::integer, 0::bigint, 0::bigint, 0::bigint, null::numeric, null::numeric, null::numeric) $$,
  'no impression of T1 on 02-04: the total row alone, zeros and NULL rates (the fan''s view without impression is not in it)');
-- One id under two entity types (a client that sometimes omits entity_type): one entity.
-- M on 02-03: w1 impression typed tour_date (feed, 1) at 13:00, untyped impression (search, 3)
-- at 13:05 and untyped event_view at 13:10; w2 untyped impression (profile, 2) at 14:00.
-- -> w1 one visitor-day under its first impression (feed, 1), clicked; w2 (profile, 2):
--    impressed 2, clicked 1, no ticket.
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, properties)
values (md5('org:prof')::uuid, '2025-02-03 13:00Z', 'impression', 'tour_date', '00000000-0000-4000-8000-0000000000f9', 'w1', '{"source": "feed", "position": 1}'),
       (md5('org:prof')::uuid, '2025-02-03 13:05Z', 'impression', null, '00000000-0000-4000-8000-0000000000f9', 'w1', '{"source": "search", "position": 3}'),
       (md5('org:prof')::uuid, '2025-02-03 13:10Z', 'event_view', null, '00000000-0000-4000-8000-0000000000f9', 'w1', '{}'),
       (md5('org:prof')::uuid, '2025-02-03 14:00Z', 'impression', null, '00000000-0000-4000-8000-0000000000f9', 'w2', '{"source": "profile", "position": 2}');
select tests.authenticate_as(md5('viewer@prof.test')::uuid);
select results_eq(
  $$ select source, "position", impressed, clicked, ticket_clicked, click_rate_pct, ticket_rate_pct, conversion_rate_pct
     from public.get_entity_funnel(md5('org:prof')::uuid, '00000000-0000-4000-8000-0000000000f9', '2025-02-03', '2025-02-05') $$,
  $$ values (null::text, null::integer, 2::bigint, 1::bigint, 0::bigint, 50.00, 0.00, 0.00),
            ('feed', 1, 1, 1, 0, 100.00, 0.00, 0.00),
            ('profile', 2, 1, 0, 0, 0.00, null, 0.00) $$,
  'an id under two entity types is one entity: w1 counted once, under its first impression (feed, 1)');
select throws_ok($$ select * from public.get_entity_funnel(md5('org:prof')::uuid, null, '2025-02-03', '2025-02-05') $$,
                 '22023', null, 'a NULL entity is refused');
select tests.clear_authentication();
select lives_ok($$ select private.register_rollup(r.name, r.source, r.target, r.compute_function, r.key_columns,
                                                  r.bucket_column, r.depends_on, r.description)
                   from private.rollups as r where r.name = 'analytics.entity_daily_funnel' $$,
                'the registration of 0556 passes the engine''s own checks');
insert into analytics.entity_daily_funnel
select * from analytics.compute_entity_daily_funnel(md5('org:prof')::uuid, '-infinity', 'infinity');
select tests.authenticate_as(md5('viewer@prof.test')::uuid);
select results_eq(
  $$ select source, impressed from public.get_entity_funnel(md5('org:prof')::uuid, '00000000-0000-4000-8000-0000000000f1', '2025-02-03', '2025-02-05') $$,
  $$ values (null::text, 4::bigint), ('feed', 2), ('feed', 1), ('search', 1) $$,
  'from the stored rows: the same funnel');

select * from finish();
