-- Contract: public.get_dashboard(p_org_id, p_from, p_to).
-- Fixture: organization "dash" in Asia/Tokyo (UTC+9, no DST), period [2025-03-10, 2025-03-13)
-- (Tokyo days 10, 11, 12), previous period [2025-03-07, 2025-03-10). Times below are UTC;
-- the Tokyo day is in brackets. Visitors v1 (JP, mobile), v2 (DE, desktop), v3 (US,
-- mobile), v4 (US, tablet), v8 (no country, mobile), v9 (JP, mobile).
--   1  03-09 15:00:00  [10 00:00:00] play  c1  v1  utm instagram
--   2  03-10 14:59:59  [10 23:59:59] play  c1  v2
--   3  03-10 03:00     [10]          like  c1  v1
--   4  03-10 03:00     [10]          page_view v3  utm tiktok
--   5  03-10 15:00:00  [11 00:00:00] play  c1  v1
--   6  03-10 20:00     [11]          play  c2  v3
--   7  03-11 01:00     [11]          share c1  v2
--   8  03-11 02:00     [11]          follow     v4  referrer google.com
--   9  03-12 00:00     [12]          play  c2  v1
--  10  03-12 01:00     [12]          play  c2  v4
--  11  03-12 02:00     [12]          like  c2  v4
--  12  03-12 04:00     [12]          play  c2  v2
--  13  03-12 05:00     [12]          page_view v8  utm tiktok
--  14  03-12 06:00     [12]          page_view v9  utm instagram
--  15  03-12 03:00     [12]          play  c1  bot (is_bot: never counted)
--  16  03-12 15:00:00  [13 00:00:00] play  c1  v1  (after p_to: not counted)
--  previous period: 17, 18 play c1 v5 [03-08]; 19 play c2 v6 [03-08]; 20 follow v6 [03-07];
--  before both: 21 follow v7 [03-01].
-- Expected (current): plays 1,2,5,6,9,10,12 = 7; likes 3,11 = 2; shares 1; page_views 3;
-- followers 1 (8); total_followers (before 03-13) 8,20,21 = 3; visitors 6.
-- Previous: plays 3, followers 1, total_followers (before 03-10) 2, visitors 2.
select plan(27);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('owner@dash.test');
select tests.create_user('viewer@dash.test');
select tests.create_user('outsider@dash.test');
select tests.create_org('dash', tests.create_user('nobody@dash.test'));
select tests.add_member(md5('org:dash')::uuid, md5('owner@dash.test')::uuid, 'owner');
select tests.add_member(md5('org:dash')::uuid, md5('viewer@dash.test')::uuid, 'viewer');
select tests.create_org('other', md5('outsider@dash.test')::uuid);
update app.organizations set timezone = 'Asia/Tokyo' where id = md5('org:dash')::uuid;

insert into app.content_items (id, org_id, kind, title) values
  ('00000000-0000-4000-8000-0000000000c1', md5('org:dash')::uuid, 'release', 'Track One'),
  ('00000000-0000-4000-8000-0000000000c2', md5('org:dash')::uuid, 'mashup', 'Track Two'),
  ('00000000-0000-4000-8000-0000000000c3', md5('org:dash')::uuid, 'release', 'Track Three');

-- Received now (received_at default), as live events: the rollups follow received_at.
insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id,
                              utm_source, referrer_domain, country, device_type, is_bot)
select md5('org:dash')::uuid, x.at::timestamptz, x.type,
       case when x.item is not null then 'content_item' end,
       case x.item when 'c1' then '00000000-0000-4000-8000-0000000000c1'::uuid
                   when 'c2' then '00000000-0000-4000-8000-0000000000c2'::uuid end,
       x.visitor, x.utm, x.referrer,
       case x.visitor when 'v1' then 'JP' when 'v2' then 'DE' when 'v3' then 'US' when 'v4' then 'US'
                      when 'v9' then 'JP' when 'bot' then 'US' end,
       case x.visitor when 'v2' then 'desktop' when 'v4' then 'tablet' when 'bot' then 'desktop' else 'mobile' end,
       x.visitor = 'bot'
