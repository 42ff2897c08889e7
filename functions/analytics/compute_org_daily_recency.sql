-- requires: functions/analytics/received_days.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/org_day_counts.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/analytics/compute_visitor_daily_counts.sql
-- Compute function of the rollup analytics.org_daily_recency (migration 0920 states the
-- rows and how readers sum them), a rollup of the rollup analytics.visitor_daily_counts,
-- unit (organization, day): every row of each organization-day that non-bot events
-- received in [p_after, p_upto) touch (analytics.org_day_counts), and of the next active
-- day of each visitor of those days (whose gap the touched day may have shortened). Each
-- visitor-day's gap is its day minus the visitor's previous active day: the later of the
-- previous stored day (the index of migration 0921) and the previous recomputed day. A
-- rebuild (p_after -infinity) takes every gap from one ordered pass over the visitor-days.
-- p_org_id NULL (apply): the upstream's stored rows; an organization (readers): exact rows
-- (analytics.org_day_counts, private.visitor_daily_counts_rows).
-- Internal: the engine (private.apply_rollup, the readers); owner only.
create or replace function analytics.compute_org_daily_recency(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.org_daily_recency
language plpgsql
stable
set search_path = ''
set work_mem = '256MB'
as $$
begin
  if p_after > '-infinity' and not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new (a reader's common case): no query to plan
  end if;
  return query
  with touched as materialized (
    select c.org_id, c.day, c.visitor_key, c.source, c.country, c.device_type
    from analytics.org_day_counts(p_org_id, p_after, p_upto) as c
    where p_after > '-infinity' and c.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid
  ),
  touched_days as (
    select distinct t.org_id, t.day from touched as t
  ),
  -- The latest stored day of each organization: a visitor-day on it or after has no next day
  -- (after a day of events, most touched visitor-days are of that day: no probe for them).
  last_days as materialized (
    select o.org_id, (select pg_catalog.max(w.day) from analytics.visitor_daily_counts as w where w.org_id = o.org_id) as day
    from (select distinct t.org_id from touched as t) as o
  ),
  next_days as (
    -- A visitor's next active day after a touched day: its gap may have changed.
    select distinct t.org_id, n.day
    from touched as t
    join last_days as l on l.org_id = t.org_id and t.day < l.day
    cross join lateral (select pg_catalog.min(w.day) as day from analytics.visitor_daily_counts as w
                        where w.org_id = t.org_id and w.visitor_key = t.visitor_key and w.day > t.day) as n
    where n.day is not null
      and not exists (select 1 from touched_days as d where d.org_id = t.org_id and d.day = n.day)
  ),
  units as (
    select t.org_id, t.day, t.visitor_key, t.source, t.country, t.device_type from touched as t
    union all
    -- Untouched days: their stored rows are exact.
    select w.org_id, w.day, w.visitor_key, w.source, w.country, w.device_type
    from next_days as n
    join analytics.visitor_daily_counts as w on w.org_id = n.org_id and w.day = n.day
    where w.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid
  ),
  seen as (
    select u.org_id, u.day, u.source, u.country, u.device_type,
           u.day - greatest(pg_catalog.lag(u.day) over (partition by u.org_id, u.visitor_key order by u.day),
                            (select pg_catalog.max(w.day) from analytics.visitor_daily_counts as w
                              where w.org_id = u.org_id and w.visitor_key = u.visitor_key and w.day < u.day)) as gap
    from units as u
    union all
    -- A rebuild: every visitor-day, its gap from the visitor's previous row.
    select v.org_id, v.day, v.source, v.country, v.device_type,
           v.day - pg_catalog.lag(v.day) over (partition by v.org_id, v.visitor_key order by v.day)
    from analytics.visitor_daily_counts as v
    where p_after = '-infinity' and p_org_id is null
      and v.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid
    union all
    select v.org_id, v.day, v.source, v.country, v.device_type,
           v.day - pg_catalog.lag(v.day) over (partition by v.org_id, v.visitor_key order by v.day)
    from private.visitor_daily_counts_rows(p_org_id, '-infinity', 'infinity') as v
    where p_after = '-infinity' and p_org_id is not null
      and v.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid
  ),
  per_gap as (
    select s.org_id, s.day, x.dimension, x.label, case when s.gap <= 366 then s.gap end as gap, pg_catalog.count(*) as n
    from seen as s
    cross join lateral (values ('source'::text, s.source::text), ('country', coalesce(s.country::text, '(unknown)')),
                               ('device_type', coalesce(s.device_type::text, '(unknown)'))) as x (dimension, label)
    group by 1, 2, 3, 4, 5
  ),
  running as (
    select g.org_id, g.day, g.dimension, g.label, g.gap, g.n,
           pg_catalog.sum(g.n) over (partition by g.org_id, g.day, g.dimension, g.label order by g.gap) as running_total
    from per_gap as g
  )
  select r.org_id, r.day, r.dimension collate "C", r.label collate "C", pg_catalog.sum(r.n)::integer,
         coalesce(pg_catalog.array_agg(r.gap order by r.gap) filter (where r.gap is not null), '{}'),
         coalesce(pg_catalog.array_agg(r.running_total::integer order by r.gap) filter (where r.gap is not null), '{}')
  from running as r
  group by r.org_id, r.day, r.dimension, r.label;
end;
$$;
revoke execute on function analytics.compute_org_daily_recency(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_org_daily_recency(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.org_daily_recency (a rollup of analytics.visitor_daily_counts): every label row of the touched organization-days and of the next active days of their visitors. Internal (owner only).';

select private.register_rollup(
  'analytics.org_daily_recency', 'analytics.events', 'analytics.org_daily_recency', 'analytics.compute_org_daily_recency',
  array['org_id', 'day', 'dimension', 'label'], 'day', array['analytics.visitor_daily_counts'],
  'Per organization, local day and source / country / device label: visitors and their gaps since their previous active day, for exact distinct visitors of any period (migration 0920); from analytics.visitor_daily_counts.',
  array['org_id', 'day'],
  p_shared_source => 'analytics.received_days');
