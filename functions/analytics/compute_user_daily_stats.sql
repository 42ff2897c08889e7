-- requires: functions/analytics/keyed_event_array.sql
-- analytics.user_daily_stats rows of one organization from its keyed events of a range
-- of local days (p_events). What a user did (events.user_id = the
-- user) and what the user received: plays (by anyone) of the content items the user
-- created (creator: user_id of the item's earliest content_created event, any date) and
-- follow events about the user (entity_type 'user', entity_id = the user). Each side is
-- aggregated to (user, day) before they are combined.
-- Internal helper: owner only.
create or replace function analytics.compute_user_daily_stats(p_org_id uuid, p_events analytics.keyed_event[])
returns table (org_id uuid, user_id uuid, day date, items_created bigint, plays bigint, plays_received bigint,
               followers_gained bigint, events_viewed bigint, events_clicked bigint, events_interested bigint,
               ticket_links_clicked bigint, reviews bigint, searches bigint, sessions bigint,
               time_spent_seconds numeric)
language sql
stable
as $$
  with ev as materialized (
    select k.* from pg_catalog.unnest(p_events) as k
  ),
  done as (
    select e.user_id, e.day,
           pg_catalog.count(*) filter (where e.event_type = 'content_created') as items_created,
           pg_catalog.count(*) filter (where e.event_type = 'play') as plays,
           pg_catalog.count(*) filter (where e.event_type = 'event_view') as events_viewed,
           pg_catalog.count(*) filter (where e.event_type = 'link_click' and e.entity_type = 'tour_date') as events_clicked,
           pg_catalog.count(*) filter (where e.event_type = 'interested') as events_interested,
           pg_catalog.count(*) filter (where e.event_type = 'ticket_cta'
                                          or (e.event_type = 'link_click' and e.link_type = 'tickets')) as ticket_links_clicked,
           pg_catalog.count(*) filter (where e.event_type = 'review') as reviews,
           pg_catalog.count(*) filter (where e.event_type = 'search') as searches,
           pg_catalog.count(distinct e.session_id) as sessions
    from ev as e
    where e.user_id is not null
    group by e.user_id, e.day
  ),
  spent as (
    select s.user_id, s.day, pg_catalog.sum(s.seconds) as time_spent_seconds
    from (
      select e.user_id, e.day,
             extract(epoch from pg_catalog.max(e.occurred_at) - pg_catalog.min(e.occurred_at)) as seconds
      from ev as e
      where e.user_id is not null and e.session_id is not null
      group by e.user_id, e.day, e.session_id
    ) as s
    group by s.user_id, s.day
  ),
  plays_per_item as (
    select e.entity_id, e.day, pg_catalog.count(*) as plays
    from ev as e
    where e.event_type = 'play' and e.entity_id is not null
    group by e.entity_id, e.day
  ),
  creators as (
    select distinct on (c.entity_id) c.entity_id, c.user_id
    from analytics.events as c
    where c.org_id = p_org_id
      and c.event_type = 'content_created'
      and c.entity_id in (select p.entity_id from plays_per_item as p)
      and c.user_id is not null
    order by c.entity_id, c.occurred_at, c.id
  ),
  received as (
    select r.user_id, r.day, pg_catalog.sum(r.plays_received)::bigint as plays_received,
           pg_catalog.sum(r.followers_gained)::bigint as followers_gained
    from (
      select c.user_id, p.day, p.plays as plays_received, 0 as followers_gained
      from plays_per_item as p
      join creators as c on c.entity_id = p.entity_id
      union all
      select e.entity_id, e.day, 0, 1
      from ev as e
      where e.event_type = 'follow' and e.entity_type = 'user' and e.entity_id is not null
    ) as r
    group by r.user_id, r.day
  )
  select p_org_id, coalesce(d.user_id, r.user_id), coalesce(d.day, r.day),
         coalesce(d.items_created, 0), coalesce(d.plays, 0), coalesce(r.plays_received, 0),
         coalesce(r.followers_gained, 0), coalesce(d.events_viewed, 0), coalesce(d.events_clicked, 0),
         coalesce(d.events_interested, 0), coalesce(d.ticket_links_clicked, 0), coalesce(d.reviews, 0),
         coalesce(d.searches, 0), coalesce(d.sessions, 0), coalesce(s.time_spent_seconds, 0)
  from done as d
  full join received as r on (r.user_id, r.day) = (d.user_id, d.day)
  left join spent as s on (s.user_id, s.day) = (d.user_id, d.day)
$$;
revoke execute on function analytics.compute_user_daily_stats(uuid, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.compute_user_daily_stats(uuid, analytics.keyed_event[]) is
  'analytics.user_daily_stats rows of an organization from its keyed events of a range of local days. Internal helper (owner only).';
