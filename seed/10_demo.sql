-- Demo seed: three organizations whose data is designed so that the right answers are
-- known by construction (seed/README.md lists them; Tests/Contracts/seed_demo.sql checks
-- them). audiencectl seed demo calls seed.load_demo(reference); `make up` too.
--
-- Every time is a local wall-clock time of the organization (its time zone) on a day
-- counted back from D, the local date of p_reference. Events sit between 09:00 and
-- 19:59 local, on days chosen well inside every window the numbers are about, so a
-- window [R - 30 days, R) and a window of 30 local calendar days give the same counts.
-- Ids are deterministic (seed.uuid of a name), events carry client_event_id
-- 'demo:<block>:<i>': a second run with a reference on the same local day changes
-- nothing; a reference on another day replaces the demo organizations' rows.
create schema if not exists seed;

-- The demo organizations.
create or replace function seed.demo_orgs()
returns table (slug text, id uuid, name text, kind app.org_kind, timezone text, currency char(3),
               display_name text, genres text[])
language sql
immutable
as $$
  select v.slug, seed.uuid('demo-org:' || v.slug), v.name, v.kind::app.org_kind, v.timezone, v.currency::char(3),
         v.display_name, v.genres
  from (values
    ('demo-nachtfalter', 'Nachtfalter', 'artist', 'Europe/Berlin', 'EUR', 'Nachtfalter',
     array['techno', 'ambient']),
    ('demo-bowery-hall', 'Bowery Lights Hall', 'venue', 'America/New_York', 'USD', 'Bowery Lights Hall',
     array['indie', 'electronic']),
    ('demo-southern-lights', 'Southern Lights Promotions', 'promoter', 'Australia/Sydney', 'AUD',
     'Southern Lights', array['electronic', 'pop'])
  ) as v (slug, name, kind, timezone, currency, display_name, genres)
$$;
comment on function seed.demo_orgs() is 'The three demo organizations (artist, venue, promoter) with deterministic ids.';

-- Content items of the demo organizations (published_at relative to the reference).
create or replace function seed.demo_content_items(p_reference timestamptz)
returns table (org_id uuid, id uuid, kind text, title text, external_ref text, published_at timestamptz,
               popularity int, metadata jsonb)
language sql
stable
as $$
  select o.id, seed.uuid('demo:' || o.slug || ':content:' || v.key), v.kind, v.title, v.external_ref,
         case when v.days_back is not null
              then seed.local_time(o.timezone, (p_reference at time zone o.timezone)::date - v.days_back, 600) end,
         v.popularity, v.metadata::jsonb
  from (values
    ('demo-nachtfalter', 'moth-light', 'release', 'Moth Light', 'spotify:album:demo-moth-light', 100, 54, '{"format": "album", "tracks": 9}'),
    ('demo-nachtfalter', 'low-tide', 'release', 'Low Tide', 'spotify:track:demo-low-tide', 20, 61, '{"format": "single"}'),
    ('demo-nachtfalter', 'low-tide-nightcall', 'mashup', 'Low Tide x Nightcall', 'soundcloud:demo-low-tide-nightcall', 8, 33, '{}'),
    ('demo-nachtfalter', 'link-spotify', 'link', 'Spotify', 'https://open.spotify.com/artist/demo-nachtfalter', null, null, '{"platform": "spotify"}'),
    ('demo-nachtfalter', 'link-apple-music', 'link', 'Apple Music', 'https://music.apple.com/artist/demo-nachtfalter', null, null, '{"platform": "apple_music"}'),
    ('demo-nachtfalter', 'link-youtube', 'link', 'YouTube', 'https://www.youtube.com/@demo-nachtfalter', null, null, '{"platform": "youtube"}'),
    ('demo-nachtfalter', 'link-bandcamp', 'link', 'Bandcamp', 'https://demo-nachtfalter.bandcamp.com', null, null, '{"platform": "bandcamp"}'),
    ('demo-nachtfalter', 'vinyl', 'product', 'Moth Light vinyl', 'shop:vinyl-moth-light', 90, null, '{"price_cents": 2500}'),
    ('demo-nachtfalter', 'tshirt', 'product', 'Tour T-shirt', 'shop:tshirt-tour', 60, null, '{"price_cents": 1500}'),
    ('demo-bowery-hall', 'show-1', 'event', 'Friday Night Lights', 'tickets:demo-bowery-1', 30, null, '{}'),
    ('demo-bowery-hall', 'show-2', 'event', 'Basement Sessions', 'tickets:demo-bowery-2', 30, null, '{}'),
    ('demo-bowery-hall', 'show-3', 'event', 'Late Night Jazz', 'tickets:demo-bowery-3', 30, null, '{}'),
    ('demo-southern-lights', 'tour-sydney', 'event', 'Southern Lights: Sydney', 'tickets:demo-sl-sydney', 45, null, '{}'),
    ('demo-southern-lights', 'tour-melbourne', 'event', 'Southern Lights: Melbourne', 'tickets:demo-sl-melbourne', 45, null, '{}'),
    ('demo-southern-lights', 'tour-brisbane', 'event', 'Southern Lights: Brisbane', 'tickets:demo-sl-brisbane', 45, null, '{}')
  ) as v (org_slug, key, kind, title, external_ref, days_back, popularity, metadata)
  join seed.demo_orgs() as o on o.slug = v.org_slug
