-- Contract: the issue-15 demo organization demo-club-nord (seed/60_interactions_demo.sql)
-- gives exactly the numbers of seed/README.md (section demo-club-nord) for the reference
-- 2026-06-15 12:00:00+00 (D = 2026-06-15 in Europe/Paris), over the 30 local days
-- [2026-05-16, 2026-06-15), through the RPCs; and loading it again changes nothing.
-- audiencectl:uses-seed
select plan(12);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

create temporary table cn_load_1 as select * from seed.load_demo('2026-06-15 12:00:00+00');
create temporary table cn_load_2 as select * from seed.load_demo('2026-06-15 12:00:00+00');
-- The daily rollups need no refresh: get_dashboard, get_user_dashboard and
-- get_profile_dashboard read them through private.rollup_rows (the events the second load
-- inserted count at once).
select results_eq($$ select count(*), sum(rows) from cn_load_2 where org_slug = 'demo-club-nord' $$,
                  $$ values (5::bigint, 0::numeric) $$, 'a second load reports 5 lines for demo-club-nord, all 0 rows changed');
select is((select count(*) from analytics.events where org_id = seed.uuid('demo-org:demo-club-nord')), 123::bigint,
          'demo-club-nord holds 123 events');

select tests.authenticate_as_service_role();
create temporary table cn_dash as
  select public.get_dashboard(md5('demo-org:demo-club-nord')::uuid, '2026-05-16', '2026-06-15') as d;
select is((select d -> 'summary' from cn_dash),
          '{"plays": 24, "likes": 0, "shares": 0, "comments": 0, "page_views": 0, "visitors": 35, "followers": 5,
            "total_followers": 5, "following": 1}'::jsonb,
          'summary: 24 plays, 35 visitors, 5 followers, following demo-nachtfalter');
select is((select d -> 'mashup' -> 'exports' from cn_dash),
          '{"total": 10,
            "by_platform": [{"platform": "spotify", "exports": 4, "percentage": 40.0}, {"platform": "soundcloud", "exports": 3, "percentage": 30.0},
                            {"platform": "youtube", "exports": 2, "percentage": 20.0}, {"platform": "download", "exports": 1, "percentage": 10.0}],
            "by_format": [{"format": "mp3", "exports": 7, "percentage": 70.0}, {"format": "mp4", "exports": 2, "percentage": 20.0},
                          {"format": "wav", "exports": 1, "percentage": 10.0}]}'::jsonb,
          'exports: 10 by platform 4 / 3 / 2 / 1 and format 7 / 2 / 1');
select is((select jsonb_build_array(d -> 'mashup' -> 'ai_reactions', d -> 'mashup' -> 'upgrades' -> 'by_tier') from cn_dash),
          '[{"total": 10, "by_reaction": [{"reaction": "like", "reactions": 6, "percentage": 60.0},
                                          {"reaction": "love", "reactions": 3, "percentage": 30.0},
                                          {"reaction": "dislike", "reactions": 1, "percentage": 10.0}]},
            [{"tier": "premium", "upgrades": 3, "conversion_rate_pct": 8.57},
             {"tier": "professional", "upgrades": 1, "conversion_rate_pct": 2.86}]]'::jsonb,
          'reactions 6 / 3 / 1; upgrades to premium 3 (3 / 35 visitors = 8.57 %), professional 1 (2.86 %)');
select is((select d -> 'mashup' -> 'peak_play_times' from cn_dash),
          '{"hours": [{"hour": 21, "plays": 12}, {"hour": 18, "plays": 8}, {"hour": 10, "plays": 4}],
            "slots": [{"weekday": 2, "hour": 21, "plays": 2}, {"weekday": 3, "hour": 21, "plays": 2},
                      {"weekday": 4, "hour": 21, "plays": 2}]}'::jsonb,
          'peak play times: 21 h (12), 18 h (8), 10 h (4); Tuesday to Thursday 21 h first among the 2-play slots');
