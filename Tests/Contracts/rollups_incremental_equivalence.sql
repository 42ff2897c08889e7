-- Contract: one differential check over every derived table and a representative set of
-- RPCs, after 7 batches of an adversarial stream: maintained incrementally = rebuilt from
-- empty = read before the refresh (the readers add the rows received since it).
--
-- The refresh (pg_temp.eq_refresh) runs the steps of private.run_refresh that maintain
-- derived rows, in its order, inside this transaction (run_refresh commits between steps,
-- so it cannot run here): every registered rollup through private.apply_rollup in
-- private.rollups_in_order() (its own safe bound, private.received_upper_bound, as the
-- refresh does), private.refresh_audience_rollups, private.refresh_kpi_benchmarks,
-- audience.update_customers, insights.refresh_all_aggregates(p_now). Left out: partitions
-- (nothing derived), the cohorts materialized view (recomputed whole at every refresh; its
-- RPC is compared below), usage.detect_anomalies / generate_recommendations (stored findings,
-- not rollups) and analytics.apply_retention (its documented differences, README "Derived
-- data": pointers into removed days, are out of this contract's scope; the fixture is kept
-- inside the horizon by tests.reset_retention_horizon). The audience rollups take both of
-- their paths: per_visitor_max_pct (private.audience_settings) is 0 for odd batches (touched
-- days recomputed whole) and 100 for even ones (touched visitor-days only).
-- The rebuild (pg_temp.eq_rebuild) is the documented one: private.reset_rollup of every
-- registered rollup, the fixture organizations' rows of private.audience_rollup_watermarks
-- deleted (refresh_audience_rollups builds an organization without a watermark in full),
-- their stored insight aggregates and parts deleted (refresh_all_aggregates computes them in
-- full), then the same refresh.
-- All rows of one transaction share now(): each batch is received at clock_timestamp()
-- (events and orders as inserted; model requests, repriced requests and their retractions
-- updated after the RPC that wrote them), after the previous refresh's bounds, as a later
-- transaction's rows would be. Refreshes: after batches 1, 2, 4 (which applies batches 3
-- and 4: 3 is not refreshed), 5 (twice), 6 and 7.
--
-- Fixture: organizations eq-ny (venue, America/New_York: EDT -> EST on 2026-11-01, a
-- 25-hour local day), eq-berlin (artist, Europe/Berlin: CEST -> CET on 2026-10-25) and
-- eq-kolkata (artist, Asia/Kolkata, UTC+05:30: local midnight is 18:30 UTC), one owner
-- (the caller of every RPC: a member, role owner) and users U1..U5 (viewers). Local days
-- 2026-10-22 .. 2026-11-04 (14 days). Per organization and batch b (1..7):
--  * 50 generated events (deterministic hashes of org, batch, index): visitors v1..v24 and
--    a bot; local days 0 .. min(13, 2b) (so every later batch brings late events, days before
--    the earlier batches' latest), in batch 7 also days -3 .. -1 (before everything stored),
--    any second of the day; 33 event types in proportion (page views, plays, play progress,
--    link clicks with link types and platforms, ticket CTAs, checkouts, purchases and tips
--    with revenue, impressions and link clicks with source / position, searches with queries
--    and result counts, search result clicks, event views, reviews with ratings, follows (of
--    the organization and of user U1), profile views, interested, likes, shares, comments,
--    downloads, subscribes, mashup exports, AI reactions, subscription upgrades, scroll
--    depth, tab changes, load more, messages, friends, review likes / comments, shares sent,
--    e-mail clicks) on content items c1, c2 and tour date T1; devices mobile / desktop /
--    tablet and networks wifi / 4g / 3g / 5g / none vary per event (several per visitor); utm
--    source / medium / campaign on a quarter of the page views, referrers on a sixth of the
--    events; page load times; countries and cities; v1..v4 are signed-in users U1..U4 (user
--    id, session ids; their app events (messages, friends, shares sent, tabs, scroll, load
--    more) carry no visitor id: 'user:<id>' keys), v5 is anonymous until batch 4 and signed
--    in (U5) from batch 5 on.
--  * hand-written edge events (pg_temp.eq_edges): an event exactly at local midnight
--    (00:00:00) and one at 23:59:59.999999 of each batch's latest day; on the DST days
--    events in the repeated hour (New York 01:30 EDT and 01:30 EST) and around 02:00-03:00
--    Berlin, a bot among them; a session of visitor vs spanning local midnight 10-27 / 10-28
--    whose middle events arrive a batch later (they join two sessions); touches of visitor va
--    (direct, non-direct, a click, a purchase) delivered out of order; v5's events before and
--    after signing in; an event received exactly at the latest bound of the previous
--    refresh (the watermark of its last step); a do-not-track style event (no visitor, no
--    user); visitor vn, whose non-direct first touch of 10-24 is replaced by a late, earlier
--    direct event of that day after later days were stored; visitor vf, whose first
--    impression of c2 on 10-23 (its funnel source and position) is replaced by a late,
--    earlier one.
--  * an order per purchase or tip event (audience.orders, EUR); batch 4: v19 opts out
--    (public.record_opt_out); batch 6: the first order of each organization refunded (the
--    trigger bumps its received_at) and the latest unrefunded one moved to v24
--    (audience.orders_removed marks the old customer); batch 7 (read before its refresh):
--    another refund and a deleted tip.
--  * 20 model requests through public.log_model_requests (users U1..U5, teams, projects,
--    features, models eq/small, eq/big (priced) and eq/free (unpriced), routed requests
--    with a baseline, errors and timeouts, latencies, ratings, cached tokens), on days
--    0 .. 2b like the events; in batches 2, 3 and 5 requests in New York's repeated hour,
--    at Berlin's 02:30 of 10-25, at a local midnight and the instant before it; batch 6: a negotiated price of eq/big for eq-berlin from 10-28
--    and usage.reprice (retractions); batch 7 the same for eq/small of eq-ny from 10-25,
--    read before its refresh.
-- Insight aggregates are refreshed as of p_now = 2026-10-28 12:00Z + b - 1 days (a local day
-- change at every batch; periods whose midpoints fall on DST days).
--
-- Compared (one assertion per table, rollup or RPC and comparison; on failure a diagnostic
-- lists the first differing rows or the first differing call with both answers):
--  1. every derived table (private.derived_tables() and private.insight_aggregates), rows of
--     the fixture organizations, all columns but bookkeeping (complete_before, computed_at,
--     duration_ms): after the incremental refreshes = after the rebuild (EXCEPT ALL both
--     ways); the compared tables are the derived tables, and every other table with org_id
--     in the derived schemas is named as a source, setting or bookkeeping table below;
--  2. every registered rollup, at each of the 7 refreshes: its reader's rows
--     (private.rollup_rows) just before = the rows the refresh stored;
--  3. the answers of the RPCs of pg_temp.eq_calls, as the owner, full result sets as JSON
--     sorted by text: audience overview, acquisition, device x network, paths, KPIs, KPI
--     series, attribution (first touch 0 / 7 / 30 days, last touch 7 / 30, last non-direct
--     0 / 7 / 30), dashboard, entity analytics (c1, T1), entity funnel (c1, c2), conversion
--     funnel, search analytics, profile and user dashboards, usage overview, cost breakdown
--     (6 dimensions), model comparison, router savings, usage trends (day, hour), user
--     activity, for each organization over 5 periods (the 14 days; from New York's DST day;
--     from Berlin's DST day; one day; New York's DST day alone; the JSON dashboards
--     and 5 of the 8 attribution variants over 4 of them), plus cohorts and the cost
--     forecast as of two days: (c) batch 7 ingested, not refreshed = (a) refreshed = (b)
--     rebuilt; and the audience RPCs on the 4 core periods before and after batch 4's
--     refresh (batches 3 and 4 pending).

select tests.reset_retention_horizon();  -- fixture in fixed past months

-- Organizations, members, content, models and prices.
do $$
begin
  perform tests.create_user('owner@eq.test');
  perform tests.create_user('u' || i || '@eq.test') from generate_series(1, 5) as i;
  perform tests.create_org(s, md5('owner@eq.test')::uuid) from unnest(array['eq-ny', 'eq-berlin', 'eq-kolkata']) as s;
  update app.organizations set timezone = 'America/New_York', kind = 'venue' where id = md5('org:eq-ny')::uuid;
  update app.organizations set timezone = 'Europe/Berlin' where id = md5('org:eq-berlin')::uuid;
  update app.organizations set timezone = 'Asia/Kolkata' where id = md5('org:eq-kolkata')::uuid;
  insert into app.memberships (org_id, user_id, role)
  select md5('org:' || s)::uuid, md5('u' || i || '@eq.test')::uuid, 'viewer'
  from unnest(array['eq-ny', 'eq-berlin', 'eq-kolkata']) as s, generate_series(1, 5) as i;
  -- c1 released inside the fixture (insight aggregates split its days around the release),
  -- c2 earlier.
  insert into app.content_items (id, org_id, kind, title, published_at)
  select md5(s || ':' || c)::uuid, md5('org:' || s)::uuid, 'release', 'Song ' || c,
         case c when 'c1' then timestamptz '2026-10-27 15:30Z' else timestamptz '2026-09-01 10:00Z' end
  from unnest(array['eq-ny', 'eq-berlin', 'eq-kolkata']) as s, unnest(array['c1', 'c2']) as c;
  insert into app.tour_dates (id, org_id, city, country, starts_at)
  select md5(s || ':T1')::uuid, md5('org:' || s)::uuid, 'Somewhere', 'DE', '2026-11-20 20:00Z'
  from unnest(array['eq-ny', 'eq-berlin', 'eq-kolkata']) as s;
  insert into usage.models (provider, model, display_name)
  values ('eq', 'small', 'Small'), ('eq', 'big', 'Big'), ('eq', 'free', 'Free');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('eq', 'small', 0.5, 1.5, tstzrange('2026-01-01 00:00+00', null)),
         ('eq', 'big', 3, 15, tstzrange('2026-01-01 00:00+00', null));
end $$;

create temp table eq_orgs (slug text primary key, id uuid not null, tz text not null);
insert into eq_orgs select s, md5('org:' || s)::uuid, o.timezone
from unnest(array['eq-ny', 'eq-berlin', 'eq-kolkata']) as s join app.organizations as o on o.id = md5('org:' || s)::uuid;

-- The instant of a local wall-clock time of an organization (a time with a zone
-- abbreviation, e.g. '01:30 EST', is that instant in every organization).
create function pg_temp.eq_at(p_slug text, p_local text) returns timestamptz language sql stable as $$
  select case when p_local ~ ' [A-Z]{3}$' then p_local::timestamptz
              else p_local::timestamp at time zone (select o.tz from pg_temp.eq_orgs as o where o.slug = p_slug) end
$$;

-- The latest bound of the previous refresh: the watermark of its last step.
create function pg_temp.eq_last_bound() returns timestamptz language sql stable as $$
  select pg_catalog.max(w) from (
    select r.watermark from private.rollups as r
    union all select a.events_received from private.audience_rollup_watermarks as a where a.org_id in (select id from pg_temp.eq_orgs)
    union all select s.complete_before from private.insight_aggregate_parts_state as s where s.org_id in (select id from pg_temp.eq_orgs)
  ) as x (w) where w > '-infinity'
$$;

-- Generated events of batch p_batch (see the header).
create function pg_temp.eq_generated(p_batch int) returns void language sql as $$
  insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id, user_id,
                                session_id, properties, utm_source, utm_medium, utm_campaign, referrer_domain, link_type,
                                platform, device_type, network_type, page_load_ms, country, city, is_bot, revenue_cents, currency)
  select o.id, x.at, pg_catalog.clock_timestamp(), x.type,
         case when x.type = 'follow' and x.h % 2 = 0 then 'user'
              when x.type in ('play', 'play_progress', 'like', 'share', 'comment', 'download', 'impression', 'link_click',
                              'ticket_cta', 'interested', 'mashup_exported', 'search_result_click', 'share_sent')
                then case when x.h % 3 = 2 then 'tour_date' else 'content_item' end
              when x.type in ('event_view', 'review') then 'tour_date'
              when x.type in ('review_like', 'review_comment') then 'review' end,
         case when x.type = 'follow' and x.h % 2 = 0 then md5('u1@eq.test')::uuid
              when x.type in ('play', 'play_progress', 'like', 'share', 'comment', 'download', 'impression', 'link_click',
                              'ticket_cta', 'interested', 'mashup_exported', 'search_result_click', 'share_sent')
                then case x.h % 3 when 0 then md5(o.slug || ':c1')::uuid when 1 then md5(o.slug || ':c2')::uuid
                                  else md5(o.slug || ':T1')::uuid end
              when x.type in ('event_view', 'review') then md5(o.slug || ':T1')::uuid
              when x.type in ('review_like', 'review_comment') then md5(o.slug || ':R1')::uuid end,
         case when x.visitor in ('v1', 'v2', 'v3', 'v4')
                   and x.type in ('message_sent', 'friend_added', 'share_sent', 'navigate', 'scroll_depth', 'load_more')
              then null else x.visitor end,
         case when x.visitor in ('v1', 'v2', 'v3', 'v4') or (x.visitor = 'v5' and p_batch >= 5)
              then md5('u' || substr(x.visitor, 2) || '@eq.test')::uuid end,
         case when x.visitor in ('v1', 'v2', 'v3', 'v4') then x.visitor || ':' || (x.at at time zone o.tz)::date end,
         case x.type
           when 'play_progress' then jsonb_build_object('position_s', x.g % 200, 'duration_s', 180, 'completed', x.g % 200 >= 180)
           when 'review' then jsonb_build_object('rating', 1 + x.g % 5)
           when 'search' then jsonb_build_object('query', (array['Tickets', 'tour 2026', 'new song', 'x'])[(1 + x.g % 4)::int], 'results_count', x.g % 3)
           when 'search_result_click' then jsonb_build_object('query', (array['Tickets', 'tour 2026', 'new song'])[(1 + x.g % 3)::int], 'position', 1 + x.g % 4)
           when 'impression' then jsonb_build_object('source', (array['feed', 'search', 'profile'])[(1 + x.g % 3)::int], 'position', 1 + x.g % 5)
           when 'link_click' then jsonb_build_object('source', (array['feed', 'search', 'profile'])[(1 + x.g % 3)::int], 'position', 1 + x.g % 5)
           when 'mashup_exported' then jsonb_build_object('format', (array['mp3', 'wav', 'mp4'])[(1 + x.g % 3)::int])
           when 'ai_reaction' then jsonb_build_object('reaction', (array['like', 'dislike', 'regenerate'])[(1 + x.g % 3)::int])
           when 'subscription_upgraded' then jsonb_build_object('from_tier', (array['free', 'premium'])[(1 + x.g % 2)::int], 'to_tier', (array['premium', 'professional', 'enterprise'])[(1 + x.g % 3)::int])
           when 'scroll_depth' then jsonb_build_object('depth_pct', x.g % 130, 'tab', 'for_you')
           when 'navigate' then jsonb_build_object('from_tab', 'for_you', 'to_tab', (array['following', 'nearby', 'trending'])[(1 + x.g % 3)::int])
           when 'load_more' then jsonb_build_object('tab', 'for_you', 'page', 2 + x.g % 3)
           when 'page_view' then jsonb_build_object('duration_seconds', x.g % 400)
           when 'event_view' then jsonb_build_object('duration_seconds', x.g % 300)
           else '{}'::jsonb end,
         case when x.type = 'page_view' and x.h % 4 = 0 then (array['instagram', 'google', 'newsletter', 'tiktok'])[(1 + x.g % 4)::int] end,
         case when x.type = 'page_view' and x.h % 4 = 0 then (array['social', 'cpc', 'email', 'social'])[(1 + x.g % 4)::int] end,
         case when x.type = 'page_view' and x.h % 4 = 0 then (array['autumn', 'tour', 'weekly', 'autumn'])[(1 + (x.g / 4) % 4)::int] end,
         case when x.h % 6 = 1 then (array['google.com', 'instagram.com', 't.co'])[(1 + x.g % 3)::int] end,
         case when x.type = 'link_click' then (array['tickets', 'streaming', 'social'])[(1 + (x.g / 3) % 3)::int] end,
         case when x.type = 'link_click' then (array['ticketmaster', 'spotify', 'instagram'])[(1 + (x.g / 3) % 3)::int]
              when x.type = 'mashup_exported' then (array['spotify', 'soundcloud', 'download'])[(1 + (x.g / 3) % 3)::int] end,
         (array['mobile', 'desktop', 'tablet', 'mobile'])[(1 + (x.h / 5) % 4)::int],
         (array['wifi', '4g', '3g', '5g', null])[(1 + (x.h / 7) % 5)::int],
         case when x.type = 'page_view' then 150 + x.g % 6000 end,
         (array['DE', 'US', 'IN', null])[(1 + (x.h / 11) % 4)::int],
         (array['Berlin', 'New York', 'Mumbai', null])[(1 + (x.h / 11) % 4)::int],
         x.visitor = 'bot',
         case when x.type in ('purchase', 'tip') then 500 + x.g % 9000 end,
         case when x.type in ('purchase', 'tip') then 'EUR' end
  from pg_temp.eq_orgs as o
  cross join generate_series(1, 50) as i
  cross join lateral (select abs(hashtext(o.slug || ':' || p_batch || ':' || i)::bigint) as h,
                             abs(hashtext('g:' || o.slug || ':' || p_batch || ':' || i)::bigint) as g) as r
  cross join lateral (
    select r.h, r.g,
           case when r.h % 31 = 0 then 'bot' else 'v' || (1 + r.g % 24) end as visitor,
           pg_temp.eq_at(o.slug, ((date '2026-10-22' + least(13, (r.h / 3) % (2 * p_batch + 1))::int
                                   - case when p_batch = 7 and r.g % 7 = 0 then 3 else 0 end)
                                  + (r.g / 17 % 1440) * interval '1 minute' + (r.h % 60) * interval '1 second')::text) as at,
           (array['page_view', 'page_view', 'page_view', 'page_view', 'page_view', 'page_view', 'play', 'play', 'play',
                  'play_progress', 'link_click', 'link_click', 'ticket_cta', 'checkout_started', 'purchase', 'event_view',
                  'impression', 'impression', 'search', 'search_result_click', 'follow', 'profile_view', 'review',
                  'interested', 'like', 'share', 'comment', 'download', 'subscribe', 'tip', 'mashup_exported', 'ai_reaction',
                  'subscription_upgraded', 'scroll_depth', 'navigate', 'load_more', 'message_sent', 'friend_added',
                  'review_like', 'review_comment', 'share_sent', 'email_click'])[1 + (r.g / 7) % 42] as type
  ) as x
