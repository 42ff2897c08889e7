-- Contract: insights.detect_candidates and insights.metric_snapshot on a designed fixture.
-- Organization ins-a (Europe/Berlin, EUR), analysed period [2026-03-01, 2026-03-31) local
-- (30 days, across the 29 March DST change), comparison [2026-01-30, 2026-03-01). Every
-- event has its own visitor; halves: comparison on Fri 6 / Fri 20 Feb, period on Fri 6 /
-- Fri 20 March (Lisbon on Saturdays 7 / 21 March at 13 h, referrals below, the rest at 20 h).
--   Berlin DE   link clicks 50 + 53 before, 70 + 75 now (+ 500 bot clicks) -> city_growth 41%
--   Paris FR    15 + 15 / 15 + 15 (flat); Paris US 0 / 8 + 8 -> new_market (kept apart from FR)
--   Hamburg DE  22 + 18 / 12 + 8 clicks (declining 50%) + 30 page views; show on 12 April: no
--               tour_timing (its audience shrinks); Berlin's show on 20 April -> tour_timing
--   Lisbon PT   60 page-view fans, only a past show -> tour_gap; Madrid ES 40 fans (below 50)
--   Rome IT     15 clicks, all in the first half -> new_market at confidence 0.32 (not returned)
--   spotify 20 + 20 / 45 + 45, apple_music 10 + 10 / 15 + 15 -> platform_preference 3x
--   referrals (page views, 9 h and 13 h): instagram.com 5 + 5 in the 7 days before the last
--               7 (Fri 20 March 9 h / 13 h), 18 + 22 in the last 7 (Fri 27 March) -> referrer_surge
--               300%; google.com 8 + 7 / 8 + 8 (+7%); both 5 + 5 and 15 + 15 in February
--   page views without place 50 + 50 before (engaged share 62% -> 65%: below 5 points)
--   release Night Drive (10 March) 15 + 25 plays -> release_momentum against the previous
--               release Quiet One (20 February; 4 plays on 27 March, none in its first 21 days)
--   subscribers 4 + 4 / 9 + 11 (+ 10 older, 2 left in the last 7 days, 1 the week before)
--   tips EUR: Vienna 3 x 20.00, Berlin 25.00 in 4, 15.00 without city (+ refunded, USD,
--   earlier tips and a purchase that do not count); 3 tip events in Vienna.
-- Organization ins-b holds 400 Berlin clicks and 300 Lisbon fans that must not leak.
select plan(46);

-- Organization A (Europe/Berlin, EUR) and its designed data; organization B (noise).
select tests.create_user('owner-a@insights.test');
select tests.create_user('analyst-a@insights.test');
select tests.create_user('viewer-a@insights.test');
select tests.create_user('owner-b@insights.test');
select tests.create_org('ins-a', pg_catalog.md5('owner-a@insights.test')::uuid);
select tests.create_org('ins-b', pg_catalog.md5('owner-b@insights.test')::uuid);
select tests.add_member(pg_catalog.md5('org:ins-a')::uuid, pg_catalog.md5('analyst-a@insights.test')::uuid, 'analyst');
select tests.add_member(pg_catalog.md5('org:ins-a')::uuid, pg_catalog.md5('viewer-a@insights.test')::uuid, 'viewer');
update app.organizations set timezone = 'Europe/Berlin', currency = 'EUR' where slug in ('ins-a', 'ins-b');

insert into app.content_items (id, org_id, kind, title, published_at)
values (pg_catalog.md5('release:night-drive')::uuid, pg_catalog.md5('org:ins-a')::uuid, 'release', 'Night Drive',
        timestamp '2026-03-10 10:00' at time zone 'Europe/Berlin'),
       (pg_catalog.md5('release:quiet-one')::uuid, pg_catalog.md5('org:ins-a')::uuid, 'release', 'Quiet One',
        timestamp '2026-02-20 10:00' at time zone 'Europe/Berlin');

-- Events: every event has its own visitor; group, type, place, link, referrer, local day and hour, count.
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, city, country, link_type, platform,
                              referrer_domain, entity_type, entity_id, is_bot, revenue_cents, currency)
select g.org, ((g.day + pg_catalog.make_interval(hours => g.hh)) at time zone 'Europe/Berlin') + pg_catalog.make_interval(secs => s.i),
       g.event_type, g.grp || '-' || g.day || '-' || g.hh || '-' || s.i, g.city, g.country, g.link_type, g.platform, g.referrer,
       case when g.entity is not null then 'content_item' end, g.entity, g.bot,
       case when g.event_type = 'tip' then 2000 end, case when g.event_type = 'tip' then 'EUR' end