$$;
comment on function seed.demo_content_items(timestamptz) is 'Demo content items (releases, mashup, links, products, shows) for a reference time.';

-- Tour dates: the artist plays Berlin, Hamburg, Munich, London (and played Cologne), but
-- not Warsaw, its second city by link clicks.
create or replace function seed.demo_tour_dates(p_reference timestamptz)
returns table (org_id uuid, id uuid, city text, country char(2), latitude float8, longitude float8,
               starts_at timestamptz, venue_name text, ticket_status text)
language sql
stable
as $$
  select o.id, seed.uuid('demo:' || o.slug || ':tour:' || v.key), v.city, v.country::char(2), v.lat, v.lon,
         seed.local_time(o.timezone, (p_reference at time zone o.timezone)::date + v.days_ahead, 1200),
         v.venue, v.status
  from (values
    ('demo-nachtfalter', 'berlin', 'Berlin', 'DE', 52.5200, 13.4050, 20, 'Astra Kulturhaus', 'on_sale'),
    ('demo-nachtfalter', 'hamburg', 'Hamburg', 'DE', 53.5511, 9.9937, 27, 'Uebel & Gefährlich', 'on_sale'),
    ('demo-nachtfalter', 'munich', 'Munich', 'DE', 48.1351, 11.5820, 34, 'Muffatwerk', 'low_tickets'),
    ('demo-nachtfalter', 'london', 'London', 'GB', 51.5072, -0.1276, 45, 'Village Underground', 'announced'),
    ('demo-nachtfalter', 'cologne', 'Cologne', 'DE', 50.9375, 6.9603, -40, 'Gebäude 9', 'sold_out'),
    ('demo-bowery-hall', 'show-1', 'New York', 'US', 40.7209, -73.9936, 7, 'Bowery Lights Hall', 'on_sale'),
    ('demo-bowery-hall', 'show-2', 'New York', 'US', 40.7209, -73.9936, 14, 'Bowery Lights Hall', 'on_sale'),
    ('demo-bowery-hall', 'show-3', 'New York', 'US', 40.7209, -73.9936, 21, 'Bowery Lights Hall', 'announced'),
    ('demo-southern-lights', 'sydney', 'Sydney', 'AU', -33.8688, 151.2093, 10, 'Enmore Theatre', 'on_sale'),
    ('demo-southern-lights', 'melbourne', 'Melbourne', 'AU', -37.8136, 144.9631, 17, 'Forum Melbourne', 'on_sale'),
    ('demo-southern-lights', 'brisbane', 'Brisbane', 'AU', -27.4698, 153.0251, 24, 'The Tivoli', 'low_tickets')
  ) as v (org_slug, key, city, country, lat, lon, days_ahead, venue, status)
  join seed.demo_orgs() as o on o.slug = v.org_slug
$$;
comment on function seed.demo_tour_dates(timestamptz) is 'Demo tour dates (days relative to the reference, 20:00 local).';

-- Social links.
create or replace function seed.demo_social_links()
returns table (org_id uuid, id uuid, platform text, url text, is_active boolean)
language sql
immutable
as $$
  select o.id, seed.uuid('demo:' || o.slug || ':social:' || v.platform), v.platform, v.url, v.active
  from (values
    ('demo-nachtfalter', 'spotify', 'https://open.spotify.com/artist/demo-nachtfalter', true),
    ('demo-nachtfalter', 'apple_music', 'https://music.apple.com/artist/demo-nachtfalter', true),
    ('demo-nachtfalter', 'instagram', 'https://www.instagram.com/demo.nachtfalter', true),
    ('demo-nachtfalter', 'tiktok', 'https://www.tiktok.com/@demo.nachtfalter', true),
    ('demo-nachtfalter', 'youtube', 'https://www.youtube.com/@demo-nachtfalter', true),
    ('demo-nachtfalter', 'soundcloud', 'https://soundcloud.com/demo-nachtfalter', false),
    ('demo-bowery-hall', 'instagram', 'https://www.instagram.com/demo.boweryhall', true),
    ('demo-bowery-hall', 'website', 'https://boweryhall.example.com', true),
    ('demo-southern-lights', 'instagram', 'https://www.instagram.com/demo.southernlights', true),
    ('demo-southern-lights', 'facebook', 'https://www.facebook.com/demo.southernlights', true)
  ) as v (org_slug, platform, url, active)
  join seed.demo_orgs() as o on o.slug = v.org_slug
$$;
comment on function seed.demo_social_links() is 'Demo social links (the artist''s soundcloud link is inactive).';

-- Orders and tips. Refunds: the artist's buyer ben (12000, refunded) and eve's second
-- purchase (2000, refunded).
create or replace function seed.demo_orders(p_reference timestamptz)
returns table (org_id uuid, id uuid, key text, kind text, visitor_id text, content_item_id uuid,
               amount_cents bigint, currency char(3), city text, country char(2), occurred_at timestamptz,
               refunded_at timestamptz, external_ref text)