select is(public.get_search_analytics(md5('demo-org:demo-club-nord')::uuid, '2026-05-16', '2026-06-15') - 'daily'::text
            - 'org_id'::text - 'from'::text - 'to'::text,
          '{"period": {"searches": 6, "zero_result_searches": 3, "zero_result_rate_pct": 50.00,
                       "search_to_click_rate_pct": 33.33, "median_result_count": 2.0},
            "top_queries": [{"query": "nachtfalter", "searches": 3, "zero_result_rate_pct": 0.00, "search_to_click_rate_pct": 66.67},
                            {"query": "techno paris", "searches": 3, "zero_result_rate_pct": 100.00, "search_to_click_rate_pct": 0.00}]}'::jsonb,
          'search: 6 searches, half without result, 2 of 6 searchers clicked, median 2.0 results; two normalized queries');
select results_eq(
  $$ select source, "position", impressed, clicked, ticket_clicked, click_rate_pct, ticket_rate_pct, conversion_rate_pct
     from public.get_entity_funnel(md5('demo-org:demo-club-nord')::uuid, md5('demo-club-nord:tour:1')::uuid, '2026-05-16', '2026-06-15') $$,
  $$ values (null::text, null::integer, 20::bigint, 10::bigint, 4::bigint, 50.00, 40.00, 20.00),
            ('feed', 1, 12, 6, 3, 50.00, 50.00, 25.00),
            ('search', 2, 8, 4, 1, 50.00, 25.00, 12.50) $$,
  'T1 funnel: 20 -> 10 -> 4; feed at position 1: 12 -> 6 -> 3; search at position 2: 8 -> 4 -> 1');
select is((public.get_entity_analytics(md5('demo-org:demo-club-nord')::uuid, md5('demo-club-nord:tour:1')::uuid, '2026-05-16', '2026-06-15')
             -> 'interactions') - 'daily'::text,
          '{"timed_views": 11, "average_view_seconds": 49.1, "median_view_seconds": 30.0, "impressions": 20, "clicks": 0,
            "click_through_rate_pct": 0.00, "ticket_clicks": 4, "detail_views": 11, "ticket_conversion_rate_pct": 36.36,
            "reviews": 0, "average_rating": null}'::jsonb,
          'T1: 11 timed views (6 x 30, 4 x 60, 120 s): average 49.1, median 30.0; 4 ticket clicks of 11 views = 36.36 %');
select is(public.get_profile_dashboard(md5('demo-org:demo-club-nord')::uuid, '2026-05-16', '2026-06-15') -> 'totals',
          '{"profile_views": 15, "new_followers": 5, "total_followers": 5, "event_impressions": 31, "reviews_received": 4,
            "average_rating": 4.00, "events_hosted": 1, "active_events": 2}'::jsonb,
          'venue: 15 profile views, 5 followers, 31 event impressions and views, 4 reviews rated 4.00, 1 show hosted (T3 cancelled), 2 active');
select is((public.get_user_dashboard(md5('demo-org:demo-club-nord')::uuid, '2026-05-16', '2026-06-15', md5('demo-user:cn-fan')::uuid)
             -> 'totals') - '{plays,plays_received,followers_gained,items_created,events_clicked,events_interested,reviews,searches,ticket_links_clicked}'::text[],
          '{"events_viewed": 1, "sessions": 1, "time_spent_seconds": 600, "avg_session_duration_seconds": 600.0,
            "reviews_liked": 1, "reviews_commented": 1, "friends_added": 1, "messages_sent": 1, "shares_sent": 1,
            "tab_changes": 1, "load_mores": 1, "max_scroll_depth_pct": 80, "timed_views": 1,
            "average_view_seconds": 120.0, "median_view_seconds": 120.0}'::jsonb,
          'the fan: one 600 s session with one of each social and feed action, scroll 80 %, a 120 s view');
select is((public.get_entity_analytics(md5('demo-org:demo-club-nord')::uuid, md5('demo-club-nord:mashup:1')::uuid, '2026-05-16', '2026-06-15')
            ->> 'published_at')::timestamptz, '2026-05-06 12:00 Europe/Paris'::timestamptz,
          'the mashup was published (and created) on day 40, 12:00 Paris');

select * from finish();