from (values
  (pg_catalog.md5('org:ins-a')::uuid, 'ber',   'link_click', 'Berlin',  'DE', 'tickets',   'eventim',     null, date '2026-02-06', 20,  50, false, null::uuid),
  (pg_catalog.md5('org:ins-a')::uuid, 'ber',   'link_click', 'Berlin',  'DE', 'tickets',   'eventim',     null, date '2026-02-20', 20,  53, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ber',   'link_click', 'Berlin',  'DE', 'tickets',   'eventim',     null, date '2026-03-06', 20,  70, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ber',   'link_click', 'Berlin',  'DE', 'tickets',   'eventim',     null, date '2026-03-20', 20,  75, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'bot',   'link_click', 'Berlin',  'DE', 'tickets',   'eventim',     null, date '2026-03-06', 20, 500, true,  null),
  (pg_catalog.md5('org:ins-a')::uuid, 'parfr', 'link_click', 'Paris',   'FR', 'tickets',   'eventim',     null, date '2026-02-06', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'parfr', 'link_click', 'Paris',   'FR', 'tickets',   'eventim',     null, date '2026-02-20', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'parfr', 'link_click', 'Paris',   'FR', 'tickets',   'eventim',     null, date '2026-03-06', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'parfr', 'link_click', 'Paris',   'FR', 'tickets',   'eventim',     null, date '2026-03-20', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'parus', 'link_click', 'Paris',   'US', 'tickets',   'eventim',     null, date '2026-03-06', 20,   8, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'parus', 'link_click', 'Paris',   'US', 'tickets',   'eventim',     null, date '2026-03-20', 20,   8, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ham',   'link_click', 'Hamburg', 'DE', 'tickets',   'eventim',     null, date '2026-02-06', 20,  22, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ham',   'link_click', 'Hamburg', 'DE', 'tickets',   'eventim',     null, date '2026-02-20', 20,  18, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ham',   'link_click', 'Hamburg', 'DE', 'tickets',   'eventim',     null, date '2026-03-06', 20,  12, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ham',   'link_click', 'Hamburg', 'DE', 'tickets',   'eventim',     null, date '2026-03-20', 20,   8, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'hampv', 'page_view',  'Hamburg', 'DE', null,        null,          null, date '2026-03-06', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'hampv', 'page_view',  'Hamburg', 'DE', null,        null,          null, date '2026-03-20', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'lis',   'page_view',  'Lisbon',  'PT', null,        null,          null, date '2026-03-07', 13,  30, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'lis',   'page_view',  'Lisbon',  'PT', null,        null,          null, date '2026-03-21', 13,  30, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'mad',   'page_view',  'Madrid',  'ES', null,        null,          null, date '2026-03-06', 20,  20, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'mad',   'page_view',  'Madrid',  'ES', null,        null,          null, date '2026-03-20', 20,  20, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'rom',   'link_click', 'Rome',    'IT', 'tickets',   'eventim',     null, date '2026-03-06', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'spo',   'link_click', null,      null, 'streaming', 'spotify',     null, date '2026-02-06', 20,  20, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'spo',   'link_click', null,      null, 'streaming', 'spotify',     null, date '2026-02-20', 20,  20, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'spo',   'link_click', null,      null, 'streaming', 'spotify',     null, date '2026-03-06', 20,  45, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'spo',   'link_click', null,      null, 'streaming', 'spotify',     null, date '2026-03-20', 20,  45, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'apm',   'link_click', null,      null, 'streaming', 'apple_music', null, date '2026-02-06', 20,  10, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'apm',   'link_click', null,      null, 'streaming', 'apple_music', null, date '2026-02-20', 20,  10, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'apm',   'link_click', null,      null, 'streaming', 'apple_music', null, date '2026-03-06', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'apm',   'link_click', null,      null, 'streaming', 'apple_music', null, date '2026-03-20', 20,  15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ig',    'page_view',  null,      null, null,        null, 'instagram.com', date '2026-02-06', 9, 5, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ig',    'page_view',  null,      null, null,        null, 'instagram.com', date '2026-02-20', 9, 5, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ig',    'page_view',  null,      null, null,        null, 'instagram.com', date '2026-03-20', 9, 5, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ig',    'page_view',  null,      null, null,        null, 'instagram.com', date '2026-03-20', 13, 5, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ig',    'page_view',  null,      null, null,        null, 'instagram.com', date '2026-03-27', 9, 18, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'ig',    'page_view',  null,      null, null,        null, 'instagram.com', date '2026-03-27', 13, 22, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'goo',   'page_view',  null,      null, null,        null, 'google.com', date '2026-02-06', 9, 15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'goo',   'page_view',  null,      null, null,        null, 'google.com', date '2026-02-20', 9, 15, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'goo',   'page_view',  null,      null, null,        null, 'google.com', date '2026-03-20', 9, 8, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'goo',   'page_view',  null,      null, null,        null, 'google.com', date '2026-03-20', 13, 7, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'goo',   'page_view',  null,      null, null,        null, 'google.com', date '2026-03-27', 9, 8, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'goo',   'page_view',  null,      null, null,        null, 'google.com', date '2026-03-27', 13, 8, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'pv',    'page_view',  null,      null, null,        null,          null, date '2026-02-06', 20,  50, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'pv',    'page_view',  null,      null, null,        null,          null, date '2026-02-20', 20,  50, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'tip',   'tip',        'Vienna',  'AT', null,        null,          null, date '2026-03-06', 20,   2, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'tip',   'tip',        'Vienna',  'AT', null,        null,          null, date '2026-03-20', 20,   1, false, null),
  (pg_catalog.md5('org:ins-a')::uuid, 'play',  'play',       null,      null, null,        null,          null, date '2026-03-13', 20,  15, false, pg_catalog.md5('release:night-drive')::uuid),
  (pg_catalog.md5('org:ins-a')::uuid, 'play',  'play',       null,      null, null,        null,          null, date '2026-03-20', 20,  25, false, pg_catalog.md5('release:night-drive')::uuid),
  (pg_catalog.md5('org:ins-a')::uuid, 'quiet', 'play',       null,      null, null,        null,          null, date '2026-03-27', 20,   4, false, pg_catalog.md5('release:quiet-one')::uuid),
  (pg_catalog.md5('org:ins-b')::uuid, 'bber',  'link_click', 'Berlin',  'DE', 'streaming', 'spotify',     null, date '2026-03-06', 20, 400, false, null),
  (pg_catalog.md5('org:ins-b')::uuid, 'blis',  'page_view',  'Lisbon',  'PT', null,        null,          null, date '2026-03-06', 20, 300, false, null)
) as g (org, grp, event_type, city, country, link_type, platform, referrer, day, hh, n, bot, entity)
cross join pg_catalog.generate_series(1, g.n) as s (i);

insert into app.tour_dates (org_id, city, country, starts_at, venue_name, ticket_status)
values (pg_catalog.md5('org:ins-a')::uuid, 'Berlin',  'DE', timestamp '2026-04-20 20:00' at time zone 'Europe/Berlin', 'Columbiahalle', 'on_sale'),
       (pg_catalog.md5('org:ins-a')::uuid, 'Hamburg', 'DE', timestamp '2026-04-12 20:00' at time zone 'Europe/Berlin', 'Docks', 'on_sale'),
       (pg_catalog.md5('org:ins-a')::uuid, 'Paris',   'FR', timestamp '2026-04-05 20:00' at time zone 'Europe/Berlin', 'Olympia', 'cancelled'),
       (pg_catalog.md5('org:ins-a')::uuid, 'Lisbon',  'PT', timestamp '2026-02-10 20:00' at time zone 'Europe/Berlin', 'Coliseu', 'sold_out');

-- Subscribers: 10 before the comparison period (3 of them leave in March), 4 + 4 in the
-- comparison halves, 9 + 11 in the analysed halves.
insert into audience.subscribers (org_id, channel, contact, city, country_code, subscribed_at, unsubscribed_at)
select pg_catalog.md5('org:ins-a')::uuid, 'email', 'fan-' || g.day || '-' || s.i || '@insights.test', 'Berlin', 'DE',
       (g.day + time '12:00') at time zone 'Europe/Berlin',
       case when g.day = date '2026-01-01' and s.i <= 2 then timestamp '2026-03-26 12:00' at time zone 'Europe/Berlin'
            when g.day = date '2026-01-01' and s.i = 3 then timestamp '2026-03-18 12:00' at time zone 'Europe/Berlin' end
from (values (date '2026-01-01', 10), (date '2026-02-06', 4), (date '2026-02-20', 4), (date '2026-03-06', 9), (date '2026-03-20', 11)) as g (day, n)
cross join pg_catalog.generate_series(1, g.n) as s (i);

-- Tips (EUR): Vienna 3 x 20.00, Berlin 5.00 + 2.50 + 10.00 + 7.50, one without a city 15.00;
-- not counted: a refunded Vienna tip, a USD tip, a tip before the period, a purchase.
insert into audience.orders (org_id, kind, amount_cents, currency, city, country, occurred_at, refunded_at)
values (pg_catalog.md5('org:ins-a')::uuid, 'tip', 2000, 'EUR', 'Vienna', 'AT', timestamp '2026-03-06 20:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip', 2000, 'EUR', 'Vienna', 'AT', timestamp '2026-03-06 20:30' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip', 2000, 'EUR', 'Vienna', 'AT', timestamp '2026-03-20 20:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip',  500, 'EUR', 'Berlin', 'DE', timestamp '2026-03-06 20:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip',  250, 'EUR', 'Berlin', 'DE', timestamp '2026-03-06 21:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip', 1000, 'EUR', 'Berlin', 'DE', timestamp '2026-03-20 20:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip',  750, 'EUR', 'Berlin', 'DE', timestamp '2026-03-20 21:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip', 1500, 'EUR', null,     null, timestamp '2026-03-20 20:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip', 5000, 'EUR', 'Vienna', 'AT', timestamp '2026-03-06 20:00' at time zone 'Europe/Berlin',
        timestamp '2026-03-07 10:00' at time zone 'Europe/Berlin'),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip', 10000, 'USD', 'Vienna', 'AT', timestamp '2026-03-06 20:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'tip', 3000, 'EUR', 'Vienna', 'AT', timestamp '2026-02-06 20:00' at time zone 'Europe/Berlin', null),
       (pg_catalog.md5('org:ins-a')::uuid, 'purchase', 50000, 'EUR', 'Vienna', 'AT', timestamp '2026-03-06 20:00' at time zone 'Europe/Berlin', null);