from (values
  ('2025-03-09 15:00:00Z', 'play', 'c1', 'v1', 'instagram', null),
  ('2025-03-10 14:59:59Z', 'play', 'c1', 'v2', null, null),
  ('2025-03-10 03:00:00Z', 'like', 'c1', 'v1', null, null),
  ('2025-03-10 03:00:00Z', 'page_view', null, 'v3', 'tiktok', null),
  ('2025-03-10 15:00:00Z', 'play', 'c1', 'v1', null, null),
  ('2025-03-10 20:00:00Z', 'play', 'c2', 'v3', null, null),
  ('2025-03-11 01:00:00Z', 'share', 'c1', 'v2', null, null),
  ('2025-03-11 02:00:00Z', 'follow', null, 'v4', null, 'google.com'),
  ('2025-03-12 00:00:00Z', 'play', 'c2', 'v1', null, null),
  ('2025-03-12 01:00:00Z', 'play', 'c2', 'v4', null, null),
  ('2025-03-12 02:00:00Z', 'like', 'c2', 'v4', null, null),
  ('2025-03-12 04:00:00Z', 'play', 'c2', 'v2', null, null),
  ('2025-03-12 05:00:00Z', 'page_view', null, 'v8', 'tiktok', null),
  ('2025-03-12 06:00:00Z', 'page_view', null, 'v9', 'instagram', null),
  ('2025-03-12 03:00:00Z', 'play', 'c1', 'bot', null, null),
  ('2025-03-12 15:00:00Z', 'play', 'c1', 'v1', null, null),
  ('2025-03-08 00:00:00Z', 'play', 'c1', 'v5', null, null),
  ('2025-03-08 01:00:00Z', 'play', 'c1', 'v5', null, null),
  ('2025-03-08 02:00:00Z', 'play', 'c2', 'v6', null, null),
  ('2025-03-07 05:00:00Z', 'follow', null, 'v6', null, null),
  ('2025-03-01 00:00:00Z', 'follow', null, 'v7', null, null)
) as x (at, type, item, visitor, utm, referrer);

-- Not applied yet: private.rollup_rows computes every row from the raw events.
select tests.authenticate_as(md5('owner@dash.test')::uuid);
create temp table dash_raw as select public.get_dashboard(md5('org:dash')::uuid, '2025-03-10', '2025-03-13') as d;

select is((select d -> 'summary' from dash_raw),
          '{"plays": 7, "likes": 2, "shares": 1, "comments": 0, "page_views": 3, "visitors": 6,
            "followers": 1, "total_followers": 3, "following": 0}'::jsonb,
          'summary: 7 plays, 2 likes, 1 share, 3 page views, 6 distinct visitors, 1 follower in the period, 3 in all (bot and the 03-13 00:00 Tokyo play excluded)');
select is((select d -> 'previous_summary' from dash_raw),
          '{"plays": 3, "likes": 0, "shares": 0, "comments": 0, "page_views": 0, "visitors": 2,
            "followers": 1, "total_followers": 2, "following": 0}'::jsonb,
          'previous_summary [03-07, 03-10): 3 plays, 2 visitors, 1 follower, 2 followers before 03-10');
select is((select d -> 'previous' from dash_raw), '{"from": "2025-03-07", "to": "2025-03-10"}'::jsonb,
          'the previous period has the same length and ends where the period starts');
select is((select d -> 'trends' from dash_raw),
          '[{"date": "2025-03-10", "plays": 2, "likes": 1, "visitors": 3},
            {"date": "2025-03-11", "plays": 2, "likes": 0, "visitors": 4},
            {"date": "2025-03-12", "plays": 3, "likes": 1, "visitors": 5}]'::jsonb,
          'trends per Tokyo day: 23:59:59 on the 10th counts on the 10th, 00:00:00 on the 11th on the 11th');
select is((select (d -> 'summary' ->> 'visitors')::int from dash_raw) < 3 + 4 + 5, true,
          'visitors over the period (6) are distinct visitors, not the sum of the days (12)');
