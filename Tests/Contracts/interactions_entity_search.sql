-- Contract: view duration, click-through and ticket conversion rates, reviews per event
-- (get_entity_analytics -> 'interactions', rollup analytics.entity_daily_interactions) and
-- search analytics (get_search_analytics, rollup analytics.search_daily_stats).
-- Fixture: organization "intx" in America/New_York (UTC-5 in January 2025), period
-- [2025-01-06, 2025-01-08). Entity E = tour date ...e1. Times UTC [New York day].
--   01-06: event_view v1 30 s, v2 90 s, v3 45.5 s, v4 (no duration); page_view duration
--          "abc" (not a timed view); 4 impressions; link_click (tickets) v1;
--          search_result_click v2; ticket_cta v2; reviews rated 4, 5 and "x".
--          -> timed 3, average 165.5 / 3 = 55.2, median 45.5; CTR 2 / 4 = 50.00 %;
--             ticket conversion 2 / 4 detail views = 50.00 %.
--   01-07: event_view v5 60 s, v6 120 s (01-08 03:00 UTC = 01-07 22:00 New York);
--          2 impressions; a bot event_view of 999 s (ignored).
--          -> timed 2, average 90.0, median 90.0; CTR 0.00; conversion 0.00.
--   01-08 [New York]: event_view v7 10 s (after the period).
--   Period: timed 5, average 345.5 / 5 = 69.1, median 60.0; CTR 2 / 6 = 33.33;
--   conversion 2 / 6 = 33.33; 3 reviews, average rating (4 + 5) / 2 = 4.50.
-- Searches (query, results_count):
--   01-06: v1 "Daft Punk" 12, v1 "daft  punk " 12, v1 clicks "DAFT PUNK"; v2 "daft punk" 0;
--          v3 "jazz" 0, v3 "jazz" 3; v4 "my secret name" 1; v5 a search without query.
--          -> 6 searches, 2 zero (33.33 %), searchers 4 / clickers 1 (25.00 %),
--             median of 0,0,1,3,12,12 = 2.0.
--   01-07: v2 "daft punk" 8 and clicks it; v6 "jazz" 5, v6 clicks "blues".
--          -> 2 searches, 0 zero, searchers 2 / clickers 1 (50.00 %), median of 5, 8 = 6.5.
--   Period: 8 searches, 2 zero (25.00 %), 6 searchers / 2 clickers (33.33 %), median of
--   0,0,1,3,5,8,12,12 = 4.0. Top queries: "daft punk" 4 searches (1 zero: 25.00 %,
--   3 searcher-days, 2 clickers: 66.67 %), "jazz" 3 (33.33 %, 0.00 %); "my secret name"
--   has one searcher: never listed.
select plan(17);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('owner@intx.test');
select tests.create_user('viewer@intx.test');
select tests.create_user('outsider@intx.test');
select tests.create_org('intx', md5('owner@intx.test')::uuid);
select tests.add_member(md5('org:intx')::uuid, md5('viewer@intx.test')::uuid, 'viewer');
select tests.create_org('intx-other', md5('outsider@intx.test')::uuid);
update app.organizations set timezone = 'America/New_York' where id = md5('org:intx')::uuid;

insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, link_type, properties, is_bot)
select md5('org:intx')::uuid, x.at::timestamptz, x.type,
       case when x.e then 'tour_date' end, case when x.e then '00000000-0000-4000-8000-0000000000e1'::uuid end,
       x.visitor, x.link_type, x.props::jsonb, x.visitor = 'bot'
