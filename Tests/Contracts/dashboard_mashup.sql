-- Contract: the mashup dashboard fields (get_dashboard -> 'mashup', from the rollup
-- analytics.org_daily_breakdowns), "following" (follow_organization, unfollow_organization,
-- get_following, get_dashboard summary.following) and content dates in get_entity_analytics.
-- Fixture: organization "mash" in Europe/Paris (UTC+1 in March 2025), period
-- [2025-03-10, 2025-03-12) = Monday 10 and Tuesday 11. Times UTC, [Paris].
--   plays: 03-10 09:15 [Mon 10:15] v1, 09:40 [Mon 10:40] v2, 03-11 09:05 [Tue 10:05] v1,
--          19:00 [Tue 20:00] v3, 19:30 [Tue 20:30] v3, 19:59 [Tue 20:59] v2,
--          03-10 23:30 [Tue 00:30] v4; a bot play at 03-10 10:00; 03-12 10:00 (after the period).
--     hours: 10 h 3, 20 h 3, 00 h 1; slots (weekday, hour): (2, 20) 3, (1, 10) 2, (2, 0) 1, (2, 10) 1.
--   mashup_exported (platform, format): spotify mp3 v1, spotify wav v2, soundcloud mp3 v5,
--     soundcloud mp3 v5, no platform "MP3 " v6  -> platforms soundcloud 2, spotify 2,
--     (unknown) 1; formats mp3 4, wav 1.
--   ai_reaction: like v1, like v2, like v3, dislike v1, "Love" v2, 5 (a number) v3
--     -> like 3, (unknown) 1, dislike 1, love 1.
--   subscription_upgraded: free>premium v7, free>premium v8, premium>professional v9,
--     free>gold v10 -> to premium 2, (unknown) 1, professional 1.
--   Distinct visitors of the period: v1..v10 = 10, so conversion to premium 2 / 10 = 20.00 %.
--   Following: mash follows "mash-b" since 2025-03-11 12:00 and "mash-c" since now.
select plan(23);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('owner@mash.test');
select tests.create_user('viewer@mash.test');
select tests.create_user('outsider@mash.test');
select tests.create_org('mash', md5('owner@mash.test')::uuid);
select tests.add_member(md5('org:mash')::uuid, md5('viewer@mash.test')::uuid, 'viewer');
select tests.create_org('mash-b', md5('outsider@mash.test')::uuid);
select tests.create_org('mash-c', md5('outsider@mash.test')::uuid);
update app.organizations set timezone = 'Europe/Paris' where id = md5('org:mash')::uuid;
insert into app.content_items (id, org_id, kind, title, created_at, published_at) values
  ('00000000-0000-4000-8000-00000000ca51', md5('org:mash')::uuid, 'mashup', 'Mash One',
   '2025-02-01 10:00Z', '2025-02-14 00:00Z');

-- received_at is the default (now()): after any refresh's watermark, as live events are.
insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, user_id,
                              platform, properties, is_bot)
select md5('org:mash')::uuid, x.at::timestamptz, x.type,
       case when x.type = 'mashup_exported' then 'content_item' end,
       case when x.type = 'mashup_exported' then '00000000-0000-4000-8000-00000000ca51'::uuid end,
       x.visitor, case when x.type = 'subscription_upgraded' then md5(x.visitor)::uuid end,
       x.platform, x.props::jsonb, x.visitor = 'bot'
from (values
  ('2025-03-10 09:15Z', 'play', 'v1', null, '{}'),
  ('2025-03-10 09:40Z', 'play', 'v2', null, '{}'),
  ('2025-03-11 09:05Z', 'play', 'v1', null, '{}'),
  ('2025-03-11 19:00Z', 'play', 'v3', null, '{}'),
  ('2025-03-11 19:30Z', 'play', 'v3', null, '{}'),
  ('2025-03-11 19:59Z', 'play', 'v2', null, '{}'),
  ('2025-03-10 23:30Z', 'play', 'v4', null, '{}'),
  ('2025-03-10 10:00Z', 'play', 'bot', null, '{}'),
  ('2025-03-12 10:00Z', 'play', 'v1', null, '{}'),
  ('2025-03-10 12:00Z', 'mashup_exported', 'v1', 'spotify', '{"format": "mp3"}'),
  ('2025-03-10 12:01Z', 'mashup_exported', 'v2', 'spotify', '{"format": "wav"}'),
  ('2025-03-11 12:00Z', 'mashup_exported', 'v5', 'soundcloud', '{"format": "mp3"}'),
  ('2025-03-11 12:01Z', 'mashup_exported', 'v5', 'soundcloud', '{"format": "mp3"}'),
  ('2025-03-11 12:02Z', 'mashup_exported', 'v6', null, '{"format": "MP3 "}'),
  ('2025-03-10 13:00Z', 'ai_reaction', 'v1', null, '{"reaction": "like"}'),
  ('2025-03-10 13:01Z', 'ai_reaction', 'v2', null, '{"reaction": "like"}'),
  ('2025-03-11 13:00Z', 'ai_reaction', 'v3', null, '{"reaction": "like"}'),
  ('2025-03-11 13:01Z', 'ai_reaction', 'v1', null, '{"reaction": "dislike"}'),
  ('2025-03-11 13:02Z', 'ai_reaction', 'v2', null, '{"reaction": "Love"}'),
  ('2025-03-11 13:03Z', 'ai_reaction', 'v3', null, '{"reaction": 5}'),
  ('2025-03-10 14:00Z', 'subscription_upgraded', 'v7', null, '{"from_tier": "free", "to_tier": "premium"}'),
  ('2025-03-11 14:00Z', 'subscription_upgraded', 'v8', null, '{"from_tier": "free", "to_tier": "premium"}'),
  ('2025-03-11 14:01Z', 'subscription_upgraded', 'v9', null, '{"from_tier": "premium", "to_tier": "professional"}'),
  ('2025-03-11 14:02Z', 'subscription_upgraded', 'v10', null, '{"from_tier": "free", "to_tier": "gold"}')
) as x (at, type, visitor, platform, props);

