-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/received_days.sql
-- requires: functions/analytics/compute_entity_daily_visitors.sql
-- Compute function of the rollup analytics.entity_daily_recency (migration 0920 states the
-- rows and how readers sum them), a rollup of the rollup analytics.entity_daily_visitors:
-- the row of every entity-day of the organization-days that non-bot events received in
-- [p_after, p_upto) touch (analytics.received_days), and of the next day of each of their
-- visitors on the same entity (whose gap the touched day may have shortened; for a
-- listener, also the next day they played it). Gaps: the day minus the visitor's previous
-- day on the entity (any event; a play for listeners), the later of the previous stored
-- day (the index of migration 0921) and the previous recomputed day; first_*: no previous
-- day at all. A rebuild (p_after -infinity) takes every gap from one ordered pass.
-- p_org_id NULL (apply): the upstream's stored rows; an organization (readers): exact rows
-- (private.entity_daily_visitors_rows).
-- Internal: the engine (private.apply_rollup, the readers); owner only.
create or replace function analytics.compute_entity_daily_recency(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.entity_daily_recency
language plpgsql
stable
set search_path = ''
set work_mem = '256MB'
as $$
declare
  v_days date[];
begin
  if p_org_id is not null and p_after > '-infinity' then
    select pg_catalog.array_agg(d.day) into v_days from analytics.received_days(p_org_id, p_after, p_upto) as d;
    if v_days is null then
      return;
    end if;
  end if;
  return query
  with touched as materialized (
    select v.org_id, v.entity_id, v.entity_type, v.day, v.visitor_key, v.played
    from analytics.received_days(null, p_after, p_upto) as d
    join analytics.entity_daily_visitors as v on v.org_id = d.org_id and v.day = d.day
    where p_org_id is null and p_after > '-infinity'
    union all
    select v.org_id, v.entity_id, v.entity_type, v.day, v.visitor_key, v.played
    from private.entity_daily_visitors_rows(p_org_id, (select pg_catalog.min(x) from pg_catalog.unnest(v_days) as x),
                                            (select pg_catalog.max(x) + 1 from pg_catalog.unnest(v_days) as x)) as v
    where p_org_id is not null and p_after > '-infinity' and v.day = any (v_days)
  ),
  -- The latest stored day of each organization: an entity-day on it or after has no next day
  -- (after a day of events, most touched rows are of that day: no probe for them).
  last_days as materialized (
    select o.org_id, (select pg_catalog.max(w.day) from analytics.entity_daily_visitors as w where w.org_id = o.org_id) as day
    from (select distinct t.org_id from touched as t) as o
  ),
  next_days as (
    -- The visitor's next day on the entity, and next day with a play: their gaps may have changed.
    select distinct t.org_id, t.entity_id, t.entity_type, n.day
    from touched as t
    join last_days as l on l.org_id = t.org_id and t.day < l.day
    cross join lateral (
      select pg_catalog.min(w.day) as day from analytics.entity_daily_visitors as w
      where (w.org_id, w.entity_id, w.entity_type, w.visitor_key) = (t.org_id, t.entity_id, t.entity_type, t.visitor_key) and w.day > t.day
      union all
      select pg_catalog.min(w.day) from analytics.entity_daily_visitors as w
      where (w.org_id, w.entity_id, w.entity_type, w.visitor_key) = (t.org_id, t.entity_id, t.entity_type, t.visitor_key)
        and w.day > t.day and w.played and t.played) as n
    where n.day is not null
      and not exists (select 1 from touched as d where d.org_id = t.org_id and d.day = n.day)
  ),
  units as (
    select t.org_id, t.entity_id, t.entity_type, t.day, t.visitor_key, t.played from touched as t
    union all
    -- Untouched days: their stored rows are exact.
    select w.org_id, w.entity_id, w.entity_type, w.day, w.visitor_key, w.played
    from next_days as n
    join analytics.entity_daily_visitors as w
      on (w.org_id, w.entity_id, w.entity_type, w.day) = (n.org_id, n.entity_id, n.entity_type, n.day)
  ),
  seen as (
    select u.org_id, u.entity_id, u.entity_type, u.day, u.played,
           greatest(pg_catalog.lag(u.day) over (partition by u.org_id, u.entity_id, u.entity_type, u.visitor_key order by u.day),
                    (select pg_catalog.max(w.day) from analytics.entity_daily_visitors as w
                      where (w.org_id, w.entity_id, w.entity_type, w.visitor_key) = (u.org_id, u.entity_id, u.entity_type, u.visitor_key)
                        and w.day < u.day)) as previous,
           case when u.played then
             greatest(pg_catalog.lag(u.day) over (partition by u.org_id, u.entity_id, u.entity_type, u.visitor_key, u.played order by u.day),
                      (select pg_catalog.max(w.day) from analytics.entity_daily_visitors as w
                        where (w.org_id, w.entity_id, w.entity_type, w.visitor_key) = (u.org_id, u.entity_id, u.entity_type, u.visitor_key)
                          and w.day < u.day and w.played)) end as previous_play
    from units as u
    union all
    -- A rebuild: every row, its previous days from the visitor's earlier rows on the entity.
    select r.org_id, r.entity_id, r.entity_type, r.day, r.played,
           pg_catalog.lag(r.day) over (partition by r.org_id, r.entity_id, r.entity_type, r.visitor_key order by r.day),
           case when r.played then
             pg_catalog.lag(r.day) over (partition by r.org_id, r.entity_id, r.entity_type, r.visitor_key, r.played order by r.day) end
    from (select v.org_id, v.entity_id, v.entity_type, v.day, v.visitor_key, v.played
          from analytics.entity_daily_visitors as v
          where p_after = '-infinity' and p_org_id is null
          union all
          select v.org_id, v.entity_id, v.entity_type, v.day, v.visitor_key, v.played
          from private.entity_daily_visitors_rows(p_org_id, '-infinity', 'infinity') as v
          where p_after = '-infinity' and p_org_id is not null) as r
  ),
  gapped as (
    select s.org_id, s.entity_id, s.entity_type, s.day, s.played, s.previous is null as first_visit,
           s.previous_play is null as first_play,
           case when s.day - s.previous <= 366 then s.day - s.previous end as gap,
           case when s.day - s.previous_play <= 366 then s.day - s.previous_play end as play_gap
    from seen as s
  ),
  visitor_gaps as (
    select g.org_id, g.entity_id, g.entity_type, g.day, g.gap, pg_catalog.count(*) as n,
           pg_catalog.count(*) filter (where g.first_visit) as firsts
    from gapped as g group by 1, 2, 3, 4, 5
  ),
  listener_gaps as (
    select g.org_id, g.entity_id, g.entity_type, g.day, g.play_gap as gap, pg_catalog.count(*) as n,
           pg_catalog.count(*) filter (where g.first_play) as firsts
    from gapped as g where g.played group by 1, 2, 3, 4, 5
  ),
  visitor_sums as (
    select r.org_id, r.entity_id, r.entity_type, r.day, pg_catalog.sum(r.n)::integer as visitors,
           pg_catalog.sum(r.firsts)::integer as firsts,
           coalesce(pg_catalog.array_agg(r.gap order by r.gap) filter (where r.gap is not null), '{}') as gaps,
           coalesce(pg_catalog.array_agg(r.running_total::integer order by r.gap) filter (where r.gap is not null), '{}') as running_total
    from (select v.*, pg_catalog.sum(v.n) over (partition by v.org_id, v.entity_id, v.entity_type, v.day order by v.gap) as running_total
          from visitor_gaps as v) as r
    group by 1, 2, 3, 4
  ),
  listener_sums as (
    select r.org_id, r.entity_id, r.entity_type, r.day, pg_catalog.sum(r.n)::integer as listeners,
           pg_catalog.sum(r.firsts)::integer as firsts,
           coalesce(pg_catalog.array_agg(r.gap order by r.gap) filter (where r.gap is not null), '{}') as gaps,
           coalesce(pg_catalog.array_agg(r.running_total::integer order by r.gap) filter (where r.gap is not null), '{}') as running_total
    from (select l.*, pg_catalog.sum(l.n) over (partition by l.org_id, l.entity_id, l.entity_type, l.day order by l.gap) as running_total
          from listener_gaps as l) as r
    group by 1, 2, 3, 4
  )
  select v.org_id, v.entity_id, v.entity_type collate "C", v.day, v.visitors, v.firsts, v.gaps, v.running_total,
         coalesce(l.listeners, 0), coalesce(l.firsts, 0), coalesce(l.gaps, '{}'), coalesce(l.running_total, '{}')
  from visitor_sums as v
  left join listener_sums as l on (l.org_id, l.entity_id, l.entity_type, l.day) = (v.org_id, v.entity_id, v.entity_type, v.day);
end;
$$;
revoke execute on function analytics.compute_entity_daily_recency(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_entity_daily_recency(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.entity_daily_recency (a rollup of analytics.entity_daily_visitors): the entity-days of the touched organization-days and the next days of their visitors on each entity. Internal (owner only).';

select private.register_rollup(
  'analytics.entity_daily_recency', 'analytics.events', 'analytics.entity_daily_recency', 'analytics.compute_entity_daily_recency',
  array['org_id', 'entity_id', 'entity_type', 'day'], 'day', array['analytics.entity_daily_visitors'],
  'Per organization, entity and local day: visitors and listeners, their gaps since their previous day on the entity and the first-timers, for exact distinct visitors and listeners of any period (migration 0920); from analytics.entity_daily_visitors.',
  p_shared_source => 'analytics.received_days');