from (values
  ('2025-01-06 15:00Z', 'event_view', true, 'v1', null, '{"duration_seconds": 30}'),
  ('2025-01-06 15:01Z', 'event_view', true, 'v2', null, '{"duration_seconds": 90}'),
  ('2025-01-06 15:02Z', 'event_view', true, 'v3', null, '{"duration_seconds": 45.5}'),
  ('2025-01-06 15:03Z', 'event_view', true, 'v4', null, '{}'),
  ('2025-01-06 15:04Z', 'page_view', true, 'v4', null, '{"duration_seconds": "abc"}'),
  ('2025-01-06 14:00Z', 'impression', true, 'v1', null, '{}'),
  ('2025-01-06 14:00Z', 'impression', true, 'v2', null, '{}'),
  ('2025-01-06 14:00Z', 'impression', true, 'v3', null, '{}'),
  ('2025-01-06 14:00Z', 'impression', true, 'v4', null, '{}'),
  ('2025-01-06 15:10Z', 'link_click', true, 'v1', 'tickets', '{}'),
  ('2025-01-06 15:11Z', 'search_result_click', true, 'v2', null, '{"query": "shows"}'),
  ('2025-01-06 15:12Z', 'ticket_cta', true, 'v2', null, '{}'),
  ('2025-01-06 16:00Z', 'review', true, 'v1', null, '{"rating": 4}'),
  ('2025-01-06 16:01Z', 'review', true, 'v2', null, '{"rating": 5}'),
  ('2025-01-06 16:02Z', 'review', true, 'v3', null, '{"rating": "x"}'),
  ('2025-01-07 15:00Z', 'event_view', true, 'v5', null, '{"duration_seconds": 60}'),
  ('2025-01-08 03:00Z', 'event_view', true, 'v6', null, '{"duration_seconds": 120}'),
  ('2025-01-07 14:00Z', 'impression', true, 'v5', null, '{}'),
  ('2025-01-07 14:00Z', 'impression', true, 'v6', null, '{}'),
  ('2025-01-07 15:30Z', 'event_view', true, 'bot', null, '{"duration_seconds": 999}'),
  ('2025-01-08 06:00Z', 'event_view', true, 'v7', null, '{"duration_seconds": 10}'),
  ('2025-01-06 17:00Z', 'search', false, 'v1', null, '{"query": "Daft Punk", "results_count": 12}'),
  ('2025-01-06 17:01Z', 'search', false, 'v1', null, '{"query": "daft  punk ", "results_count": 12}'),
  ('2025-01-06 17:02Z', 'search_result_click', false, 'v1', null, '{"query": "DAFT PUNK"}'),
  ('2025-01-06 17:03Z', 'search', false, 'v2', null, '{"query": "daft punk", "results_count": 0}'),
  ('2025-01-06 17:04Z', 'search', false, 'v3', null, '{"query": "jazz", "results_count": 0}'),
  ('2025-01-06 17:05Z', 'search', false, 'v3', null, '{"query": "jazz", "results_count": 3}'),
  ('2025-01-06 17:06Z', 'search', false, 'v4', null, '{"query": "my secret name", "results_count": 1}'),
  ('2025-01-06 17:07Z', 'search', false, 'v5', null, '{"results_count": 4}'),
  ('2025-01-07 17:00Z', 'search', false, 'v2', null, '{"query": "daft punk", "results_count": 8}'),
  ('2025-01-07 17:01Z', 'search_result_click', false, 'v2', null, '{"query": "daft punk"}'),
  ('2025-01-07 17:02Z', 'search', false, 'v6', null, '{"query": "jazz", "results_count": 5}'),
  ('2025-01-07 17:03Z', 'search_result_click', false, 'v6', null, '{"query": "blues"}')
) as x (at, type, e, visitor, link_type, props);

-- Entity interactions ------------------------------------------------------------------------
select tests.authenticate_as(md5('viewer@intx.test')::uuid);
create temp table intx_entity as
  select public.get_entity_analytics(md5('org:intx')::uuid, '00000000-0000-4000-8000-0000000000e1', '2025-01-06', '2025-01-08') -> 'interactions' as i;
select is((select i - 'daily' from intx_entity),
          '{"timed_views": 5, "average_view_seconds": 69.1, "median_view_seconds": 60.0,
            "impressions": 6, "clicks": 2, "click_through_rate_pct": 33.33, "ticket_clicks": 2, "detail_views": 6,
            "ticket_conversion_rate_pct": 33.33, "reviews": 3, "average_rating": 4.50}'::jsonb,
          'period: 5 timed views, average 69.1 s, median 60.0 s; CTR 2/6, ticket conversion 2/6 = 33.33 %; 3 reviews rated 4.50');
select is((select i -> 'daily' from intx_entity),
          '[{"date": "2025-01-06", "timed_views": 3, "average_view_seconds": 55.2, "median_view_seconds": 45.5,
             "click_through_rate_pct": 50.00, "ticket_conversion_rate_pct": 50.00},
            {"date": "2025-01-07", "timed_views": 2, "average_view_seconds": 90.0, "median_view_seconds": 90.0,
             "click_through_rate_pct": 0.00, "ticket_conversion_rate_pct": 0.00}]'::jsonb,
          'per New York day: 01-06 55.2 / 45.5 s, 50 % and 50 %; 01-07 90.0 / 90.0 s (the 22:00 view included, the bot not)');
select is((select public.get_entity_analytics(md5('org:intx')::uuid, '00000000-0000-4000-8000-0000000000e1', '2025-01-08', '2025-01-09')
                  -> 'interactions' -> 'median_view_seconds')::jsonb,
          '10.0'::jsonb, 'on 01-08 (New York) the one 10 s view');

-- Search analytics ---------------------------------------------------------------------------
select throws_ok($$ select public.get_search_analytics(md5('org:intx')::uuid, '2025-01-06', '2025-01-08') $$,
                 '42501', null, 'a viewer cannot read search analytics (analysts and above)');
select is_empty($$ select 1 from analytics.search_daily_stats where org_id = md5('org:intx')::uuid $$,
                'RLS: a viewer reads no search rows');
select tests.authenticate_as(md5('outsider@intx.test')::uuid);
select throws_ok($$ select public.get_search_analytics(md5('org:intx')::uuid, '2025-01-06', '2025-01-08') $$,
                 '42501', null, 'an outsider cannot read search analytics');