language sql
stable
as $$
  with spec (org_slug, key, kind, visitor_id, content_key, amount_cents, city, country, days_back, minute,
             refund_days_back) as (
    values
      ('demo-nachtfalter', 'anna-1', 'purchase', 'buyer-anna', 'vinyl', 2500, 'Berlin', 'DE', 50, 1170, null::int),
      ('demo-nachtfalter', 'anna-2', 'purchase', 'buyer-anna', 'tshirt', 1500, 'Berlin', 'DE', 35, 1170, null),
      ('demo-nachtfalter', 'anna-3', 'purchase', 'buyer-anna', 'vinyl', 4000, 'Berlin', 'DE', 10, 1170, null),
      ('demo-nachtfalter', 'ben-1', 'purchase', 'buyer-ben', 'vinyl', 12000, 'Hamburg', 'DE', 20, 1170, 18),
      ('demo-nachtfalter', 'cara-1', 'purchase', 'buyer-cara', 'tshirt', 3000, 'Warsaw', 'PL', 45, 1170, null),
      ('demo-nachtfalter', 'cara-2', 'purchase', 'buyer-cara', 'tshirt', 3000, 'Warsaw', 'PL', 15, 1170, null),
      ('demo-nachtfalter', 'dan-1', 'subscription', 'buyer-dan', null, 999, 'London', 'GB', 50, 1170, null),
      ('demo-nachtfalter', 'dan-2', 'subscription', 'buyer-dan', null, 999, 'London', 'GB', 20, 1170, null),
      ('demo-nachtfalter', 'eve-1', 'purchase', 'buyer-eve', 'vinyl', 5000, 'Berlin', 'DE', 40, 1170, null),
      ('demo-nachtfalter', 'eve-2', 'purchase', 'buyer-eve', 'tshirt', 2000, 'Berlin', 'DE', 12, 1170, 11)
  ),
  tips (org_slug, city, country, n, amount_cents, first_day) as (
    values ('demo-nachtfalter', 'Berlin', 'DE', 8, 500, 2),
           ('demo-nachtfalter', 'Warsaw', 'PL', 5, 300, 3),
           ('demo-nachtfalter', 'London', 'GB', 2, 1000, 4)
  ),
  all_orders as (
    select s.org_slug, s.key, s.kind, s.visitor_id, s.content_key, s.amount_cents, s.city, s.country, s.days_back,
           s.minute, s.refund_days_back
    from spec as s
    union all
    select t.org_slug, 'tip-' || pg_catalog.lower(t.city) || '-' || i, 'tip',
           'tipper-' || pg_catalog.lower(t.city) || '-' || i, null, t.amount_cents, t.city, t.country,
           t.first_day + i - 1, 1110, null
    from tips as t
    cross join pg_catalog.generate_series(1, t.n) as i
    union all
    -- The venue's ticket purchases: the visitors at the end of its funnel (see demo_events).
    select 'demo-bowery-hall', w.prefix || '-' || i, 'purchase', 'venue-' || w.prefix || '-' || i, 'show-' || (1 + (i - 1) % 3),
           3500, 'New York', 'US', w.first_day + (i - 1) % 28, 540 + ((i - 1) * 37) % 600 + 15, null
    from (values ('cur', 20, 1), ('prev', 12, 31)) as w (prefix, n, first_day)
    cross join lateral pg_catalog.generate_series(1, w.n) as i
  )
  select o.id, seed.uuid('demo:' || o.slug || ':order:' || a.key), a.key, a.kind, a.visitor_id,
         case when a.content_key is not null then seed.uuid('demo:' || o.slug || ':content:' || a.content_key) end,
         a.amount_cents::bigint, o.currency, a.city, a.country::char(2),
         seed.local_time(o.timezone, (p_reference at time zone o.timezone)::date - a.days_back, a.minute),
         case when a.refund_days_back is not null
              then seed.local_time(o.timezone, (p_reference at time zone o.timezone)::date - a.refund_days_back, 900) end,
         'demo-payment:' || o.slug || ':' || a.key
  from all_orders as a
  join seed.demo_orgs() as o on o.slug = a.org_slug
$$;
comment on function seed.demo_orders(timestamptz) is 'Demo orders and tips (artist buyers with refunds, tips in three cities, venue ticket sales).';

-- Notification subscribers. contact values use example.com and 555 numbers.
create or replace function seed.demo_subscribers(p_reference timestamptz)
returns table (org_id uuid, id uuid, channel text, contact text, city text, country_code char(2),
               subscribed_at timestamptz, unsubscribed_at timestamptz)