-- Organization ins-b: 20 more cities of 12 link clicks each (for the top-15 cap).
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, city, country, link_type, platform)
select pg_catalog.md5('org:ins-b')::uuid,
       (timestamp '2026-03-06 20:00' at time zone 'Europe/Berlin') + pg_catalog.make_interval(secs => c.k * 100 + s.i),
       'link_click', 'b-city-' || c.k || '-' || s.i, 'Town ' || pg_catalog.chr(64 + c.k), 'NL', 'tickets', 'eventim'
from pg_catalog.generate_series(1, 20) as c (k)
cross join pg_catalog.generate_series(1, 12) as s (i);

-- The candidates and the snapshot of ins-a for the designed period, as the service sees them.
create temporary table cands as
select * from insights.detect_candidates(pg_catalog.md5('org:ins-a')::uuid,
                                         timestamp '2026-03-01' at time zone 'Europe/Berlin',
                                         timestamp '2026-03-31' at time zone 'Europe/Berlin');
create temporary table snap as
select insights.metric_snapshot(pg_catalog.md5('org:ins-a')::uuid,
                                timestamp '2026-03-01' at time zone 'Europe/Berlin',
                                timestamp '2026-03-31' at time zone 'Europe/Berlin') as s;

-- detect_candidates ---------------------------------------------------------------------

