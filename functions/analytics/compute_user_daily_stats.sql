-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/analytics/touched_day_events.sql
-- requires: functions/analytics/daily_rollup_events.sql
-- Compute function of the rollup analytics.user_daily_stats (migration 0030 states the
-- columns): every row of each (organization, local day) that a non-bot event received in
-- [p_after, p_upto) contributes to, recomputed from all the events of that day
-- (analytics.touched_day_events). What a user did (events.user_id = the user) and what the
-- user received: plays (by anyone) of the content items the user created (creator: user_id
-- of the item's earliest content_created event, any date) and follow events about the user
-- (entity_type 'user', entity_id = the user). A play touches its day; a content_created
-- event touches the days with plays of its item (the creator may change). Each side is
-- aggregated to (user, day) before they are combined.
-- Registered with the unit of replacement (org_id, day): a late, earlier content_created
-- names another creator, and the plays credited to the one it replaces leave that user's
-- days, whose rows can vanish; apply deletes them, readers hide them (with the key as the
-- unit they stayed stored and read, crediting both users).
-- PL/pgSQL for its early exit: when nothing was received in the range (a reader's common
-- case) it returns at once (analytics.received_any) instead of planning its query over the
-- partitioned log at every call (~30 ms at 10M events, as a SQL function inlined into the
-- reader's dynamic statement); otherwise the query's plan is kept for the session.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_user_daily_stats(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.user_daily_stats
language plpgsql
stable
set search_path = ''
as $$
begin
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan
  end if;
  return query
  with ev as materialized (
    select k.* from analytics.touched_day_events(p_org_id, p_after, p_upto, true, false) as k
  ),
  plays_per_item as (
    select e.org_id, e.entity_id, e.day, pg_catalog.count(*) as plays, pg_catalog.bool_or(e.fresh) as fresh
    from ev as e
    where e.event_type = 'play' and e.entity_id is not null
    group by e.org_id, e.entity_id, e.day
  ),
  creations as materialized (
    -- Every content_created event of the played items (the earliest one names the creator).
    select c.org_id, c.entity_id, c.user_id, c.occurred_at, c.id,
           (c.received_at >= p_after and c.received_at < p_upto) as fresh
    from analytics.events as c
    where c.event_type = 'content_created'
      and (c.org_id, c.entity_id) in (select p.org_id, p.entity_id from plays_per_item as p)
      and c.user_id is not null
      and not c.is_bot
  ),
  creators as (
    select distinct on (c.org_id, c.entity_id) c.org_id, c.entity_id, c.user_id
    from creations as c
    order by c.org_id, c.entity_id, c.occurred_at, c.id
  ),
  contributions as (
    select e.org_id, e.user_id, e.day, e.fresh from ev as e where e.user_id is not null
    union all
    select p.org_id, c.user_id, p.day, p.fresh from plays_per_item as p join creators as c using (org_id, entity_id)
    union all
    select e.org_id, e.entity_id, e.day, e.fresh from ev as e
    where e.event_type = 'follow' and e.entity_type = 'user' and e.entity_id is not null
    union all
    -- A new content_created: the days of its item's plays are touched (every user who logged
    -- one for the item, so that the day has a fresh contribution even when none is credited).
    select p.org_id, c.user_id, p.day, true
    from plays_per_item as p
    join creations as c on c.org_id = p.org_id and c.entity_id = p.entity_id
    where exists (select 1 from creations as n where n.org_id = p.org_id and n.entity_id = p.entity_id and n.fresh)
  ),
  touched as (
    -- Every user of each day with a fresh contribution: the unit is the day.
    select distinct c.org_id, c.user_id, c.day from contributions as c
    where (c.org_id, c.day) in (select f.org_id, f.day from contributions as f where f.fresh)
  ),
  done as (
    select e.org_id, e.user_id, e.day,
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
    group by e.org_id, e.user_id, e.day
  ),
  spent as (
    select s.org_id, s.user_id, s.day, pg_catalog.sum(s.seconds) as time_spent_seconds
    from (
      select e.org_id, e.user_id, e.day,
             extract(epoch from pg_catalog.max(e.occurred_at) - pg_catalog.min(e.occurred_at)) as seconds
      from ev as e
      where e.user_id is not null and e.session_id is not null
      group by e.org_id, e.user_id, e.day, e.session_id
    ) as s
    group by s.org_id, s.user_id, s.day
  ),
  received as (
    select r.org_id, r.user_id, r.day, pg_catalog.sum(r.plays_received)::bigint as plays_received,
           pg_catalog.sum(r.followers_gained)::bigint as followers_gained
    from (
      select p.org_id, c.user_id, p.day, p.plays as plays_received, 0 as followers_gained
      from plays_per_item as p
      join creators as c using (org_id, entity_id)
      union all
      select e.org_id, e.entity_id, e.day, 0, 1
      from ev as e
      where e.event_type = 'follow' and e.entity_type = 'user' and e.entity_id is not null
    ) as r
    group by r.org_id, r.user_id, r.day
  )
  select t.org_id, t.user_id, t.day,
         coalesce(d.items_created, 0), coalesce(d.plays, 0), coalesce(r.plays_received, 0),
         coalesce(r.followers_gained, 0), coalesce(d.events_viewed, 0), coalesce(d.events_clicked, 0),
         coalesce(d.events_interested, 0), coalesce(d.ticket_links_clicked, 0), coalesce(d.reviews, 0),
         coalesce(d.searches, 0), coalesce(d.sessions, 0), coalesce(s.time_spent_seconds, 0)
  from touched as t
  left join done as d on (d.org_id, d.user_id, d.day) = (t.org_id, t.user_id, t.day)
  left join received as r on (r.org_id, r.user_id, r.day) = (t.org_id, t.user_id, t.day)
  left join spent as s on (s.org_id, s.user_id, s.day) = (t.org_id, t.user_id, t.day)
  where d.user_id is not null or r.user_id is not null;
end;
$$;
revoke execute on function analytics.compute_user_daily_stats(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_user_daily_stats(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.user_daily_stats: every row of the organization-days that non-bot events received in [p_after, p_upto) contribute to (unit: org_id, day). Internal (owner only).';

select private.register_rollup(
  'analytics.user_daily_stats', 'analytics.events', 'analytics.user_daily_stats', 'analytics.compute_user_daily_stats',
  array['org_id', 'user_id', 'day'], 'day', '{}',
  'Per organization, signed-in user and local day: what the user did and received (plays of their items, followers) (migration 0030).',
  p_unit_columns => array['org_id', 'day'], p_shared_source => 'analytics.daily_rollup_events');