language sql
stable
as $$
  select o.id, seed.uuid('demo:' || o.slug || ':subscriber:' || v.channel || ':' || pg_catalog.lower(v.city) || ':' || i),
         v.channel,
         case v.channel
           when 'email' then 'fan-' || pg_catalog.lower(pg_catalog.replace(v.city, ' ', '-')) || '-' || i || '@' || o.slug || '.example.com'
           when 'sms' then '+1555' || pg_catalog.lpad(i::text, 7, '0')
           else 'push-token-' || o.slug || '-' || pg_catalog.lower(v.city) || '-' || i end,
         v.city, v.country::char(2),
         seed.local_time(o.timezone, (p_reference at time zone o.timezone)::date - (5 + (i - 1) % 50), 600),
         case when i <= v.unsubscribed
              then seed.local_time(o.timezone, (p_reference at time zone o.timezone)::date - (5 + (i - 1) % 50) + 3, 600) end
  from (values
    ('demo-nachtfalter', 'email', 'Berlin', 'DE', 20, 5),
    ('demo-nachtfalter', 'email', 'Warsaw', 'PL', 10, 0),
    ('demo-nachtfalter', 'email', 'London', 'GB', 10, 0),
    ('demo-nachtfalter', 'sms', 'Berlin', 'DE', 10, 0),
    ('demo-nachtfalter', 'push', 'Hamburg', 'DE', 15, 0),
    ('demo-bowery-hall', 'email', 'New York', 'US', 25, 0),
    ('demo-southern-lights', 'email', 'Sydney', 'AU', 80, 0),
    ('demo-southern-lights', 'email', 'Melbourne', 'AU', 40, 12)
  ) as v (org_slug, channel, city, country, n, unsubscribed)
  join seed.demo_orgs() as o on o.slug = v.org_slug
  cross join lateral pg_catalog.generate_series(1, v.n) as i
$$;
comment on function seed.demo_subscribers(timestamptz) is 'Demo notification subscribers (email, sms, push), some unsubscribed.';

-- The demo events. Blocks: n events i = 1..n on local day D - (day_from + (i - 1) % span)
-- at 09:00 + (i - 1) * 37 minutes mod 600 (+ minute_offset), visitor prefix-i. Link
-- clicks with platform 'rotate' take, in block order, spotify x3, apple_music, youtube x2,
-- bandcamp x3 (a cycle of 9) within their window. Plus the cohort (weekly retention) and
-- one event per order (purchase / tip / subscribe with revenue).
create or replace function seed.demo_events(p_reference timestamptz)
returns table (org_id uuid, client_event_id text, occurred_at timestamptz, event_type text, entity_type text,
               entity_id uuid, visitor_id text, utm_source text, utm_medium text, utm_campaign text,
               referrer_domain text, link_type text, platform text, device_type text, device_os text,
               device_browser text, network_type text, page_load_ms int, country char(2), city text,
               is_bot boolean, revenue_cents bigint, currency char(3))