select results_eq(
  $$ select c.insight_type::text, c.subject_key, c.priority::text, c.confidence
     from cands c order by c.priority, c.confidence desc, c.insight_type, c.subject_key $$,
  $$ values ('city_growth', 'Berlin, DE', 'high', 0.90::numeric(3,2)),
            ('subscriber_surge', 'all', 'high', 0.90),
            ('referrer_surge', 'instagram.com', 'high', 0.85),
            ('tour_timing', 'Berlin, DE', 'high', 0.80),
            ('tour_gap', 'Lisbon, PT', 'high', 0.68),
            ('platform_preference', 'spotify', 'medium', 0.85),
            ('declining_market', 'Hamburg, DE', 'medium', 0.80),
            ('release_momentum', 'Night Drive', 'medium', 0.71),
            ('new_market', 'Paris, US', 'medium', 0.57),
            ('capture_rate_change', 'all', 'medium', 0.56),
            ('tip_hotspot', 'Vienna, AT', 'medium', 0.53),
            ('peak_activity', 'all', 'low', 0.70) $$,
  'exactly the 12 designed candidates with their priorities and confidences (e.g. city_growth 0.90 x min(1, 103/30) x 1.0 monotonic; tour_gap 0.85 x 60/75; tip_hotspot 0.80 x 3/4.5; capture_rate_change 0.70 x 0.8 noisy)');

