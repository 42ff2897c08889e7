-- requires: functions/analytics/keyed_event_array.sql
-- analytics.entity_daily_stats rows of one organization from its keyed events of a range
-- of local days (p_events), those about an entity (entity_id not null;
-- entity_type 'unknown' when missing). Listens come from play_progress events: one listen
-- per (visitor, session) and day, its watch time the highest properties.position_s
-- (non-numeric values ignored, negatives as 0), completed when properties.completed is
-- true or position_s >= duration_s. Aggregated per listen before joining the counts.
-- Internal helper: owner only.
create or replace function analytics.compute_entity_daily_stats(p_org_id uuid, p_events analytics.keyed_event[])
returns table (org_id uuid, entity_type text, entity_id uuid, day date, events bigint, plays bigint,
               unique_plays bigint, likes bigint, shares bigint, comments bigint, downloads bigint,
               impressions bigint, clicks bigint, ticket_clicks bigint, interested bigint, visitors bigint,
               listens bigint, completions bigint, reached_30s bigint, reached_60s bigint, reached_120s bigint,
               watch_seconds numeric, activity_by_hour integer[])
language sql
stable
as $$
  with ev as materialized (
    select coalesce(k.entity_type, 'unknown') as entity_type, k.entity_id, k.day, k.local_hour, k.event_type,
           k.link_type, k.visitor_key, k.session_id, k.position_s, k.duration_s, k.completed
    from pg_catalog.unnest(p_events) as k
    where k.entity_id is not null
  ),
  counts as (
    select e.entity_type, e.entity_id, e.day,
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
    from ev as e
    group by e.entity_type, e.entity_id, e.day
  ),
  listens as (
    select l.entity_type, l.entity_id, l.day,
           pg_catalog.count(*) as listens,
           pg_catalog.count(*) filter (where l.completed) as completions,
           pg_catalog.count(*) filter (where l.watch >= 30) as reached_30s,
           pg_catalog.count(*) filter (where l.watch >= 60) as reached_60s,
           pg_catalog.count(*) filter (where l.watch >= 120) as reached_120s,
           pg_catalog.sum(l.watch) as watch_seconds
    from (
      select e.entity_type, e.entity_id, e.day,
             coalesce(pg_catalog.max(e.position_s), 0) as watch,
             coalesce(pg_catalog.bool_or(e.completed or e.position_s >= e.duration_s), false) as completed
      from ev as e
      where e.event_type = 'play_progress'
      group by e.entity_type, e.entity_id, e.day, e.visitor_key, coalesce(e.session_id, '')
    ) as l
    group by l.entity_type, l.entity_id, l.day
  )
  select p_org_id, c.entity_type, c.entity_id, c.day, c.events, c.plays, c.unique_plays, c.likes, c.shares,
         c.comments, c.downloads, c.impressions, c.clicks, c.ticket_clicks, c.interested, c.visitors,
         coalesce(l.listens, 0), coalesce(l.completions, 0), coalesce(l.reached_30s, 0),
         coalesce(l.reached_60s, 0), coalesce(l.reached_120s, 0), coalesce(l.watch_seconds, 0),
         c.activity_by_hour
  from counts as c
  left join listens as l on (l.entity_type, l.entity_id, l.day) = (c.entity_type, c.entity_id, c.day)
$$;
revoke execute on function analytics.compute_entity_daily_stats(uuid, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.compute_entity_daily_stats(uuid, analytics.keyed_event[]) is
  'analytics.entity_daily_stats rows of an organization from its keyed events of a range of local days. Internal helper (owner only).';
