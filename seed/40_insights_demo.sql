-- Demo data for the insight detectors the three demo organizations do not trigger:
-- demo-lichtung (an artist: declining_market, release_momentum, capture_rate_change) and
-- ticket link clicks for the venue demo-bowery-hall (so that a generation may run for it:
-- city_growth and tour_timing for New York). Numbers in seed/README.md ("Insights demo").
-- Days as in 10_demo.sql: "day k" is local day D - k of the organization's time zone,
-- events between 09:00 and 19:59; current window days 1..28, previous 31..58, period
-- halves split at day 15 and 45 (nothing on days 0, 15, 29, 30, 45, 59, 60).
-- Events carry client_event_id 'demo-insights:...' (seed.load_demo leaves them alone).
create schema if not exists seed;

-- The rows this file wants, for a reference time.
create or replace function seed.demo_insights_events(p_reference timestamptz)
returns table (org_id uuid, client_event_id text, occurred_at timestamptz, event_type text, entity_type text,
               entity_id uuid, visitor_id text, link_type text, platform text, city text, country char(2))
language sql
stable
as $$
  with orgs as (
    select seed.uuid('demo-org:' || s.slug) as id, s.slug, s.tz, (p_reference at time zone s.tz)::date as d
    from (values ('demo-lichtung', 'Europe/Vienna'), ('demo-bowery-hall', 'America/New_York')) as s (slug, tz)
  ),
  -- (org, block, type, count, first day back, last day back, visitor prefix, link type, platform, city, country, release)
  blocks (slug, block, event_type, n, day_from, day_to, visitor, link_type, platform, city, country, release) as (
    values
      -- Vienna: 22 + 18 link clicks before, 10 + 6 now: down 60 %, falling in every half.
      ('demo-lichtung', 'lc-vienna-b1', 'link_click', 22, 46, 58, 'vienna-b1', 'streaming', 'spotify', 'Vienna', 'AT', null),
      ('demo-lichtung', 'lc-vienna-b2', 'link_click', 18, 31, 44, 'vienna-b2', 'streaming', 'spotify', 'Vienna', 'AT', null),
      ('demo-lichtung', 'lc-vienna-b3', 'link_click', 10, 16, 28, 'vienna-b3', 'streaming', 'spotify', 'Vienna', 'AT', null),
      ('demo-lichtung', 'lc-vienna-b4', 'link_click', 6, 1, 14, 'vienna-b4', 'streaming', 'spotify', 'Vienna', 'AT', null),
      -- Graz: 25 link clicks in each window (flat).
      ('demo-lichtung', 'lc-graz-prev', 'link_click', 25, 31, 58, 'graz-prev', 'streaming', 'spotify', 'Graz', 'AT', null),
      ('demo-lichtung', 'lc-graz-cur', 'link_click', 25, 1, 28, 'graz-cur', 'streaming', 'spotify', 'Graz', 'AT', null),
      -- Page views without a place: 100 visitors in each half of each window.
      ('demo-lichtung', 'pv-b1', 'page_view', 100, 46, 58, 'pv-b1', null, null, null, null, null),
      ('demo-lichtung', 'pv-b2', 'page_view', 100, 31, 44, 'pv-b2', null, null, null, null, null),
      ('demo-lichtung', 'pv-b3', 'page_view', 100, 16, 28, 'pv-b3', null, null, null, null, null),
      ('demo-lichtung', 'pv-b4', 'page_view', 100, 1, 14, 'pv-b4', null, null, null, null, null),
      -- Plays of "Second Light" (published day 12, 10:00) on days 2..10, and of "First Light"
      -- (published day 40, 10:00) on days 36..39: at the same age, 45 against 15.
      ('demo-lichtung', 'play-second', 'play', 45, 2, 10, 'play-second', null, null, null, null, 'second-light'),
      ('demo-lichtung', 'play-first', 'play', 15, 36, 39, 'play-first', null, null, null, null, 'first-light'),
      -- Venue: ticket link clicks from New York by the funnel's own visitors, 30 before, 45 now.
      ('demo-bowery-hall', 'lc-prev', 'link_click', 30, 31, 58, 'venue-prev', 'tickets', 'tickets', 'New York', 'US', null),
      ('demo-bowery-hall', 'lc-cur', 'link_click', 45, 1, 28, 'venue-cur', 'tickets', 'tickets', 'New York', 'US', null)
  )
  select o.id, 'demo-insights:' || b.block || ':' || i,
         seed.local_time(o.tz, o.d - (b.day_to - (i - 1) % (b.day_to - b.day_from + 1)), 540 + ((i - 1) * 37) % 600),
         b.event_type, case when b.release is not null then 'content_item' end,
         case when b.release is not null then seed.uuid('demo:demo-lichtung:content:' || b.release) end,
         b.visitor || '-' || i, b.link_type, b.platform, b.city, b.country::char(2)
  from blocks as b
  join orgs as o on o.slug = b.slug
  cross join lateral pg_catalog.generate_series(1, b.n) as i
$$;
comment on function seed.demo_insights_events(timestamptz) is 'The events of the insights demo (seed/40_insights_demo.sql) for a reference time.';

-- Loads or refreshes the insights demo: the organization demo-lichtung with its releases,
-- subscribers and events, and the venue's ticket link clicks. Idempotent like
-- seed.load_demo: a second call on the same local day changes nothing (rows 0).
create or replace function seed.load_demo_insights(p_reference timestamptz default pg_catalog.now())
returns table (org_slug text, object text, rows bigint)
language plpgsql
volatile
as $$
declare
  v_org   uuid := seed.uuid('demo-org:demo-lichtung');
  v_venue uuid := seed.uuid('demo-org:demo-bowery-hall');
  v_tz    text := 'Europe/Vienna';
  v_d     date := (p_reference at time zone 'Europe/Vienna')::date;
  v_n     bigint;