select is((select data_snapshot from cands where insight_type = 'city_growth'),
  '{"city": "Berlin", "country": "DE", "clicks": 145, "previous_clicks": 103, "growth_pct": 41, "fans": 145, "has_upcoming_show": true, "period_days": 30}'::jsonb,
  'city_growth Berlin: 103 -> 145 link clicks = 41% (the 500 bot clicks excluded, ins-b''s 400 not leaked)');
select results_eq(
  $$ select title, description, action_suggestion from cands where insight_type = 'city_growth' $$,
  $$ values ('Berlin audience up 41%',
             'Link clicks from Berlin, DE rose from 103 to 145 (up 41%) in the last 30 days compared with the 30 days before.',
             'Promote your upcoming show in Berlin to this growing audience.') $$,
  'city_growth template wording, built from its snapshot (Berlin has an upcoming show)');
select is((select data_snapshot from cands where insight_type = 'subscriber_surge'),
  '{"new_subscribers": 20, "previous_new_subscribers": 8, "growth_pct": 150, "active_subscribers": 35, "period_days": 30}'::jsonb,
  'subscriber_surge: 8 -> 20 new subscribers = 150%; 35 active at the period end (38 - 3 left)');
select is((select data_snapshot from cands where insight_type = 'referrer_surge'),
  '{"referrer_domain": "instagram.com", "visits": 40, "previous_visits": 10, "growth_pct": 300, "window_days": 7}'::jsonb,
  'referrer_surge instagram.com: 10 referred visits in the 7 days before the last 7, 40 in the last 7 = 300% (google.com 15 -> 16 is no surge)');
select is((select data_snapshot from cands where insight_type = 'tour_gap'),
  '{"city": "Lisbon", "country": "PT", "fans": 60, "clicks": 0, "upcoming_shows": 0, "period_days": 30}'::jsonb,
  'tour_gap Lisbon: 60 fans, only a past show there');
select is((select data_snapshot from cands where insight_type = 'tour_timing'),
  '{"city": "Berlin", "country": "DE", "fans": 145, "clicks": 145, "previous_clicks": 103, "growth_pct": 41, "days_until": 20, "ticket_status": "on_sale", "venue_name": "Columbiahalle", "period_days": 30}'::jsonb,
  'tour_timing Berlin: 145 fans, link clicks up 41% (103 -> 145), the show on 20 April is 20 calendar days after 31 March; Hamburg''s show (12 April) does not count: its clicks fell 40 -> 20');
select results_eq($$ select description from cands where insight_type = 'tour_timing' $$,
  $$ values ('145 fans from Berlin, DE were active in the last 30 days, link clicks from there rose 41% (from 103 to 145), and your show there is in 20 days.') $$,
  'tour_timing says how much the city grew');
select is((select data_snapshot from cands where insight_type = 'platform_preference'),
  '{"top_platform": "spotify", "top_clicks": 90, "second_platform": "apple_music", "second_clicks": 30, "ratio": 3, "top_share_pct": 75, "music_clicks": 120, "period_days": 30}'::jsonb,
  'platform_preference: Spotify 90 vs Apple Music 30 = 3x, 75% of 120 music clicks');
select results_eq(
  $$ select title, description from cands where insight_type = 'platform_preference' $$,
  $$ values ('Spotify gets 3x the clicks of Apple Music',
             '90 of your 120 music link clicks in the last 30 days went to Spotify (75%), against 30 for Apple Music.') $$,
  'platform_preference template wording');
select is((select data_snapshot from cands where insight_type = 'declining_market'),
  '{"city": "Hamburg", "country": "DE", "clicks": 20, "previous_clicks": 40, "decline_pct": 50, "period_days": 30}'::jsonb,
  'declining_market Hamburg: 40 -> 20 link clicks = down 50%');
select is((select data_snapshot - 'published_at'::text from cands where insight_type = 'release_momentum'),
  '{"title": "Night Drive", "events": 40, "link_clicks": 0, "days_since_release": 21, "previous_title": "Quiet One", "previous_events": 0}'::jsonb,
  'release_momentum Night Drive (the latest release): 15 + 25 plays since 10 March 10:00, 20.5 days before the period end = 21 days; Quiet One (20 February) had none in its first 20.5 days (its 4 plays came on 27 March)');