$$;

-- Hand-written edge events of batch p_batch (see the header).
create function pg_temp.eq_edges(p_batch int) returns void language plpgsql as $$
declare
  v_bound timestamptz := pg_temp.eq_last_bound();
  v_last date := date '2026-10-22' + least(13, 2 * p_batch);
begin
  insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id, utm_source, utm_medium,
                                utm_campaign, referrer_domain, link_type, entity_type, entity_id, device_type, network_type,
                                page_load_ms, is_bot, revenue_cents, currency)
  select o.id, pg_temp.eq_at(o.slug, x.local), pg_catalog.clock_timestamp(), x.type, x.visitor,
         case when x.visitor = 'v5' and p_batch >= 5 then md5('u5@eq.test')::uuid end,
         x.src, x.med, x.camp, x.ref,
         case when x.type = 'link_click' then 'tickets' end,
         case when x.type in ('link_click', 'ticket_cta') then 'tour_date' end,
         case when x.type in ('link_click', 'ticket_cta') then md5(o.slug || ':T1')::uuid end,
         x.dev, x.net, case when x.type = 'page_view' then 900 end, false,
         case when x.type = 'purchase' then 4200 end, case when x.type = 'purchase' then 'EUR' end
  from pg_temp.eq_orgs as o
  cross join (values
    -- local midnight and the last instant of the batch's latest day
    (null, v_last::text || ' 00:00:00', 'page_view', 'vm', null, null, null, null, 'mobile', 'wifi'),
    (null, v_last::text || ' 23:59:59.999999', 'page_view', 'vm', null, null, null, null, 'desktop', '4g'),
    -- DST: the repeated hour in New York (EDT, then EST), Berlin's changed hour
    (2, '2026-11-01 01:30 EDT', 'page_view', 'vd', 'dst', 'cpc', 'fall', null, 'mobile', '5g'),
    (3, '2026-11-01 01:30 EST', 'ticket_cta', 'vd', null, null, null, null, 'mobile', '5g'),
    (3, '2026-11-01 00:00:00', 'page_view', 'vd', null, null, null, null, 'tablet', 'wifi'),
    (2, '2026-10-25 02:30', 'page_view', 'vd', 'dst', 'cpc', 'fall', null, 'desktop', 'wifi'),
    (4, '2026-10-25 03:00', 'checkout_started', 'vd', null, null, null, null, 'desktop', 'wifi'),
    (4, '2026-10-25 23:59:59', 'purchase', 'vd', null, null, null, null, 'desktop', 'wifi'),
    -- a session across local midnight 10-27 / 10-28; its middle event arrives a batch later
    (2, '2026-10-27 23:40', 'page_view', 'vs', 'instagram', 'social', 'autumn', null, 'mobile', '4g'),
    (2, '2026-10-28 00:20', 'ticket_cta', 'vs', null, null, null, null, 'mobile', '4g'),
    (3, '2026-10-28 00:00', 'page_view', 'vs', null, null, null, null, 'mobile', '3g'),
    (3, '2026-10-28 00:40', 'purchase', 'vs', null, null, null, null, 'mobile', '3g'),
    -- touches of va out of order: a late direct visit, a click, a non-direct touch earlier
    (3, '2026-10-30 10:00', 'page_view', 'va', null, null, null, null, 'desktop', 'wifi'),
    (4, '2026-10-26 10:00', 'page_view', 'va', 'google', 'cpc', 'tour', 'google.com', 'desktop', 'wifi'),
    (5, '2026-10-30 10:05', 'link_click', 'va', null, null, null, null, 'desktop', 'wifi'),
    (6, '2026-10-23 09:00', 'page_view', 'va', 'newsletter', 'email', 'weekly', null, 'mobile', 'wifi'),
    (6, '2026-11-02 09:00', 'purchase', 'va', null, null, null, null, 'mobile', 'wifi'),
    -- vn: a non-direct first touch of 10-24 that a late, earlier direct event of that day
    -- replaces (the later days' last non-direct touch must go with it: fixed in
    -- compute_audience_touch_days, whose later stored days carried their old pointer)
    (2, '2026-10-24 12:00', 'page_view', 'vn', 'google', 'cpc', 'tour', null, 'desktop', 'wifi'),
    (2, '2026-10-26 12:00', 'page_view', 'vn', null, null, null, null, 'desktop', 'wifi'),
    (3, '2026-10-28 12:00', 'link_click', 'vn', null, null, null, null, 'desktop', 'wifi'),
    (4, '2026-10-24 08:00', 'page_view', 'vn', null, null, null, null, 'mobile', '4g'),
    -- v5 anonymous, later signed in (user_id from batch 5 on)
    (1, '2026-10-22 12:00', 'page_view', 'v5', 'tiktok', 'social', 'autumn', null, 'mobile', '4g'),
    (5, '2026-10-22 12:10', 'checkout_started', 'v5', null, null, null, null, 'mobile', '4g'),
    (5, '2026-10-31 18:00', 'purchase', 'v5', null, null, null, null, 'desktop', 'wifi'),
    (7, '2026-10-24 08:00', 'page_view', 'v5', null, null, null, 'instagram.com', 'tablet', '5g'),
    -- a bot on the DST days
    (5, '2026-11-01 01:15 EST', 'page_view', 'bot', 'instagram', 'social', 'autumn', null, 'desktop', 'wifi'),
    (6, '2026-10-25 02:15', 'purchase', 'bot', null, null, null, null, 'desktop', 'wifi')
  ) as x (batch, local, type, visitor, src, med, camp, ref, dev, net)
  where x.batch is null or x.batch = p_batch;
  -- Berlin / Kolkata have no EDT / EST: those two rows are at the named offset (the same instant everywhere).

  if v_bound is not null then
    -- Received exactly at the latest bound of the previous refresh (the watermark of its last step).
    insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type, network_type,
                                  utm_source, utm_medium, utm_campaign)
    select o.id, pg_temp.eq_at(o.slug, (date '2026-10-22' + p_batch)::text || ' 00:00'), v_bound, 'page_view', 'vw',
           'mobile', '4g', 'watermark', 'cpc', 'edge'
    from pg_temp.eq_orgs as o;
  end if;
  -- vf: its first impression of c2 on 10-23 comes from 'vf-search' at position 3 until a
  -- late, earlier one from the feed at position 1 arrives (batch 4): the row of
  -- ('vf-search', 3) must vanish (fixed by the unit of replacement of entity_daily_funnel).
  insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, entity_type, entity_id,
                                properties, device_type)
  select o.id, pg_temp.eq_at(o.slug, x.local), pg_catalog.clock_timestamp(), 'impression', 'vf', 'content_item',
         md5(o.slug || ':c2')::uuid, jsonb_build_object('source', x.src, 'position', x.pos), 'mobile'
  from pg_temp.eq_orgs as o
  cross join (values (2, '2026-10-23 12:00', 'vf-search', 3), (4, '2026-10-23 08:00', 'feed', 1)) as x (batch, local, src, pos)
  where x.batch = p_batch;
  -- An event without visitor and user (do not track).
  insert into analytics.events (org_id, occurred_at, received_at, event_type)
  select o.id, pg_temp.eq_at(o.slug, (date '2026-10-22' + p_batch)::text || ' 13:00'), pg_catalog.clock_timestamp(), 'page_view'
  from pg_temp.eq_orgs as o;
