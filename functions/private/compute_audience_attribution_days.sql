-- requires: functions/private/register_rollup.sql
-- requires: functions/private/rollup_fresh.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/compute_audience_touch_days.sql
-- Compute function of the rollup private.audience_attribution_days (migration 0950 states
-- the rows and how the attribution sums them), a rollup of private.audience_touch_days, unit
-- (organization, day): every row of each organization-day that holds a touch row the events
-- received in [p_after, p_upto) recompute (the touched visitor-days and the later days of
-- those visitors, whose pointers move), from all the touch rows of that day and the earlier
-- rows of their visitors. Per touch row n (day d) and its previous row p, each weight is
-- (model, channel, gap, visitors, clicked), gaps over 365 left out (a row: the weights of
-- one day, model and channel summed by gap and cumulated, gaps ascending):
--   ft:   n's touch +1 at 0, -1 at d - prev_day; ft30: the same with (ft_* - touch);
--   ft clicked (n clicked; pc = p's click_day): each row r of (pc, d], with d - r.day <= 365:
--         r's touch +1 at d - r.day, -1 at d - r.prev_day (ft30: ft_* - touch likewise);
--   lt:   n's touch +1 at 0, p's touch -1 at d - prev_day; clicked: n's +1 at d - n.click_day,
--         p's -1 at d - p.click_day;
--   nd0 / nd30, for q in (n: +1, p: -1) when q is direct with nd_day: (nd_* - q's touch) at
--         d - R, R = the latest row day <= nd_day + lookback (at most q's day); clicked: at
--         the greater of that and d - q.click_day.
-- R for 30 days is the running maximum, over the visitor's earlier non-direct rows, of
-- "their latest row day within 30 days after them" (a forward window; it only grows with
-- the day). One window pass over the rows of the visitors concerned.
-- Sources: p_org_id NULL (apply; the upstream is applied first): the stored touch rows; an
-- organization (the readers): the stored touch rows and the upstream's rows since its
-- watermark (private.rollup_fresh, computed once). A rebuild (p_after -infinity) reads
-- every touch row once.
-- plpgsql: a reader's call that finds no event received since the watermark returns before
-- planning anything (analytics.received_any); otherwise planned for its bounds
-- (force_custom_plan: the branches of a rebuild and of a reader differ by far); no JIT;
-- nested loops on whatever the caller set (the visitors' rows come through the touch rows'
-- indexes, a few per visitor); merge joins off (the anti-joins with the upstream's fresh
-- rows, estimated at 5, became merge joins re-sorting them per row: 8M rows in 2.5 s).
-- Only the rows the weights look back to are read: from each visitor's previous row,
-- latest non-direct touch, and for a clicked row the 365 days before it.
-- Internal: the engine (private.apply_rollup, the readers); owner only.
create or replace function private.compute_audience_attribution_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof private.audience_attribution_days
language plpgsql
stable
set search_path = ''
set jit = off
set plan_cache_mode = force_custom_plan
set work_mem = '256MB'
set max_parallel_workers_per_gather = 0
set enable_nestloop = on
set enable_mergejoin = off
as $$
begin
  if p_after > '-infinity' and not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new (a reader's common case): no query to plan
  end if;
  return query
  with fresh_touch as materialized (
    select f.* from private.rollup_fresh(null::private.audience_touch_days, p_org_id) as f
    where p_org_id is not null
  ),
  -- The upstream's rows, for a rebuild: stored (apply), or stored and fresh (a reader).
  touch as not materialized (
    select s.* from private.audience_touch_days as s
    where (p_org_id is null or s.org_id = p_org_id)   -- planned per call: one of the two
      and not exists (select 1 from fresh_touch as f
                      where f.org_id = s.org_id and f.day = s.day and f.visitor_key = s.visitor_key)
    union all
    select f.* from fresh_touch as f
  ),
  received as (
    select e.org_id, audience.visitor_key(e.visitor_id, e.user_id) collate "C" as visitor_key,
           (e.occurred_at at time zone (select x.timezone from app.organizations as x where x.id = e.org_id))::date as day
    from analytics.events as e
    where p_after > '-infinity'
      and e.received_at >= p_after and e.received_at < p_upto
      and (e.org_id = p_org_id) is not false
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
  ),
  touched as materialized (
    select r.org_id, r.visitor_key, pg_catalog.min(r.day) as first_day from received as r group by 1, 2
  ),
  -- The organization-days whose touch rows the range recomputes: the touched visitors' days
  -- from their first touched one on (stored days through the visitor index, fresh ones).
  units as materialized (
    select distinct r.org_id, r.day from received as r
    union
    select s.org_id, s.day
    from touched as t
    cross join lateral (select x.org_id, x.day from private.audience_touch_days as x
                        where x.org_id = t.org_id and x.visitor_key = t.visitor_key and x.day > t.first_day) as s
    union
    select f.org_id, f.day
    from touched as t
    join fresh_touch as f on f.org_id = t.org_id and f.visitor_key = t.visitor_key and f.day > t.first_day
  ),
  -- Their touch rows: stored (not recomputed since the watermark) and fresh.
  unit_rows as materialized (
    select s.*
    from units as u
    cross join lateral (select x.* from private.audience_touch_days as x where x.org_id = u.org_id and x.day = u.day) as s
    where not exists (select 1 from fresh_touch as f where f.org_id = s.org_id and f.day = s.day and f.visitor_key = s.visitor_key)
    union all
    select f.* from units as u join fresh_touch as f on f.org_id = u.org_id and f.day = u.day
  ),
  -- Their visitors, each from the earliest day the weights look back to: the previous row,
  -- the latest non-direct touch (its R), and for a clicked row the 365 days before it.
  visitors as (
    select n.org_id, n.visitor_key,
           pg_catalog.min(least(n.day, n.prev_day, n.nd_day, case when n.clicked then n.day - 365 end)) as since
    from unit_rows as n
    group by 1, 2
  ),
  -- Those rows of the visitors concerned (in_unit: its day is recomputed); a rebuild: all.
  vrows as (
    select s.*, exists (select 1 from units as u where u.org_id = s.org_id and u.day = s.day) as in_unit
    from (
      select s.*
      from visitors as v
      cross join lateral (select x.* from private.audience_touch_days as x
                          where x.org_id = v.org_id and x.visitor_key = v.visitor_key and x.day >= v.since) as s
      where not exists (select 1 from fresh_touch as f where f.org_id = s.org_id and f.day = s.day and f.visitor_key = s.visitor_key)
      union all
      select f.*
      from visitors as v
      join fresh_touch as f on f.org_id = v.org_id and f.visitor_key = v.visitor_key and f.day >= v.since
    ) as s
    where p_after > '-infinity'
    union all
    select s.*, true
    from touch as s
    where p_after = '-infinity' and (p_org_id is null or s.org_id = p_org_id)
  ),
  forward as (
    select v.*, pg_catalog.max(v.day) over (partition by v.org_id, v.visitor_key order by v.day
                                            range between current row and interval '30 days' following) as fwd30
    from vrows as v
  ),
  pointed as (
    select f.*,
           least(f.day, pg_catalog.max(case when f.source <> '(direct)' then f.fwd30 end)
                          over (partition by f.org_id, f.visitor_key order by f.day rows between unbounded preceding and 1 preceding)) as r30
    from forward as f
  ),
  rows as materialized (
    select q.org_id, q.visitor_key, q.day, q.prev_day, q.clicked, q.click_day, q.in_unit,
           q.source, q.medium, q.campaign, q.ft_source, q.ft_medium, q.ft_campaign,
           case when q.source = '(direct)' and q.nd_day is not null
                then array[q.nd_source, q.nd_medium, q.nd_campaign] end as nd,
           -- nd_day and r30 of direct rows only (the rows whose credit can move)
           case when q.source = '(direct)' then q.nd_day end as nd_day,
           case when q.source = '(direct)' and q.nd_day is not null then q.r30 end as r30,
           pg_catalog.lag(array[q.source, q.medium, q.campaign]) over w as p_touch,
           pg_catalog.lag(q.click_day) over w as p_click_day,
           pg_catalog.lag(case when q.source = '(direct)' and q.nd_day is not null
                               then array[q.nd_source, q.nd_medium, q.nd_campaign] end) over w as p_nd,
           pg_catalog.lag(case when q.source = '(direct)' then q.nd_day end) over w as p_nd_day,
           pg_catalog.lag(case when q.source = '(direct)' and q.nd_day is not null then q.r30 end) over w as p_r30
    from pointed as q
    window w as (partition by q.org_id, q.visitor_key order by q.day)
  ),
  weights as (
    -- first touch, lookback 0 and the 30-day difference
    select n.org_id, n.day, 'ft' as model, array[n.source, n.medium, n.campaign] as channel, 0 as gap, 1 as visitors, 0 as clicked
    from rows as n where n.in_unit
    union all
    select n.org_id, n.day, 'ft', array[n.source, n.medium, n.campaign], n.day - n.prev_day, -1, 0
    from rows as n where n.in_unit and n.day - n.prev_day <= 365
    union all
    select n.org_id, n.day, 'ft30', x.channel, x.gap, x.sign, 0
    from rows as n
    cross join lateral (values (array[n.ft_source, n.ft_medium, n.ft_campaign], 0, 1), (array[n.source, n.medium, n.campaign], 0, -1),
                               (array[n.ft_source, n.ft_medium, n.ft_campaign], n.day - n.prev_day, -1),
                               (array[n.source, n.medium, n.campaign], n.day - n.prev_day, 1)) as x (channel, gap, sign)
    where n.in_unit and array[n.ft_source, n.ft_medium, n.ft_campaign] <> array[n.source, n.medium, n.campaign]
      and x.gap is not null
    union all
    -- first touch, clicked: at the visitor's first clicked row of the period, the row r that is its first
    select n.org_id, n.day, x.model, x.channel, x.gap, 0, x.sign
    from rows as n
    join rows as r
      on r.org_id = n.org_id and r.visitor_key = n.visitor_key and r.day <= n.day and r.day >= n.day - 365
     and (n.p_click_day is null or r.day > n.p_click_day)
    cross join lateral (values ('ft', array[r.source, r.medium, r.campaign], n.day - r.day, 1),
                               ('ft', array[r.source, r.medium, r.campaign], n.day - r.prev_day, -1),
                               ('ft30', array[r.ft_source, r.ft_medium, r.ft_campaign], n.day - r.day, 1),
                               ('ft30', array[r.source, r.medium, r.campaign], n.day - r.day, -1),
                               ('ft30', array[r.ft_source, r.ft_medium, r.ft_campaign], n.day - r.prev_day, -1),
                               ('ft30', array[r.source, r.medium, r.campaign], n.day - r.prev_day, 1)) as x (model, channel, gap, sign)
    where n.in_unit and n.clicked and x.gap <= 365
    union all
    -- last touch: the last row of the period, as the period's rows less their previous rows
    select n.org_id, n.day, 'lt', x.channel, x.gap, x.v, x.c
    from rows as n
    cross join lateral (values (array[n.source, n.medium, n.campaign], 0, 1, 0),
                               (n.p_touch, n.day - n.prev_day, -1, 0),
                               (array[n.source, n.medium, n.campaign], n.day - n.click_day, 0, 1),
                               (n.p_touch, n.day - n.p_click_day, 0, -1)) as x (channel, gap, v, c)
    where n.in_unit and x.gap <= 365
    union all
    -- last non-direct: a direct row's earlier non-direct touch instead of its own, from R on
    -- (clicked: the later of the two conditions; NULL unless both days are known, least ignoring NULLs)
    select n.org_id, n.day, x.model, x.channel, x.gap, x.v, x.c
    from rows as n
    cross join lateral (values
        ('nd0', n.nd, n.day - n.nd_day, 1, 0), ('nd0', array[n.source, n.medium, n.campaign], n.day - n.nd_day, -1, 0),
        ('nd0', n.nd, n.day - least(n.nd_day, n.click_day) + (n.nd_day - n.click_day) * 0, 0, 1),
        ('nd0', array[n.source, n.medium, n.campaign], n.day - least(n.nd_day, n.click_day) + (n.nd_day - n.click_day) * 0, 0, -1),
        ('nd30', n.nd, n.day - n.r30, 1, 0), ('nd30', array[n.source, n.medium, n.campaign], n.day - n.r30, -1, 0),
        ('nd30', n.nd, n.day - least(n.r30, n.click_day) + (n.r30 - n.click_day) * 0, 0, 1),
        ('nd30', array[n.source, n.medium, n.campaign], n.day - least(n.r30, n.click_day) + (n.r30 - n.click_day) * 0, 0, -1),
        ('nd0', n.p_nd, n.day - n.p_nd_day, -1, 0), ('nd0', n.p_touch, n.day - n.p_nd_day, 1, 0),
        ('nd0', n.p_nd, n.day - least(n.p_nd_day, n.p_click_day) + (n.p_nd_day - n.p_click_day) * 0, 0, -1),
        ('nd0', n.p_touch, n.day - least(n.p_nd_day, n.p_click_day) + (n.p_nd_day - n.p_click_day) * 0, 0, 1),
        ('nd30', n.p_nd, n.day - n.p_r30, -1, 0), ('nd30', n.p_touch, n.day - n.p_r30, 1, 0),
        ('nd30', n.p_nd, n.day - least(n.p_r30, n.p_click_day) + (n.p_r30 - n.p_click_day) * 0, 0, -1),
        ('nd30', n.p_touch, n.day - least(n.p_r30, n.p_click_day) + (n.p_r30 - n.p_click_day) * 0, 0, 1)) as x (model, channel, gap, v, c)
    where n.in_unit and (n.nd is not null or n.p_nd is not null) and x.channel is not null and x.gap <= 365
  ),
  per_gap as (
    select w.org_id, w.day, w.model, w.channel[1] as source, w.channel[2] as medium, w.channel[3] as campaign, w.gap,
           pg_catalog.sum(w.visitors) as visitors, pg_catalog.sum(w.clicked) as clicked
    from weights as w
    group by 1, 2, 3, 4, 5, 6, 7
    having pg_catalog.sum(w.visitors) <> 0 or pg_catalog.sum(w.clicked) <> 0
  ),
  -- Per day, model and channel: the weights cumulated by gap.
  running as (
    select g.*, pg_catalog.sum(g.visitors) over c as visitors_cum, pg_catalog.sum(g.clicked) over c as clicked_cum
    from per_gap as g
    window c as (partition by g.org_id, g.day, g.model, g.source, g.medium, g.campaign order by g.gap)
  )
  select r.org_id, r.day, r.model collate "C", r.source collate "C", r.medium collate "C", r.campaign collate "C",
         pg_catalog.array_agg(r.gap::smallint order by r.gap), pg_catalog.array_agg(r.visitors_cum::integer order by r.gap),
         pg_catalog.array_agg(r.clicked_cum::integer order by r.gap)
  from running as r
  group by r.org_id, r.day, r.model, r.source, r.medium, r.campaign;
end;
$$;
revoke execute on function private.compute_audience_attribution_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function private.compute_audience_attribution_days(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup private.audience_attribution_days (a rollup of private.audience_touch_days): every weight row of the organization-days whose touch rows the events received in [p_after, p_upto) recompute. Internal (owner only).';

select private.register_rollup(
  'private.audience_attribution_days', 'analytics.events', 'private.audience_attribution_days', 'private.compute_audience_attribution_days',
  array['org_id', 'model', 'day', 'source', 'medium', 'campaign'], 'day', array['private.audience_touch_days'],
  'Per organization, local day, attribution model and channel: signed visitor and clicked-visitor weights by gap, cumulated, whose sums over a period are get_audience_attribution''s counts (migration 0950); from private.audience_touch_days.',
  array['org_id', 'day']);
