-- Contract: the insights the demo seed (seed/10_demo.sql, seed/README.md) yields with the
-- reference 2026-06-15 12:00:00+00, i.e. the default period of that day: the last 30 whole
-- local days before 15 June 2026 (00:00 in each organization's time zone).
-- Needs the generators (audiencectl installs seed/*.sql, schema seed, before contracts, as
-- for seed_demo.sql); without them every assertion is skipped. The numbers follow from the
-- seed's design: Berlin 103 -> 145 link clicks (60 bot clicks excluded), Warsaw with fans
-- and no tour date, Instagram 30 -> 180 referred page views in the last 7 days (30 bot
-- views the week before excluded), Spotify 3x Apple Music, tips 40.00 of 75.00 EUR from
-- Berlin, shows 20 and 27 days ahead; seed/40_insights_demo.sql: demo-lichtung (Vienna
-- 40 -> 16 clicks, Second Light 45 plays against First Light's 15 at the same age, capture
-- rate 5.7% -> 14.0%) and the venue's ticket link clicks from New York (30 -> 45).
select plan(16);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

create temporary table demo_ready as
select pg_catalog.to_regprocedure('seed.load_demo(timestamp with time zone)') is not null as ok;
do $$
begin
  if (select ok from demo_ready) then
    execute 'select * from seed.load_demo(''2026-06-15 12:00:00+00'')';
  end if;
end $$;
create temporary table demo_cands as
select o.slug, c.*
from app.organizations o
cross join lateral insights.detect_candidates(o.id, null, (date '2026-06-15')::timestamp at time zone o.timezone) c
where o.slug in ('demo-nachtfalter', 'demo-bowery-hall', 'demo-southern-lights', 'demo-lichtung');

select case when (select ok from demo_ready) then results_eq(
  $$ select c.slug, c.insight_type::text, c.subject_key, c.priority::text, c.confidence
     from demo_cands c order by c.slug, c.priority, c.confidence desc, c.insight_type, c.subject_key $$,
  $$ values ('demo-bowery-hall', 'tour_timing', 'New York, US', 'high', 0.80::numeric(3,2)),
            ('demo-bowery-hall', 'city_growth', 'New York, US', 'high', 0.72),
            ('demo-bowery-hall', 'subscriber_surge', 'all', 'high', 0.72),
            ('demo-bowery-hall', 'engagement_quality', 'all', 'medium', 0.60),
            ('demo-bowery-hall', 'peak_activity', 'all', 'low', 0.70),
            ('demo-lichtung', 'subscriber_surge', 'all', 'high', 0.90),
            ('demo-lichtung', 'declining_market', 'Vienna, AT', 'medium', 0.80),
            ('demo-lichtung', 'release_momentum', 'Second Light', 'medium', 0.80),
            ('demo-lichtung', 'capture_rate_change', 'all', 'medium', 0.56),
            ('demo-lichtung', 'peak_activity', 'all', 'low', 0.70),
            ('demo-nachtfalter', 'city_growth', 'Berlin, DE', 'high', 0.90),
            ('demo-nachtfalter', 'subscriber_surge', 'all', 'high', 0.90),
            ('demo-nachtfalter', 'tour_gap', 'Warsaw, PL', 'high', 0.85),
            ('demo-nachtfalter', 'referrer_surge', 'instagram.com', 'high', 0.85),
            ('demo-nachtfalter', 'tour_timing', 'Berlin, DE', 'high', 0.80),
            ('demo-nachtfalter', 'city_growth', 'Warsaw, PL', 'high', 0.60),
            ('demo-nachtfalter', 'subscriber_churn', 'all', 'high', 0.54),
            ('demo-nachtfalter', 'platform_preference', 'spotify', 'medium', 0.85),
            ('demo-nachtfalter', 'tip_hotspot', 'Berlin, DE', 'medium', 0.64),
            ('demo-nachtfalter', 'engagement_quality', 'all', 'medium', 0.60),
            ('demo-nachtfalter', 'peak_activity', 'all', 'low', 0.56),
            ('demo-nachtfalter', 'device_shift', 'mobile', 'low', 0.56),
            ('demo-southern-lights', 'subscriber_surge', 'all', 'high', 0.72),
            ('demo-southern-lights', 'subscriber_churn', 'all', 'high', 0.54),
            ('demo-southern-lights', 'new_market', 'Sydney, AU', 'medium', 0.80),
            ('demo-southern-lights', 'engagement_quality', 'all', 'medium', 0.75),
            ('demo-southern-lights', 'new_market', 'Melbourne, AU', 'medium', 0.53),
            ('demo-southern-lights', 'peak_activity', 'all', 'low', 0.56) $$,
  'the demo yields exactly these 28 candidates: nachtfalter 12, bowery hall 5, lichtung 5, southern lights 6 (tour_timing only where the city grows: Berlin +41%, New York +50%; not Hamburg +5%, not Sydney or Melbourne, new markets from 0)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;

select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'city_growth' and subject_key = 'Berlin, DE'),
  '{"city": "Berlin", "country": "DE", "clicks": 145, "previous_clicks": 103, "growth_pct": 41, "fans": 234, "has_upcoming_show": true, "period_days": 30}'::jsonb,
  'nachtfalter: Berlin 103 -> 145 link clicks = up 41% (the 60 bot clicks would make it 205)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select title || ' | ' || description from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'city_growth' and subject_key = 'Berlin, DE'),
  'Berlin audience up 41% | Link clicks from Berlin, DE rose from 103 to 145 (up 41%) in the last 30 days compared with the 30 days before.',
  'nachtfalter: the Berlin growth wording')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'tour_gap'),
  '{"city": "Warsaw", "country": "PL", "fans": 142, "clicks": 60, "upcoming_shows": 0, "period_days": 30}'::jsonb,
  'nachtfalter: Warsaw, the city with fans (142 visitors) and no tour date')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'referrer_surge'),
  '{"referrer_domain": "instagram.com", "visits": 180, "previous_visits": 30, "growth_pct": 500, "window_days": 7}'::jsonb,
  'nachtfalter: Instagram 30 -> 180 referred visits in the last 7 days = up 500% (6x; with the 30 bot views it would be 3x); google.com 50 -> 50 is no surge')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'platform_preference'),
  '{"top_platform": "spotify", "top_clicks": 90, "second_platform": "apple_music", "second_clicks": 30, "ratio": 3, "top_share_pct": 75, "music_clicks": 120, "period_days": 30}'::jsonb,
  'nachtfalter: Spotify 90 = 3x Apple Music 30 (music clicks: streaming links; YouTube is video, Bandcamp a store)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'tip_hotspot'),
  '{"city": "Berlin", "country": "DE", "tips": 8, "amount": 40.00, "currency": "EUR", "share_pct": 53, "total_tips": 15, "total_amount": 75.00, "period_days": 30}'::jsonb,
  'nachtfalter: Berlin 8 tips = 40.00 of 75.00 EUR (53%; Warsaw 15.00, London 20.00)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then results_eq(
  $$ select subject_key, (data_snapshot->>'days_until')::int, (data_snapshot->>'fans')::int
     from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'tour_timing' order by 2 $$,
  $$ values ('Berlin, DE', 20, 234) $$,
  'nachtfalter: the show in Berlin (day +20), whose audience grows; Hamburg (+27: link clicks 38 -> 40, +5%) is not, Munich (+34, no fans in 30 days) and London (+45) are not within reach')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-nachtfalter' and insight_type = 'subscriber_churn'),
  '{"unsubscribes": 5, "previous_unsubscribes": 0, "new_subscribers": 15, "active_subscribers": 60, "window_days": 7}'::jsonb,
  'nachtfalter: 5 unsubscribes in the last 7 days (confidence 0.90 x 0.6: 15 new subscribers in the same days contradict it)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is_empty(
  $$ select insight_type from demo_cands
     where slug = 'demo-nachtfalter' and insight_type in ('declining_market', 'new_market', 'release_momentum', 'capture_rate_change') $$,
  'nachtfalter: no declining or new market (Hamburg 38 -> 40, London 25 -> 25), no release in the period, no capture rate before (0 subscribers)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-lichtung' and insight_type = 'declining_market'),
  '{"city": "Vienna", "country": "AT", "clicks": 16, "previous_clicks": 40, "decline_pct": 60, "period_days": 30}'::jsonb,
  'lichtung: Vienna 22 + 18 -> 10 + 6 link clicks = down 60% (falling in every half: confidence 0.80)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot - 'published_at'::text from demo_cands where slug = 'demo-lichtung' and insight_type = 'release_momentum'),
  '{"title": "Second Light", "events": 45, "link_clicks": 0, "days_since_release": 12, "previous_title": "First Light", "previous_events": 15, "growth_pct": 200}'::jsonb,
  'lichtung: Second Light (day 12) drew 45 plays; First Light (day 40) had 15 at the same age: +200%')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-lichtung' and insight_type = 'capture_rate_change'),
  '{"capture_rate_pct": 14.0, "previous_capture_rate_pct": 5.7, "change_pct": 145, "direction": "up", "new_subscribers": 40, "previous_new_subscribers": 16, "visitors": 286, "previous_visitors": 280, "period_days": 30}'::jsonb,
  'lichtung: 40 new subscribers of 286 visitors = 14.0% against 16 of 280 = 5.7% (+145%)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select data_snapshot from demo_cands where slug = 'demo-bowery-hall' and insight_type = 'tour_timing'),
  '{"city": "New York", "country": "US", "fans": 200, "clicks": 45, "previous_clicks": 30, "growth_pct": 50, "days_until": 7, "venue_name": "Bowery Lights Hall", "ticket_status": "on_sale", "period_days": 30}'::jsonb,
  'bowery hall: ticket link clicks from New York 30 -> 45 (+50%), the show 7 days ahead')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is(
  (select pg_catalog.jsonb_path_query_array(insights.metric_snapshot(o.id, null, (date '2026-06-15')::timestamp at time zone o.timezone),
                                            '$.geographic.top_cities[*].clicks')
   from app.organizations o where o.slug = 'demo-nachtfalter'),
  '[145, 60, 40, 25]'::jsonb,
  'nachtfalter snapshot: link clicks Berlin 145, Warsaw 60, Hamburg 40, London 25 (bots excluded)')
  else skip('seed generators not installed (seed.load_demo)', 1) end;
select case when (select ok from demo_ready) then is_empty(
  $$ with nums as (
       select c.slug, c.insight_type, c.subject_key, m[1] as num
       from demo_cands c,
            pg_catalog.regexp_matches(pg_catalog.concat_ws(' ', c.title, c.description, c.action_suggestion), '\d+(?:\.\d+)?', 'g') as m)
     select n.* from nums n
     where not exists (select 1 from demo_cands c, pg_catalog.jsonb_path_query(c.data_snapshot, 'strict $.**') as v
                       where c.slug = n.slug and c.insight_type = n.insight_type and c.subject_key = n.subject_key
                         and pg_catalog.jsonb_typeof(v) = 'number' and v #>> '{}' = n.num) $$,
  'every number of every demo template text is in its data_snapshot')
  else skip('seed generators not installed (seed.load_demo)', 1) end;

select * from finish();
