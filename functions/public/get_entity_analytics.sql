-- requires: functions/analytics/compute_entity_daily_recency.sql
-- Analytics of one entity (a content item, a tour date, any events.entity_id) of an
-- organization: lifetime totals, retention, daily series and peak hours for the local
-- days [p_from, p_to), as jsonb. Callable by members (viewer or above) and service_role.
--
-- Shape (bots excluded; days and hours in the organization's time zone):
--   { "entity_id", "entity_type", "title", "kind", "created_at", "published_at", "timezone", "from", "to",
--     "lifetime": {"first_day", "last_day", "events", "plays", "listeners", "visitors",
--                  "likes", "shares", "comments", "downloads", "impressions", "clicks",
--                  "ticket_clicks", "interested"},
--     "period":   {same counts for [p_from, p_to), without first_day / last_day},
--     "retention": {"listens", "average_watch_seconds", "completion_rate_pct",
--                   "drop_off": [{"seconds": 30|60|120, "listens", "reached_pct"}]},
--     "daily": [{"date", "plays", "listeners", "likes", "shares", "visitors",
--                "average_watch_seconds"}]             every day of the period, in order
--     "peak_hours": [{"hour", "events"}],                at most 3, busiest first
--     "interactions": {view duration, click-through and ticket conversion rates, reviews
--                      and average rating, daily}: analytics.entity_interactions }
-- Definitions: listeners = distinct visitors who played it, visitors = distinct visitors
-- with any event about it, each over the whole span (never a sum of daily counts), daily:
-- per day; the entity is the id, whatever entity types its events carry (or none);
-- lifetime = every day up to now. Retention from play_progress events (see
-- analytics.entity_daily_stats): a listen is a (visitor, session) with progress reports
-- on a day (per entity type: an id whose play_progress events carry several types counts
-- a (visitor, session) once per type; do-not-track events, stored without visitor and
-- session, make one listen per entity-day between them), its watch time the highest
-- position_s; average_watch_seconds = total watch
-- time / listens (one decimal); completion_rate_pct = completed listens / listens x 100
-- (one decimal); drop_off: listens that reached 30, 60, 120 seconds and their share of
-- all listens (one decimal); NULLs when there is no listen. peak_hours: local hours of
-- the day with the most events about the entity in the period (ties: earlier hour).
-- title / kind / created_at / published_at from app.content_items when the id is one of
-- its items, else null;
-- entity_type: the type most events about it carry.
-- Reads the daily rollups of the rollup engine through their inlined readers
-- (private.<target>_rows: analytics.entity_daily_stats, entity_daily_recency and the
-- interaction rollups), filtered on the entity through their keys: the stored rows plus
-- the rows recomputed for the keys touched by events received since each rollup's
-- watermark, so every answer is exact whether or not refresh has run; a late event counts
-- at once. Distinct visitors and listeners are sums of the recency rollup's rows
-- (migration 0920; the visitor sets of entity_daily_visitors only for an id that carries
-- several entity types).
-- 42501: not a member (or anon); 22023: bad period or NULL entity id; P0002: no content
-- item and no event with this id in the organization.
create or replace function public.get_entity_analytics(p_org_id uuid, p_entity_id uuid, p_from date, p_to date)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_tz       text;
  v_result   jsonb;
begin
  perform app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"
  perform analytics.check_period(p_from, p_to);      -- raises 22023
  if p_entity_id is null then
    raise exception 'entity id must not be null'
      using errcode = '22023', hint = 'Pass the id of a content item or of another entity of your events.';
  end if;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;

  with life as materialized (
    select s.* from private.entity_daily_stats_rows(p_org_id, '-infinity', 'infinity') as s where s.entity_id = p_entity_id
  ),
  recency as materialized (
    select r.* from private.entity_daily_recency_rows(p_org_id, '-infinity', 'infinity') as r where r.entity_id = p_entity_id
  ),
  totals as (
    select pg_catalog.jsonb_build_object(
             'events', coalesce(pg_catalog.sum(l.events), 0),
             'plays', coalesce(pg_catalog.sum(l.plays), 0),
             'likes', coalesce(pg_catalog.sum(l.likes), 0),
             'shares', coalesce(pg_catalog.sum(l.shares), 0),
             'comments', coalesce(pg_catalog.sum(l.comments), 0),
             'downloads', coalesce(pg_catalog.sum(l.downloads), 0),
             'impressions', coalesce(pg_catalog.sum(l.impressions), 0),
             'clicks', coalesce(pg_catalog.sum(l.clicks), 0),
             'ticket_clicks', coalesce(pg_catalog.sum(l.ticket_clicks), 0),
             'interested', coalesce(pg_catalog.sum(l.interested), 0)) as lifetime,
           pg_catalog.jsonb_build_object(
             'events', coalesce(pg_catalog.sum(l.events) filter (where l.day >= p_from and l.day < p_to), 0),
             'plays', coalesce(pg_catalog.sum(l.plays) filter (where l.day >= p_from and l.day < p_to), 0),
             'likes', coalesce(pg_catalog.sum(l.likes) filter (where l.day >= p_from and l.day < p_to), 0),
             'shares', coalesce(pg_catalog.sum(l.shares) filter (where l.day >= p_from and l.day < p_to), 0),
             'comments', coalesce(pg_catalog.sum(l.comments) filter (where l.day >= p_from and l.day < p_to), 0),
             'downloads', coalesce(pg_catalog.sum(l.downloads) filter (where l.day >= p_from and l.day < p_to), 0),
             'impressions', coalesce(pg_catalog.sum(l.impressions) filter (where l.day >= p_from and l.day < p_to), 0),
             'clicks', coalesce(pg_catalog.sum(l.clicks) filter (where l.day >= p_from and l.day < p_to), 0),
             'ticket_clicks', coalesce(pg_catalog.sum(l.ticket_clicks) filter (where l.day >= p_from and l.day < p_to), 0),
             'interested', coalesce(pg_catalog.sum(l.interested) filter (where l.day >= p_from and l.day < p_to), 0)) as period,
           pg_catalog.min(l.day) as first_day,
           pg_catalog.max(l.day) as last_day,
           coalesce(pg_catalog.sum(l.listens) filter (where l.day >= p_from and l.day < p_to), 0) as listens,
           coalesce(pg_catalog.sum(l.completions) filter (where l.day >= p_from and l.day < p_to), 0) as completions,
           coalesce(pg_catalog.sum(l.watch_seconds) filter (where l.day >= p_from and l.day < p_to), 0) as watch_seconds,
           coalesce(pg_catalog.sum(l.reached_30s) filter (where l.day >= p_from and l.day < p_to), 0) as reached_30s,
           coalesce(pg_catalog.sum(l.reached_60s) filter (where l.day >= p_from and l.day < p_to), 0) as reached_60s,
           coalesce(pg_catalog.sum(l.reached_120s) filter (where l.day >= p_from and l.day < p_to), 0) as reached_120s,
           (select t.entity_type from life as t group by t.entity_type
             order by pg_catalog.sum(t.events) desc, t.entity_type limit 1) as entity_type
    from life as l
  ),
  types as (
    select pg_catalog.count(distinct x.entity_type) > 1 as several from recency as x
  ),
  visitor_sets as materialized (
    -- An id that carries several entity types: its visitors of all of them, counted once.
    select v.day, v.visitor_key, v.played
    from private.entity_daily_visitors_rows(p_org_id, '-infinity', 'infinity') as v
    where v.entity_id = p_entity_id and (select t.several from types as t)
  ),
  distinct_visitors as (
    -- Sums of the recency rollup (migration 0920): lifetime = the first-timers; a period =
    -- each visitor on their first day in it. When the id carries several entity types, the
    -- visitors of all of them are counted once, from the visitor sets themselves. Each
    -- branch is an aggregate without GROUP BY: HAVING keeps only the one that applies.
    select coalesce(pg_catalog.sum(r.first_listeners), 0) as listeners,
           coalesce(pg_catalog.sum(r.first_visitors), 0) as visitors,
           coalesce(pg_catalog.sum(r.listeners - coalesce(r.returning_listeners[pg_catalog.width_bucket(r.day - p_from, r.listener_gaps)], 0))
                      filter (where r.day >= p_from and r.day < p_to), 0) as period_listeners,
           coalesce(pg_catalog.sum(r.visitors - coalesce(r.returning_visitors[pg_catalog.width_bucket(r.day - p_from, r.visitor_gaps)], 0))
                      filter (where r.day >= p_from and r.day < p_to), 0) as period_visitors
    from recency as r
    having not (select t.several from types as t)
    union all
    select pg_catalog.count(distinct v.visitor_key) filter (where v.played),
           pg_catalog.count(distinct v.visitor_key),
           pg_catalog.count(distinct v.visitor_key) filter (where v.played and v.day >= p_from and v.day < p_to),
           pg_catalog.count(distinct v.visitor_key) filter (where v.day >= p_from and v.day < p_to)
    from visitor_sets as v
    having (select t.several from types as t)
  ),
  day_visitors as (
    -- Daily listeners and visitors of an id with several entity types: distinct per day.
    select v.day, pg_catalog.count(distinct v.visitor_key) filter (where v.played) as listeners,
           pg_catalog.count(distinct v.visitor_key) as visitors
    from visitor_sets as v
    where v.day >= p_from and v.day < p_to
    group by v.day
  ),
  daily as (
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                      'date', d.day,
                      'plays', coalesce(x.plays, 0),
                      'listeners', coalesce(dv.listeners, x.unique_plays, 0),
                      'likes', coalesce(x.likes, 0),
                      'shares', coalesce(x.shares, 0),
                      'visitors', coalesce(dv.visitors, x.visitors, 0),
                      'average_watch_seconds', case when x.listens > 0 then pg_catalog.round(x.watch_seconds / x.listens, 1) end)
                    order by d.day), '[]'::jsonb) as days
    from (select pg_catalog.generate_series(p_from, p_to - 1, interval '1 day')::date as day) as d
    left join (
      select l.day, pg_catalog.sum(l.plays) as plays, pg_catalog.sum(l.unique_plays) as unique_plays,
             pg_catalog.sum(l.likes) as likes, pg_catalog.sum(l.shares) as shares, pg_catalog.sum(l.visitors) as visitors,
             pg_catalog.sum(l.listens) as listens, pg_catalog.sum(l.watch_seconds) as watch_seconds
      from life as l
      where l.day >= p_from and l.day < p_to
      group by l.day
    ) as x on x.day = d.day
    left join day_visitors as dv on dv.day = d.day
  ),
  hours as (
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('hour', h.hour, 'events', h.events)
                                         order by h.events desc, h.hour), '[]'::jsonb) as peak
    from (
      select (a.ordinality - 1)::integer as hour, pg_catalog.sum(a.n) as events
      from life as l
      cross join lateral pg_catalog.unnest(l.activity_by_hour) with ordinality as a (n, ordinality)
      where l.day >= p_from and l.day < p_to
      group by a.ordinality
      having pg_catalog.sum(a.n) > 0
      order by pg_catalog.sum(a.n) desc, a.ordinality
      limit 3
    ) as h
  )
  select case when t.first_day is null and ci.id is null then null else
         pg_catalog.jsonb_build_object(
           'entity_id', p_entity_id,
           'entity_type', coalesce(t.entity_type, case when ci.id is not null then 'content_item' end),
           'title', ci.title,
           'kind', ci.kind,
           'created_at', ci.created_at,
           'published_at', ci.published_at,
           'timezone', v_tz,
           'from', p_from,
           'to', p_to,
           'lifetime', t.lifetime || pg_catalog.jsonb_build_object('first_day', t.first_day, 'last_day', t.last_day,
                                                                  'listeners', dv.listeners, 'visitors', dv.visitors),
           'period', t.period || pg_catalog.jsonb_build_object('listeners', dv.period_listeners, 'visitors', dv.period_visitors),
           'retention', pg_catalog.jsonb_build_object(
             'listens', t.listens,
             'average_watch_seconds', case when t.listens > 0 then pg_catalog.round(t.watch_seconds / t.listens, 1) end,
             'completion_rate_pct', case when t.listens > 0 then pg_catalog.round(100.0 * t.completions / t.listens, 1) end,
             'drop_off', pg_catalog.jsonb_build_array(
               pg_catalog.jsonb_build_object('seconds', 30, 'listens', t.reached_30s,
                 'reached_pct', case when t.listens > 0 then pg_catalog.round(100.0 * t.reached_30s / t.listens, 1) end),
               pg_catalog.jsonb_build_object('seconds', 60, 'listens', t.reached_60s,
                 'reached_pct', case when t.listens > 0 then pg_catalog.round(100.0 * t.reached_60s / t.listens, 1) end),
               pg_catalog.jsonb_build_object('seconds', 120, 'listens', t.reached_120s,
                 'reached_pct', case when t.listens > 0 then pg_catalog.round(100.0 * t.reached_120s / t.listens, 1) end))),
           'daily', dl.days,
           'peak_hours', hr.peak,
           'interactions', analytics.entity_interactions(p_org_id, p_entity_id, p_from, p_to)) end
  into v_result
  from totals as t
  cross join distinct_visitors as dv
  cross join daily as dl
  cross join hours as hr
  left join app.content_items as ci on ci.org_id = p_org_id and ci.id = p_entity_id;

  if v_result is null then
    raise exception 'no entity % in organization %', p_entity_id, p_org_id
      using errcode = 'P0002', hint = 'Pass the id of a content item of the organization, or an entity_id its events carry.';
  end if;
  return v_result;
end;
$$;
revoke execute on function public.get_entity_analytics(uuid, uuid, date, date) from public, anon;
grant execute on function public.get_entity_analytics(uuid, uuid, date, date) to authenticated, service_role;
comment on function public.get_entity_analytics(uuid, uuid, date, date) is
  'Analytics of one entity (content item or other events.entity_id) for local days [p_from, p_to) as jsonb: lifetime totals, period totals, retention (average watch time, completion rate, drop-off at 30/60/120 s from play_progress), daily series, peak hours (org time zone). Viewer or above; 42501 otherwise; 22023 bad period / NULL entity; P0002 unknown entity.';