end;
$$;

-- Orders of the batch's purchases and tips; the refund and the moved order of batch 6.
create function pg_temp.eq_orders(p_batch int, p_since timestamptz) returns void language plpgsql as $$
begin
  insert into audience.orders (org_id, kind, visitor_id, user_id, amount_cents, currency, occurred_at, received_at, external_ref)
  select e.org_id, case e.event_type when 'tip' then 'tip' else 'purchase' end, e.visitor_id, e.user_id,
         coalesce(e.revenue_cents, 1000), 'EUR', e.occurred_at, pg_catalog.clock_timestamp(), 'eq:' || e.id
  from analytics.events as e
  where e.org_id in (select id from pg_temp.eq_orgs) and e.received_at >= p_since
    and e.event_type in ('purchase', 'tip') and not e.is_bot and e.visitor_id is not null
  on conflict (org_id, external_ref) do nothing;
  if p_batch = 7 then
    -- read before the refresh: a second refund and a deleted order
    update audience.orders as d set refunded_at = d.occurred_at + interval '2 hours'
    where d.id in (select distinct on (d2.org_id) d2.id from audience.orders as d2
                   where d2.org_id in (select id from pg_temp.eq_orgs) and d2.kind = 'purchase' and d2.refunded_at is null
                   order by d2.org_id, d2.occurred_at, d2.external_ref);
    delete from audience.orders as d
    where d.id in (select distinct on (d2.org_id) d2.id from audience.orders as d2
                   where d2.org_id in (select id from pg_temp.eq_orgs) and d2.kind = 'tip'
                   order by d2.org_id, d2.occurred_at, d2.external_ref);
  end if;
  if p_batch = 4 then
    -- v19 opts out of profiling (its customer row goes at once; customers never return it)
    perform public.record_opt_out(o.id, 'v19') from pg_temp.eq_orgs as o;
  end if;
  if p_batch = 6 then
    update audience.orders as d set refunded_at = d.occurred_at + interval '1 day'
    where d.id in (select distinct on (d2.org_id) d2.id from audience.orders as d2
                   where d2.org_id in (select id from pg_temp.eq_orgs) and d2.kind = 'purchase'
                   order by d2.org_id, d2.occurred_at, d2.external_ref);
    update audience.orders as d set visitor_id = 'v24', user_id = null
    where d.id in (select distinct on (d2.org_id) d2.id from audience.orders as d2
                   where d2.org_id in (select id from pg_temp.eq_orgs) and d2.kind = 'purchase' and d2.refunded_at is null
                   order by d2.org_id, d2.occurred_at desc, d2.external_ref);
  end if;