select is((select data_snapshot from cands where insight_type = 'capture_rate_change'),
  '{"capture_rate_pct": 3.3, "previous_capture_rate_pct": 2.1, "change_pct": 54, "direction": "up", "new_subscribers": 20, "previous_new_subscribers": 8, "visitors": 604, "previous_visitors": 373, "period_days": 30}'::jsonb,
  'capture_rate_change: 20 / 604 visitors = 3.3% against 8 / 373 = 2.1% (+54%)');
select is((select data_snapshot from cands where insight_type = 'new_market'),
  '{"city": "Paris", "country": "US", "clicks": 16, "previous_clicks": 0, "fans": 16, "period_days": 30}'::jsonb,
  'new_market Paris US: 0 -> 16 link clicks, kept apart from Paris FR');
select is((select data_snapshot from cands where insight_type = 'tip_hotspot'),
  '{"city": "Vienna", "country": "AT", "tips": 3, "amount": 60.00, "currency": "EUR", "share_pct": 60, "total_tips": 8, "total_amount": 100.00, "period_days": 30}'::jsonb,
  'tip_hotspot Vienna: 3 tips, 60.00 of 100.00 EUR (each tip once; refunded, USD and earlier tips left out)');
select is((select description from cands where insight_type = 'tip_hotspot'),
  'Fans in Vienna, AT sent 3 tips worth 60.00 EUR in the last 30 days, 60% of your tip revenue.',
  'tip_hotspot wording shows the amount exactly as in the snapshot');
select is((select data_snapshot from cands where insight_type = 'peak_activity'),
  '{"peak_hour": 20, "peak_hour_end": 21, "peak_hour_share_pct": 77, "peak_weekday": "Friday", "peak_weekday_share_pct": 90, "events": 604, "timezone": "Europe/Berlin", "period_days": 30}'::jsonb,
  'peak_activity: 463 of 604 events at 20 h Berlin time (19 h UTC) = 77%, 544 on Fridays = 90%');
select results_eq(
  $$ select title, description, action_suggestion from cands where insight_type = 'peak_activity' $$,
  $$ values ('Your fans are most active around 20 h on Fridays',
             'In the last 30 days, 77% of activity came between 20 and 21 h (local time), and 90% on Fridays.',
             'Schedule posts and announcements shortly before 20 h, especially on Fridays.') $$,
  'peak_activity template wording');

