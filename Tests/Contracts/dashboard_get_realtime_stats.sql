-- Contract: public.get_realtime_stats(p_org_id).
-- Fixture: organization "rt" with events relative to now() (the transaction's time):
--   now-1m play c1 v1 | now-2m play_progress c1 v2 | now-3m page_view (no visitor_id, user U)
--   now-4m play c2 v1 | now-6m play c2 v3 | now-30m like c1 v4 | now-59m page_view v5
--   now-61m play c1 v6 (over an hour ago) | now-1m play c1 bot (is_bot)
--   and now-1m play of another organization.
-- Expected: active (last 5 minutes) v1, v2, user:U = 3; playing now c1 (v1, v2) = 2,
-- c2 (v1) = 1; last hour 7 events, 3 plays (now-1m, now-4m, now-6m), 1 like, 6 visitors.
select plan(8);

select tests.create_user('owner@rt.test');
select tests.create_user('viewer@rt.test');
select tests.create_user('outsider@rt.test');
select tests.create_user('fan@rt.test');
select tests.create_org('rt', md5('owner@rt.test')::uuid);
select tests.add_member(md5('org:rt')::uuid, md5('viewer@rt.test')::uuid, 'viewer');
select tests.create_org('rt-other', md5('outsider@rt.test')::uuid);
insert into app.content_items (id, org_id, kind, title) values
  ('00000000-0000-4000-8000-0000000001c1', md5('org:rt')::uuid, 'release', 'Live One'),
  ('00000000-0000-4000-8000-0000000001c2', md5('org:rt')::uuid, 'mashup', 'Live Two');

insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, user_id, is_bot)
select coalesce(x.org, md5('org:rt')::uuid), now() - x.ago::interval, x.type,
       case when x.item is not null then 'content_item' end, x.item::uuid, x.visitor, x.user_id::uuid,
       coalesce(x.visitor = 'bot', false)
from (values
  ('1 minute', 'play', '00000000-0000-4000-8000-0000000001c1', 'v1', null, null::uuid),
  ('2 minutes', 'play_progress', '00000000-0000-4000-8000-0000000001c1', 'v2', null, null),
  ('3 minutes', 'page_view', null, null, md5('fan@rt.test'), null),
  ('4 minutes', 'play', '00000000-0000-4000-8000-0000000001c2', 'v1', null, null),
  ('6 minutes', 'play', '00000000-0000-4000-8000-0000000001c2', 'v3', null, null),
  ('30 minutes', 'like', '00000000-0000-4000-8000-0000000001c1', 'v4', null, null),
  ('59 minutes', 'page_view', null, 'v5', null, null),
  ('61 minutes', 'play', '00000000-0000-4000-8000-0000000001c1', 'v6', null, null),
  ('1 minute', 'play', '00000000-0000-4000-8000-0000000001c1', 'bot', null, null),
  ('1 minute', 'play', null, 'w1', null, md5('org:rt-other')::uuid)
) as x (ago, type, item, visitor, user_id, org);

select tests.authenticate_as(md5('viewer@rt.test')::uuid);
create temp table rt_answer as select public.get_realtime_stats(md5('org:rt')::uuid) as r;

select is((select (r ->> 'active_visitors')::int from rt_answer), 3,
          'active in the last 5 minutes: v1, v2 and the signed-in user without visitor id (the bot and older events are not)');
select is((select r -> 'playing_now' from rt_answer),
          '[{"entity_type": "content_item", "entity_id": "00000000-0000-4000-8000-0000000001c1", "title": "Live One", "listeners": 2},
            {"entity_type": "content_item", "entity_id": "00000000-0000-4000-8000-0000000001c2", "title": "Live Two", "listeners": 1}]'::jsonb,
          'playing now: Live One with 2 listeners (a play and a progress report), Live Two with 1 (the play 6 minutes ago is too old)');
select is((select r -> 'last_hour' from rt_answer),
          '{"events": 7, "plays": 3, "likes": 1, "visitors": 6}'::jsonb,
          'last hour: 7 events, 3 plays, 1 like, 6 visitors (61 minutes ago, the bot and the other organization excluded)');
select is((select (r ->> 'as_of')::timestamptz from rt_answer), now(), 'as_of is the time of the answer');

select tests.authenticate_as_service_role();
select is(public.get_realtime_stats(md5('org:rt')::uuid) -> 'last_hour' ->> 'plays', '3', 'service_role reads it too');
select tests.authenticate_as(md5('outsider@rt.test')::uuid);
select throws_ok($$ select public.get_realtime_stats(md5('org:rt')::uuid) $$, '42501', null,
                 'a member of another organization gets 42501');
select tests.authenticate_as_anon();
select throws_ok($$ select public.get_realtime_stats(md5('org:rt')::uuid) $$, '42501', null, 'anon gets 42501');
select tests.authenticate_as(md5('viewer@rt.test')::uuid);
select throws_ok($$ select public.get_realtime_stats(null) $$, '22023', null, 'a NULL organization is 22023');

select * from finish();