language sql
stable
as $$
  with blocks (org_slug, ord, block, event_type, win, n, day_from, day_to, minute_offset, prefix, city, country,
               platform, utm_source, utm_medium, utm_campaign, referrer_domain, is_bot) as (
    values
      -- Artist: link clicks by city, last 30 days (days 1..28) and previous 30 (31..58).
      ('demo-nachtfalter', 1, 'lc-cur-berlin', 'link_click', 'cur', 145, 1, 28, 0, 'fan-cur-berlin', 'Berlin', 'DE', 'rotate', null, null, null, null, false),
      ('demo-nachtfalter', 2, 'lc-cur-hamburg', 'link_click', 'cur', 40, 1, 28, 0, 'fan-cur-hamburg', 'Hamburg', 'DE', 'rotate', null, null, null, null, false),
      ('demo-nachtfalter', 3, 'lc-cur-warsaw', 'link_click', 'cur', 60, 1, 28, 0, 'fan-cur-warsaw', 'Warsaw', 'PL', 'rotate', null, null, null, null, false),
      ('demo-nachtfalter', 4, 'lc-cur-london', 'link_click', 'cur', 25, 1, 28, 0, 'fan-cur-london', 'London', 'GB', 'rotate', null, null, null, null, false),
      ('demo-nachtfalter', 5, 'lc-prev-berlin', 'link_click', 'prev', 103, 31, 58, 0, 'fan-prev-berlin', 'Berlin', 'DE', 'rotate', null, null, null, null, false),
      ('demo-nachtfalter', 6, 'lc-prev-hamburg', 'link_click', 'prev', 38, 31, 58, 0, 'fan-prev-hamburg', 'Hamburg', 'DE', 'rotate', null, null, null, null, false),
      ('demo-nachtfalter', 7, 'lc-prev-warsaw', 'link_click', 'prev', 20, 31, 58, 0, 'fan-prev-warsaw', 'Warsaw', 'PL', 'rotate', null, null, null, null, false),
      ('demo-nachtfalter', 8, 'lc-prev-london', 'link_click', 'prev', 25, 31, 58, 0, 'fan-prev-london', 'London', 'GB', 'rotate', null, null, null, null, false),
      -- Bots hammering the Spotify link from Berlin (must be excluded).
      ('demo-nachtfalter', 9, 'lc-cur-berlin-bots', 'link_click', 'bots', 60, 1, 28, 0, 'bot-berlin', 'Berlin', 'DE', 'spotify', null, null, null, null, true),
      -- Instagram referrer surge, last 7 days (days 2..5) against the 7 before (9..12).
      ('demo-nachtfalter', 10, 'pv-ig-week', 'page_view', 'week', 180, 2, 5, 0, 'ig-week', '*', '*', null, 'instagram', 'social', null, 'instagram.com', false),
      ('demo-nachtfalter', 11, 'pv-ig-prev-week', 'page_view', 'week', 30, 9, 12, 0, 'ig-prev-week', '*', '*', null, 'instagram', 'social', null, 'instagram.com', false),
      ('demo-nachtfalter', 12, 'pv-ig-prev-week-bots', 'page_view', 'week', 30, 9, 12, 0, 'bot-ig', 'Ashburn', 'US', null, 'instagram', 'social', null, 'instagram.com', true),
      ('demo-nachtfalter', 13, 'pv-google-week', 'page_view', 'week', 50, 2, 5, 0, 'google-week', '*', '*', null, null, null, null, 'google.com', false),
      ('demo-nachtfalter', 14, 'pv-google-prev-week', 'page_view', 'week', 50, 9, 12, 0, 'google-prev-week', '*', '*', null, null, null, null, 'google.com', false),
      -- Venue: ticket funnel, the same visitors step by step (purchases come from orders).
      ('demo-bowery-hall', 1, 'venue-cur-view', 'event_view', 'cur', 200, 1, 28, 0, 'venue-cur', 'New York', 'US', null, null, null, null, null, false),
      ('demo-bowery-hall', 2, 'venue-cur-cta', 'ticket_cta', 'cur', 80, 1, 28, 5, 'venue-cur', 'New York', 'US', null, null, null, null, null, false),
      ('demo-bowery-hall', 3, 'venue-cur-checkout', 'checkout_started', 'cur', 40, 1, 28, 10, 'venue-cur', 'New York', 'US', null, null, null, null, null, false),
      ('demo-bowery-hall', 4, 'venue-prev-view', 'event_view', 'prev', 150, 31, 58, 0, 'venue-prev', 'New York', 'US', null, null, null, null, null, false),
      ('demo-bowery-hall', 5, 'venue-prev-cta', 'ticket_cta', 'prev', 50, 31, 58, 5, 'venue-prev', 'New York', 'US', null, null, null, null, null, false),
      ('demo-bowery-hall', 6, 'venue-prev-checkout', 'checkout_started', 'prev', 25, 31, 58, 10, 'venue-prev', 'New York', 'US', null, null, null, null, null, false),
      -- Promoter: newsletter opens and clicks, and the ticket link clicks they bring.
      ('demo-southern-lights', 1, 'sl-cur-open', 'email_open', 'cur', 300, 1, 28, 0, 'sl-cur', '~', '~', null, null, null, null, null, false),
      ('demo-southern-lights', 2, 'sl-cur-click', 'email_click', 'cur', 90, 1, 28, 3, 'sl-cur', '~', '~', null, 'newsletter', 'email', 'tour-announcement', null, false),
      ('demo-southern-lights', 3, 'sl-cur-tickets', 'link_click', 'cur', 45, 1, 28, 6, 'sl-cur', '~', '~', 'tickets', 'newsletter', 'email', 'tour-announcement', null, false),
      ('demo-southern-lights', 4, 'sl-prev-open', 'email_open', 'prev', 200, 31, 58, 0, 'sl-prev', '~', '~', null, null, null, null, null, false),
      ('demo-southern-lights', 5, 'sl-prev-click', 'email_click', 'prev', 40, 31, 58, 3, 'sl-prev', '~', '~', null, 'newsletter', 'email', 'tour-announcement', null, false)
  ),
  block_events as (
    select o.id as org_id, o.slug, o.timezone, o.currency, (p_reference at time zone o.timezone)::date as d,
           b.*, i,
           b.day_from + (i - 1) % (b.day_to - b.day_from + 1) as days_back,
           540 + ((i - 1) * 37) % 600 + b.minute_offset as minute,
           case when b.platform = 'rotate'
                then (array['spotify', 'spotify', 'spotify', 'apple_music', 'youtube', 'youtube', 'bandcamp', 'bandcamp', 'bandcamp'])
                       [1 + (pg_catalog.row_number() over (partition by b.org_slug, b.win, b.platform order by b.ord, i) - 1) % 9]
                else b.platform end as link_platform,
           -- '*': the four fan cities in turn; '~': Sydney twice, then Melbourne.
           case b.city when '*' then (array['Berlin', 'Hamburg', 'Warsaw', 'London'])[1 + (i - 1) % 4]
                       when '~' then (array['Sydney', 'Sydney', 'Melbourne'])[1 + (i - 1) % 3]
                       else b.city end as event_city,
           case b.country when '*' then (array['DE', 'DE', 'PL', 'GB'])[1 + (i - 1) % 4]
                          when '~' then 'AU'
                          else b.country end as event_country
    from blocks as b
    join seed.demo_orgs() as o on o.slug = b.org_slug
    cross join lateral pg_catalog.generate_series(1, b.n) as i
  ),
  cohort as (
    -- Artist: 100 visitors first seen on the Tuesday of the week (Monday start, local)
    -- 10 weeks before the reference's week; 60 / 45 / 30 / 20 of them come back on the
    -- Wednesday of weeks +1 / +2 / +3 / +4; 20 bots first seen the same Tuesday never do.
    select o.id as org_id, o.timezone,
           pg_catalog.date_trunc('week', (p_reference at time zone o.timezone)::date)::date - 70 as week_start
    from seed.demo_orgs() as o
    where o.slug = 'demo-nachtfalter'
  ),
  cohort_events as (
    select c.org_id, 'demo:cohort:first:' || i as client_event_id,
           seed.local_time(c.timezone, c.week_start + 1, 720 + i - 1) as occurred_at,
           'cohort-' || pg_catalog.lpad(i::text, 3, '0') as visitor_id, false as is_bot,
           'Munich' as city, 'DE' as country, i
    from cohort as c cross join pg_catalog.generate_series(1, 100) as i
    union all
    select c.org_id, 'demo:cohort:week' || w.k || ':' || i,
           seed.local_time(c.timezone, c.week_start + 7 * w.k + 2, 720 + i - 1),
           'cohort-' || pg_catalog.lpad(i::text, 3, '0'), false, 'Munich', 'DE', i
    from cohort as c
    cross join (values (1, 60), (2, 45), (3, 30), (4, 20)) as w (k, returners)
    cross join lateral pg_catalog.generate_series(1, w.returners) as i
    union all
    select c.org_id, 'demo:cohort:bot:' || i,
           seed.local_time(c.timezone, c.week_start + 1, 840 + i - 1),
           'cohort-bot-' || pg_catalog.lpad(i::text, 2, '0'), true, 'Ashburn', 'US', i
    from cohort as c cross join pg_catalog.generate_series(1, 20) as i
  )
  select e.org_id, 'demo:' || e.block || ':' || e.i, seed.local_time(e.timezone, e.d - e.days_back, e.minute),
         e.event_type,
         case when e.link_platform in ('spotify', 'apple_music', 'youtube', 'bandcamp') then 'content_item' end,
         case e.link_platform when 'spotify' then seed.uuid('demo:' || e.slug || ':content:link-spotify')
                              when 'apple_music' then seed.uuid('demo:' || e.slug || ':content:link-apple-music')
                              when 'youtube' then seed.uuid('demo:' || e.slug || ':content:link-youtube')
                              when 'bandcamp' then seed.uuid('demo:' || e.slug || ':content:link-bandcamp') end,
         e.prefix || '-' || e.i, e.utm_source, e.utm_medium, e.utm_campaign, e.referrer_domain,
         case e.link_platform when 'spotify' then 'streaming' when 'apple_music' then 'streaming'
                              when 'youtube' then 'video' when 'bandcamp' then 'store' when 'tickets' then 'tickets' end,
         e.link_platform,
         case when e.is_bot then 'desktop' when e.i % 10 < 6 then 'mobile' when e.i % 10 < 9 then 'desktop' else 'tablet' end,
         case when e.is_bot then 'Linux' when e.i % 10 < 6 then (array['iOS', 'Android'])[1 + e.i % 2]
              when e.i % 10 < 9 then (array['macOS', 'Windows'])[1 + e.i % 2] else 'iPadOS' end,
         case when e.is_bot then 'HeadlessChrome' when e.i % 10 < 6 then (array['Safari', 'Chrome'])[1 + e.i % 2]
              when e.i % 10 < 9 then (array['Safari', 'Chrome'])[1 + e.i % 2] else 'Safari' end,
         case when e.is_bot then 'ethernet' when e.i % 10 < 6 then (array['4g', 'wifi'])[1 + e.i % 2] else 'wifi' end,
         case when e.event_type in ('page_view', 'event_view') then 400 + (e.i * 53) % 1600 end,
         e.event_country::char(2), e.event_city, e.is_bot, null::bigint, null::char(3)
  from block_events as e
  union all
  select c.org_id, c.client_event_id, c.occurred_at, 'page_view', null, null, c.visitor_id, null, null, null, null,
         null, null, case when c.is_bot then 'desktop' else 'mobile' end,
         case when c.is_bot then 'Linux' else 'Android' end,
         case when c.is_bot then 'HeadlessChrome' else 'Chrome' end,
         case when c.is_bot then 'ethernet' else '4g' end, 800, c.country::char(2), c.city, c.is_bot, null, null
  from cohort_events as c
  union all
  select r.org_id, 'demo:order:' || r.key, r.occurred_at,
         case r.kind when 'purchase' then 'purchase' when 'tip' then 'tip' else 'subscribe' end,
         case when r.content_item_id is not null then 'content_item' end, r.content_item_id, r.visitor_id,
         null, null, null, null, null, null, 'mobile', 'iOS', 'Safari', 'wifi', null, r.country, r.city, false,
         r.amount_cents, r.currency
  from seed.demo_orders(p_reference) as r
