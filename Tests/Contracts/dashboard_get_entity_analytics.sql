-- Contract: public.get_entity_analytics(p_org_id, p_entity_id, p_from, p_to).
-- Fixture: organization "ent" in America/Sao_Paulo (UTC-3, no DST), content item "Song"
-- (c1), a tour date (t1, not a content item). Period [2025-05-01, 2025-05-03) local days.
-- Times UTC, local time in brackets:
--   a1 04-20 12:00     [04-20]         play c1 v1            (lifetime only)
--   a2 04-20 12:05     [04-20]         like c1 v9            (lifetime only)
--   b1 05-01 03:00:00  [05-01 00:00:00] play c1 v1 s1
--   b2 05-01 03:00:30  [00:00]          play_progress v1 s1 position 30
--   b3 05-01 03:01:05  [00:01]          play_progress v1 s1 position 65
--   b4 05-01 15:00     [12:00]          play c1 v2 s2
--   b5 05-01 15:02     [12:02]          play_progress v2 s2 position 125 of 180
--   b6 05-01 15:03     [12:03]          play_progress v2 s2 position 180 of 180 (complete)
--   b7 05-02 02:59:59  [05-01 23:59:59] play c1 v3 s3
--   b8 05-02 02:59:59  [05-01 23:59:59] play_progress v3 s3 position 10
--   b9 05-02 03:00:00  [05-02 00:00:00] play c1 v1 s4
--   b10 05-02 03:00:20 [00:00]          play_progress v1 s4 position 20, completed false
--   b11 05-02 15:00    [12:00]          like c1 v2
--   b12 05-02 15:30    [12:30]          share c1 v3
--   b13 05-02 16:00    [13:00]          download c1 v2
--   b14 05-02 16:10    [13:10]          play_progress v2 s5 position "abc" (not a number: 0 s)
--   b15 05-02 12:00    [09:00]          link_click c1 v4 link_type tickets
--   b16 05-02 12:00    [09:00]          impression c1 v5
--   b17 05-02 13:00    [10:00]          play c1 bot (is_bot: never counted)
--   c1x 05-03 03:00    [05-03 00:00]    play c1 v6            (after the period: lifetime only)
--   t   05-01 18:00    [15:00]          interested t1 (tour_date) v1
-- Listens in the period: (05-01 v1 s1) 65 s, (05-01 v2 s2) 180 s complete, (05-01 v3 s3) 10 s,
-- (05-02 v1 s4) 20 s, (05-02 v2 s5) 0 s: 5 listens, 275 s, average 55.0, completion 20.0 %,
-- reached 30 s: 2 (40.0 %), 60 s: 2 (40.0 %), 120 s: 1 (20.0 %).
select plan(18);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('owner@ent.test');
select tests.create_user('viewer@ent.test');
select tests.create_user('outsider@ent.test');
select tests.create_org('ent', md5('owner@ent.test')::uuid);
select tests.add_member(md5('org:ent')::uuid, md5('viewer@ent.test')::uuid, 'viewer');
select tests.create_org('ent-other', md5('outsider@ent.test')::uuid);
update app.organizations set timezone = 'America/Sao_Paulo' where id = md5('org:ent')::uuid;
insert into app.content_items (id, org_id, kind, title)
values ('00000000-0000-4000-8000-00000000e0c1', md5('org:ent')::uuid, 'release', 'Song');

-- Received now (received_at default), as live events: the rollups follow received_at.
insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id,
                              session_id, link_type, properties, is_bot)
select md5('org:ent')::uuid, x.at::timestamptz, x.type, coalesce(x.etype, 'content_item'),
       coalesce(x.entity, '00000000-0000-4000-8000-00000000e0c1')::uuid, x.visitor, x.session, x.link_type,
       coalesce(x.props, '{}')::jsonb, x.visitor = 'bot'
