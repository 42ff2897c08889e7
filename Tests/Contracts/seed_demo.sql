-- Contract: the demo seed (seed/10_demo.sql) gives exactly the numbers written in
-- seed/README.md for the reference 2026-06-15 12:00:00+00 (a Monday; local date
-- 2026-06-15 in Berlin, New York and Sydney), and loading it twice changes nothing.
-- Needs the generators: the directive below makes verify run seed/*.sql (schema seed) first,
-- inside this contract's transaction, so nothing of them stays behind.
-- audiencectl:uses-seed
select plan(31);

select has_function('seed', 'load_demo', array['timestamp with time zone'],
                    'seed.load_demo(timestamptz) is installed (seed/*.sql)');

-- A digest of every demo row: "content" (what the design determines) and "physical"
-- (plus ids and xmin: unchanged only if no row was rewritten).
create temporary view sd_digest as
with orgs as (select id from app.organizations where slug in ('demo-nachtfalter', 'demo-bowery-hall', 'demo-southern-lights')),
rows as (
  select 'event' as kind, e.client_event_id::text || e.occurred_at::text || e.event_type || coalesce(e.visitor_id, '')
           || coalesce(e.city, '') || coalesce(e.platform, '') || e.is_bot::text || coalesce(e.revenue_cents::text, '') as content,
         e.id::text || e.xmin::text as physical
  from analytics.events as e where e.org_id in (select id from orgs)
  union all
  select 'order', o.id::text || o.occurred_at::text || o.amount_cents::text || coalesce(o.refunded_at::text, ''), o.xmin::text
  from audience.orders as o where o.org_id in (select id from orgs)
  union all
  select 'subscriber', s.id::text || s.contact || s.subscribed_at::text || coalesce(s.unsubscribed_at::text, ''), s.xmin::text
  from audience.subscribers as s where s.org_id in (select id from orgs)
  union all
  select 'tour', t.id::text || t.city || t.starts_at::text, t.xmin::text from app.tour_dates as t where t.org_id in (select id from orgs)
  union all
  select 'content', c.id::text || c.title || coalesce(c.published_at::text, ''), c.xmin::text
  from app.content_items as c where c.org_id in (select id from orgs)
  union all
  select 'social', l.id::text || l.url || l.is_active::text, l.xmin::text from app.social_links as l where l.org_id in (select id from orgs)
  union all
  select 'org', g.id::text || g.slug || g.timezone, g.xmin::text from app.organizations as g where g.id in (select id from orgs)
)
select md5(string_agg(r.kind || r.content, '|' order by r.kind, r.content)) as content,
       md5(string_agg(r.kind || r.content || r.physical, '|' order by r.kind, r.content)) as physical,
       count(*) as n
from rows as r;

create temporary table sd_load_1 as select * from seed.load_demo('2026-06-15 12:00:00+00');
create temporary table sd_after_1 as select * from sd_digest;
create temporary table sd_load_2 as select * from seed.load_demo('2026-06-15 12:00:00+00');
create temporary table sd_after_2 as select * from sd_digest;
-- Another reference in the same local day everywhere (Sydney: 2026-06-15 21:59 local).
create temporary table sd_load_3 as select * from seed.load_demo('2026-06-15 11:59:00+00');

-- Idempotency ---------------------------------------------------------------------------
select results_eq($$ select count(*) filter (where org_slug in ('demo-nachtfalter', 'demo-bowery-hall', 'demo-southern-lights')),
                           sum(rows) from sd_load_2 $$, $$ values (22::bigint, 0::numeric) $$,
                  'a second run reports 22 (org, object) lines for the three organizations (21, and the venue''s ticket link clicks of seed/40_insights_demo.sql), all lines with 0 rows changed');
select is((select physical from sd_after_2), (select physical from sd_after_1),
          'a second run rewrites no row: ids and xmin of all demo rows unchanged');
select is((select sum(rows) from sd_load_3), 0::numeric,
          'a reference 1 minute earlier (same local day everywhere) changes nothing either');
select is((select n from sd_after_1), 2789::bigint,
          'the three organizations hold 2789 rows: 2408 events (and the venue''s 75 ticket link clicks of seed/40_insights_demo.sql), 57 orders, 210 subscribers, 11 tour dates, 15 content items, 10 social links, 3 orgs');

-- demo-nachtfalter (artist, Europe/Berlin) ----------------------------------------------
create temporary view sd_artist_events as
select e.*, (timestamptz '2026-06-15 12:00:00+00' at time zone 'Europe/Berlin')::date - (e.occurred_at at time zone 'Europe/Berlin')::date as days_back
from analytics.events as e join app.organizations as g on g.id = e.org_id where g.slug = 'demo-nachtfalter';

select results_eq(
  $$ select count(*) filter (where occurred_at >= timestamptz '2026-06-15 12:00:00+00' - interval '30 days'),
            count(*) filter (where occurred_at >= timestamptz '2026-06-15 12:00:00+00' - interval '60 days'
                               and occurred_at < timestamptz '2026-06-15 12:00:00+00' - interval '30 days')
     from sd_artist_events where event_type = 'link_click' and city = 'Berlin' and not is_bot $$,
  $$ values (145::bigint, 103::bigint) $$,
  'Berlin: 145 link clicks in the last 30 days, 103 in the previous 30 (bots excluded)');
select results_eq(
  $$ select count(*) filter (where days_back between 0 and 29), count(*) filter (where days_back between 30 and 59)
     from sd_artist_events where event_type = 'link_click' and city = 'Berlin' and not is_bot $$,
  $$ values (145::bigint, 103::bigint) $$,
  'the same 145 / 103 with windows of 30 local calendar days (Europe/Berlin)');
select is((select count(*) from sd_artist_events where event_type = 'link_click' and city = 'Berlin'
           and occurred_at >= timestamptz '2026-06-15 12:00:00+00' - interval '30 days'), 205::bigint,
          'counting the 60 bots, Berlin would show 205 link clicks in the last 30 days');
select results_eq(
  $$ select city, count(*) from sd_artist_events
     where event_type = 'link_click' and not is_bot and days_back between 0 and 29 group by city order by count(*) desc $$,
  $$ values ('Berlin'::text, 145::bigint), ('Warsaw', 60), ('Hamburg', 40), ('London', 25) $$,
  'link clicks by city, last 30 days: Berlin 145, Warsaw 60, Hamburg 40, London 25');
select results_eq(
  $$ select city, count(*) from sd_artist_events
     where event_type = 'link_click' and not is_bot and days_back between 30 and 59 group by city order by count(*) desc $$,
  $$ values ('Berlin'::text, 103::bigint), ('Hamburg', 38), ('London', 25), ('Warsaw', 20) $$,
  'link clicks by city, previous 30 days: Berlin 103, Hamburg 38, London 25, Warsaw 20');
select results_eq(
  $$ select t.city from app.tour_dates as t join app.organizations as g on g.id = t.org_id
     where g.slug = 'demo-nachtfalter' order by t.city $$,
  $$ values ('Berlin'::text), ('Cologne'), ('Hamburg'), ('London'), ('Munich') $$,
  'tour dates in Berlin, Cologne, Hamburg, London, Munich: none in Warsaw, the city with fans but no show');
select results_eq(
  $$ select platform collate "default", count(*) filter (where days_back between 0 and 29),
            count(*) filter (where days_back between 30 and 59)
     from sd_artist_events where event_type = 'link_click' and not is_bot group by platform order by platform $$,
  $$ values ('apple_music'::text, 30::bigint, 21::bigint), ('bandcamp', 90, 60), ('spotify', 90, 63), ('youtube', 60, 42) $$,
  'platforms: Spotify 90 = 3 x Apple Music 30 (last 30 days) and 63 = 3 x 21 (previous 30)');
select results_eq(
  $$ select count(*) filter (where not is_bot and days_back between 1 and 6),
            count(*) filter (where not is_bot and days_back between 8 and 13),
            count(*) filter (where is_bot and days_back between 8 and 13)
     from sd_artist_events where event_type = 'page_view' and referrer_domain = 'instagram.com' $$,
  $$ values (180::bigint, 30::bigint, 30::bigint) $$,
  'Instagram referrer surge: 180 page views in the last 7 days against 30 in the 7 before (+30 bots)');
select results_eq(
  $$ with weeks as (
       select visitor_id, is_bot, date_trunc('week', occurred_at at time zone 'Europe/Berlin')::date as week
       from sd_artist_events),
     cohort as (
       select visitor_id from weeks where not is_bot group by visitor_id having min(week) = date '2026-04-06')
     select (w.week - date '2026-04-06') / 7, count(distinct w.visitor_id)
     from weeks as w join cohort as c using (visitor_id) group by 1 order by 1 $$,
  $$ values (0, 100::bigint), (1, 60::bigint), (2, 45::bigint), (3, 30::bigint), (4, 20::bigint) $$,
  'cohort of the week of 2026-04-06: 100 visitors, back 60 / 45 / 30 / 20 in weeks 1 to 4');
select is((select count(distinct visitor_id) from sd_artist_events
           where date_trunc('week', occurred_at at time zone 'Europe/Berlin')::date = date '2026-04-06'), 120::bigint,
          'the same week holds 20 bot visitors more (120 counted with bots)');
select results_eq(
  $$ select o.visitor_id collate "default", coalesce(sum(o.amount_cents) filter (where o.refunded_at is null), 0)
     from audience.orders as o join app.organizations as g on g.id = o.org_id
     where g.slug = 'demo-nachtfalter' and o.visitor_id like 'buyer-%' group by o.visitor_id order by 2 desc $$,
  $$ values ('buyer-anna'::text, 8000::numeric), ('buyer-cara', 6000), ('buyer-eve', 5000), ('buyer-dan', 1998), ('buyer-ben', 0) $$,
  'lifetime value net of refunds: anna 8000, cara 6000, eve 5000, dan 1998, ben 0');
select results_eq(
  $$ select count(*), sum(o.amount_cents), sum(o.amount_cents) filter (where o.refunded_at is not null),
            sum(o.amount_cents) filter (where o.refunded_at is null)
     from audience.orders as o join app.organizations as g on g.id = o.org_id where g.slug = 'demo-nachtfalter' $$,
  $$ values (25::bigint, 42498::numeric, 14000::numeric, 28498::numeric) $$,
  'artist orders: 25, gross 42498, refunded 14000, net 28498');
select results_eq(
  $$ select o.city, count(*), sum(o.amount_cents) from audience.orders as o join app.organizations as g on g.id = o.org_id
     where g.slug = 'demo-nachtfalter' and o.kind = 'tip' group by o.city order by o.city $$,
  $$ values ('Berlin'::text, 8::bigint, 4000::numeric), ('London', 2, 2000), ('Warsaw', 5, 1500) $$,
  'tips by city: Berlin 8 (4000), London 2 (2000), Warsaw 5 (1500)');
select is((select sum(revenue_cents) from sd_artist_events), 42498::numeric,
          'revenue of the artist''s events (gross, refunds unknown to events): 42498');
select results_eq(
  $$ select s.channel, count(*), count(*) filter (where s.unsubscribed_at is null)
     from audience.subscribers as s join app.organizations as g on g.id = s.org_id
     where g.slug = 'demo-nachtfalter' group by s.channel order by s.channel $$,
  $$ values ('email'::text, 40::bigint, 35::bigint), ('push', 15, 15), ('sms', 10, 10) $$,
  'artist subscribers: email 40 (35 active), push 15, sms 10: 60 active of 65');
select results_eq(
  $$ select event_type collate "default", count(*) filter (where not is_bot), count(*) filter (where is_bot)
     from sd_artist_events group by event_type order by event_type $$,
  $$ values ('link_click'::text, 456::bigint, 60::bigint), ('page_view', 565, 50), ('purchase', 8, 0), ('subscribe', 2, 0), ('tip', 15, 0) $$,
  'artist events by type: 1156 in all, 110 of them bots');
select results_eq(
  $$ select count(*), count(*) filter (where l.is_active) from app.social_links as l join app.organizations as g on g.id = l.org_id
     where g.slug = 'demo-nachtfalter' $$,
  $$ values (6::bigint, 5::bigint) $$, 'artist social links: 6, of which 5 active');

-- demo-bowery-hall (venue, America/New_York) ---------------------------------------------
select results_eq(
  $$ select e.event_type collate "default", count(distinct e.visitor_id)
     from analytics.events as e join app.organizations as g on g.id = e.org_id
     where g.slug = 'demo-bowery-hall' and e.occurred_at >= timestamptz '2026-06-15 12:00:00+00' - interval '30 days'
     group by e.event_type order by 2 desc $$,
  $$ values ('event_view'::text, 200::bigint), ('ticket_cta', 80), ('link_click', 45), ('checkout_started', 40), ('purchase', 20) $$,
  'venue funnel, last 30 days: 200 -> 80 -> 40 -> 20 visitors (and 45 of them clicked a ticket link: seed/40_insights_demo.sql)');
select results_eq(
  $$ select count(*) filter (where o.occurred_at >= timestamptz '2026-06-15 12:00:00+00' - interval '30 days'),
            sum(o.amount_cents) filter (where o.occurred_at >= timestamptz '2026-06-15 12:00:00+00' - interval '30 days'),
            sum(o.amount_cents) filter (where o.occurred_at < timestamptz '2026-06-15 12:00:00+00' - interval '30 days')
     from audience.orders as o join app.organizations as g on g.id = o.org_id where g.slug = 'demo-bowery-hall' $$,
  $$ values (20::bigint, 70000::numeric, 42000::numeric) $$,
  'venue ticket sales: 20 orders = 70000 in the last 30 days, 42000 in the previous 30');

-- demo-southern-lights (promoter, Australia/Sydney) --------------------------------------
select results_eq(
  $$ select e.event_type collate "default", count(*)
     from analytics.events as e join app.organizations as g on g.id = e.org_id
     where g.slug = 'demo-southern-lights' and e.occurred_at >= timestamptz '2026-06-15 12:00:00+00' - interval '30 days'
     group by e.event_type order by 2 desc $$,
  $$ values ('email_open'::text, 300::bigint), ('email_click', 90), ('link_click', 45) $$,
  'promoter, last 30 days: 300 opens, 90 clicks (30 %), 45 ticket link clicks');
select results_eq(
  $$ select count(*), count(*) filter (where s.unsubscribed_at is null)
     from audience.subscribers as s join app.organizations as g on g.id = s.org_id where g.slug = 'demo-southern-lights' $$,
  $$ values (120::bigint, 108::bigint) $$, 'promoter subscribers: 108 active of 120');

select results_eq(
  $$ select g.slug, count(*), count(*) filter (where e.client_event_id like 'demo-insights:%')
     from analytics.events as e join app.organizations as g on g.id = e.org_id
     where g.slug in ('demo-nachtfalter', 'demo-bowery-hall', 'demo-southern-lights', 'demo-lichtung')
     group by g.slug order by g.slug $$,
  $$ values ('demo-bowery-hall'::text, 652::bigint, 75::bigint), ('demo-lichtung', 566, 566), ('demo-nachtfalter', 1156, 0),
            ('demo-southern-lights', 675, 0) $$,
  'events per demo organization: 577 (+ 75 ticket link clicks of seed/40_insights_demo.sql), 1156, 675; demo-lichtung 566');

-- Times relative to the reference only ---------------------------------------------------
create temporary table sd_load_4 as select * from seed.load_demo('2026-06-22 12:00:00+00');
select is((select sum(rows) from sd_load_4 where object = 'events'
             and org_slug in ('demo-nachtfalter', 'demo-bowery-hall', 'demo-southern-lights', 'demo-lichtung')), 6098::numeric,
          'a reference one week later replaces every demo event (2408 + 641 of seed/40_insights_demo.sql, deleted and inserted)');
select is((select count(*) from sd_artist_events where event_type = 'link_click' and city = 'Berlin' and not is_bot
           and occurred_at >= timestamptz '2026-06-22 12:00:00+00' - interval '30 days'), 145::bigint,
          'relative to the new reference Berlin again has 145 link clicks in the last 30 days');
create temporary table sd_load_5 as select * from seed.load_demo('2026-06-15 12:00:00+00');
select is((select content from sd_digest), (select content from sd_after_1),
          'loading the first reference again restores exactly the same demo data');
select is((select count(*) from analytics.events as e join app.organizations as g on g.id = e.org_id
           where g.slug like 'demo-%' and analytics.validate_event(jsonb_strip_nulls(jsonb_build_object(
             'org_id', e.org_id, 'event_type', e.event_type, 'occurred_at', e.occurred_at, 'visitor_id', e.visitor_id,
             'client_event_id', e.client_event_id, 'entity_type', e.entity_type, 'entity_id', e.entity_id,
             'properties', jsonb_build_object('utm_source', e.utm_source, 'utm_medium', e.utm_medium,
               'utm_campaign', e.utm_campaign, 'referrer_domain', e.referrer_domain, 'link_type', e.link_type,
               'platform', e.platform, 'device_type', e.device_type, 'device_os', e.device_os,
               'device_browser', e.device_browser, 'network_type', e.network_type, 'page_load_ms', e.page_load_ms,
               'country', e.country, 'city', e.city, 'is_bot', e.is_bot, 'revenue_cents', e.revenue_cents,
               'currency', e.currency))), timestamptz '2026-06-15 12:00:00+00') is not null), 0::bigint,
          'every demo event, sent as JSON, passes analytics.validate_event');

select * from finish();
