-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/audience_session_rows.sql
-- The most common journeys to a purchase of one organization in the local days
-- [p_from, p_to): ordered sequences of event types within a session that end in a
-- purchase. Callable by members (viewer or above) and service_role.
-- Definitions (see public.get_audience_overview for days, bots, visitors and retention and erasure):
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
-- Reads private.audience_sessions and audience_session_prefixes (migrations/0050) for the
-- sessions they hold, and analytics.events for visitors with events received since the
-- last refresh near the period (every visitor before the first refresh); sessions still
-- running at p_to are cut there.
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
set jit = off
as $$
declare
  v_tz      text;
  v_from_at timestamptz;
  v_to_at   timestamptz;
  v_mark    timestamptz;
  v_keys    text[] := '{}';
  v_los     timestamptz[] := '{}';
  v_continues boolean[] := '{}';
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

  select w.events_received into v_mark from private.audience_rollup_watermarks as w where w.org_id = p_org_id;

  -- With a watermark: the events the rollups do not reflect (received since) that can
  -- change a session of the period, those in [from - 30 minutes, to); per visitor, the
  -- first one, and where to recompute that visitor's sessions from: the earliest stored
  -- session within 30 minutes of it (or the event). A session that began before the
  -- period stays outside it whatever the new events: recompute from its last event on and
  -- drop the session that continues it.
  if v_mark is not null then
    select coalesce(pg_catalog.array_agg(r.visitor_key order by r.visitor_key), '{}'),
           coalesce(pg_catalog.array_agg(r.lo order by r.visitor_key), '{}'),
           coalesce(pg_catalog.array_agg(r.continues order by r.visitor_key), '{}')
    into v_keys, v_los, v_continues
    from (
      select d.visitor_key,
             case when s.started_at < v_from_at then s.ended_at else least(d.first_at, s.started_at) end as lo,
             coalesce(s.started_at < v_from_at, false) as continues
      from (select audience.visitor_key(e.visitor_id, e.user_id) as visitor_key, pg_catalog.min(e.occurred_at) as first_at
            from (select r.* from analytics.events as r where r.received_at >= v_mark offset 0) as e  -- BRIN only
            where e.org_id = p_org_id
              and e.occurred_at >= v_from_at - interval '30 minutes'
              and e.occurred_at < v_to_at
              and not e.is_bot
              and (e.visitor_id is not null or e.user_id is not null)
            group by 1) as d
      left join lateral (
        select x.started_at, x.ended_at
        from (select a.started_at, a.ended_at
              from private.audience_sessions as a
              where a.org_id = p_org_id and a.visitor_key = d.visitor_key
                and a.started_at <= d.first_at + interval '30 minutes'
              order by a.started_at desc
              limit 2) as x
        where x.ended_at >= d.first_at - interval '30 minutes'
        order by x.started_at
        limit 1
      ) as s on true
    ) as r;
  end if;

  return query
  with regions as (
    select r.visitor_key collate "C" as visitor_key, r.lo, r.continues
    from rows from (pg_catalog.unnest(v_keys), pg_catalog.unnest(v_los), pg_catalog.unnest(v_continues)) as r (visitor_key, lo, continues)
  ),
  -- Sessions computed from the events: every visitor's without a watermark (from 30
  -- minutes before the period, to know whether its first events continue a session),
  -- else those of the regions above. Events from p_to on are not read.
  computed as materialized (
    select c.visitor_key, c.started_at, c.steps, c.step_at, c.purchase_step, c.purchased_at
    from private.audience_session_rows(p_org_id, null, array[v_from_at - interval '30 minutes'], array[v_to_at]) as c
    where v_mark is null
      and c.started_at >= v_from_at
    union all
    select c.visitor_key, c.started_at, c.steps, c.step_at, c.purchase_step, c.purchased_at
    from private.audience_session_rows(p_org_id, v_keys, v_los,
                                       pg_catalog.array_fill(v_to_at, array[pg_catalog.cardinality(v_keys)])) as c
    join regions as r on r.visitor_key = c.visitor_key
    where v_mark is not null
      and c.started_at >= v_from_at
      and not (r.continues and c.started_at = r.lo)
  ),
  -- Stored sessions of the period that the regions replace.
  replaced as materialized (
    select s.visitor_key, s.started_at, s.steps
    from regions as r
    join private.audience_sessions as s
      on s.org_id = p_org_id and s.visitor_key = r.visitor_key and s.started_at >= greatest(r.lo, v_from_at)
     and s.started_at < v_to_at
  ),
  -- Stored sessions of the period still running at p_to: they have an event in the 30
  -- minutes before it. Cut at p_to: their steps that began before it, their purchase if
  -- it was before it.
  crossing as materialized (
    select s.visitor_key, s.started_at, s.steps, s.purchase_step, s.purchased_at,
           s.steps[1:(select pg_catalog.count(*)::integer from pg_catalog.unnest(s.step_at) as a (at) where a.at < v_to_at)] as cut_steps
    from (select distinct audience.visitor_key(e.visitor_id, e.user_id) as visitor_key
          from analytics.events as e
          where v_mark is not null
            and e.org_id = p_org_id
            and e.occurred_at >= v_to_at - interval '30 minutes'
            and e.occurred_at < v_to_at
            and not e.is_bot
            and (e.visitor_id is not null or e.user_id is not null)) as k
    cross join lateral (
      select a.*
      from private.audience_sessions as a
      where a.org_id = p_org_id and a.visitor_key = k.visitor_key and a.started_at < v_to_at
      order by a.started_at desc
      limit 1
    ) as s
    where s.started_at >= v_from_at
      and s.ended_at >= v_to_at
      and not exists (select 1 from replaced as x where x.visitor_key = s.visitor_key and x.started_at = s.started_at)
  ),
  -- The sessions of the period that end in a purchase, with their path (up to and
  -- including the first purchase; longer than 10 steps: 11 entries, never listed).
  converted as (
    select x.visitor_key, x.started_at, x.purchased_at,
           case when x.purchase_step <= 10 then x.steps[1:x.purchase_step] else x.steps || '...'::text end as path
    from (select s.visitor_key, s.started_at, s.purchased_at, s.purchase_step, s.steps
          from private.audience_sessions as s
          where v_mark is not null
            and s.org_id = p_org_id
            and s.purchased_at is not null
            and s.started_at >= v_from_at
            and s.started_at < v_to_at
            and not exists (select 1 from replaced as x where x.visitor_key = s.visitor_key and x.started_at = s.started_at)
            and not exists (select 1 from crossing as x where x.visitor_key = s.visitor_key and x.started_at = s.started_at)
          union all
          select c.visitor_key, c.started_at, c.purchased_at, c.purchase_step, c.steps
          from crossing as c
          where c.purchased_at < v_to_at
          union all
          select c.visitor_key, c.started_at, c.purchased_at, c.purchase_step, c.steps
          from computed as c
          where c.purchased_at is not null) as x
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
  -- Sessions of the period that began as each listed path before its purchase: the
  -- per-day prefix counts, minus the stored sessions replaced or cut above, plus the
  -- sessions that replace them. Materialized: once, not again for each row of top that
  -- the final join meets (10 x 10 counts over the computed sessions: 700 of 1,000 ms
  -- with a day of events not in the rollups).
  began as materialized (
    select t.path,
           coalesce((select pg_catalog.sum(p.sessions)
                     from private.audience_session_prefixes as p
                     where v_mark is not null
                       and p.org_id = p_org_id
                       and p.prefix = t.path[1:pg_catalog.cardinality(t.path) - 1]
                       and p.day >= p_from and p.day < p_to), 0)
           - (select pg_catalog.count(*) from replaced as x
              where x.steps[1:pg_catalog.cardinality(t.path) - 1] = t.path[1:pg_catalog.cardinality(t.path) - 1])
           - (select pg_catalog.count(*) from crossing as x
              where x.steps[1:pg_catalog.cardinality(t.path) - 1] = t.path[1:pg_catalog.cardinality(t.path) - 1])
           + (select pg_catalog.count(*) from crossing as x
              where x.cut_steps[1:pg_catalog.cardinality(t.path) - 1] = t.path[1:pg_catalog.cardinality(t.path) - 1])
           + (select pg_catalog.count(*) from computed as x
              where x.steps[1:pg_catalog.cardinality(t.path) - 1] = t.path[1:pg_catalog.cardinality(t.path) - 1]) as sessions
    from top as t
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