from (values
  ('2025-04-20 12:00:00Z', 'play', 'v1', null, null, null, null, null),
  ('2025-04-20 12:05:00Z', 'like', 'v9', null, null, null, null, null),
  ('2025-05-01 03:00:00Z', 'play', 'v1', 's1', null, null, null, null),
  ('2025-05-01 03:00:30Z', 'play_progress', 'v1', 's1', null, '{"position_s": 30}', null, null),
  ('2025-05-01 03:01:05Z', 'play_progress', 'v1', 's1', null, '{"position_s": 65}', null, null),
  ('2025-05-01 15:00:00Z', 'play', 'v2', 's2', null, null, null, null),
  ('2025-05-01 15:02:00Z', 'play_progress', 'v2', 's2', null, '{"position_s": 125, "duration_s": 180}', null, null),
  ('2025-05-01 15:03:00Z', 'play_progress', 'v2', 's2', null, '{"position_s": 180, "duration_s": 180}', null, null),
  ('2025-05-02 02:59:59Z', 'play', 'v3', 's3', null, null, null, null),
  ('2025-05-02 02:59:59Z', 'play_progress', 'v3', 's3', null, '{"position_s": 10}', null, null),
  ('2025-05-02 03:00:00Z', 'play', 'v1', 's4', null, null, null, null),
  ('2025-05-02 03:00:20Z', 'play_progress', 'v1', 's4', null, '{"position_s": 20, "completed": false}', null, null),
  ('2025-05-02 15:00:00Z', 'like', 'v2', null, null, null, null, null),
  ('2025-05-02 15:30:00Z', 'share', 'v3', null, null, null, null, null),
  ('2025-05-02 16:00:00Z', 'download', 'v2', null, null, null, null, null),
  ('2025-05-02 16:10:00Z', 'play_progress', 'v2', 's5', null, '{"position_s": "abc"}', null, null),
  ('2025-05-02 12:00:00Z', 'link_click', 'v4', null, 'tickets', null, null, null),
  ('2025-05-02 12:00:00Z', 'impression', 'v5', null, null, null, null, null),
  ('2025-05-02 13:00:00Z', 'play', 'bot', null, null, null, null, null),
  ('2025-05-03 03:00:00Z', 'play', 'v6', null, null, null, null, null),
  ('2025-05-01 18:00:00Z', 'interested', 'v1', null, null, null, 'tour_date', '00000000-0000-4000-8000-00000000e071')
) as x (at, type, visitor, session, link_type, props, etype, entity);

select tests.authenticate_as(md5('owner@ent.test')::uuid);
create temp table ent_raw as
  select public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e0c1', '2025-05-01', '2025-05-03') as r;

select is((select r - '{lifetime,period,retention,daily,peak_hours,created_at,published_at,interactions}'::text[] from ent_raw),
          '{"entity_id": "00000000-0000-4000-8000-00000000e0c1", "entity_type": "content_item", "title": "Song",
            "kind": "release", "timezone": "America/Sao_Paulo", "from": "2025-05-01", "to": "2025-05-03"}'::jsonb,
          'the entity: content item "Song", in the organization''s time zone');
select is((select r -> 'lifetime' from ent_raw),
          '{"first_day": "2025-04-20", "last_day": "2025-05-03", "events": 19, "plays": 6, "listeners": 4, "visitors": 7,
            "likes": 2, "shares": 1, "comments": 0, "downloads": 1, "impressions": 1, "clicks": 1, "ticket_clicks": 1,
            "interested": 0}'::jsonb,
          'lifetime: 19 events, 6 plays by 4 distinct listeners (v1 v2 v3 v6), 7 distinct visitors; the bot is not counted');
select is((select r -> 'period' from ent_raw),
          '{"events": 16, "plays": 4, "listeners": 3, "visitors": 5, "likes": 1, "shares": 1, "comments": 0,
            "downloads": 1, "impressions": 1, "clicks": 1, "ticket_clicks": 1, "interested": 0}'::jsonb,
          'period: 16 events, 4 plays by 3 listeners, 5 visitors; the tickets link click is a click and a ticket click');
select is((select r -> 'retention' from ent_raw),
          '{"listens": 5, "average_watch_seconds": 55.0, "completion_rate_pct": 20.0,
            "drop_off": [{"seconds": 30, "listens": 2, "reached_pct": 40.0},
                         {"seconds": 60, "listens": 2, "reached_pct": 40.0},
                         {"seconds": 120, "listens": 1, "reached_pct": 20.0}]}'::jsonb,
          'retention: 5 listens, 275 s / 5 = 55.0 s, 1 of 5 complete, 2/2/1 reach 30/60/120 s (a non-numeric position counts 0 s)');
select is((select r -> 'daily' from ent_raw),
          '[{"date": "2025-05-01", "plays": 3, "listeners": 3, "likes": 0, "shares": 0, "visitors": 3, "average_watch_seconds": 85.0},
            {"date": "2025-05-02", "plays": 1, "listeners": 1, "likes": 1, "shares": 1, "visitors": 5, "average_watch_seconds": 10.0}]'::jsonb,
          'daily: 23:59:59 local on 05-01 counts on 05-01 (3 plays, (65+180+10)/3 = 85.0 s), 00:00:00 on 05-02 on 05-02');
select is((select r -> 'peak_hours' from ent_raw),
          '[{"hour": 0, "events": 5}, {"hour": 12, "events": 5}, {"hour": 9, "events": 2}]'::jsonb,
          'peak local hours: 00 and 12 (5 events each), then 09 (2; ties with 13 and 23 go to the earlier hour)');