begin
  if pg_catalog.to_regclass('pg_temp.demo_insights_changes') is null then
    create temporary table demo_insights_changes (slug text, object text, n bigint) on commit drop;  -- nothing left on a pooled session
  end if;
  truncate pg_temp.demo_insights_changes;

  insert into app.organizations as t (id, slug, name, kind, timezone, currency, display_name, genres)
  values (v_org, 'demo-lichtung', 'Lichtung', 'artist', v_tz, 'EUR', 'Lichtung', array['indie', 'folk'])
  on conflict (id) do nothing;
  get diagnostics v_n = row_count;
  insert into pg_temp.demo_insights_changes values ('demo-lichtung', 'organizations', v_n);

  -- Releases: First Light (day 40) and Second Light (day 12), both at 10:00 local.
  with wanted (id, title, published_at) as (
    values (seed.uuid('demo:demo-lichtung:content:first-light'), 'First Light', seed.local_time(v_tz, v_d - 40, 600)),
           (seed.uuid('demo:demo-lichtung:content:second-light'), 'Second Light', seed.local_time(v_tz, v_d - 12, 600))
  ),
  removed as (
    delete from app.content_items as t
    where t.org_id = v_org and not exists (select 1 from wanted as w where w.id = t.id)
    returning 1
  ),
  upserted as (
    insert into app.content_items as t (org_id, id, kind, title, external_ref, published_at)
    select v_org, w.id, 'release', w.title, 'demo:lichtung:' || w.title, w.published_at from wanted as w
    on conflict (org_id, id) do update set published_at = excluded.published_at, title = excluded.title
      where (t.published_at, t.title) is distinct from (excluded.published_at, excluded.title)
    returning 1
  )
  insert into pg_temp.demo_insights_changes
  select 'demo-lichtung', 'content_items', (select pg_catalog.count(*) from removed) + (select pg_catalog.count(*) from upserted);

  -- Subscribers: 6 (day 50) + 10 (day 38) before, 18 (day 22) + 22 (day 8) now.
  with wanted as (
    select seed.uuid('demo:demo-lichtung:subscriber:' || g.k || ':' || i) as id,
           'fan-lichtung-' || g.k || '-' || i || '@demo-lichtung.example.com' as contact,
           seed.local_time(v_tz, v_d - g.day_back, 600 + i) as subscribed_at
    from (values ('b1', 6, 50), ('b2', 10, 38), ('b3', 18, 22), ('b4', 22, 8)) as g (k, n, day_back)
    cross join lateral pg_catalog.generate_series(1, g.n) as i
  ),
  removed as (
    delete from audience.subscribers as t
    where t.org_id = v_org and not exists (select 1 from wanted as w where w.id = t.id)
    returning 1
  ),
  upserted as (
    insert into audience.subscribers as t (org_id, id, channel, contact, city, country_code, subscribed_at)
    select v_org, w.id, 'email', w.contact, 'Vienna', 'AT', w.subscribed_at from wanted as w
    on conflict (org_id, id) do update set subscribed_at = excluded.subscribed_at
      where t.subscribed_at is distinct from excluded.subscribed_at
    returning 1
  )
  insert into pg_temp.demo_insights_changes
  select 'demo-lichtung', 'subscribers', (select pg_catalog.count(*) from removed) + (select pg_catalog.count(*) from upserted);

  -- Events of both organizations.
  with wanted as materialized (select * from seed.demo_insights_events(p_reference)),
  removed as (
    delete from analytics.events as t
    where (t.org_id = v_org or (t.org_id = v_venue and t.client_event_id like 'demo-insights:%'))
      and not exists (select 1 from wanted as w
                      where w.org_id = t.org_id and w.client_event_id = t.client_event_id and w.occurred_at = t.occurred_at)
    returning t.org_id
  ),
  inserted as (
    insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, client_event_id,
                                  link_type, platform, city, country, is_bot)
    select w.org_id, w.occurred_at, w.event_type, w.entity_type, w.entity_id, w.visitor_id, w.client_event_id,
           w.link_type, w.platform, w.city, w.country, false
    from wanted as w
    on conflict do nothing   -- the idempotency key (trusted writer: self_logged false)
    returning org_id
  )
  insert into pg_temp.demo_insights_changes
  select case when c.org_id = v_org then 'demo-lichtung' else 'demo-bowery-hall' end, 'events', pg_catalog.count(*)
  from (select r.org_id from removed as r union all select i.org_id from inserted as i) as c
  group by c.org_id;

  return query
  select x.slug, x.object, coalesce((select pg_catalog.sum(c.n) from pg_temp.demo_insights_changes c
                                     where c.slug = x.slug and c.object = x.object), 0)::bigint
  from (values (1, 'demo-bowery-hall', 'events'), (2, 'demo-lichtung', 'organizations'), (3, 'demo-lichtung', 'content_items'),
               (4, 'demo-lichtung', 'subscribers'), (5, 'demo-lichtung', 'events')) as x (ord, slug, object)
  order by x.ord;
end;
$$;
comment on function seed.load_demo_insights(timestamptz) is
  'Loads or refreshes the insights demo (demo-lichtung: declining_market, release_momentum, capture_rate_change; ticket link clicks of demo-bowery-hall); returns rows inserted/updated/deleted (0 on a rerun the same local day). Numbers: seed/README.md.';
