-- requires: functions/audience/visitor_key.sql
-- requires: functions/audience/channel_source.sql
-- requires: functions/audience/channel_medium.sql
-- requires: functions/audience/channel_campaign.sql
-- The non-bot events with a visitor key of some organizations whose local day (in each
-- organization's time zone) is in [p_from, p_to), each marked session_start when it
-- begins a session: no earlier event of the same visitor within 30 minutes before it
-- (looked up across the day boundary, so a session that began the day before p_from
-- does not start again at midnight). The one definition of "session" and of the local
-- day for the audience views and RPCs. Internal helper; SQL, inlined.
create or replace function private.sessionized_events(p_org_ids uuid[], p_from date, p_to date)
returns table (
  org_id        uuid,
  day           date,
  visitor_key   text,
  id            bigint,
  occurred_at   timestamptz,
  event_type    text,
  session_start boolean,
  source        text,
  medium        text,
  campaign      text,
  device_type   text,
  network_type  text,
  page_load_ms  integer
)
language sql
stable
as $$
  select x.org_id, x.day, x.visitor_key, x.id, x.occurred_at, x.event_type,
         x.previous_at is null or x.occurred_at - x.previous_at >= interval '30 minutes',
         x.source, x.medium, x.campaign, x.device_type, x.network_type, x.page_load_ms
  from (
    select e.org_id,
           (e.occurred_at at time zone o.timezone)::date as day,
           audience.visitor_key(e.visitor_id, e.user_id) as visitor_key,
           e.id, e.occurred_at, e.event_type,
           audience.channel_source(e.utm_source, e.referrer_domain) as source,
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain) as medium,
           audience.channel_campaign(e.utm_campaign) as campaign,
           coalesce(e.device_type, '(unknown)') as device_type,
           coalesce(e.network_type, '(unknown)') as network_type,
           e.page_load_ms,
           pg_catalog.lag(e.occurred_at) over (partition by e.org_id, audience.visitor_key(e.visitor_id, e.user_id)
                                                order by e.occurred_at, e.id) as previous_at
    from analytics.events as e
    -- Per organization, its own bounds (an hour to spare for a DST change at midnight):
    -- from 30 minutes before its first local day to the end of its last one, computed
    -- once per organization (offset 0) and checked before the window, which then sorts
    -- fewer rows (a quarter fewer for a two-day range). An event dropped by them is more
    -- than 30 minutes before every event kept, so no lag changes.
    join (select g.id, g.timezone,
                 (p_from::timestamp at time zone g.timezone) - interval '90 minutes' as lo,
                 (p_to::timestamp at time zone g.timezone) + interval '1 hour' as hi
          from app.organizations as g
          where g.id = any (p_org_ids)
          offset 0) as o
      on o.id = e.org_id and e.occurred_at >= o.lo and e.occurred_at < o.hi
    where e.org_id = any (p_org_ids)
      and p_from < p_to
      -- A superset of every time zone's [p_from, p_to) (offsets lie within -12h..+14h),
      -- with 30 minutes more before it for the session look-back; sargable on the
      -- primary key (org_id, occurred_at, id). The exact local day is checked outside.
      and e.occurred_at >= (p_from::timestamp - interval '15 hours 30 minutes') at time zone 'UTC'
      and e.occurred_at < (p_to::timestamp + interval '15 hours') at time zone 'UTC'
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
  ) as x
  where x.day >= p_from
    and x.day < p_to
$$;
revoke execute on function private.sessionized_events(uuid[], date, date) from public, anon, authenticated;
comment on function private.sessionized_events(uuid[], date, date) is
  'Non-bot events of the organizations whose local day is in [p_from, p_to), with visitor key, channel, device/network (''(unknown)'' when absent) and session_start (no event of the visitor in the 30 minutes before). Internal helper.';