-- Following ----------------------------------------------------------------------------------
select tests.authenticate_as(md5('owner@mash.test')::uuid);
select is(public.follow_organization(md5('org:mash')::uuid, md5('org:mash-b')::uuid), true, 'mash follows mash-b');
select is(public.follow_organization(md5('org:mash')::uuid, md5('org:mash-b')::uuid), false, 'following again changes nothing');
select is(public.follow_organization(md5('org:mash')::uuid, md5('org:mash-c')::uuid), true, 'mash follows mash-c');
select throws_ok($$ select public.follow_organization(md5('org:mash')::uuid, md5('org:mash')::uuid) $$,
                 '22023', null, 'an organization cannot follow itself');
select throws_ok($$ select public.follow_organization(md5('org:mash')::uuid, gen_random_uuid()) $$,
                 'P0002', null, 'an unknown organization cannot be followed');
select tests.clear_authentication();
update app.organization_follows set created_at = '2025-03-11 12:00Z'
where org_id = md5('org:mash')::uuid and followed_org_id = md5('org:mash-b')::uuid;

select tests.authenticate_as(md5('viewer@mash.test')::uuid);
select results_eq($$ select slug from public.get_following(md5('org:mash')::uuid) $$,
                  $$ values ('mash-c'), ('mash-b') $$, 'a viewer lists the 2 followed organizations, newest first');
select throws_ok($$ select public.follow_organization(md5('org:mash')::uuid, md5('org:mash-b')::uuid) $$,
                 '42501', null, 'a viewer cannot make the organization follow');
select tests.authenticate_as(md5('outsider@mash.test')::uuid);
select throws_ok($$ select * from public.get_following(md5('org:mash')::uuid) $$, '42501', null,
                 'an outsider cannot list whom mash follows');
select is_empty($$ select 1 from app.organization_follows where org_id = md5('org:mash')::uuid $$,
                'RLS: an outsider sees none of mash''s follows');
select throws_ok($$ select public.get_dashboard(md5('org:mash')::uuid, '2025-03-10', '2025-03-12') $$, '42501', null,
                 'an outsider cannot read the dashboard');

-- The dashboard ------------------------------------------------------------------------------
select tests.authenticate_as(md5('viewer@mash.test')::uuid);
create temp table mash_dash as select public.get_dashboard(md5('org:mash')::uuid, '2025-03-10', '2025-03-12') as d;
select is((select d -> 'summary' -> 'visitors' from mash_dash), '10'::jsonb, '10 distinct visitors in the period');
select is((select jsonb_build_array(d -> 'summary' -> 'following', d -> 'previous_summary' -> 'following') from mash_dash),
          '[1, 0]'::jsonb, 'following: 1 before the end of the period (mash-b), 0 before its start; mash-c is newer');
select is((select d -> 'mashup' -> 'exports' from mash_dash),
          '{"total": 5,
            "by_platform": [{"platform": "soundcloud", "exports": 2, "percentage": 40.0},
                            {"platform": "spotify", "exports": 2, "percentage": 40.0},
                            {"platform": "(unknown)", "exports": 1, "percentage": 20.0}],
            "by_format": [{"format": "mp3", "exports": 4, "percentage": 80.0},
                          {"format": "wav", "exports": 1, "percentage": 20.0}]}'::jsonb,
          'exports: 5, by platform soundcloud 2, spotify 2, (unknown) 1; by format mp3 4 ("MP3 " included), wav 1');
select is((select d -> 'mashup' -> 'ai_reactions' from mash_dash),
          '{"total": 6,
            "by_reaction": [{"reaction": "like", "reactions": 3, "percentage": 50.0},
                            {"reaction": "(unknown)", "reactions": 1, "percentage": 16.7},
                            {"reaction": "dislike", "reactions": 1, "percentage": 16.7},
                            {"reaction": "love", "reactions": 1, "percentage": 16.6}]}'::jsonb,
          'reactions: like 3, then 1 each of (unknown) (a number), dislike, love ("Love"); tenths by largest remainder');
