-- Demo seed of issue 15's mashup dashboard and interaction tracking: one more organization,
-- demo-club-nord (a venue in Europe/Paris), whose numbers are known by construction
-- (seed/README.md, section "demo-club-nord"; Tests/Contracts/seed_interactions_demo.sql
-- checks them). seed.load_demo calls seed.load_demo_interactions(reference).
-- Every time is a local wall-clock time on local day D - k (D = the local date of the
-- reference in Europe/Paris), k between 1 and 28: inside the last 30 days whatever the
-- window convention. Ids are seed.uuid of a name; events carry client_event_id
-- 'demo15:<block>:<i>': a rerun on the same local day changes nothing, another reference
-- replaces the rows.
create schema if not exists seed;

-- The organization's events: (block, i, day k, minutes after local midnight, type, entity,
-- visitor, user, session, platform, properties).
create or replace function seed.demo_interactions_events(p_reference timestamptz)
returns table (org_id uuid, client_event_id text, occurred_at timestamptz, event_type text, entity_type text,
               entity_id uuid, visitor_id text, user_id uuid, session_id text, platform text, properties jsonb)
language sql
stable
as $$
  with org as (
    select seed.uuid('demo-org:demo-club-nord') as id, (p_reference at time zone 'Europe/Paris')::date as d
  ),
  rows (block, i, k, minutes, event_type, entity, visitor, usr, session, platform, props) as (
    -- A: 24 plays of the mashup: days 1..6 in turn; i 1-12 at 21:xx, 13-20 at 18:xx, 21-24 at 10:xx.
    select 'play', i, 1 + (i - 1) % 6, case when i <= 12 then 21 * 60 + i when i <= 20 then 18 * 60 + i else 10 * 60 + i end,
           'play', 'mashup', 'cn-l' || (1 + (i - 1) % 8), null::uuid, null::text, null::text, '{}'::jsonb
    from pg_catalog.generate_series(1, 24) as i
    union all
    -- B: 10 exports, one a day on days 2..11.
    select 'export', i, 1 + i, 12 * 60, 'mashup_exported', 'mashup', 'cn-l' || (1 + (i - 1) % 8), null, null,
           (array['spotify', 'spotify', 'spotify', 'spotify', 'soundcloud', 'soundcloud', 'soundcloud', 'youtube', 'youtube', 'download'])[i],
           pg_catalog.jsonb_build_object('format', (array['mp3', 'mp3', 'mp3', 'mp3', 'mp3', 'mp3', 'mp3', 'mp4', 'mp4', 'wav'])[i])
    from pg_catalog.generate_series(1, 10) as i
    union all
    -- C: 10 AI reactions on days 1..10: like x6, love x3, dislike.
    select 'reaction', i, i, 13 * 60, 'ai_reaction', null, 'cn-l' || (1 + (i - 1) % 8), null, null, null,
           pg_catalog.jsonb_build_object('reaction', (array['like', 'like', 'like', 'like', 'like', 'like', 'love', 'love', 'love', 'dislike'])[i])
    from pg_catalog.generate_series(1, 10) as i
    union all
    -- D: 4 upgrades on day 7 by users u1..u4 (visitors cn-l1..cn-l4): free>premium x3, premium>professional.
    select 'upgrade', i, 7, 14 * 60 + i, 'subscription_upgraded', null, 'cn-l' || i, seed.uuid('demo-user:cn-u' || i), null, null,
           case when i <= 3 then '{"from_tier": "free", "to_tier": "premium"}'::jsonb
                else '{"from_tier": "premium", "to_tier": "professional"}'::jsonb end
    from pg_catalog.generate_series(1, 4) as i
    union all
    -- E: searches on day 3: s1..s3 "Nachtfalter" (4 results), s4..s6 "techno  Paris" (0); s1, s2 click.
    select 'search', i, 3, 15 * 60 + i, 'search', null, 'cn-s' || i, null, null, null,
           case when i <= 3 then '{"query": "Nachtfalter", "results_count": 4}'::jsonb
                else '{"query": "techno  Paris", "results_count": 0}'::jsonb end
    from pg_catalog.generate_series(1, 6) as i
    union all
    select 'search-click', i, 3, 15 * 60 + 10 + i, 'search_result_click', null, 'cn-s' || i, null, null, null,
           '{"query": "nachtfalter", "position": 1}'::jsonb
    from pg_catalog.generate_series(1, 2) as i
    union all
    -- F: the funnel of tour date T1 on day 4: f1..f12 see it in the feed at position 1,
    -- f13..f20 in search results at position 2; f1..f6 (30 s) and f13..f16 (60 s) open it;
    -- f1..f3 and f13 click the ticket link.
    select 'impression', i, 4, 16 * 60, 'impression', 't1', 'cn-f' || i, null, null, null,
           case when i <= 12 then '{"source": "feed", "position": 1}'::jsonb else '{"source": "search", "position": 2}'::jsonb end
    from pg_catalog.generate_series(1, 20) as i
    union all
    select 'view', i, 4, 16 * 60 + 5, 'event_view', 't1', 'cn-f' || i, null, null, null,
           pg_catalog.jsonb_build_object('duration_seconds', case when i <= 6 then 30 else 60 end)
    from pg_catalog.generate_series(1, 20) as i
    where i <= 6 or i between 13 and 16
    union all
    select 'ticket', i, 4, 16 * 60 + 10, 'ticket_cta', 't1', 'cn-f' || i, null, null, null, '{}'::jsonb
    from pg_catalog.generate_series(1, 20) as i
    where i <= 3 or i = 13
    union all
    -- G: 4 reviews of the past show T2 on day 5, rated 5, 4, 4, 3.
    select 'review', i, 5, 11 * 60 + i, 'review', 't2', 'cn-l' || i, null, null, null,
           pg_catalog.jsonb_build_object('rating', (array[5, 4, 4, 3])[i])
    from pg_catalog.generate_series(1, 4) as i
    union all
    -- H: the fan (a signed-in user), day 2, session cn-fan-s1 from 19:00 to 19:10.
    select 'fan', x.i, 2, 19 * 60 + x.m, x.t, x.e, 'cn-fan', seed.uuid('demo-user:cn-fan'), 'cn-fan-s1', null, x.p::jsonb
    from (values (1, 0, 'event_view', 't1', '{"duration_seconds": 120}'), (2, 2, 'message_sent', null, '{}'),
                 (3, 3, 'share_sent', 't1', '{}'), (4, 5, 'friend_added', null, '{}'), (5, 6, 'review_like', null, '{}'),
                 (6, 7, 'review_comment', null, '{}'), (7, 8, 'navigate', null, '{"from_tab": "for_you", "to_tab": "nearby"}'),
                 (8, 9, 'load_more', null, '{"tab": "nearby", "page": 2}'), (9, 10, 'scroll_depth', null, '{"depth_pct": 80}'))
         as x (i, m, t, e, p)
    union all
    -- I: 15 profile views on days 1..15 and 5 follows on days 1..5.
    select 'profile', i, i, 9 * 60 + 30, 'profile_view', null, 'cn-l' || (1 + (i - 1) % 8), null, null, null, '{}'::jsonb
    from pg_catalog.generate_series(1, 15) as i
    union all
    select 'follow', i, i, 9 * 60 + 45, 'follow', null, 'cn-l' || i, null, null, null, '{}'::jsonb
    from pg_catalog.generate_series(1, 5) as i
  )
  select org.id, 'demo15:' || r.block || ':' || r.i, seed.local_time('Europe/Paris', org.d - r.k, r.minutes),
         r.event_type,
         case r.entity when 'mashup' then 'content_item' when 't1' then 'tour_date' when 't2' then 'tour_date' end,
         case r.entity when 'mashup' then seed.uuid('demo-club-nord:mashup:1') when 't1' then seed.uuid('demo-club-nord:tour:1')
                       when 't2' then seed.uuid('demo-club-nord:tour:2') end,
         r.visitor, r.usr, r.session, r.platform, r.props
  from rows as r cross join org
