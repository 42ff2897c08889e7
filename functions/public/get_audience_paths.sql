-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- The most common journeys to a purchase of one organization in the local days
-- [p_from, p_to): ordered sequences of event types within a session that end in a
-- purchase. Callable by members (viewer or above) and service_role.
-- Definitions (see public.get_audience_overview for days, bots and visitors):
--   * a session is a visitor's run of events with no gap of 30 minutes or more; only
--     sessions that start in the period are counted, with their events in the period;
--   * a session's steps are its event types in time order with consecutive repeats
--     collapsed (page_view, page_view, ticket_cta -> page_view, ticket_cta);
--   * its path is its steps up to and including its first purchase event; sessions
--     without a purchase event have none;
--   * the top p_limit paths of at most p_max_steps steps by sessions (then visitors,
--     then the path) are listed; every other purchasing session (a rarer path, or one
--     longer than p_max_steps) is summed in a last row with label 'other' and path NULL;
--   * sessions, visitors (distinct) and avg_minutes_to_purchase (mean of purchase time -
--     session's first event, one decimal) per row;
--   * conversion_pct: the path's sessions / sessions whose first steps are the path's
--     steps before the purchase (sessions that began the same way), one decimal; NULL
--     for 'other'.
-- 42501: not a member; 22023: bad period, p_max_steps outside 2..10, p_limit outside
-- 1..100.
create or replace function public.get_audience_paths(
  p_org_id    uuid,
  p_from      date,
  p_to        date,
  p_max_steps integer default 5,
  p_limit     integer default 10
)
returns table (
  rank                    integer,
  path                    text[],
  label                   text,
  steps                   integer,
  sessions                bigint,
  visitors                bigint,
  avg_minutes_to_purchase numeric,
  conversion_pct          numeric
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_tz      text;
  v_from_at timestamptz;
  v_to_at   timestamptz;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);
  if p_max_steps is null or p_max_steps not between 2 and 10 then
    raise exception 'max steps must be between 2 and 10, got %', p_max_steps
      using errcode = '22023', hint = 'Pass p_max_steps from 2 to 10 (default 5); a path includes its final purchase.';
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    raise exception 'limit must be between 1 and 100, got %', p_limit
      using errcode = '22023', hint = 'Pass p_limit from 1 to 100 (default 10).';
  end if;

  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_from_at := p_from::timestamp at time zone v_tz;
  v_to_at := p_to::timestamp at time zone v_tz;

  return query
  -- One ordered pass over the period's events (plus 30 minutes before it, to know whether
  -- the first ones continue a session): session starts and step changes from lag().
  with ordered as (
    select audience.visitor_key(e.visitor_id, e.user_id) as visitor_key, e.id, e.occurred_at, e.event_type,
           pg_catalog.lag(e.occurred_at) over w as previous_at,
           pg_catalog.lag(e.event_type) over w as previous_type
    from analytics.events as e
    where e.org_id = p_org_id
      and e.occurred_at >= v_from_at - interval '30 minutes'
      and e.occurred_at < v_to_at
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
    window w as (partition by audience.visitor_key(e.visitor_id, e.user_id) order by e.occurred_at, e.id)
  ),
  flagged as (
    select o.*,
           o.previous_at is null or o.occurred_at - o.previous_at >= interval '30 minutes' as session_start
    from ordered as o
  ),
  numbered as (
    select f.visitor_key, f.id, f.occurred_at, f.event_type,
           f.session_start or f.previous_type is distinct from f.event_type as new_step,
           pg_catalog.sum(case when f.session_start then 1 else 0 end)
             over (partition by f.visitor_key order by f.occurred_at, f.id) as session_no
    from flagged as f
  ),
  sessions as (
    select n.visitor_key, n.session_no,
           pg_catalog.min(n.occurred_at) as started_at,
           pg_catalog.min(n.occurred_at) filter (where n.event_type = 'purchase') as purchased_at,
           pg_catalog.array_agg(n.event_type::text order by n.occurred_at, n.id) filter (where n.new_step) as all_steps
    from numbered as n
    group by n.visitor_key, n.session_no
    having pg_catalog.min(n.occurred_at) >= v_from_at     -- not a session that began before p_from
  ),
  converted as (
    select s.visitor_key, s.started_at, s.purchased_at,
           s.all_steps[1:pg_catalog.array_position(s.all_steps, 'purchase')] as path
    from sessions as s
    where s.purchased_at is not null
  ),
  paths as (
    select c.path, pg_catalog.count(*) as sessions, pg_catalog.count(distinct c.visitor_key) as visitors,
           pg_catalog.round((pg_catalog.avg(extract(epoch from c.purchased_at - c.started_at)) / 60)::numeric, 1) as avg_minutes
    from converted as c
    where pg_catalog.cardinality(c.path) <= p_max_steps
    group by c.path
  ),
  top as (
    select p.path, p.sessions, p.visitors, p.avg_minutes,
           (pg_catalog.row_number() over (order by p.sessions desc, p.visitors desc, p.path::text))::integer as rank
    from paths as p
    order by p.sessions desc, p.visitors desc, p.path::text
    limit p_limit
  ),
  heads as (           -- sessions grouped by their first p_max_steps - 1 steps
    select s.all_steps[1:p_max_steps - 1] as head, pg_catalog.count(*) as sessions
    from sessions as s
    group by 1
  ),
  began as (
    select t.path, pg_catalog.sum(h.sessions) as sessions
    from top as t
    join heads as h
      on h.head[1:pg_catalog.cardinality(t.path) - 1] = t.path[1:pg_catalog.cardinality(t.path) - 1]
    group by t.path
  )
  select t.rank, t.path, pg_catalog.array_to_string(t.path, ' > '), pg_catalog.cardinality(t.path),
         t.sessions, t.visitors, t.avg_minutes,
         pg_catalog.round(100.0 * t.sessions / nullif(b.sessions, 0), 1)
  from top as t
  left join began as b on b.path = t.path
  union all
  select null::integer, null::text[], 'other', null::integer,
         pg_catalog.count(*), pg_catalog.count(distinct c.visitor_key),
         pg_catalog.round((pg_catalog.avg(extract(epoch from c.purchased_at - c.started_at)) / 60)::numeric, 1),
         null::numeric
  from converted as c
  where c.path not in (select t.path from top as t)
  having pg_catalog.count(*) > 0
  order by 1 nulls last;
end;
$$;
revoke execute on function public.get_audience_paths(uuid, date, date, integer, integer) from public, anon;
grant execute on function public.get_audience_paths(uuid, date, date, integer, integer) to authenticated, service_role;
comment on function public.get_audience_paths(uuid, date, date, integer, integer) is
  'Most common journeys ending in a purchase in local days [p_from, p_to): event-type sequences (consecutive repeats collapsed) from a session''s start (30-minute inactivity ends a session) to its first purchase, with sessions, visitors, average minutes to purchase and conversion % among sessions that began the same way; top p_limit paths of at most p_max_steps steps, the rest summed in an ''other'' row. Bots excluded. Members (viewer+) and service_role; 42501 non-members, 22023 bad arguments.';