select is_empty(
  $$ with nums as (
       select c.insight_type, c.subject_key, m[1] as num
       from cands c,
            pg_catalog.regexp_matches(pg_catalog.concat_ws(' ', c.title, c.description, c.action_suggestion), '\d+(?:\.\d+)?', 'g') as m)
     select n.* from nums n
     where not exists (select 1 from cands c, pg_catalog.jsonb_path_query(c.data_snapshot, 'strict $.**') as v
                       where c.insight_type = n.insight_type and c.subject_key = n.subject_key
                         and pg_catalog.jsonb_typeof(v) = 'number' and v #>> '{}' = n.num) $$,
  'every number in every title, description and action appears, as written, among the numbers of that candidate''s data_snapshot');
select ok((select bool_and(pg_catalog.char_length(title) <= 80) from cands), 'every template title fits in 80 characters');
select results_eq(
  $$ select distinct period_start, period_end, comparison_start, comparison_end from cands
     where insight_type in ('city_growth', 'declining_market', 'new_market', 'subscriber_surge') $$,
  $$ values (timestamp '2026-03-01' at time zone 'Europe/Berlin', timestamp '2026-03-31' at time zone 'Europe/Berlin',
             timestamp '2026-01-30' at time zone 'Europe/Berlin', timestamp '2026-03-01' at time zone 'Europe/Berlin') $$,
  'comparison types carry the period and the 30 local days before it (30 January to 1 March, Berlin time)');
select results_eq(
  $$ select period_start, comparison_start, comparison_end from cands where insight_type = 'referrer_surge' $$,
  $$ values (timestamp '2026-03-01' at time zone 'Europe/Berlin',
             timestamp '2026-03-17' at time zone 'Europe/Berlin', timestamp '2026-03-24' at time zone 'Europe/Berlin') $$,
  'referrer_surge compares the last 7 days with the 7 before (17 to 24 March): its comparison period says so');
select is((select count(*) from cands where insight_type in ('tour_gap', 'platform_preference', 'peak_activity') and comparison_start is null),
  3::bigint, 'level types (tour_gap, platform_preference, peak_activity) carry no comparison period');

select is_empty($$ select insight_type from cands where insight_type in ('subscriber_churn', 'engagement_quality', 'device_shift') $$,
  'below threshold, not returned: subscriber_churn (2 unsubscribes in 7 days < 3), engagement_quality (62% -> 65%: < 5 points), device_shift (no device data)');
select is_empty($$ select subject_key from cands where subject_key in ('Paris, FR', 'Paris', 'Madrid, ES', 'google.com', 'Quiet One') $$,
  'not returned: Paris FR (flat 30 -> 30; merged with Paris US it would grow 53%), Madrid (40 fans < 50), google.com (+10%), Quiet One (4 events < 30)');
select is_empty($$ select subject_key from cands where subject_key = 'Rome, IT' $$,
  'Rome IT (15 clicks, all in the first half) passes new_market thresholds but its confidence 0.80 x 15/22.5 x 0.6 = 0.32 is below 0.5');

update insights.thresholds set value = 150 where key = 'city_growth.min_clicks';
select is_empty(
  $$ select 1 from insights.detect_candidates(pg_catalog.md5('org:ins-a')::uuid, timestamp '2026-03-01' at time zone 'Europe/Berlin',
                                             timestamp '2026-03-31' at time zone 'Europe/Berlin') where insight_type = 'city_growth' $$,
  'thresholds are read from insights.thresholds: with city_growth.min_clicks 150, Berlin (103 before) is no longer a city_growth');
delete from insights.thresholds where key = 'city_growth.min_clicks';
select throws_ok(
  $$ select * from insights.detect_candidates(pg_catalog.md5('org:ins-a')::uuid) $$,
  'P0002', null, 'a missing threshold row fails loudly (P0002), never silently disables a rule');
insert into insights.thresholds (key, value, description)
values ('city_growth.min_clicks', 20, 'city_growth: at least this many link clicks from the city in both the period and the comparison period.');

-- metric_snapshot -----------------------------------------------------------------------

select is((select pg_catalog.array_agg(k order by k) from snap, pg_catalog.jsonb_object_keys(snap.s) as k),
  array['content', 'engagement', 'geographic', 'period', 'profile', 'referrers', 'revenue', 'subscribers', 'temporal', 'tour', 'traffic'],
  'metric_snapshot has the sections period, profile, traffic, geographic, subscribers, revenue, content, tour, engagement, referrers, temporal');
select is((select s->'traffic' from snap),
  '{"events": 604, "previous_events": 373, "events_change_pct": 62, "visitors": 604, "previous_visitors": 373, "visitors_change_pct": 62, "link_clicks": 346, "previous_link_clicks": 233, "link_clicks_change_pct": 48}'::jsonb,
  'traffic: 604 / 373 events and visitors, 346 / 233 link clicks (bots excluded)');
select is((select pg_catalog.jsonb_path_query_array(s, '$.geographic.top_cities[*].key') from snap),
  '["Berlin, DE", "Paris, FR", "Hamburg, DE", "Paris, US", "Rome, IT"]'::jsonb,
  'top cities by link clicks (145, 30, 20, 16, 15; at least 10), Paris FR and Paris US apart');
select is((select s->'geographic'->'top_cities'->0 from snap),
  '{"city": "Berlin", "country": "DE", "key": "Berlin, DE", "clicks": 145, "previous_clicks": 103, "fans": 145, "growth_pct": 41}'::jsonb,
  'Berlin in the snapshot: 145 clicks, 103 before, 41%');
select is((select pg_catalog.jsonb_build_array(s->'temporal'->'by_hour'->9, s->'temporal'->'by_hour'->13, s->'temporal'->'by_hour'->20,
                                               s->'temporal'->'by_weekday'->4, s->'temporal'->'by_weekday'->5) from snap),
  '[39, 102, 463, 544, 60]'::jsonb,
  'temporal in Berlin time: 39 events at 9 h, 102 at 13 h, 463 at 20 h; 544 on Friday, 60 on Saturday');
select is((select s->'referrers' from snap),
  '{"window_days": 7, "top": [{"domain": "instagram.com", "events": 50, "previous_events": 10, "growth_pct": 400, "recent_events": 40, "previous_recent_events": 10, "recent_growth_pct": 300}, {"domain": "google.com", "events": 31, "previous_events": 30, "growth_pct": 3, "recent_events": 16, "previous_recent_events": 15, "recent_growth_pct": 7}]}'::jsonb,
  'referrers: 30 days (50 vs 10, 31 vs 30) and the last 7 days against the 7 before (40 vs 10, 16 vs 15)');
select is((select s->'revenue'->'tips' from snap),
  '{"count": 8, "amount": 100.00, "previous_count": 1, "previous_amount": 30.00, "refunded": 1}'::jsonb,
  'revenue: 8 tips worth 100.00 EUR (the refunded one counted apart, the USD one left out), 1 worth 30.00 before');
select is((select s->'revenue'->'tips_by_city' from snap),
  '[{"city": "Vienna", "country": "AT", "key": "Vienna, AT", "tips": 3, "amount": 60.00}, {"city": "Berlin", "country": "DE", "key": "Berlin, DE", "tips": 4, "amount": 25.00}]'::jsonb,
  'tips by city: each tip once (Vienna 60.00 in 3, Berlin 25.00 in 4), whatever the tip events');
select is((select (s->'subscribers') - 'by_channel'::text - 'top_cities'::text from snap),
  '{"new": 20, "previous_new": 8, "unsubscribed": 3, "previous_unsubscribed": 0, "net": 17, "active": 35}'::jsonb,
  'subscribers: 20 new (8 before), 3 left in the period, 35 active at its end');
select is((select pg_catalog.jsonb_path_query_array(s, '$.tour.upcoming[*] ? (@.key == "Hamburg, DE").days_until') from snap),
  '[12]'::jsonb, 'tour: the Hamburg show is 12 days after the period end (the cancelled Paris show is not listed)');
select is((select s->'tour'->'audience_cities_without_shows'->0 from snap),
  '{"city": "Lisbon", "country": "PT", "key": "Lisbon, PT", "fans": 60}'::jsonb,
  'tour: Lisbon (60 fans) leads the audience cities without an upcoming show');
select is((select (s->'engagement') - 'intent'::text - 'devices'::text from snap),
  '{"engaged_pct": 65, "previous_engaged_pct": 62, "capture_rate_pct": 3.3, "previous_capture_rate_pct": 2.1}'::jsonb,
  'engagement: 393 of 604 visitors engaged (65%) against 233 of 373 (62%); capture rate 3.3% against 2.1%');
select ok((select pg_catalog.strpos(s::text, '@') = 0 and s::text !~ 'ber-2026' from snap),
  'the snapshot holds aggregates only: no subscriber contact, no visitor id');
select is(pg_catalog.jsonb_array_length(insights.metric_snapshot(pg_catalog.md5('org:ins-b')::uuid,
             timestamp '2026-03-01' at time zone 'Europe/Berlin', timestamp '2026-03-31' at time zone 'Europe/Berlin')->'geographic'->'top_cities'),
  15, 'lists hold at most 15 entries (ins-b has 21 cities with at least 10 clicks)');

-- Who may call -------------------------------------------------------------------------

select tests.authenticate_as(pg_catalog.md5('analyst-a@insights.test')::uuid);
select is((select count(*) from insights.detect_candidates(pg_catalog.md5('org:ins-a')::uuid,
             timestamp '2026-03-01' at time zone 'Europe/Berlin', timestamp '2026-03-31' at time zone 'Europe/Berlin')),
  12::bigint, 'an analyst of ins-a gets the 12 candidates');
select tests.authenticate_as(pg_catalog.md5('viewer-a@insights.test')::uuid);
select throws_ok($$ select insights.metric_snapshot(pg_catalog.md5('org:ins-a')::uuid) $$, '42501', null,
  'a viewer may not read the metric snapshot (analyst or above)');
select tests.authenticate_as(pg_catalog.md5('owner-b@insights.test')::uuid);
select throws_ok($$ select * from insights.detect_candidates(pg_catalog.md5('org:ins-a')::uuid) $$, '42501', null,
  'the owner of ins-b may not read the candidates of ins-a');
select tests.authenticate_as_anon();
select throws_ok($$ select insights.metric_snapshot(pg_catalog.md5('org:ins-a')::uuid) $$, '42501', null,
  'anon may not call metric_snapshot');
select tests.clear_authentication();

select * from finish();
