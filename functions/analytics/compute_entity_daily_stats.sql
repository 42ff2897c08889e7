-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_day_events.sql
-- requires: functions/analytics/daily_rollup_events.sql
-- Compute function of the rollup analytics.entity_daily_stats (migration 0030 states the
-- columns): the complete rows of every (organization, entity, local day) with a non-bot
-- event about it (entity_id not null; entity_type 'unknown' when missing) received in
-- [p_after, p_upto), recomputed from all the events about that entity that day
-- (analytics.touched_day_events). Listens come from play_progress events: one listen per
-- (visitor, session) and day, its watch time the highest position_s (non-numeric values
-- ignored, negatives as 0), completed when properties.completed is true or
-- position_s >= duration_s. Aggregated per listen before joining the counts.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_entity_daily_stats(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.entity_daily_stats
language sql
stable
as $$
  with ev as materialized (
    select k.org_id, coalesce(k.entity_type, 'unknown') as entity_type, k.entity_id, k.day, k.local_hour, k.event_type,
           k.link_type, k.visitor_key, k.session_id, k.position_s, k.duration_s, k.completed, k.fresh
    from analytics.touched_day_events(p_org_id, p_after, p_upto) as k
    where k.entity_id is not null
  ),
  touched as (
    select e.org_id, e.entity_type, e.entity_id, e.day, e.local_hour, e.event_type, e.link_type, e.visitor_key,
           e.session_id, e.position_s, e.duration_s, e.completed
    from ev as e
    where (e.org_id, e.entity_type, e.entity_id, e.day) in
          (select f.org_id, f.entity_type, f.entity_id, f.day from ev as f where f.fresh)
  ),
  counts as (
    select e.org_id, e.entity_type, e.entity_id, e.day,
           pg_catalog.count(*) as events,
           pg_catalog.count(*) filter (where e.event_type = 'play') as plays,
           pg_catalog.count(distinct e.visitor_key) filter (where e.event_type = 'play') as unique_plays,
           pg_catalog.count(*) filter (where e.event_type = 'like') as likes,
           pg_catalog.count(*) filter (where e.event_type = 'share') as shares,
           pg_catalog.count(*) filter (where e.event_type = 'comment') as comments,
           pg_catalog.count(*) filter (where e.event_type = 'download') as downloads,
           pg_catalog.count(*) filter (where e.event_type = 'impression') as impressions,
           pg_catalog.count(*) filter (where e.event_type = 'link_click') as clicks,
           pg_catalog.count(*) filter (where e.event_type = 'ticket_cta'
                                          or (e.event_type = 'link_click' and e.link_type = 'tickets')) as ticket_clicks,
           pg_catalog.count(*) filter (where e.event_type = 'interested') as interested,
           pg_catalog.count(distinct e.visitor_key) as visitors,
           array[pg_catalog.count(*) filter (where e.local_hour = 0)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 1)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 2)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 3)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 4)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 5)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 6)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 7)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 8)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 9)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 10)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 11)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 12)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 13)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 14)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 15)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 16)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 17)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 18)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 19)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 20)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 21)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 22)::integer,
           pg_catalog.count(*) filter (where e.local_hour = 23)::integer] as activity_by_hour
    from touched as e
    group by e.org_id, e.entity_type, e.entity_id, e.day
  ),
  listens as (
    select l.org_id, l.entity_type, l.entity_id, l.day,
           pg_catalog.count(*) as listens,
           pg_catalog.count(*) filter (where l.completed) as completions,
           pg_catalog.count(*) filter (where l.watch >= 30) as reached_30s,
           pg_catalog.count(*) filter (where l.watch >= 60) as reached_60s,
           pg_catalog.count(*) filter (where l.watch >= 120) as reached_120s,
           pg_catalog.sum(l.watch) as watch_seconds
    from (
      select e.org_id, e.entity_type, e.entity_id, e.day,
             coalesce(pg_catalog.max(e.position_s), 0) as watch,
             coalesce(pg_catalog.bool_or(e.completed or e.position_s >= e.duration_s), false) as completed
      from touched as e
      where e.event_type = 'play_progress'
      group by e.org_id, e.entity_type, e.entity_id, e.day, e.visitor_key, coalesce(e.session_id, '')
    ) as l
    group by l.org_id, l.entity_type, l.entity_id, l.day
  )
  select c.org_id, c.entity_type, c.entity_id, c.day, c.events, c.plays, c.unique_plays, c.likes, c.shares,
         c.comments, c.downloads, c.impressions, c.clicks, c.ticket_clicks, c.interested, c.visitors,
         coalesce(l.listens, 0), coalesce(l.completions, 0), coalesce(l.reached_30s, 0),
         coalesce(l.reached_60s, 0), coalesce(l.reached_120s, 0), coalesce(l.watch_seconds, 0),
         c.activity_by_hour,
         case when l.listens > 0 then pg_catalog.round(l.watch_seconds / l.listens, 1) end   -- the generated average_watch_seconds
  from counts as c
  left join listens as l on (l.org_id, l.entity_type, l.entity_id, l.day) = (c.org_id, c.entity_type, c.entity_id, c.day)
$$;
revoke execute on function analytics.compute_entity_daily_stats(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_entity_daily_stats(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.entity_daily_stats: complete rows of the entity-days with non-bot events received in [p_after, p_upto). Internal (owner only).';

select private.register_rollup(
  'analytics.entity_daily_stats', 'analytics.events', 'analytics.entity_daily_stats', 'analytics.compute_entity_daily_stats',
  array['org_id', 'entity_id', 'entity_type', 'day'], 'day', '{}',
  'Per organization, entity and local day: non-bot events about the entity by type, distinct visitors and players, listens and drop-off, activity by local hour (migration 0030).',
  p_shared_source => 'analytics.daily_rollup_events');
