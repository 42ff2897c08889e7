-- requires: functions/private/register_rollup.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/audience/channel_source.sql
-- requires: functions/audience/channel_medium.sql
-- requires: functions/audience/channel_campaign.sql
-- Compute function of the rollup private.audience_touch_days (migration 0700): for every
-- (organization, visitor, local day) touched by non-bot events with a visitor key received
-- in [p_after, p_upto), the day's touch recomputed from all the visitor's events of that
-- day (channel of the first event by occurred_at, id; clicked: a link_click or ticket_cta),
-- and, because a touch moves the pointers of the visitor's later days, every later row
-- of those visitors too (their stored touch, a new pointer). The pointer of a row is the
-- latest non-direct touch (source <> '(direct)') among the visitor's earlier rows: the
-- recomputed ones, else the latest stored row before the first recomputed day (its own
-- touch when non-direct, else its pointer). Stored rows read are those of days no event
-- received in the range touches, so they are exact in apply (every row received before
-- p_after is in them) and in private.rollup_rows (same snapshot).
-- plpgsql (not inlined): private.rollup_rows plans its statement at every call, and this
-- body's plans are kept for the session. p_org_id NULL: every organization. The events
-- received in the range are found through the BRIN index on received_at alone: written as
-- an index condition, the organization made the planner AND in a scan of all its rows in
-- every partition (25 ms for a 150,000-event organization, against 3 ms).
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function private.compute_audience_touch_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof private.audience_touch_days
language plpgsql
stable
set search_path = ''
as $$
begin
  return query
  with received as (
    select e.org_id, audience.visitor_key(e.visitor_id, e.user_id) as visitor_key, e.occurred_at,
           -- Per row through the primary key: joined, the planner looped over every organization.
           (select x.timezone from app.organizations as x where x.id = e.org_id) as timezone
    from analytics.events as e
    where e.received_at >= p_after and e.received_at < p_upto
      and (e.org_id = p_org_id) is not false   -- a filter, not an index condition (below)
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
  ),
  touched as materialized (
    select distinct r.org_id, r.visitor_key, (r.occurred_at at time zone r.timezone)::date as day, r.timezone
    from received as r
  ),
  -- The events of each touched visitor-day: by visitor_id, or by user_id for the
  -- 'user:<id>' keys of events without a visitor id (the two indexes of analytics.events).
  day_events as (
    select t.org_id, t.day, t.visitor_key, e.occurred_at, e.id, e.event_type,
           audience.channel_source(e.utm_source, e.referrer_domain) as source,
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain) as medium,
           audience.channel_campaign(e.utm_campaign) as campaign
    from touched as t
    join analytics.events as e
      on e.org_id = t.org_id and e.visitor_id = t.visitor_key
     and e.occurred_at >= (t.day::timestamp at time zone t.timezone)
     and e.occurred_at < ((t.day + 1)::timestamp at time zone t.timezone)
    where not e.is_bot
    union all
    select t.org_id, t.day, t.visitor_key, e.occurred_at, e.id, e.event_type,
           audience.channel_source(e.utm_source, e.referrer_domain),
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain),
           audience.channel_campaign(e.utm_campaign)
    from touched as t
    join analytics.events as e
      on e.org_id = t.org_id and e.visitor_id is null and e.user_id is not null
     and e.user_id = case when t.visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                          then pg_catalog.substr(t.visitor_key, 6)::uuid end
     and e.occurred_at >= (t.day::timestamp at time zone t.timezone)
     and e.occurred_at < ((t.day + 1)::timestamp at time zone t.timezone)
    where not e.is_bot
  ),
  days as materialized (
    select d.org_id, d.day, d.visitor_key,
           (pg_catalog.array_agg(d.source order by d.occurred_at, d.id))[1] as source,
           (pg_catalog.array_agg(d.medium order by d.occurred_at, d.id))[1] as medium,
           (pg_catalog.array_agg(d.campaign order by d.occurred_at, d.id))[1] as campaign,
           pg_catalog.bool_or(d.event_type in ('link_click', 'ticket_cta')) as clicked
    from day_events as d
    group by d.org_id, d.day, d.visitor_key
  ),
  firsts as materialized (
    select d.org_id, d.visitor_key, pg_catalog.min(d.day) as first_day
    from days as d
    group by d.org_id, d.visitor_key
  ),
  -- The visitors' rows from their first recomputed day on: recomputed, else stored; and
  -- before them, as a row of its own (is_seed), the latest non-direct touch before the
  -- first recomputed day known to the stored rows (the latest stored row's own touch when
  -- non-direct, else its pointer), so that one window pass sets every pointer.
  seq as materialized (
    select d.org_id, d.day, d.visitor_key, d.source, d.medium, d.campaign, d.clicked, false as is_seed
    from days as d
    union all
    select s.org_id, s.day, s.visitor_key, s.source, s.medium, s.campaign, s.clicked, false
    from firsts as f
    join private.audience_touch_days as s
      on s.org_id = f.org_id and s.visitor_key = f.visitor_key and s.day > f.first_day
    where not exists (select 1 from days as d
                      where d.org_id = s.org_id and d.visitor_key = s.visitor_key and d.day = s.day)
    union all
    select f.org_id, h.nd_day, f.visitor_key, h.nd_source, h.nd_medium, h.nd_campaign, false, true
    from firsts as f
    cross join lateral (
      select case when s.source <> '(direct)' then s.day else s.nd_day end as nd_day,
             case when s.source <> '(direct)' then s.source else s.nd_source end as nd_source,
             case when s.source <> '(direct)' then s.medium else s.nd_medium end as nd_medium,
             case when s.source <> '(direct)' then s.campaign else s.nd_campaign end as nd_campaign
      from private.audience_touch_days as s
      where s.org_id = f.org_id and s.visitor_key = f.visitor_key and s.day < f.first_day
      order by s.day desc
      limit 1
    ) as h
    where h.nd_day is not null
  ),
  pointed as (
    select q.*,
           pg_catalog.max(q.day) filter (where q.source <> '(direct)')
             over (partition by q.org_id, q.visitor_key order by q.day rows between unbounded preceding and 1 preceding) as nd_day
    from seq as q
  )
  select p.org_id, p.day, p.visitor_key, p.source, p.medium, p.campaign, p.clicked,
         p.nd_day, n.source, n.medium, n.campaign
  from pointed as p
  left join seq as n on n.org_id = p.org_id and n.visitor_key = p.visitor_key and n.day = p.nd_day
  where not p.is_seed;
end;
$$;
revoke execute on function private.compute_audience_touch_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function private.compute_audience_touch_days(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup private.audience_touch_days: the touch rows of the visitor-days touched by events received in [p_after, p_upto), with the later rows of those visitors (their latest-non-direct pointers). Internal (owner only).';

select private.register_rollup(
  'private.audience_touch_days', 'analytics.events', 'private.audience_touch_days', 'private.compute_audience_touch_days',
  array['org_id', 'day', 'visitor_key'], 'day', '{}',
  'Per visitor and local day: the day''s touch (first event''s channel), clicked, and the latest non-direct touch before it (get_audience_attribution).');
