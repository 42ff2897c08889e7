-- requires: functions/audience/visitor_key.sql
-- Sessions of one organization computed from analytics.events: with p_keys, the events of
-- visitor p_keys[i] in [p_from[i], p_to[i]); with p_keys NULL, every visitor's events in
-- [p_from[1], p_to[1]). The first event of each range starts a session (callers pass ranges
-- that begin at a session boundary). A session ends after 30 minutes without an event
-- (bots excluded, events without a visitor key ignored). Per session: first and last
-- event, its first 10 steps (event types in time order, consecutive repeats collapsed)
-- and when each began, the number of steps, the position and time of the first purchase.
-- The one definition of a session's steps for private.audience_sessions and
-- public.get_audience_paths. Internal helper; SQL.
create or replace function private.audience_session_rows(
  p_org_id uuid,
  p_keys   text[],
  p_from   timestamptz[],
  p_to     timestamptz[]
)
returns table (
  visitor_key   text,
  started_at    timestamptz,
  ended_at      timestamptz,
  steps         text[],
  step_at       timestamptz[],
  step_count    integer,
  purchase_step integer,
  purchased_at  timestamptz
)
language sql
stable
as $$
  with regions as (
    select r.visitor_key collate "C" as visitor_key, r.lo, r.hi,
           case when r.visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                then pg_catalog.substr(r.visitor_key, 6)::uuid end as user_id
    from rows from (pg_catalog.unnest(p_keys), pg_catalog.unnest(p_from), pg_catalog.unnest(p_to)) as r (visitor_key, lo, hi)
  ),
  -- (each range read by a subquery of its own (offset 0): its visitor and bounds are then
  -- conditions of the index on every partition. As a join, a partition whose statistics
  -- expected a handful of rows (574 estimated for 2026-12 at 10M after a vacuum) was read
  -- by organization alone, the visitor and the range filtered: 6,580 rows per range, 98 s
  -- for a day of new events instead of ~1.5 s.)
  events as (
    select r.visitor_key, e.id, e.occurred_at, e.event_type
    from regions as r
    cross join lateral (
      select x.id, x.occurred_at, x.event_type
      from analytics.events as x
      where x.org_id = p_org_id and x.visitor_id = r.visitor_key and x.occurred_at >= r.lo and x.occurred_at < r.hi
        and not x.is_bot
      offset 0) as e
    union all
    select r.visitor_key, e.id, e.occurred_at, e.event_type
    from regions as r
    cross join lateral (
      select x.id, x.occurred_at, x.event_type
      from analytics.events as x
      where x.org_id = p_org_id and x.user_id = r.user_id and x.occurred_at >= r.lo and x.occurred_at < r.hi
        and x.visitor_id is null and not x.is_bot
      offset 0) as e
    where r.user_id is not null
    union all
    select audience.visitor_key(e.visitor_id, e.user_id), e.id, e.occurred_at, e.event_type
    from analytics.events as e
    where p_keys is null
      and e.org_id = p_org_id
      and e.occurred_at >= p_from[1]
      and e.occurred_at < p_to[1]
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
  ),
  ordered as (
    select v.visitor_key, v.id, v.occurred_at, v.event_type,
           pg_catalog.lag(v.occurred_at) over w as previous_at,
           pg_catalog.lag(v.event_type) over w as previous_type
    from events as v
    window w as (partition by v.visitor_key order by v.occurred_at, v.id)
  ),
  numbered as (
    select o.visitor_key, o.id, o.occurred_at, o.event_type,
           o.previous_at is null or o.occurred_at - o.previous_at >= interval '30 minutes'
             or o.previous_type is distinct from o.event_type as new_step,
           pg_catalog.count(*) filter (where o.previous_at is null or o.occurred_at - o.previous_at >= interval '30 minutes')
             over (partition by o.visitor_key order by o.occurred_at, o.id) as session_no
    from ordered as o
  ),
  sessions as (
    select n.visitor_key,
           pg_catalog.min(n.occurred_at) as started_at,
           pg_catalog.max(n.occurred_at) as ended_at,
           pg_catalog.array_agg(n.event_type::text order by n.occurred_at, n.id) filter (where n.new_step) as all_steps,
           pg_catalog.array_agg(n.occurred_at order by n.occurred_at, n.id) filter (where n.new_step) as all_at,
           pg_catalog.min(n.occurred_at) filter (where n.event_type = 'purchase') as purchased_at
    from numbered as n
    group by n.visitor_key, n.session_no
  )
  select s.visitor_key, s.started_at, s.ended_at, s.all_steps[1:10], s.all_at[1:10],
         pg_catalog.cardinality(s.all_steps), pg_catalog.array_position(s.all_steps, 'purchase'), s.purchased_at
  from sessions as s
$$;
revoke execute on function private.audience_session_rows(uuid, text[], timestamptz[], timestamptz[]) from public, anon, authenticated;
comment on function private.audience_session_rows(uuid, text[], timestamptz[], timestamptz[]) is
  'Sessions (30-minute inactivity) of one organization from analytics.events, per visitor range or for all visitors in one range: start, end, first 10 steps and their times, step count, first purchase position and time. Internal helper.';