select is((select d -> 'mashup' -> 'upgrades' from mash_dash),
          '{"total": 4,
            "by_tier": [{"tier": "premium", "upgrades": 2, "conversion_rate_pct": 20.00},
                        {"tier": "(unknown)", "upgrades": 1, "conversion_rate_pct": 10.00},
                        {"tier": "professional", "upgrades": 1, "conversion_rate_pct": 10.00}],
            "by_path": [{"from_tier": "free", "to_tier": "premium", "upgrades": 2},
                        {"from_tier": "free", "to_tier": "(unknown)", "upgrades": 1},
                        {"from_tier": "premium", "to_tier": "professional", "upgrades": 1}]}'::jsonb,
          'upgrades: 4; premium 2 (2 of 10 visitors = 20.00 %), gold counts as (unknown); paths');
select is((select d -> 'mashup' -> 'peak_play_times' from mash_dash),
          '{"hours": [{"hour": 10, "plays": 3}, {"hour": 20, "plays": 3}, {"hour": 0, "plays": 1}],
            "slots": [{"weekday": 2, "hour": 20, "plays": 3}, {"weekday": 1, "hour": 10, "plays": 2},
                      {"weekday": 2, "hour": 0, "plays": 1}]}'::jsonb,
          'peak play times (plays only, Paris hours, bot and 03-12 excluded): 10 h and 20 h with 3, then 00 h; Tuesday 20 h first');

-- The rollup ---------------------------------------------------------------------------------
select tests.clear_authentication();
select lives_ok($$ select private.register_rollup('analytics.org_daily_breakdowns', 'analytics.events',
                    'analytics.org_daily_breakdowns', 'analytics.compute_org_daily_breakdowns',
                    array['org_id', 'day', 'metric', 'label'], 'day', '{}',
                    (select description from private.rollups where name = 'analytics.org_daily_breakdowns')) $$,
                'the registration of 0554 passes the engine''s own checks');
select results_eq(
  $$ select day, metric collate "default", label collate "default", events from analytics.compute_org_daily_breakdowns(md5('org:mash')::uuid, '-infinity', 'infinity')
     where metric in ('play_hour', 'upgrade_path') order by day, metric, label $$,
  $$ values ('2025-03-10'::date, 'play_hour', '10', 2::bigint), ('2025-03-10', 'upgrade_path', 'free>premium', 1),
            ('2025-03-11', 'play_hour', '00', 1), ('2025-03-11', 'play_hour', '10', 1), ('2025-03-11', 'play_hour', '20', 3),
            ('2025-03-11', 'upgrade_path', 'free>(unknown)', 1), ('2025-03-11', 'upgrade_path', 'free>premium', 1),
            ('2025-03-11', 'upgrade_path', 'premium>professional', 1), ('2025-03-12', 'play_hour', '11', 1) $$,
  'the rollup rows per Paris day: plays per hour and upgrade paths');
insert into analytics.org_daily_breakdowns
select * from analytics.compute_org_daily_breakdowns(md5('org:mash')::uuid, '-infinity', 'infinity');
select is_empty(
  $$ select * from analytics.compute_org_daily_breakdowns(md5('org:mash')::uuid, now() + interval '1 hour', 'infinity') $$,
  'no event received later: nothing to recompute');
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:mash')::uuid, '2025-03-11 09:30Z', now() + interval '2 hours', 'play', 'v11');
select results_eq(
  $$ select day, label collate "default", events from analytics.compute_org_daily_breakdowns(md5('org:mash')::uuid, now() + interval '1 hour', 'infinity')
     where metric = 'play_hour' order by label $$,
  $$ values ('2025-03-11'::date, '00', 1::bigint), ('2025-03-11', '10', 2), ('2025-03-11', '20', 3) $$,
  'a late play recomputes its whole Paris day (03-11), not 03-10');

-- Content dates ------------------------------------------------------------------------------
select tests.authenticate_as(md5('viewer@mash.test')::uuid);
select is((select jsonb_build_array(r -> 'created_at', r -> 'published_at')
             from public.get_entity_analytics(md5('org:mash')::uuid, '00000000-0000-4000-8000-00000000ca51', '2025-03-10', '2025-03-12') as r),
          '["2025-02-01T10:00:00+00:00", "2025-02-14T00:00:00+00:00"]'::jsonb,
          'entity analytics carry the content item''s created_at and published_at');
select tests.authenticate_as(md5('owner@mash.test')::uuid);
select is(public.unfollow_organization(md5('org:mash')::uuid, md5('org:mash-c')::uuid), true, 'mash unfollows mash-c');
select is(public.unfollow_organization(md5('org:mash')::uuid, md5('org:mash-c')::uuid), false, 'unfollowing again: false');

select * from finish();