end;
$$;

-- Model requests of the batch through the ingestion RPC, then received now.
create function pg_temp.eq_requests(p_batch int) returns void language plpgsql as $$
declare
  o record;
  v jsonb;
begin
  for o in select * from pg_temp.eq_orgs order by slug loop
    v := public.log_model_requests(o.id, (
      select jsonb_agg(jsonb_build_object(
               'request_id', 'eq-' || p_batch || '-' || i,
               'occurred_at', to_char(pg_temp.eq_at(o.slug, ((date '2026-10-22' + ((h % (2 * p_batch + 1)) % 14)::int)
                                                             + (g % 1440) * interval '1 minute')::text) at time zone 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               'user_id', md5('u' || (1 + g % 5) || '@eq.test')::uuid,
               'team', (array['core', 'growth', ''])[(1 + h % 3)::int],
               'project', (array['app', 'api'])[(1 + g % 2)::int],
               'feature', (array['chat', 'search', 'summary'])[(1 + (h / 3) % 3)::int],
               'provider', 'eq',
               'model', (array['small', 'big', 'free'])[(1 + (g / 3) % 3)::int],
               'model_requested', case when h % 4 = 0 then 'big' end,
               'was_routed', h % 4 = 0,
               'router_confidence', case when h % 4 = 0 then (h % 1000) / 1000.0 end,
               'baseline_provider', case when h % 4 = 0 then 'eq' end,
               'baseline_model', case when h % 4 = 0 then 'big' end,
               'input_tokens', 100 + g % 5000, 'output_tokens', 10 + h % 900, 'cached_input_tokens', g % 300,
               'latency_ms', 40 + (g % 9000) * 7 % 9000, 'status', (array['ok', 'ok', 'ok', 'ok', 'error', 'timeout'])[(1 + h % 6)::int],
               'rating', case when g % 3 = 0 then 1 + h % 5 end))
      from generate_series(1, 20) as i,
           lateral (select abs(hashtext('r:' || o.slug || p_batch || ':' || i)::bigint) as h,
                           abs(hashtext('s:' || o.slug || p_batch || ':' || i)::bigint) as g) as r));
    if (v ->> 'accepted')::int <> 20 then
      raise exception 'eq_requests: % of 20 accepted: %', v ->> 'accepted', v;
    end if;
    -- Edge requests: New York's repeated hour (01:30 EDT, 01:30 EST), Berlin's 02:30 of
    -- 10-25, a local midnight and the instant before it; the 10-22 ones late (batch 5).
    continue when p_batch not in (2, 3, 5);
    v := public.log_model_requests(o.id, (
      select jsonb_agg(jsonb_build_object('request_id', 'eq-' || p_batch || '-edge-' || x.n,
                                          'occurred_at', to_char(pg_temp.eq_at(o.slug, x.local) at time zone 'UTC',
                                                                 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                          'user_id', md5('u' || x.n || '@eq.test')::uuid, 'feature', 'chat',
                                          'provider', 'eq', 'model', 'small', 'input_tokens', 1000 * x.n,
                                          'output_tokens', 100, 'latency_ms', 250 * x.n))
      from (values (2, 1, '2026-11-01 01:30 EDT'), (2, 2, '2026-11-01 01:30 EST'), (3, 3, '2026-10-25 02:30'),
                   (5, 4, '2026-10-22 00:00:00'), (5, 5, '2026-10-21 23:59:59.999999')) as x (batch, n, local)
      where x.batch = p_batch));
    if (v ->> 'accepted')::int <> (case p_batch when 3 then 1 else 2 end) then
      raise exception 'eq_requests: edge requests rejected: %', v;
    end if;
  end loop;
  update usage.model_requests set received_at = pg_catalog.clock_timestamp()
  where org_id in (select id from pg_temp.eq_orgs) and request_id like 'eq-' || p_batch || '-%';
  -- Negotiated prices and reprices: eq-berlin's eq/big from 10-28 in batch 6 (refreshed),
  -- eq-ny's eq/small from 10-25 in batch 7 (read before its refresh); each reprice's changed
  -- requests and retractions received now, as one later transaction's would be.
  if p_batch in (6, 7) then
    insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, valid_during)
    values (md5(case p_batch when 6 then 'org:eq-berlin' else 'org:eq-ny' end)::uuid, 'eq',
            case p_batch when 6 then 'big' else 'small' end, 1, 2,
            tstzrange(case p_batch when 6 then '2026-10-28 00:00Z' else '2026-10-25 00:00Z' end::timestamptz, null));
    perform usage.reprice(md5(case p_batch when 6 then 'org:eq-berlin' else 'org:eq-ny' end)::uuid,
                          tstzrange('2026-10-15', '2026-11-15'));
    v := to_jsonb(pg_catalog.clock_timestamp());
    update usage.model_requests set received_at = (v #>> '{}')::timestamptz
    where org_id in (select id from pg_temp.eq_orgs) and received_at = pg_catalog.now();
    update usage.request_retractions set retracted_at = (v #>> '{}')::timestamptz
    where org_id in (select id from pg_temp.eq_orgs) and retracted_at = pg_catalog.now();
  end if;
end;
$$;

-- A batch: events, edges, orders, requests, all received at clock_timestamp().
create function pg_temp.eq_ingest(p_batch int) returns void language plpgsql as $$
declare
  v_since timestamptz := pg_catalog.clock_timestamp();
begin
  perform pg_temp.eq_generated(p_batch);
  perform pg_temp.eq_edges(p_batch);
  perform pg_temp.eq_orders(p_batch, least(v_since, coalesce(pg_temp.eq_last_bound(), v_since)));
  perform pg_temp.eq_requests(p_batch);
end;
$$;

-- The refresh steps of private.run_refresh that maintain derived rows (see the header).
create function pg_temp.eq_refresh(p_batch int) returns void language plpgsql as $$
declare
  r record;
begin
  -- The batches were received at clock_timestamp(): a transaction another session began
  -- before that and still holds (verify beside a live database, a test beside it) keeps the
  -- safe bound below them, and the apply would rightly leave them for later. Wait for it
  -- (tests.wait_for_earlier_transactions, as every contract does at its start).
  perform tests.wait_for_earlier_transactions(pg_catalog.clock_timestamp());
  for r in select o.name from private.rollups_in_order() as o loop
    perform private.apply_rollup(r.name);
  end loop;
  -- Both paths of the audience rollups: odd batches recompute touched days whole, even ones
  -- only the touched visitor-days (private.audience_settings, per_visitor_max_pct 0 / 100).
  update private.audience_settings set value = case when p_batch % 2 = 0 then 100 else 0 end
  where name = 'per_visitor_max_pct';
  perform pg_catalog.count(*) from private.refresh_audience_rollups();
  perform private.refresh_kpi_benchmarks();
  perform audience.update_customers();
  perform pg_catalog.count(*) from insights.refresh_all_aggregates(timestamptz '2026-10-28 12:00Z' + (p_batch - 1) * interval '1 day');
end;
$$;

-- The documented rebuild from empty, then the same refresh.
create function pg_temp.eq_rebuild(p_batch int) returns void language plpgsql as $$
declare
  r record;
begin
  for r in select o.name from private.rollups_in_order() as o loop
    perform private.reset_rollup(r.name);
  end loop;
  delete from private.audience_rollup_watermarks where org_id in (select id from pg_temp.eq_orgs);
  delete from private.insight_aggregates where org_id in (select id from pg_temp.eq_orgs);
  delete from private.insight_aggregate_event_parts where org_id in (select id from pg_temp.eq_orgs);
  delete from private.insight_aggregate_visitor_parts where org_id in (select id from pg_temp.eq_orgs);
  delete from private.insight_visitor_days where org_id in (select id from pg_temp.eq_orgs);
  delete from private.insight_aggregate_parts_state where org_id in (select id from pg_temp.eq_orgs);
  perform pg_temp.eq_refresh(p_batch);
end;
$$;

-- The compared tables and their bookkeeping columns (left out of the comparison).
create temp table eq_tables (tab regclass primary key, cols text not null);
insert into eq_tables
select t, (select string_agg(format('%I', a.attname), ', ' order by a.attnum)
           from pg_attribute as a
           where a.attrelid = t and a.attnum > 0 and not a.attisdropped
             and a.attname not in ('complete_before', 'computed_at', 'duration_ms'))
from (select * from private.derived_tables() union select 'private.insight_aggregates'::regclass
      -- (not the retractions an upstream keeps for its dependents, migration 1215: what they
      -- have still to consume, none after a rebuild; bookkeeping, named below)
      except select r.retractions from private.rollups as r where r.retractions is not null) as d (t);

-- Snapshots: one temp table per compared table.
create function pg_temp.eq_snapshot() returns void language plpgsql as $$
declare
  t record;
begin
  for t in select * from pg_temp.eq_tables loop
    execute format('drop table if exists pg_temp.%I', 'eq_snap_' || replace(t.tab::text, '.', '__'));
    execute format('create temp table %I as select %s from %s where org_id in (select id from pg_temp.eq_orgs)',
                   'eq_snap_' || replace(t.tab::text, '.', '__'), t.cols, t.tab);
  end loop;
end;
$$;

-- Rows differing between two queries (EXCEPT ALL both ways), and the first few of them.
create function pg_temp.eq_diff_sql(p_now text, p_then text, out differing bigint, out sample text) language plpgsql as $$
begin
  execute format('with d as ((select ''now'' as side, x from ((%1$s) except all (%2$s)) as x)
                             union all (select ''then'', x from ((%2$s) except all (%1$s)) as x))
                  select count(*), string_agg(side || '': '' || x::text, E''\n'') filter (where n <= 6)
                  from (select d.*, row_number() over (order by x::text, side) as n from d) as d', p_now, p_then)
    into differing, sample;
end;
$$;

-- A table now against its snapshot (now: rebuilt, then: incremental).
create function pg_temp.eq_diff(p_tab regclass, out differing bigint, out sample text) language sql as $$
  select d.differing, replace(replace(d.sample, 'now: ', 'rebuilt: '), 'then: ', 'incremental: ')
  from pg_temp.eq_diff_sql(
         format('select %s from %s where org_id in (select id from pg_temp.eq_orgs)',
                (select cols from pg_temp.eq_tables where tab = p_tab), p_tab),
         format('select * from pg_temp.%I', 'eq_snap_' || replace(p_tab::text, '.', '__'))) as d
$$;

-- Readers against the refresh at every batch: each registered rollup's rows as its reader
-- returns them before the refresh (private.rollup_rows: stored rows plus the fresh ones)
-- are the rows the refresh stores.
create temp table eq_reader_diffs (batch int, tab regclass, differing bigint, sample text);
create function pg_temp.eq_capture_readers() returns void language plpgsql as $$
declare
  r record;
begin
  for r in select target from private.rollups loop
    execute format('drop table if exists pg_temp.%I', 'eq_rd_' || replace(r.target::text, '.', '__'));
    execute format('create temp table %I as select t.* from pg_temp.eq_orgs as o, private.rollup_rows(null::%s, o.id) as t',
                   'eq_rd_' || replace(r.target::text, '.', '__'), r.target);
  end loop;
end;
$$;
create function pg_temp.eq_check_readers(p_batch int) returns void language sql as $$
  insert into pg_temp.eq_reader_diffs
  select p_batch, r.target, d.differing, replace(replace(d.sample, 'now: ', 'stored: '), 'then: ', 'reader: ')
  from private.rollups as r,
       pg_temp.eq_diff_sql(format('select * from %s where org_id in (select id from pg_temp.eq_orgs)', r.target),
                           format('select * from pg_temp.%I', 'eq_rd_' || replace(r.target::text, '.', '__'))) as d
$$;

-- The RPC calls compared (as the owner, a member of every fixture organization).
create temp table eq_calls (rpc text not null, sql text not null, core boolean not null);
-- Periods: the 14 days; from New York's DST day; from Berlin's DST day (4 days); one day
-- (10-27, a session across its midnight); New York's DST day alone. The costlier calls
-- (JSON dashboards, attribution) use four of them (core): the 14 days, from Berlin's DST day,
-- the two one-day periods.
insert into eq_calls
select c.rpc, replace(replace(replace(replace(replace(replace(c.sql, '$O', quote_literal(o.id)), '$F', quote_literal(p.f)), '$T', quote_literal(p.t)),
                           '$C1', quote_literal(md5(o.slug || ':c1')::uuid) || '::uuid'), '$C2', quote_literal(md5(o.slug || ':c2')::uuid) || '::uuid'),
               '$E1', quote_literal(md5(o.slug || ':T1')::uuid) || '::uuid'),
       p.core
from pg_temp.eq_orgs as o
cross join (values (date '2026-10-22', date '2026-11-05', true), ('2026-11-01', '2026-11-05', false),
                   ('2026-10-25', '2026-10-29', true), ('2026-10-27', '2026-10-28', true),
                   ('2026-11-01', '2026-11-02', true)) as p (f, t, core)
cross join (values
  ('get_audience_overview', false, 'select * from public.get_audience_overview($O, $F, $T)'),
  ('get_audience_acquisition', false, 'select * from public.get_audience_acquisition($O, $F, $T)'),
  ('get_audience_device_network', false, 'select * from public.get_audience_device_network($O, $F, $T)'),
  ('get_audience_paths', false, 'select * from public.get_audience_paths($O, $F, $T, 5, 20)'),
  ('get_audience_kpis', false, 'select * from public.get_audience_kpis($O, $F, $T)'),
  ('get_audience_kpi_series', false, 'select * from public.get_audience_kpi_series($O, $F, $T)'),
  ('get_audience_attribution', false, 'select ''ft0'', * from public.get_audience_attribution($O, $F, $T, ''first_touch'', 0)'),
  ('get_audience_attribution', true, 'select ''ft30'', * from public.get_audience_attribution($O, $F, $T, ''first_touch'', 30)'),
  ('get_audience_attribution', true, 'select ''ft7'', * from public.get_audience_attribution($O, $F, $T, ''first_touch'', 7)'),
  ('get_audience_attribution', false, 'select ''lt30'', * from public.get_audience_attribution($O, $F, $T, ''last_touch'', 30)'),
  ('get_audience_attribution', true, 'select ''lt7'', * from public.get_audience_attribution($O, $F, $T, ''last_touch'', 7)'),
  ('get_audience_attribution', true, 'select ''nd0'', * from public.get_audience_attribution($O, $F, $T, ''last_non_direct'', 0)'),
  ('get_audience_attribution', false, 'select ''nd30'', * from public.get_audience_attribution($O, $F, $T, ''last_non_direct'', 30)'),
  ('get_audience_attribution', true, 'select ''nd7'', * from public.get_audience_attribution($O, $F, $T, ''last_non_direct'', 7)'),
  ('get_dashboard', true, 'select public.get_dashboard($O, $F, $T)'),
  ('get_entity_analytics', true, 'select public.get_entity_analytics($O, $C1, $F, $T)'),
  ('get_entity_analytics', true, 'select public.get_entity_analytics($O, $E1, $F, $T)'),
  ('get_entity_funnel', false, 'select * from public.get_entity_funnel($O, $C1, $F, $T)'),
  ('get_entity_funnel', true, 'select * from public.get_entity_funnel($O, $C2, $F, $T)'),
  ('get_conversion_funnel', false, 'select * from public.get_conversion_funnel($O, array[''page_view'', ''ticket_cta'', ''checkout_started'', ''purchase''], $F, $T, ''14 days'')'),
  ('get_search_analytics', false, 'select public.get_search_analytics($O, $F, $T, 10)'),
  ('get_profile_dashboard', true, 'select public.get_profile_dashboard($O, $F, $T)'),
  ('get_user_dashboard', true, 'select public.get_user_dashboard($O, $F, $T, md5(''u1@eq.test'')::uuid)'),
  ('get_usage_overview', false, 'select * from public.get_usage_overview($O, $F, $T)'),
  ('get_cost_breakdown', false, 'select d, b.* from unnest(array[''user'', ''team'', ''project'', ''feature'', ''model'', ''provider'']) as d, public.get_cost_breakdown($O, $F, $T, d, 3) as b'),
  ('get_model_comparison', false, 'select * from public.get_model_comparison($O, $F, $T)'),
  ('get_router_savings', false, 'select * from public.get_router_savings($O, $F, $T)'),
  ('get_usage_trends', false, 'select g, t.* from unnest(array[''day'', ''hour'']) as g, public.get_usage_trends($O, $F, $T, g) as t'),
  ('get_user_activity', false, 'select public.get_user_activity($O, $F, $T)')
) as c (rpc, core_only, sql)
where p.core or not c.core_only
union all
select c.rpc, replace(c.sql, '$O', quote_literal(o.id)), true
from pg_temp.eq_orgs as o
cross join (values ('get_audience_cohorts', 'select * from public.get_audience_cohorts($O, 12)'),
                   ('forecast_costs', 'select * from public.forecast_costs($O, ''all'', ''2026-11-04'')'),
                   ('forecast_costs', 'select * from public.forecast_costs($O, ''all'', ''2026-11-01'')')) as c (rpc, sql);

create temp table eq_answers (state text not null, rpc text not null, sql text not null, answer jsonb);

select plan((select count(*)::integer from pg_temp.eq_tables) + 3 + 1 + (select count(*)::integer from private.rollups)
            + 2 * (select count(distinct rpc)::integer from pg_temp.eq_calls)
            + (select count(distinct rpc)::integer from pg_temp.eq_calls where rpc like 'get\_audience\_%'));

-- Every call of eq_calls as the owner; the answer as a JSON array sorted by its text.
-- States c4 / a4 (batch 4, after the unrefreshed batch 3): the audience RPCs on the core periods.
create function pg_temp.eq_answer(p_state text) returns void language plpgsql as $$
declare
  c record;
  v jsonb;
begin
  for c in select * from pg_temp.eq_calls
           where p_state not in ('c4', 'a4') or (core and rpc like 'get\_audience\_%') loop
    perform tests.authenticate_as(md5('owner@eq.test')::uuid);
    execute format('select coalesce(jsonb_agg(r order by r::text), ''[]'') from (select to_jsonb(q) as r from (%s) as q) as s', c.sql)
      into v;
    perform tests.clear_authentication();
    insert into pg_temp.eq_answers values (p_state, c.rpc, c.sql, v);
  end loop;
end;
$$;

-- Calls of one RPC whose answers differ between two states, and the first of them.
create function pg_temp.eq_rpc_diff(p_rpc text, p_a text, p_b text, out differing bigint, out sample text) language sql as $$
  select pg_catalog.count(*), pg_catalog.min(a.sql || E'\n  ' || p_a || ': ' || left(a.answer::text, 1500) || E'\n  ' || p_b || ': ' || left(b.answer::text, 1500))
  from pg_temp.eq_answers as a join pg_temp.eq_answers as b on b.sql = a.sql and b.state = p_b
  where a.state = p_a and a.rpc = p_rpc and a.answer is distinct from b.answer
$$;

-- Batches 1-6, each read and refreshed; batch 7 ingested: (c) answers before its refresh, (a) after.
-- Batch 3 is not refreshed (4 then applies two batches at once); batch 5 is refreshed twice.
create function pg_temp.eq_batch(p_batch int) returns void language plpgsql as $$
begin
  perform pg_temp.eq_ingest(p_batch);
  if p_batch = 3 then
    return;
  end if;
  perform pg_temp.eq_capture_readers();
  if p_batch = 7 then
    perform pg_temp.eq_answer('c');
  elsif p_batch = 4 then
    perform pg_temp.eq_answer('c4');
  end if;
  perform pg_temp.eq_refresh(p_batch);
  perform pg_temp.eq_check_readers(p_batch);
  if p_batch = 4 then
    perform pg_temp.eq_answer('a4');
  end if;
  if p_batch = 5 then
    perform pg_temp.eq_refresh(p_batch);
    perform pg_temp.eq_check_readers(p_batch);
  end if;
end;
$$;
select pg_temp.eq_batch(1);
select pg_temp.eq_batch(2);
select pg_temp.eq_batch(3);
select pg_temp.eq_batch(4);
select pg_temp.eq_batch(5);
select pg_temp.eq_batch(6);
select pg_temp.eq_batch(7);
select pg_temp.eq_answer('a');
select pg_temp.eq_snapshot();
select pg_temp.eq_rebuild(7);
select pg_temp.eq_answer('b');

-- 1. The compared tables are the derived tables, and nothing else with org_id is derived.
select set_eq($$ select tab from pg_temp.eq_tables $$,
              $$ select * from private.derived_tables() union select 'private.insight_aggregates'::regclass
                 except select r.retractions from private.rollups as r where r.retractions is not null $$,
              'the compared tables are private.derived_tables() and private.insight_aggregates, but the retractions tables');
select set_eq(
  $$ select c.oid::regclass from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'm') and not c.relispartition
       and n.nspname in ('analytics', 'audience', 'insights', 'private', 'usage')
       and exists (select 1 from pg_attribute as a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped)
       and c.oid not in (select tab from pg_temp.eq_tables) $$,
  -- sources, settings, user data, bookkeeping and stored findings (not rollups; a budget
  -- alert is a notification written once, with the spend of the step that crossed it:
  -- usage.apply_budget_alerts):
  $$ values ('analytics.events'::regclass), ('audience.orders'), ('audience.orders_removed'), ('audience.opt_outs'),
            ('audience.subscribers'), ('audience.segments'), ('audience.segment_exports'), ('audience.kpi_targets'),
            ('audience.saved_views'), ('insights.generation_runs'), ('insights.ai_insights'),
            ('private.audience_rollup_watermarks'), ('usage.model_requests'), ('usage.feature_events'), ('usage.budgets'),
            ('usage.budget_alerts'), ('usage.anomalies'), ('usage.recommendations'), ('usage.reprice_runs'),
            ('usage.exports'), ('usage.prices'), ('usage.request_retractions'), ('private.audience_touch_retractions'),
            -- the stored requests' ids, kept by triggers (a key, not a rollup); the customers
            -- a segment export request matched, the requests, day rows and insights a usage
            -- export request counted (their audits' snapshots)
            ('usage.model_request_ids'), ('private.segment_export_members'),
            ('private.usage_export_requests'), ('private.usage_export_days'), ('private.usage_export_insights'),
            -- recomputed whole by every refresh (not maintained); compared through get_audience_cohorts
            ('private.mv_cohort_retention') $$,
  'every other table with org_id in the derived schemas is a source, a setting or bookkeeping');
select ok((select count(*) filter (where answer <> '[]' and answer <> '[null]') from pg_temp.eq_answers where state = 'a')
          >= 0.9 * (select count(*) from pg_temp.eq_answers where state = 'a'),
          'at least 90 % of the refreshed answers are not empty');

-- The fixture is what the header says (so that the comparisons below are not vacuous).
select ok((select count(*) from analytics.events where org_id in (select id from pg_temp.eq_orgs)) >= 3 * 7 * 50
          and (select count(*) from usage.model_requests where org_id in (select id from pg_temp.eq_orgs)) = 3 * (7 * 20 + 5)
          and (select count(*) from audience.orders where org_id in (select id from pg_temp.eq_orgs) and refunded_at is not null) = 6,
          'fixture: >= 1,050 events, 435 model requests, 6 refunded orders');

-- 2. Every derived table: rebuilt = incremental (on failure: the first rows that differ).
create function pg_temp.eq_table_checks() returns setof text language plpgsql as $$
declare
  t record;
  d record;
  v_rows bigint;
begin
  for t in select * from pg_temp.eq_tables order by tab::text loop
    select * into d from pg_temp.eq_diff(t.tab);
    execute format('select count(*) from pg_temp.%I', 'eq_snap_' || replace(t.tab::text, '.', '__')) into v_rows;
    return next is(d.differing, 0::bigint,
                   format('%s: rebuilt from empty = maintained incrementally (%s rows of the fixture)', t.tab, v_rows));
    if d.differing > 0 then
      return next diag(d.sample);
    end if;
  end loop;
end;
$$;
select * from pg_temp.eq_table_checks();

-- 3. Every registered rollup: before each of the 7 refreshes, its reader returned the rows the refresh stored.
create function pg_temp.eq_reader_checks() returns setof text language plpgsql as $$
declare
  r record;
begin
  for r in select t.target, sum(d.differing) as differing, count(d.batch) as batches,
                  min(d.batch || ': ' || d.sample) filter (where d.differing > 0) as sample
           from private.rollups as t left join pg_temp.eq_reader_diffs as d on d.tab = t.target
           group by t.target order by t.target::text loop
    return next is(r.differing, 0::numeric,
                   format('%s: the reader before each refresh = the rows it stored (%s refreshes)', r.target, r.batches));
    if r.differing > 0 then
      return next diag('batch ' || r.sample);
    end if;
  end loop;
end;
$$;
select * from pg_temp.eq_reader_checks();

-- 4. The RPCs: (c) not refreshed = (a) refreshed, (b) rebuilt = (a) refreshed.
create function pg_temp.eq_rpc_checks() returns setof text language plpgsql as $$
declare
  r record;
  s record;
  d record;
begin
  for s in select * from (values ('c4', 'a4', 'batches 3-4 not refreshed'), ('c', 'a', 'the last batch not refreshed'),
                                 ('b', 'a', 'rebuilt from empty')) as x (state, ref, what) loop
    for r in select a.rpc, count(*) as calls from pg_temp.eq_answers as a where a.state = s.state group by a.rpc order by a.rpc loop
      select * into d from pg_temp.eq_rpc_diff(r.rpc, s.state, s.ref);
      return next is(d.differing, 0::bigint, format('%s (%s calls): %s = refreshed', r.rpc, r.calls, s.what));
      if d.differing > 0 then
        return next diag(d.sample);
      end if;
    end loop;
  end loop;
end;
$$;
select * from pg_temp.eq_rpc_checks();

select * from finish();