select is((select d -> 'top_content' from dash_raw),
          '[{"entity_type": "content_item", "entity_id": "00000000-0000-4000-8000-0000000000c2", "title": "Track Two",
             "plays": 4, "likes": 1, "shares": 0, "listeners": 4, "previous_plays": 1, "growth_pct": 300.0},
            {"entity_type": "content_item", "entity_id": "00000000-0000-4000-8000-0000000000c1", "title": "Track One",
             "plays": 3, "likes": 1, "shares": 1, "listeners": 2, "previous_plays": 2, "growth_pct": 50.0}]'::jsonb,
          'top content: Track Two 4 plays (4 listeners, +300.0 % on 1), Track One 3 plays (2 listeners, +50.0 % on 2); Track Three has no plays');
select is((select d -> 'traffic_sources' from dash_raw),
          '[{"source": "instagram", "visitors": 2, "percentage": 33.3},
            {"source": "tiktok", "visitors": 2, "percentage": 33.3},
            {"source": "(direct)", "visitors": 1, "percentage": 16.7},
            {"source": "google.com", "visitors": 1, "percentage": 16.7}]'::jsonb,
          'traffic sources per visitor (first source of their first day): 2/2/1/1 of 6; the two missing tenths go to the largest remainders (the 1/6 shares)');
select is((select d -> 'demographics' -> 'countries' from dash_raw),
          '[{"country": "JP", "visitors": 2, "percentage": 33.3},
            {"country": "US", "visitors": 2, "percentage": 33.3},
            {"country": "(unknown)", "visitors": 1, "percentage": 16.7},
            {"country": "DE", "visitors": 1, "percentage": 16.7}]'::jsonb,
          'countries: JP 2, US 2, unknown 1 (v8), DE 1');
select is((select d -> 'demographics' -> 'devices' from dash_raw),
          '[{"device_type": "mobile", "visitors": 4, "percentage": 66.7},
            {"device_type": "desktop", "visitors": 1, "percentage": 16.7},
            {"device_type": "tablet", "visitors": 1, "percentage": 16.6}]'::jsonb,
          'devices 4/1/1 of 6: floors 66.6/16.6/16.6, equal remainders, the 2 missing tenths go to the first two');
select is((select array[(select sum((x ->> 'percentage')::numeric) from jsonb_array_elements(d -> 'traffic_sources') x),
                        (select sum((x ->> 'percentage')::numeric) from jsonb_array_elements(d -> 'demographics' -> 'countries') x),
                        (select sum((x ->> 'percentage')::numeric) from jsonb_array_elements(d -> 'demographics' -> 'devices') x)]
           from dash_raw),
          array[100.0, 100.0, 100.0],
          'every percentage list adds up to exactly 100.0');
select is((select (d ->> 'days')::int || ' ' || (d ->> 'timezone') from dash_raw), '3 Asia/Tokyo',
          'the answer names its length in days and the organization''s time zone');

-- The same answer from the applied rollups.
select tests.clear_authentication();
select lives_ok($$ select tests.apply_daily_rollups() $$, 'apply the daily rollups');
select tests.authenticate_as(md5('owner@dash.test')::uuid);
select is(public.get_dashboard(md5('org:dash')::uuid, '2025-03-10', '2025-03-13'), (select d from dash_raw),
          'after the apply the dashboard (read from the stored rows) is identical to the computation from raw events');
select is(public.get_dashboard(md5('org:dash')::uuid, '2025-03-10', '2025-03-13'),
          (select d from dash_raw), 'a second call gives the same answer');

select tests.authenticate_as(md5('viewer@dash.test')::uuid);
select is(public.get_dashboard(md5('org:dash')::uuid, '2025-03-10', '2025-03-13') -> 'summary' ->> 'plays', '7',
          'a viewer reads the dashboard');
select tests.authenticate_as_service_role();
select is(public.get_dashboard(md5('org:dash')::uuid, '2025-03-10', '2025-03-13') -> 'summary' ->> 'plays', '7',
          'service_role reads the dashboard');