$$;
comment on function seed.demo_interactions_events(timestamptz) is 'Events of the demo organization demo-club-nord (issue 15), relative to the reference.';

-- Loads or refreshes demo-club-nord for a reference time: the organization, its mashup,
-- three tour dates (T1 on day +10, T2 on day -6, T3 on day -8 cancelled), its following
-- of demo-nachtfalter (since day -20, when that organization exists) and its events.
-- Returns (org_slug, object, rows): rows inserted, updated or deleted by this call (0 on a
-- rerun for the same local day).
create or replace function seed.load_demo_interactions(p_reference timestamptz)
returns table (org_slug text, object text, rows bigint)
language plpgsql
volatile
as $$
declare
  v_org  uuid := seed.uuid('demo-org:demo-club-nord');
  v_d    date := (p_reference at time zone 'Europe/Paris')::date;
  v_n    bigint;
begin
  insert into app.organizations as t (id, slug, name, kind, timezone, currency, display_name, genres)
  values (v_org, 'demo-club-nord', 'Club Nord', 'venue', 'Europe/Paris', 'EUR', 'Club Nord', array['techno', 'house'])
  on conflict (id) do nothing;
  get diagnostics v_n = row_count;
  org_slug := 'demo-club-nord'; object := 'organizations'; rows := v_n; return next;

  with wanted (id, kind, title, published_at) as (
    values (seed.uuid('demo-club-nord:mashup:1'), 'mashup', 'Nord Mashup #1', seed.local_time('Europe/Paris', v_d - 40, 12 * 60))
  ),
  upserted as (
    insert into app.content_items as t (org_id, id, kind, title, published_at, created_at)
    select v_org, w.id, w.kind, w.title, w.published_at, w.published_at from wanted as w
    on conflict (org_id, id) do update set published_at = excluded.published_at, created_at = excluded.created_at
      where (t.published_at, t.created_at) is distinct from (excluded.published_at, excluded.created_at)
    returning 1
  )
  select pg_catalog.count(*) into v_n from upserted;
  object := 'content_items'; rows := v_n; return next;

  with wanted (id, city, starts_at, venue_name, ticket_status) as (
    values (seed.uuid('demo-club-nord:tour:1'), 'Paris', seed.local_time('Europe/Paris', v_d + 10, 20 * 60), 'Club Nord', 'on_sale'),
           (seed.uuid('demo-club-nord:tour:2'), 'Paris', seed.local_time('Europe/Paris', v_d - 6, 20 * 60), 'Club Nord', 'sold_out'),
           (seed.uuid('demo-club-nord:tour:3'), 'Paris', seed.local_time('Europe/Paris', v_d - 8, 20 * 60), 'Club Nord', 'cancelled')
  ),
  upserted as (
    insert into app.tour_dates as t (org_id, id, city, country, starts_at, venue_name, ticket_status)
    select v_org, w.id, w.city, 'FR', w.starts_at, w.venue_name, w.ticket_status from wanted as w
    on conflict (org_id, id) do update set starts_at = excluded.starts_at
      where t.starts_at is distinct from excluded.starts_at
    returning 1
  )
  select pg_catalog.count(*) into v_n from upserted;
  object := 'tour_dates'; rows := v_n; return next;

  with wanted as (
    select o.id as followed, seed.local_time('Europe/Paris', v_d - 20, 12 * 60) as at
    from app.organizations as o where o.slug = 'demo-nachtfalter'
  ),
  upserted as (
    insert into app.organization_follows as t (org_id, followed_org_id, created_at)
    select v_org, w.followed, w.at from wanted as w
    on conflict (org_id, followed_org_id) do update set created_at = excluded.created_at
      where t.created_at is distinct from excluded.created_at
    returning 1
  )
  select pg_catalog.count(*) into v_n from upserted;
  object := 'organization_follows'; rows := v_n; return next;

  with wanted as materialized (select * from seed.demo_interactions_events(p_reference)),
  removed as (
    delete from analytics.events as t
    where t.org_id = v_org
      and not exists (select 1 from wanted as w
                      where w.client_event_id = t.client_event_id and w.occurred_at = t.occurred_at)
    returning 1
  ),
  inserted as (
    insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, user_id,
                                  session_id, client_event_id, platform, properties)
    select w.org_id, w.occurred_at, w.event_type, w.entity_type, w.entity_id, w.visitor_id, w.user_id,
           w.session_id, w.client_event_id, w.platform, w.properties
    from wanted as w
    on conflict do nothing   -- the idempotency key (trusted writer: self_logged false)
    returning 1
  )
  select (select pg_catalog.count(*) from removed) + (select pg_catalog.count(*) from inserted) into v_n;
  object := 'events'; rows := v_n; return next;
end;
$$;
comment on function seed.load_demo_interactions(timestamptz) is
  'Loads or refreshes the demo organization demo-club-nord (issue 15: mashup dashboard, interactions, search, funnel, profile dashboard) for a reference time; (org_slug, object, rows) as seed.load_demo. Numbers: seed/README.md.';
