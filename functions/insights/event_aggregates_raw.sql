-- One pass over an organization's raw events of [p_comparison_start, p_period_end), bots
-- excluded, reduced to the few rows the metric snapshot and the detector need: the
-- definition behind insights.event_aggregates (which returns a stored result of this
-- function when one is provably current, see migration 0040) and what
-- insights.refresh_aggregates stores. SECURITY INVOKER; granted to service_role only.
--
-- Buckets: 1 and 2 are the first and second halves of the comparison period
-- [p_comparison_start, p_period_start), 3 and 4 the halves of [p_period_start, p_period_end).
-- Short window (referrer surges): [p_window_start, p_period_end) split at p_window_mid
-- (where the recent window starts); recent_1/2 are the halves before p_window_mid,
-- recent_3/4 the halves after.
-- Intent of an event: 3 high (ticket_cta, checkout_started, purchase, tip), 2 medium
-- (link_click, play, like, share, comment, follow, download, subscribe, email_click),
-- 1 low (views, impressions, searches, e-mail opens...). A visitor is "engaged" in a
-- bucket or period when one of their events there has intent >= 2; their intent is the
-- highest one.
-- Distinct visitors are counted on a 64-bit hash of visitor_id (hashtextextended): two
-- ids collide with probability ~n^2 / 2^65 (1e-9 for 200,000 visitors), and integer
-- keys count several times faster than text. Events without visitor_id count as events,
-- never as visitors.
--
-- Rows (dim: keys; filled columns; other columns NULL):
--   'all'      (one row): events_1..4, clicks_1..4, visitors_1..4, visitors_now,
--              visitors_before, engaged_1..4, engaged_now, engaged_before, high_now,
--              high_before, medium_now, medium_before, located_now (visitors of the period
--              with an event that has a city)
--   'city'     key1 city, key2 country: events_1..4, clicks_1..4, visitors_1..4 (fans per
--              bucket), visitors_now, visitors_before (fans per period)
--   'platform' key1 platform, key2 link_type (link clicks only): clicks_1..4
--   'referrer' key1 referrer_domain: events_1..4, recent_1..4
--   'device'   key1 device_type: events_1..4
--   'time'     weekday (ISO, 1 = Monday), hour (0-23), both in p_timezone: events_3, events_4
--              (the analysed period only)
--   'release'  release_id (app.content_items kind 'release' published in
--              [p_period_start, p_period_end)): events_1, events_2 and clicks_1, clicks_2
--              are the two halves of [published_at, p_period_end)
--
-- Performance (the largest organization of `seed scale`: ~1M events, ~330k of them in the
-- 60 days read, 2 cores): plpgsql with plan_cache_mode force_custom_plan, so that the scan
-- is planned for the actual organization and dates (a generic plan chose a row-by-row
-- index scan: 1.9 s instead of a bitmap scan); jit off (JIT compilation alone cost ~420
-- ms); bucket boundaries computed once (timestamptz + interval is not folded to a constant
-- and would be recomputed per event); local weekday and hour from UTC quarter-hours (a
-- time-zone conversion per event cost ~300 ms); the events are read once into a narrow
-- materialized set, then reduced: one aggregation per (place, visitor, bucket) with three
-- aggregates (a per-(place, visitor) grouping with thirteen filtered aggregates cost three
-- times more), from which the per-city fans and the per-visitor intents derive, and one
-- hashed GROUPING SETS pass for the additive rest.
-- Small organizations (fewer than 2,000 events in the range, counted first through the
-- primary key with a LIMIT) run the statement on its generic plan instead, planned once per
-- session: planning it for each call cost ~3 ms, more than executing it for a few hundred
-- events, and the refresh step plans it for every organization whose period moved (1,000
-- organizations of the 1M seed: BENCHMARKS.md, "Insight aggregates of small organizations
-- on a generic plan"). The generic plan reads the events by index scan, which is what a
-- custom plan does for so few rows too.
create or replace function insights.event_aggregates_raw(
  p_org_id           uuid,
  p_comparison_start timestamptz,
  p_period_start     timestamptz,
  p_period_end       timestamptz,
  p_timezone         text,
  p_window_start     timestamptz,
  p_window_mid       timestamptz)
returns table (dim text, key1 text, key2 text, release_id uuid, weekday integer, hour integer,
               events_1 bigint, events_2 bigint, events_3 bigint, events_4 bigint,
               clicks_1 bigint, clicks_2 bigint, clicks_3 bigint, clicks_4 bigint,
               visitors_1 bigint, visitors_2 bigint, visitors_3 bigint, visitors_4 bigint,
               visitors_now bigint, visitors_before bigint,
               engaged_1 bigint, engaged_2 bigint, engaged_3 bigint, engaged_4 bigint,
               engaged_now bigint, engaged_before bigint,
               high_now bigint, high_before bigint, medium_now bigint, medium_before bigint, located_now bigint,
               recent_1 bigint, recent_2 bigint, recent_3 bigint, recent_4 bigint)
language plpgsql
stable
set search_path = ''
set work_mem = '64MB'
set jit = off
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_b2 timestamptz := p_comparison_start + (p_period_start - p_comparison_start) / 2;
  v_b4 timestamptz := p_period_start + (p_period_end - p_period_start) / 2;
  v_w2 timestamptz := p_window_start + (p_window_mid - p_window_start) / 2;
  v_w4 timestamptz := p_window_mid + (p_period_end - p_window_mid) / 2;
  v_small boolean;
begin
  -- The SET clause above scopes this to the call (PostgreSQL restores plan_cache_mode on exit).
  perform pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true);
  select pg_catalog.count(*) < 2000 into v_small
  from (select from analytics.events ev
        where ev.org_id = p_org_id
          and ev.occurred_at >= p_comparison_start
          and ev.occurred_at < p_period_end
        limit 2000) as n;
  if not v_small then
    perform pg_catalog.set_config('plan_cache_mode', 'force_custom_plan', true);
  end if;
  return query
  with releases as (
    select c.id, c.published_at, c.published_at + (p_period_end - c.published_at) / 2 as half_at
    from app.content_items c
    where c.org_id = p_org_id
      and c.kind = 'release'
      and c.published_at >= p_period_start
      and c.published_at < p_period_end
  ),
  e as materialized (
    select case when ev.occurred_at < v_b2 then 1
                when ev.occurred_at < p_period_start then 2
                when ev.occurred_at < v_b4 then 3
                else 4 end as b,
           case when ev.occurred_at < p_window_start then 0
                when ev.occurred_at < v_w2 then 1
                when ev.occurred_at < p_window_mid then 2
                when ev.occurred_at < v_w4 then 3
                else 4 end as w,
           ev.occurred_at,
           ev.city, ev.country::text as country,
           pg_catalog.hashtextextended(ev.visitor_id, 0) as vh,
           ev.platform::text as platform, ev.link_type::text as link_type,
           ev.referrer_domain::text as referrer_domain, ev.device_type::text as device_type,
           r.id as release_id,
           case when r.id is null then null when ev.occurred_at < r.half_at then 1 else 2 end as release_half,
           ev.event_type = 'link_click' as click,
           case when ev.event_type in ('ticket_cta', 'checkout_started', 'purchase', 'tip') then 3
                when ev.event_type in ('link_click', 'play', 'like', 'share', 'comment', 'follow', 'download',
                                       'subscribe', 'email_click') then 2
                else 1 end as intent
    from analytics.events ev
    left join releases r on r.id = ev.entity_id and ev.occurred_at >= r.published_at
    where ev.org_id = p_org_id
      and ev.occurred_at >= p_comparison_start
      and ev.occurred_at < p_period_end
      and not ev.is_bot
  ),
  -- Per (place, visitor, bucket), place NULL included: events, clicks, highest intent.
  -- Few aggregates per row: this is the widest grouping, everything visitor-based derives
  -- from it.
  pvb as (
    select e.city, e.country, e.vh, e.b,
           pg_catalog.count(*) as events, pg_catalog.count(*) filter (where e.click) as clicks, pg_catalog.max(e.intent) as intent
    from e
    group by e.city, e.country, e.vh, e.b
  ),
  -- Per visitor and bucket: highest intent, and whether an event of theirs had a city.
  visitor_buckets as (
    select p.vh, p.b, pg_catalog.max(p.intent) as intent, pg_catalog.bool_or(p.city is not null) as located
    from pvb p
    where p.vh is not null
    group by p.vh, p.b
  ),
  -- Per visitor and period (1 comparison, 2 analysed).
  visitor_periods as (
    select vb.vh, (vb.b + 1) / 2 as period, pg_catalog.max(vb.intent) as intent, pg_catalog.bool_or(vb.located) as located
    from visitor_buckets vb
    group by vb.vh, (vb.b + 1) / 2
  ),
  -- Everything additive, one pass: per bucket overall, per platform, referrer, device,
  -- local weekday and hour, and release half.
  sets as (
    select case when grouping(e.platform) = 0 then 'platform'
                when grouping(e.referrer_domain) = 0 then 'referrer'
                when grouping(e.device_type) = 0 then 'device'
                when grouping(l.quarter) = 0 then 'time'
                when grouping(e.release_id) = 0 then 'release'
                else 'all' end as dim,
           e.b, e.w, e.platform, e.link_type, e.referrer_domain, e.device_type, l.quarter,
           e.release_id, e.release_half,
           pg_catalog.count(*) as events, pg_catalog.count(*) filter (where e.click) as clicks
    from e
    -- Local weekday and hour: events of the analysed period are first counted per UTC
    -- quarter-hour (every UTC offset in use is a multiple of 15 minutes, so a quarter-hour
    -- lies within one local hour), then only the quarter-hours are converted below: a few
    -- thousand time-zone conversions instead of one per event.
    cross join lateral (select case when e.b >= 3
                                    then pg_catalog.floor(pg_catalog.date_part('epoch', e.occurred_at) / 900)::bigint
                               end as quarter) l
    group by grouping sets ((e.b), (e.b, e.platform, e.link_type), (e.b, e.w, e.referrer_domain), (e.b, e.device_type),
                            (e.b, l.quarter), (e.release_id, e.release_half))
  )
  select 'all', null::text, null::text, null::uuid, null::integer, null::integer,
         (select pg_catalog.sum(s.events) filter (where s.b = 1) from sets s where s.dim = 'all')::bigint,
         (select pg_catalog.sum(s.events) filter (where s.b = 2) from sets s where s.dim = 'all')::bigint,
         (select pg_catalog.sum(s.events) filter (where s.b = 3) from sets s where s.dim = 'all')::bigint,
         (select pg_catalog.sum(s.events) filter (where s.b = 4) from sets s where s.dim = 'all')::bigint,
         (select pg_catalog.sum(s.clicks) filter (where s.b = 1) from sets s where s.dim = 'all')::bigint,
         (select pg_catalog.sum(s.clicks) filter (where s.b = 2) from sets s where s.dim = 'all')::bigint,
         (select pg_catalog.sum(s.clicks) filter (where s.b = 3) from sets s where s.dim = 'all')::bigint,
         (select pg_catalog.sum(s.clicks) filter (where s.b = 4) from sets s where s.dim = 'all')::bigint,
         vb.v1, vb.v2, vb.v3, vb.v4, vp.v_now, vp.v_before,
         vb.e1, vb.e2, vb.e3, vb.e4, vp.e_now, vp.e_before,
         vp.high_now, vp.high_before, vp.medium_now, vp.medium_before, vp.located_now,
         null::bigint, null::bigint, null::bigint, null::bigint
  from (select pg_catalog.count(*) filter (where x.b = 1) as v1, pg_catalog.count(*) filter (where x.b = 2) as v2,
               pg_catalog.count(*) filter (where x.b = 3) as v3, pg_catalog.count(*) filter (where x.b = 4) as v4,
               pg_catalog.count(*) filter (where x.b = 1 and x.intent >= 2) as e1, pg_catalog.count(*) filter (where x.b = 2 and x.intent >= 2) as e2,
               pg_catalog.count(*) filter (where x.b = 3 and x.intent >= 2) as e3, pg_catalog.count(*) filter (where x.b = 4 and x.intent >= 2) as e4
        from visitor_buckets x) vb,
       (select pg_catalog.count(*) filter (where y.period = 2) as v_now, pg_catalog.count(*) filter (where y.period = 1) as v_before,
               pg_catalog.count(*) filter (where y.period = 2 and y.intent >= 2) as e_now,
               pg_catalog.count(*) filter (where y.period = 1 and y.intent >= 2) as e_before,
               pg_catalog.count(*) filter (where y.period = 2 and y.intent = 3) as high_now,
               pg_catalog.count(*) filter (where y.period = 1 and y.intent = 3) as high_before,
               pg_catalog.count(*) filter (where y.period = 2 and y.intent = 2) as medium_now,
               pg_catalog.count(*) filter (where y.period = 1 and y.intent = 2) as medium_before,
               pg_catalog.count(*) filter (where y.period = 2 and y.located) as located_now
        from visitor_periods y) vp
  union all
  select 'city', cb.city, cb.country, null, null, null,
         cb.e1, cb.e2, cb.e3, cb.e4, cb.c1, cb.c2, cb.c3, cb.c4, cb.v1, cb.v2, cb.v3, cb.v4,
         coalesce(cf.fans_now, 0), coalesce(cf.fans_before, 0),
         null, null, null, null, null, null, null, null, null, null, null,
         null, null, null, null
  from (select p.city, p.country,
               coalesce(pg_catalog.sum(p.events) filter (where p.b = 1), 0)::bigint as e1, coalesce(pg_catalog.sum(p.events) filter (where p.b = 2), 0)::bigint as e2,
               coalesce(pg_catalog.sum(p.events) filter (where p.b = 3), 0)::bigint as e3, coalesce(pg_catalog.sum(p.events) filter (where p.b = 4), 0)::bigint as e4,
               coalesce(pg_catalog.sum(p.clicks) filter (where p.b = 1), 0)::bigint as c1, coalesce(pg_catalog.sum(p.clicks) filter (where p.b = 2), 0)::bigint as c2,
               coalesce(pg_catalog.sum(p.clicks) filter (where p.b = 3), 0)::bigint as c3, coalesce(pg_catalog.sum(p.clicks) filter (where p.b = 4), 0)::bigint as c4,
               pg_catalog.count(p.vh) filter (where p.b = 1) as v1, pg_catalog.count(p.vh) filter (where p.b = 2) as v2,
               pg_catalog.count(p.vh) filter (where p.b = 3) as v3, pg_catalog.count(p.vh) filter (where p.b = 4) as v4
        from pvb p
        where p.city is not null
        group by p.city, p.country) cb
  left join (select f.city, f.country,
                    pg_catalog.count(*) filter (where f.seen & 12 <> 0) as fans_now,
                    pg_catalog.count(*) filter (where f.seen & 3 <> 0) as fans_before
             from (select p.city, p.country, p.vh, pg_catalog.bit_or(1 << (p.b - 1)) as seen
                   from pvb p
                   where p.city is not null and p.vh is not null
                   group by p.city, p.country, p.vh) f
             group by f.city, f.country) cf on cf.city = cb.city and cf.country is not distinct from cb.country
  union all
  select s.dim, coalesce(s.platform, s.referrer_domain, s.device_type), s.link_type, s.release_id, null, null,
         case when s.dim = 'release' then pg_catalog.sum(s.events) filter (where s.release_half = 1) else pg_catalog.sum(s.events) filter (where s.b = 1) end::bigint,
         case when s.dim = 'release' then pg_catalog.sum(s.events) filter (where s.release_half = 2) else pg_catalog.sum(s.events) filter (where s.b = 2) end::bigint,
         pg_catalog.sum(s.events) filter (where s.b = 3 and s.dim <> 'release')::bigint,
         pg_catalog.sum(s.events) filter (where s.b = 4 and s.dim <> 'release')::bigint,
         case when s.dim = 'release' then pg_catalog.sum(s.clicks) filter (where s.release_half = 1) else pg_catalog.sum(s.clicks) filter (where s.b = 1) end::bigint,
         case when s.dim = 'release' then pg_catalog.sum(s.clicks) filter (where s.release_half = 2) else pg_catalog.sum(s.clicks) filter (where s.b = 2) end::bigint,
         pg_catalog.sum(s.clicks) filter (where s.b = 3 and s.dim <> 'release')::bigint,
         pg_catalog.sum(s.clicks) filter (where s.b = 4 and s.dim <> 'release')::bigint,
         null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
         pg_catalog.sum(s.events) filter (where s.dim = 'referrer' and s.w = 1)::bigint,
         pg_catalog.sum(s.events) filter (where s.dim = 'referrer' and s.w = 2)::bigint,
         pg_catalog.sum(s.events) filter (where s.dim = 'referrer' and s.w = 3)::bigint,
         pg_catalog.sum(s.events) filter (where s.dim = 'referrer' and s.w = 4)::bigint
  from sets s
  where s.dim in ('platform', 'referrer', 'device', 'release')
    and (s.dim <> 'release' or s.release_id is not null)
    and (s.dim <> 'platform' or s.clicks > 0)
  group by s.dim, coalesce(s.platform, s.referrer_domain, s.device_type), s.link_type, s.release_id
  union all
  select 'time', null, null, null, t.weekday, t.hour,
         null, null,
         pg_catalog.sum(s.events) filter (where s.b = 3)::bigint, pg_catalog.sum(s.events) filter (where s.b = 4)::bigint,
         null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
         null, null, null, null
  from sets s
  cross join lateral (select pg_catalog.to_timestamp(s.quarter * 900) at time zone p_timezone as local_time) q
  cross join lateral (select extract(isodow from q.local_time)::integer as weekday,
                             extract(hour from q.local_time)::integer as hour) t
  where s.dim = 'time' and s.quarter is not null
  group by t.weekday, t.hour;
end;
$$;
revoke execute on function insights.event_aggregates_raw(uuid, timestamptz, timestamptz, timestamptz, text, timestamptz, timestamptz)
  from public, anon, authenticated;
grant execute on function insights.event_aggregates_raw(uuid, timestamptz, timestamptz, timestamptz, text, timestamptz, timestamptz)
  to service_role;
comment on function insights.event_aggregates_raw(uuid, timestamptz, timestamptz, timestamptz, text, timestamptz, timestamptz) is
  'Internal: the raw computation of insights.event_aggregates; one scan of an organization''s non-bot events over the comparison and analysed periods, reduced to per-bucket counts overall (with distinct and engaged visitors), per city (with fans), platform, referrer (with a short window), device, local weekday and hour, and release half. Service_role only.';