select tests.authenticate_as(md5('owner@intx.test')::uuid);
select throws_ok($$ select public.get_search_analytics(md5('org:intx')::uuid, '2025-01-06', '2025-01-08', 0) $$,
                 '22023', 'limit 0 is outside 1-100', 'a limit of 0 is refused');
select throws_ok($$ select public.get_search_analytics(md5('org:intx')::uuid, '2025-01-08', '2025-01-06') $$,
                 '22023', null, 'a reversed period is refused');
create temp table intx_search as select public.get_search_analytics(md5('org:intx')::uuid, '2025-01-06', '2025-01-08') as s;
select is((select s -> 'period' from intx_search),
          '{"searches": 8, "zero_result_searches": 2, "zero_result_rate_pct": 25.00,
            "search_to_click_rate_pct": 33.33, "median_result_count": 4.0}'::jsonb,
          'period: 8 searches, 2 with no result (25 %), 2 of 6 searcher-days clicked (33.33 %), median 4.0 results');
select is((select s -> 'daily' from intx_search),
          '[{"date": "2025-01-06", "searches": 6, "zero_result_searches": 2, "zero_result_rate_pct": 33.33,
             "search_to_click_rate_pct": 25.00, "median_result_count": 2.0},
            {"date": "2025-01-07", "searches": 2, "zero_result_searches": 0, "zero_result_rate_pct": 0.00,
             "search_to_click_rate_pct": 50.00, "median_result_count": 6.5}]'::jsonb,
          'per day: 01-06 6 searches, 33.33 % zero, 25 % clicked, median 2.0; 01-07 2 searches, 50 % clicked, median 6.5');
select is((select s -> 'top_queries' from intx_search),
          '[{"query": "daft punk", "searches": 4, "zero_result_rate_pct": 25.00, "search_to_click_rate_pct": 66.67},
            {"query": "jazz", "searches": 3, "zero_result_rate_pct": 33.33, "search_to_click_rate_pct": 0.00}]'::jsonb,
          'top queries normalized ("Daft Punk", "daft  punk " are one); "my secret name" (one searcher) is not listed');
select is((select public.get_search_analytics(md5('org:intx')::uuid, '2025-01-06', '2025-01-08', 1) -> 'top_queries' -> 0 ->> 'query'),
          'daft punk', 'p_limit 1: only the top query');
select is((select jsonb_build_array(s -> 'period', s -> 'top_queries')
             from (select public.get_search_analytics(md5('org:intx')::uuid, '2025-02-01', '2025-02-02') as s) as x),
          '[{"searches": 0, "zero_result_searches": 0, "zero_result_rate_pct": null, "search_to_click_rate_pct": null,
             "median_result_count": null}, []]'::jsonb,
          'a period without searches: zeros and NULL rates');

-- The rollups: stored rows answer the same; a late event recomputes its day ------------------
select tests.clear_authentication();
select lives_ok($$ select private.register_rollup(r.name, r.source, r.target, r.compute_function, r.key_columns,
                                                  r.bucket_column, r.depends_on, r.description)
                   from private.rollups as r
                   where r.name in ('analytics.entity_daily_interactions', 'analytics.user_daily_interactions',
                                    'analytics.search_daily_stats') $$,
                'the registrations of 0555 pass the engine''s own checks');
insert into analytics.search_daily_stats
select * from analytics.compute_search_daily_stats(md5('org:intx')::uuid, '-infinity', 'infinity');
insert into analytics.entity_daily_interactions
select * from analytics.compute_entity_daily_interactions(md5('org:intx')::uuid, '-infinity', 'infinity');
select tests.authenticate_as(md5('owner@intx.test')::uuid);
select is(public.get_search_analytics(md5('org:intx')::uuid, '2025-01-06', '2025-01-08'), (select s from intx_search),
          'with the rows stored, the same answer');
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id, properties)
values (md5('org:intx')::uuid, '2025-01-07 18:00Z', now() + interval '1 hour', 'event_view', 'tour_date',
        '00000000-0000-4000-8000-0000000000e1', 'v8', '{"duration_seconds": 30}');
select results_eq(
  $$ select day, timed_views, view_durations from analytics.compute_entity_daily_interactions(md5('org:intx')::uuid, now() + interval '30 minutes', 'infinity') $$,
  $$ values ('2025-01-07'::date, 3::bigint, array[30, 60, 120]::numeric[]) $$,
  'a late 30 s view recomputes its entity-day 01-07 only: 3 timed views');
select tests.authenticate_as(md5('viewer@intx.test')::uuid);
select is((public.get_entity_analytics(md5('org:intx')::uuid, '00000000-0000-4000-8000-0000000000e1', '2025-01-07', '2025-01-08')
             -> 'interactions' -> 'median_view_seconds'), '60.0'::jsonb,
          'readers count the late view at once: the median of 30, 60, 120 s on 01-07 is 60.0');

select * from finish();