select tests.clear_authentication();
select lives_ok($$ select tests.apply_daily_rollups() $$, 'apply the daily rollups');
select tests.authenticate_as(md5('viewer@ent.test')::uuid);
select is(public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e0c1', '2025-05-01', '2025-05-03'),
          (select r from ent_raw),
          'a viewer gets the same answer from the applied rollups as before the apply');
select is(public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e071', '2025-05-01', '2025-05-03')
            - '{daily,peak_hours,retention,period,created_at,published_at,interactions}'::text[],
          '{"entity_id": "00000000-0000-4000-8000-00000000e071", "entity_type": "tour_date", "title": null, "kind": null,
            "timezone": "America/Sao_Paulo", "from": "2025-05-01", "to": "2025-05-03",
            "lifetime": {"first_day": "2025-05-01", "last_day": "2025-05-01", "events": 1, "plays": 0, "listeners": 0,
                         "visitors": 1, "likes": 0, "shares": 0, "comments": 0, "downloads": 0, "impressions": 0,
                         "clicks": 0, "ticket_clicks": 0, "interested": 1}}'::jsonb,
          'an entity that is not a content item (a tour date): its type from the events, no title, 1 interested');

-- One id under two entity types (a client that sometimes omits entity_type), m1: v1 plays it
-- typed content_item at 05-01 12:00 local and untyped at 12:10; v2 untyped on 05-02 12:00.
-- Its listeners and visitors are people, counted once whatever the type: 2 over the span and
-- the period, 1 on each day (not 2 on 05-01).
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
values (md5('org:ent')::uuid, '2025-05-01 15:00:00Z', clock_timestamp(), 'play', 'content_item', '00000000-0000-4000-8000-00000000e0a1', 'v1'),
       (md5('org:ent')::uuid, '2025-05-01 15:10:00Z', clock_timestamp(), 'play', null, '00000000-0000-4000-8000-00000000e0a1', 'v1'),
       (md5('org:ent')::uuid, '2025-05-02 15:00:00Z', clock_timestamp(), 'play', null, '00000000-0000-4000-8000-00000000e0a1', 'v2');
select tests.authenticate_as(md5('viewer@ent.test')::uuid);
create temp table ent_multi as
  select public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e0a1', '2025-05-01', '2025-05-03') as r;
select is((select pg_catalog.jsonb_build_object(
             'lifetime', (r -> 'lifetime') - '{first_day,last_day,events,likes,shares,comments,downloads,impressions,clicks,ticket_clicks,interested}'::text[],
             'period', (r -> 'period') - '{events,likes,shares,comments,downloads,impressions,clicks,ticket_clicks,interested}'::text[],
             'daily', (select pg_catalog.jsonb_agg(d - '{likes,shares,average_watch_seconds}'::text[]) from pg_catalog.jsonb_array_elements(r -> 'daily') as d))
           from ent_multi),
          '{"lifetime": {"plays": 3, "listeners": 2, "visitors": 2}, "period": {"plays": 3, "listeners": 2, "visitors": 2},
            "daily": [{"date": "2025-05-01", "plays": 2, "listeners": 1, "visitors": 1},
                      {"date": "2025-05-02", "plays": 1, "listeners": 1, "visitors": 1}]}'::jsonb,
          'an id under two entity types: 2 listeners and visitors over the span and the period, 1 each day (before the apply)');
select tests.clear_authentication();
select lives_ok($$ select tests.apply_daily_rollups() $$, 'apply the daily rollups again');
select tests.authenticate_as(md5('viewer@ent.test')::uuid);
select is(public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e0a1', '2025-05-01', '2025-05-03'),
          (select r from ent_multi), 'the same answer from the applied rollups');

select tests.authenticate_as(md5('owner@ent.test')::uuid);
select throws_ok($$ select public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-0000000000ff', '2025-05-01', '2025-05-03') $$,
                 'P0002', null, 'an id that is neither a content item nor in any event is P0002');
select throws_ok($$ select public.get_entity_analytics(md5('org:ent')::uuid, null, '2025-05-01', '2025-05-03') $$,
                 '22023', null, 'a NULL entity id is 22023');
select throws_ok($$ select public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e0c1', '2025-05-03', '2025-05-03') $$,
                 '22023', null, 'an empty period is 22023');
select tests.authenticate_as(md5('outsider@ent.test')::uuid);
select throws_ok($$ select public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e0c1', '2025-05-01', '2025-05-03') $$,
                 '42501', null, 'a member of another organization gets 42501');
select throws_ok($$ select public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000ffff', '2025-05-01', '2025-05-03') $$,
                 '42501', null, 'a non-member gets 42501 before anything is said about the entity');
select tests.authenticate_as_anon();
select throws_ok($$ select public.get_entity_analytics(md5('org:ent')::uuid, '00000000-0000-4000-8000-00000000e0c1', '2025-05-01', '2025-05-03') $$,
                 '42501', null, 'anon gets 42501');

select * from finish();