$$;
comment on function seed.demo_events(timestamptz) is
  'The demo events for a reference time (designed blocks, the weekly cohort, one event per order); see seed/README.md.';

-- Loads (or refreshes) the demo data for p_reference and returns, per organization and
-- object, how many rows this call inserted, updated or deleted: all 0 when the demo
-- data for the same local day is already there. Rows of the demo organizations that the
-- design does not contain (e.g. events of another reference day) are deleted.
-- For DBA / audiencectl sessions (it writes as the table owner).
create or replace function seed.load_demo(p_reference timestamptz default pg_catalog.now())
returns table (org_slug text, object text, rows bigint)
language plpgsql
volatile
as $$
declare
  v_org_ids uuid[];
begin
  if p_reference is null then
    raise exception 'reference time must not be null'
      using errcode = '22023', hint = 'Pass a timestamptz, e.g. now().';
  end if;
  perform analytics.ensure_partitions(3, 4);

  if pg_catalog.to_regclass('pg_temp.demo_changes') is null then
    create temporary table demo_changes (org_id uuid, object text, n bigint) on commit drop;  -- nothing left on a pooled session
  end if;
  truncate pg_temp.demo_changes;

  select pg_catalog.array_agg(o.id) into v_org_ids from seed.demo_orgs() as o;

  with upserted as (
    insert into app.organizations as t (id, slug, name, kind, timezone, currency, display_name, genres)
    select o.id, o.slug, o.name, o.kind, o.timezone, o.currency, o.display_name, o.genres
    from seed.demo_orgs() as o
    on conflict (id) do update
      set slug = excluded.slug, name = excluded.name, kind = excluded.kind, timezone = excluded.timezone,
          currency = excluded.currency, display_name = excluded.display_name, genres = excluded.genres
      where (t.slug, t.name, t.kind, t.timezone, t.currency, t.display_name, t.genres)
            is distinct from (excluded.slug, excluded.name, excluded.kind, excluded.timezone, excluded.currency,
                              excluded.display_name, excluded.genres)
    returning t.id
  )
  insert into pg_temp.demo_changes select u.id, 'organizations', pg_catalog.count(*) from upserted as u group by u.id;

  -- Content items.
  with wanted as (select * from seed.demo_content_items(p_reference)),
  removed as (
    delete from app.content_items as t
    where t.org_id = any (v_org_ids)
      and not exists (select 1 from wanted as w where w.org_id = t.org_id and w.id = t.id)
    returning t.org_id
  ),
  upserted as (
    insert into app.content_items as t (org_id, id, kind, title, external_ref, published_at, popularity, metadata)
    select w.org_id, w.id, w.kind, w.title, w.external_ref, w.published_at, w.popularity, w.metadata from wanted as w
    on conflict (org_id, id) do update
      set kind = excluded.kind, title = excluded.title, external_ref = excluded.external_ref,
          published_at = excluded.published_at, popularity = excluded.popularity, metadata = excluded.metadata
      where (t.kind, t.title, t.external_ref, t.published_at, t.popularity, t.metadata)
            is distinct from (excluded.kind, excluded.title, excluded.external_ref, excluded.published_at,
                              excluded.popularity, excluded.metadata)
    returning t.org_id
  )
  insert into pg_temp.demo_changes
  select c.org_id, 'content_items', pg_catalog.count(*)
  from (select r.org_id from removed as r union all select u.org_id from upserted as u) as c
  group by c.org_id;

  -- Tour dates.
  with wanted as (select * from seed.demo_tour_dates(p_reference)),
  removed as (
    delete from app.tour_dates as t
    where t.org_id = any (v_org_ids)
      and not exists (select 1 from wanted as w where w.org_id = t.org_id and w.id = t.id)
    returning t.org_id
  ),
  upserted as (
    insert into app.tour_dates as t (org_id, id, city, country, latitude, longitude, starts_at, venue_name, ticket_status)
    select w.org_id, w.id, w.city, w.country, w.latitude, w.longitude, w.starts_at, w.venue_name, w.ticket_status
    from wanted as w
    on conflict (org_id, id) do update
      set city = excluded.city, country = excluded.country, latitude = excluded.latitude,
          longitude = excluded.longitude, starts_at = excluded.starts_at, venue_name = excluded.venue_name,
          ticket_status = excluded.ticket_status
      where (t.city, t.country, t.latitude, t.longitude, t.starts_at, t.venue_name, t.ticket_status)
            is distinct from (excluded.city, excluded.country, excluded.latitude, excluded.longitude,
                              excluded.starts_at, excluded.venue_name, excluded.ticket_status)
    returning t.org_id
  )
  insert into pg_temp.demo_changes
  select c.org_id, 'tour_dates', pg_catalog.count(*)
  from (select r.org_id from removed as r union all select u.org_id from upserted as u) as c
  group by c.org_id;

  -- Social links.
  with wanted as (select * from seed.demo_social_links()),
  removed as (
    delete from app.social_links as t
    where t.org_id = any (v_org_ids)
      and not exists (select 1 from wanted as w where w.org_id = t.org_id and w.id = t.id)
    returning t.org_id
  ),
  upserted as (
    insert into app.social_links as t (org_id, id, platform, url, is_active)
    select w.org_id, w.id, w.platform, w.url, w.is_active from wanted as w
    on conflict (org_id, id) do update
      set platform = excluded.platform, url = excluded.url, is_active = excluded.is_active
      where (t.platform, t.url, t.is_active) is distinct from (excluded.platform, excluded.url, excluded.is_active)
    returning t.org_id
  )
  insert into pg_temp.demo_changes
  select c.org_id, 'social_links', pg_catalog.count(*)
  from (select r.org_id from removed as r union all select u.org_id from upserted as u) as c
  group by c.org_id;

  -- Orders and tips.
  with wanted as (select * from seed.demo_orders(p_reference)),
  removed as (
    delete from audience.orders as t
    where t.org_id = any (v_org_ids)
      and not exists (select 1 from wanted as w where w.org_id = t.org_id and w.id = t.id)
    returning t.org_id
  ),
  upserted as (
    insert into audience.orders as t (org_id, id, kind, visitor_id, content_item_id, amount_cents, currency, city,
                                      country, occurred_at, refunded_at, external_ref)
    select w.org_id, w.id, w.kind, w.visitor_id, w.content_item_id, w.amount_cents, w.currency, w.city, w.country,
           w.occurred_at, w.refunded_at, w.external_ref
    from wanted as w
    on conflict (org_id, id) do update
      set kind = excluded.kind, visitor_id = excluded.visitor_id, content_item_id = excluded.content_item_id,
          amount_cents = excluded.amount_cents, currency = excluded.currency, city = excluded.city,
          country = excluded.country, occurred_at = excluded.occurred_at, refunded_at = excluded.refunded_at,
          external_ref = excluded.external_ref
      where (t.kind, t.visitor_id, t.content_item_id, t.amount_cents, t.currency, t.city, t.country, t.occurred_at,
             t.refunded_at, t.external_ref)
            is distinct from (excluded.kind, excluded.visitor_id, excluded.content_item_id, excluded.amount_cents,
                              excluded.currency, excluded.city, excluded.country, excluded.occurred_at,
                              excluded.refunded_at, excluded.external_ref)
    returning t.org_id
  )
  insert into pg_temp.demo_changes
  select c.org_id, 'orders', pg_catalog.count(*)
  from (select r.org_id from removed as r union all select u.org_id from upserted as u) as c
  group by c.org_id;

  -- Subscribers.
  with wanted as (select * from seed.demo_subscribers(p_reference)),
  removed as (
    delete from audience.subscribers as t
    where t.org_id = any (v_org_ids)
      and not exists (select 1 from wanted as w where w.org_id = t.org_id and w.id = t.id)
    returning t.org_id
  ),
  upserted as (
    insert into audience.subscribers as t (org_id, id, channel, contact, city, country_code, subscribed_at,
                                           unsubscribed_at)
    select w.org_id, w.id, w.channel, w.contact, w.city, w.country_code, w.subscribed_at, w.unsubscribed_at
    from wanted as w
    on conflict (org_id, id) do update
      set channel = excluded.channel, contact = excluded.contact, city = excluded.city,
          country_code = excluded.country_code, subscribed_at = excluded.subscribed_at,
          unsubscribed_at = excluded.unsubscribed_at
      where (t.channel, t.contact, t.city, t.country_code, t.subscribed_at, t.unsubscribed_at)
            is distinct from (excluded.channel, excluded.contact, excluded.city, excluded.country_code,
                              excluded.subscribed_at, excluded.unsubscribed_at)
    returning t.org_id
  )
  insert into pg_temp.demo_changes
  select c.org_id, 'subscribers', pg_catalog.count(*)
  from (select r.org_id from removed as r union all select u.org_id from upserted as u) as c
  group by c.org_id;

  -- Events: valid by construction (types of analytics.event_types, checked shapes), so
  -- they are inserted directly. Identified by (org_id, client_event_id, occurred_at);
  -- received_at is the insertion time (incremental consumers read by received_at).
  with wanted as materialized (select * from seed.demo_events(p_reference)),
  removed as (
    delete from analytics.events as t
    where t.org_id = any (v_org_ids)
      and coalesce(t.client_event_id, '') not like 'demo-insights:%'  -- seed.load_demo_insights' own
      and not exists (select 1 from wanted as w
                      where w.org_id = t.org_id and w.client_event_id = t.client_event_id
                        and w.occurred_at = t.occurred_at)
    returning t.org_id
  ),
  inserted as (
    insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id,
                                  client_event_id, utm_source, utm_medium, utm_campaign, referrer_domain, link_type,
                                  platform, device_type, device_os, device_browser, network_type, page_load_ms,
                                  country, city, is_bot, revenue_cents, currency)
    select w.org_id, w.occurred_at, w.event_type, w.entity_type, w.entity_id, w.visitor_id,
           w.client_event_id, w.utm_source, w.utm_medium, w.utm_campaign, w.referrer_domain, w.link_type,
           w.platform, w.device_type, w.device_os, w.device_browser, w.network_type, w.page_load_ms,
           w.country, w.city, w.is_bot, w.revenue_cents, w.currency
    from wanted as w
    on conflict do nothing   -- the idempotency key (trusted writer: self_logged false)
    returning org_id
  )
  insert into pg_temp.demo_changes
  select c.org_id, 'events', pg_catalog.count(*)
  from (select r.org_id from removed as r union all select i.org_id from inserted as i) as c
  group by c.org_id;

  return query select * from seed.load_demo_usage(p_reference);   -- seed/30_usage_demo.sql
  return query
  select o.slug, x.object, coalesce(sum(c.n), 0)::bigint
  from seed.demo_orgs() as o
  cross join (values (1, 'organizations'), (2, 'content_items'), (3, 'tour_dates'), (4, 'social_links'),
                     (5, 'orders'), (6, 'subscribers'), (7, 'events')) as x (ord, object)
  left join pg_temp.demo_changes as c on c.org_id = o.id and c.object = x.object
  group by o.slug, x.ord, x.object
  order by o.slug, x.ord;
  return query select * from seed.load_demo_interactions(p_reference);   -- seed/60_interactions_demo.sql
  return query select * from seed.load_demo_insights(p_reference);
end;
$$;
comment on function seed.load_demo(timestamptz) is
  'Loads or refreshes the demo organizations for a reference time (default now()); returns rows inserted/updated/deleted per organization and object (all 0 on a rerun for the same local day). Numbers by construction: seed/README.md.';