-- Yesterday and today (Tokyo), applied or not, and a late event: always exact.
select tests.clear_authentication();
create temp table dash_today as
  select (now() at time zone 'Asia/Tokyo')::date as today,
         date_trunc('day', now() at time zone 'Asia/Tokyo') at time zone 'Asia/Tokyo' as today_start;
grant select on dash_today to public;
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
select md5('org:dash')::uuid, t.today_start - interval '1 hour', clock_timestamp(), 'play', 'content_item',
       '00000000-0000-4000-8000-0000000000c1', 'vt1'
from dash_today t
union all
select md5('org:dash')::uuid, t.today_start, clock_timestamp(), 'play', 'content_item', '00000000-0000-4000-8000-0000000000c1'::uuid, 'vt2'
from dash_today t;
select lives_ok($$ select tests.apply_daily_rollups() $$, 'apply again: yesterday and today are rolled up');
select is((select count(*) from analytics.org_daily_stats s, dash_today t
            where s.org_id = md5('org:dash')::uuid and s.day = t.today - 1 and s.plays = 1), 1::bigint,
          'yesterday (Tokyo) has its rollup row: 1 play');
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
select md5('org:dash')::uuid, t.today_start, clock_timestamp(), 'like', 'content_item', '00000000-0000-4000-8000-0000000000c1', 'vt2'
from dash_today t;
select tests.authenticate_as(md5('owner@dash.test')::uuid);
select is((select (public.get_dashboard(md5('org:dash')::uuid, t.today - 1, t.today + 1) -> 'summary')
             - 'total_followers'::text - 'following'::text from dash_today t),
          '{"plays": 2, "likes": 1, "shares": 0, "comments": 0, "page_views": 0, "visitors": 2, "followers": 0}'::jsonb,
          'yesterday and today from the rollups (1 play each) plus the like received after the apply');

-- A late event for yesterday counts at once, before any apply.
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
select md5('org:dash')::uuid, t.today_start - interval '2 hours', clock_timestamp(), 'play', 'content_item',
       '00000000-0000-4000-8000-0000000000c1', 'vt3'
from dash_today t;
select tests.authenticate_as(md5('owner@dash.test')::uuid);
select is((select (public.get_dashboard(md5('org:dash')::uuid, t.today - 1, t.today) -> 'summary' ->> 'plays')::int
             from dash_today t), 2,
          'the late event for yesterday counts at once: 2 plays before the next apply');
select tests.clear_authentication();
select lives_ok($$ select tests.apply_daily_rollups() $$, 'apply: the late event''s units are recomputed');
select tests.authenticate_as(md5('owner@dash.test')::uuid);
select is((select (public.get_dashboard(md5('org:dash')::uuid, t.today - 1, t.today) -> 'summary' ->> 'plays')::int
             from dash_today t), 2,
          'after the apply yesterday still counts 2 plays');

-- Who may call, and bad arguments.
select tests.authenticate_as(md5('outsider@dash.test')::uuid);
select throws_ok($$ select public.get_dashboard(md5('org:dash')::uuid, '2025-03-10', '2025-03-13') $$, '42501', null,
                 'an owner of another organization gets 42501');
select tests.authenticate_as_anon();
select throws_ok($$ select public.get_dashboard(md5('org:dash')::uuid, '2025-03-10', '2025-03-13') $$, '42501', null,
                 'anon gets 42501 (no execute privilege)');
select tests.authenticate_as(md5('owner@dash.test')::uuid);
select throws_ok($$ select public.get_dashboard(md5('org:dash')::uuid, '2025-03-13', '2025-03-10') $$, '22023', null,
                 'an end before the start is 22023');
select throws_ok($$ select public.get_dashboard(md5('org:dash')::uuid, null, '2025-03-10') $$, '22023', null,
                 'a NULL start is 22023');
select throws_ok($$ select public.get_dashboard(md5('org:dash')::uuid, '2024-01-01', '2025-03-10') $$, '22023', null,
                 'a period over 366 days is 22023');

select * from finish();
