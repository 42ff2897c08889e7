-- requires: functions/insights/aggregate_bounds.sql
-- requires: functions/insights/refresh_aggregates.sql
-- requires: functions/insights/release_fingerprint.sql
-- The refresh step insights.refresh_aggregates (private.run_refresh): brings the stored
-- insight aggregates (private.insight_aggregates / insight_aggregate_rows, the rows of
-- insights.event_aggregates_raw for each organization's default period) of every
-- organization up to date from what changed (migration 1140): the new events, and after a
-- local day change the events of the slices between old and new boundaries and the
-- visitors who have a day there.
--
-- Per organization, one of:
-- * kept: the stored boundaries (insights.aggregate_bounds) and releases
--   (insights.release_fingerprint) are today's and no event of the stored range was received
--   since its complete_before (one scan of the events received since the oldest stored
--   bound, BRIN on received_at, finds the late ones). complete_before advances to the safe
--   bound (private.received_upper_bound), read first.
-- * computed from its parts ("delta"): its parts (migration 1140) are complete before the
--   stored result's bound, in the same time zone, the releases are the same, and the period
--   did not move back nor more than 7 days forward. Every stored number is a sum over events
--   or over visitors, so:
--   - events and clicks: the events of the slices between each old and new boundary
--     (the nine bucket and window boundaries and the releases' half points) are subtracted
--     under the old boundaries (received before the stored bound) and added under the new
--     ones, and the events received since the stored bound are added under the new ones;
--   - visitor counts: the visitors with an event in a slice (a visitor day there) or a
--     new event have their contribution (read from private.insight_visitor_days)
--     subtracted under the old boundaries (their visitor days before the new events) and
--     added under the new ones (with the new events' days), only in the period(s) (the
--     comparison one, the analysed one) where it may change; a visitor whose every new
--     row (local day and place) is covered by a stored visitor day in the same bucket and
--     place with at least its intent changes no number and is not read; on a split day, a
--     local day in which a bucket boundary is not a local midnight (a DST change inside a
--     period puts a midpoint at 23:30 or 00:30), their events of that day are read instead;
--   then the organization's rows whose parts changed are rendered again from its parts
--   with the rules of insights.event_aggregates_raw (NULL for a bucket without events,
--   platform rows only where a bucket has clicks, ...); every other row is what its
--   unchanged parts render.
-- * computed in full: anything else (nothing stored, a new time zone, a new release, a
--   retention run that deleted the stored result, a result stored by
--   insights.refresh_aggregates(org) alone): the same statements with no old side and the
--   organization's whole range as the slice; its visitor days are rebuilt from the events
--   since its comparison start.
-- Every event read is non-bot and received before the safe bound, so a result is complete
-- before it and the next run adds exactly the events received since.
-- Takes the advisory lock of analytics.apply_retention in share mode first, as
-- insights.refresh_aggregates does (a retention run deletes the stored results its cutoff
-- reaches; migration 1120), then an exclusive one that insights.refresh_aggregates(org) also
-- takes: concurrent runs serialize (each adds differences to the parts; two at once from the
-- same state would add them twice). Returns one row per organization: 'kept' or 'computed'.
-- Performance: BENCHMARKS.md, "Insight aggregates from their parts" and "Insight aggregates
-- after a day".
-- The setting insights.refresh_modes says how many organizations went each way
-- ('delta=N full=N keep=N', transaction-local).
-- p_now (tests only; NULL, the default: now): the instant whose local day the default
-- periods end at, so that a contract can store yesterday's periods and see a local day change.
-- Internal: owner only.
drop function if exists insights.refresh_all_aggregates();
create or replace function insights.refresh_all_aggregates(p_now timestamptz default null)
returns table (org_id uuid, result text)
language plpgsql
volatile
set search_path = ''
set jit = off
-- 256MB: after a local day change the visitors' rows grouped by bucket and place (1.7M groups
-- at 10M events) spilled to disk at 64MB; 48-60 s against 78-84 s at load 4-5.
set work_mem = '256MB'
-- The changed rows' keys (a few coalesced expressions without statistics) are joined with
-- their parts and stored rows by hash: merge joins sorted every part and stored row (1.1 and
-- 0.9 s at 10M events after a day).
set enable_mergejoin = off
-- Its work tables are dropped "if exists" at start and end: no NOTICE per missing one in the
-- refresh's output (34 lines per run in the pg_cron log otherwise).
set client_min_messages = warning
as $$
#variable_conflict use_column
declare
  v_mark    timestamptz;
  v_since   timestamptz;
  v_started timestamptz := pg_catalog.clock_timestamp();
begin
  -- Waits for a retention run in progress (analytics.apply_retention), which waits for this.
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('insights.insight_aggregates'), 0);
  -- One writer of the stored aggregates and their parts at a time: the parts are sums that a
  -- run adds its differences to, so two runs from the same state would add them twice.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.refresh_aggregates'), 0);
  -- The safe bound first: every event received before it is committed and visible.
  v_mark := private.received_upper_bound();
  drop table if exists pg_temp.ia_plan, pg_temp.ia_new, pg_temp.ia_b, pg_temp.ia_slices, pg_temp.ia_src,
    pg_temp.ia_rel, pg_temp.ia_ev, pg_temp.ia_nv, pg_temp.ia_vis, pg_temp.ia_split, pg_temp.ia_splitev, pg_temp.ia_va, pg_temp.ia_v, pg_temp.ia_ep, pg_temp.ia_vp, pg_temp.ia_rk, pg_temp.ia_pr;

  -- Today's boundaries beside the stored ones (o_*) and the parts' state (s_*). The default
  -- period's boundaries depend on an organization only through its time zone (and on the
  -- global insights.thresholds): computed once per time zone, with one of its organizations
  -- (9 calls instead of 1,000 at 10M events, 112-128 ms of every run).
  create temp table ia_plan on commit drop as
  with zones as (
    select z.timezone as zone, b.*
    from (select distinct on (x.timezone) x.timezone, x.id from app.organizations as x order by x.timezone, x.id) as z
    cross join lateral insights.aggregate_bounds(
      z.id, null,
      case when p_now is not null
           then pg_catalog.date_trunc('day', p_now at time zone z.timezone) at time zone z.timezone end) as b
  )
  select o.id as org_id,
         b.comparison_start as c0, b.comparison_mid as c1, b.period_start as c2, b.period_mid as c3, b.period_end as c4,
         b.window_start as w0, b.window_before_mid as w1, b.window_mid as w2, b.window_after_mid as w3, b.timezone as tz,
         a.comparison_start as o_c0, a.comparison_mid as o_c1, a.period_start as o_c2, a.period_mid as o_c3,
         a.period_end as o_c4, a.window_start as o_w0, a.window_before_mid as o_w1, a.window_mid as o_w2,
         a.window_after_mid as o_w3, a.timezone as o_tz, a.releases as o_releases, a.complete_before as o_done,
         s.timezone as s_tz, s.complete_before as s_done,
         insights.release_fingerprint(o.id, b.period_start, b.period_end) as releases,
         false as late, 'full'::text as mode
  from app.organizations as o
  join zones as b on b.zone = o.timezone
  left join private.insight_aggregates as a on a.org_id = o.id
  left join private.insight_aggregate_parts_state as s on s.org_id = o.id;

  -- The events received since the oldest stored bound (BRIN on received_at), bots included
  -- (a late bot event makes the stored result late, as insights.stored_aggregates_current
  -- says).
  select pg_catalog.min(p.o_done) into v_since from ia_plan as p;
  create temp table ia_new on commit drop as
  select e.org_id, e.received_at, e.occurred_at, e.is_bot, e.city, e.country::text as country,
         pg_catalog.hashtextextended(e.visitor_id, 0) as vh, e.platform::text as platform,
         e.link_type::text as link_type, e.referrer_domain::text as referrer, e.device_type::text as device,
         e.entity_id, e.event_type
  from analytics.events as e
  where v_since is not null and e.received_at >= v_since and e.received_at < v_mark;

  update ia_plan as p set late = true
  where exists (select from ia_new as n
                where n.org_id = p.org_id and n.received_at >= p.o_done
                  and n.occurred_at >= p.o_c0 and n.occurred_at < p.o_c4);
  update ia_plan as p set mode = case
    when p.o_done is null then 'full'
    when not p.late and p.releases = p.o_releases and p.tz = p.o_tz
         and (p.c0, p.c1, p.c2, p.c3, p.c4, p.w0, p.w1, p.w2, p.w3)
             = (p.o_c0, p.o_c1, p.o_c2, p.o_c3, p.o_c4, p.o_w0, p.o_w1, p.o_w2, p.o_w3) then 'keep'
    when p.s_done = p.o_done and p.s_tz = p.tz and p.o_tz = p.tz and p.releases = p.o_releases
         and p.c0 >= p.o_c0 and p.c4 <= p.o_c4 + interval '7 days'
      then 'delta'
    else 'full' end;
  analyze ia_plan;  -- 1,000 rows: the statements below join it with large tables

  -- Nothing but kept organizations (the every-minute case): no temp tables beyond these two.
  if exists (select from ia_plan as p where p.mode <> 'keep') then
    -- The boundaries each side is classified with: old (sign -1) and new (+1) for a delta,
    -- new for a full computation; local dates of the bucket boundaries for the visitor days.
    create temp table ia_b on commit drop as
    select x.*, (x.c0 at time zone x.tz)::date as d0, (x.c1 at time zone x.tz)::date as d1,
           (x.c2 at time zone x.tz)::date as d2, (x.c3 at time zone x.tz)::date as d3, (x.c4 at time zone x.tz)::date as d4
    from (select p.org_id, -1 as sign, p.o_c0 as c0, p.o_c1 as c1, p.o_c2 as c2, p.o_c3 as c3, p.o_c4 as c4,
                 p.o_w0 as w0, p.o_w1 as w1, p.o_w2 as w2, p.o_w3 as w3, p.tz
          from ia_plan as p where p.mode = 'delta'
          union all
          select p.org_id, 1, p.c0, p.c1, p.c2, p.c3, p.c4, p.w0, p.w1, p.w2, p.w3, p.tz
          from ia_plan as p where p.mode in ('delta', 'full')) as x;
    analyze ia_b;
    create temp table ia_rel on commit drop as
    select b.org_id, b.sign, c.id, c.published_at, c.published_at + (b.c4 - c.published_at) / 2 as half_at
    from ia_b as b
    join app.content_items as c on c.org_id = b.org_id and c.kind = 'release'
                               and c.published_at >= b.c2 and c.published_at < b.c4;

    -- The slices whose events change bucket: between each old and new boundary, and between
    -- each release's old and new half point.
    create temp table ia_slices on commit drop as
    select p.org_id, pg_catalog.lower(r.r) as lo, pg_catalog.upper(r.r) as hi
    from ia_plan as p
    cross join lateral (
      select pg_catalog.range_agg(pg_catalog.tstzrange(least(x.o, x.n), greatest(x.o, x.n))) as m
      from (values (p.o_c0, p.c0), (p.o_c1, p.c1), (p.o_c2, p.c2), (p.o_c3, p.c3), (p.o_c4, p.c4),
                   (p.o_w0, p.w0), (p.o_w1, p.w1), (p.o_w2, p.w2), (p.o_w3, p.w3)) as x (o, n)
      where x.o <> x.n
    ) as s
    cross join lateral pg_catalog.unnest(coalesce(s.m, '{}'::tstzmultirange)) as r (r)
    where p.mode = 'delta'
    union all
    select ro.org_id, least(ro.half_at, rn.half_at), greatest(ro.half_at, rn.half_at)
    from ia_rel as ro join ia_rel as rn on rn.org_id = ro.org_id and rn.id = ro.id and rn.sign = 1
    where ro.sign = -1 and ro.half_at <> rn.half_at;
    analyze ia_slices;

    -- The events to classify, read once: the slices' events (new side; old side too when
    -- received before the stored bound), the events received since (new side, outside the
    -- slices), every event of a full organization from its comparison start on (today's too:
    -- its visitor days).
    create temp table ia_src on commit drop as
    select s.org_id, e.received_at < p.o_done as old_side, e.occurred_at, e.city, e.country::text as country,
           pg_catalog.hashtextextended(e.visitor_id, 0) as vh, e.platform::text as platform,
           e.link_type::text as link_type, e.referrer_domain::text as referrer, e.device_type::text as device,
           e.entity_id, e.event_type
    from (select distinct on (s.org_id, s.lo, s.hi) s.org_id, s.lo, s.hi from ia_slices as s) as s
    join ia_plan as p on p.org_id = s.org_id
    -- each slice by its range through the primary key (lateral: never a scan of every event)
    cross join lateral (select e.* from analytics.events as e
                        where e.org_id = s.org_id and e.occurred_at >= s.lo and e.occurred_at < s.hi
                          and not e.is_bot and e.received_at < v_mark
                        offset 0) as e
    -- ranges of the slices may overlap (release half points): each event once
    where not exists (select from ia_slices as s2
                      where s2.org_id = s.org_id and e.occurred_at >= s2.lo and e.occurred_at < s2.hi
                        and (s2.lo, s2.hi) < (s.lo, s.hi))
    union all
    select n.org_id, false, n.occurred_at, n.city, n.country, n.vh, n.platform, n.link_type, n.referrer, n.device,
           n.entity_id, n.event_type
    from ia_new as n
    join ia_plan as p on p.org_id = n.org_id and p.mode = 'delta'
    where not n.is_bot and n.received_at >= p.o_done
      and not exists (select from ia_slices as s
                      where s.org_id = n.org_id and n.occurred_at >= s.lo and n.occurred_at < s.hi)
    union all
    select p.org_id, false, e.occurred_at, e.city, e.country::text, pg_catalog.hashtextextended(e.visitor_id, 0),
           e.platform::text, e.link_type::text, e.referrer_domain::text, e.device_type::text, e.entity_id, e.event_type
    from ia_plan as p
    join analytics.events as e on e.org_id = p.org_id and e.occurred_at >= p.c0
    where p.mode = 'full' and not e.is_bot and e.received_at < v_mark;
    analyze ia_src;  -- temp tables have no statistics until analyzed: joins below were planned for a few rows

    -- Classified as insights.event_aggregates_raw classifies them (buckets, window, release
    -- half, intent, UTC quarter-hour of the analysed period).
    create temp table ia_ev on commit drop as
    select s.org_id, g.sign,
           case when s.occurred_at < b.c1 then 1 when s.occurred_at < b.c2 then 2
                when s.occurred_at < b.c3 then 3 else 4 end as b,
           case when s.occurred_at < b.w0 then 0 when s.occurred_at < b.w1 then 1 when s.occurred_at < b.w2 then 2
                when s.occurred_at < b.w3 then 3 else 4 end as w,
           s.city, s.country, s.vh, s.platform, s.link_type, s.referrer, s.device, r.id as release_id,
           case when r.id is null then null when s.occurred_at < r.half_at then 1 else 2 end as release_half,
           s.event_type = 'link_click' as click,
           case when s.event_type in ('ticket_cta', 'checkout_started', 'purchase', 'tip') then 3
                when s.event_type in ('link_click', 'play', 'like', 'share', 'comment', 'follow', 'download',
                                      'subscribe', 'email_click') then 2
                else 1 end as intent,
           case when s.occurred_at >= b.c2
                then pg_catalog.floor(pg_catalog.date_part('epoch', s.occurred_at) / 900)::bigint end as quarter
    from ia_src as s
    cross join lateral (values (-1), (1)) as g (sign)
    join ia_b as b on b.org_id = s.org_id and b.sign = g.sign
    left join ia_rel as r on r.org_id = s.org_id and r.sign = g.sign and r.id = s.entity_id
                         and s.occurred_at >= r.published_at
    where (g.sign = 1 or s.old_side) and s.occurred_at >= b.c0 and s.occurred_at < b.c4;

    -- Event parts: the signed sums of the grouping sets.
    create temp table ia_ep on commit drop as
    select x.org_id, x.dim, x.b, x.w, x.key1, x.key2, x.release_id, x.release_half,
           t.weekday::smallint as weekday, t.hour::smallint as hour,
           pg_catalog.sum(x.events)::bigint as events, pg_catalog.sum(x.clicks)::bigint as clicks
    from (select e.org_id,
                 case when grouping(e.platform) = 0 then 'platform' when grouping(e.referrer) = 0 then 'referrer'
                      when grouping(e.device) = 0 then 'device' when grouping(e.quarter) = 0 then 'time'
                      when grouping(e.release_id) = 0 then 'release' when grouping(e.city) = 0 then 'city'
                      else 'all' end as dim,
                 e.b::smallint as b, e.w::smallint as w, coalesce(e.platform, e.referrer, e.device, e.city) as key1,
                 coalesce(e.link_type, e.country) as key2, e.release_id, e.release_half::smallint as release_half,
                 e.quarter, pg_catalog.sum(e.sign) as events,
                 coalesce(pg_catalog.sum(e.sign) filter (where e.click), 0) as clicks
          from ia_ev as e
          group by grouping sets ((e.org_id, e.b), (e.org_id, e.b, e.platform, e.link_type),
                                  (e.org_id, e.b, e.w, e.referrer), (e.org_id, e.b, e.device), (e.org_id, e.b, e.quarter),
                                  (e.org_id, e.release_id, e.release_half), (e.org_id, e.b, e.city, e.country))) as x
    join ia_plan as p on p.org_id = x.org_id
    -- Local weekday and hour per quarter-hour, as insights.event_aggregates_raw converts them.
    left join lateral (select extract(isodow from q.local_time)::integer as weekday,
                              extract(hour from q.local_time)::integer as hour
                       from (select pg_catalog.to_timestamp(x.quarter * 900) at time zone p.tz as local_time) as q) as t
           on x.dim = 'time'
    where (x.dim <> 'time' or x.quarter is not null)
      and (x.dim <> 'release' or x.release_id is not null)
      and (x.dim <> 'city' or x.key1 is not null)
    group by x.org_id, x.dim, x.b, x.w, x.key1, x.key2, x.release_id, x.release_half, t.weekday, t.hour;

    -- Split days: the local days in which a bucket boundary is not a local midnight (a DST
    -- change inside a period puts a midpoint at 00:30 or 23:30): a visitor day there does not
    -- say on which side of the boundary its events were, so those days' contributions are read
    -- from the visitors' events instead.
    create temp table ia_split on commit drop as
    select b.org_id, b.sign, b.tz,
           pg_catalog.array_agg(distinct (x.t at time zone b.tz)::date) as days
    from ia_b as b
    join ia_plan as p on p.org_id = b.org_id and p.mode = 'delta'
    cross join lateral pg_catalog.unnest(array[b.c0, b.c1, b.c2, b.c3, b.c4]) as x (t)
    where (x.t at time zone b.tz)::time <> time '00:00'
    group by b.org_id, b.sign, b.tz;
    analyze ia_split;
    -- The new events' visitor rows of the delta organizations (per visitor, local day and
    -- place: the highest intent; the periods, 1 before and 2 from the new period start, of
    -- those in the new range).
    create temp table ia_nv on commit drop as
    select n.org_id, n.vh, (n.occurred_at at time zone p.tz)::date as day, n.city, n.country,
           pg_catalog.max(case when n.event_type in ('ticket_cta', 'checkout_started', 'purchase', 'tip') then 3
                               when n.event_type in ('link_click', 'play', 'like', 'share', 'comment', 'follow',
                                                     'download', 'subscribe', 'email_click') then 2
                               else 1 end) as intent,
           pg_catalog.bit_or(case when n.occurred_at < p.c0 or n.occurred_at >= p.c4 then 0
                                  when n.occurred_at < p.c2 then 1 else 2 end) as periods
    from ia_new as n
    join ia_plan as p on p.org_id = n.org_id and p.mode = 'delta'
    where not n.is_bot and n.vh is not null and n.received_at >= p.o_done
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3;  -- the visitor days' key order: the probes below read the index in order
    analyze ia_nv;
    -- Visitors whose contribution may change, with the periods it may change in (bits: 1 the
    -- comparison period, 2 the analysed one; every stored number is a sum over the two
    -- periods of terms that depend only on the visitor's rows in that period):
    -- * those with an event between an old and a new bucket boundary (a visitor day there;
    --   the window and release slices do not move a visitor between buckets): the first two
    --   boundaries move rows within or out of the comparison period, the period start between
    --   the two, the last two within or into the analysed period;
    -- * those with a new event in the new range, in the period(s) of their new events, unless
    --   each of their new rows is covered: a stored visitor day of theirs in the same bucket
    --   with the same city and country and at least its intent (neither on a split day), so
    --   that no maximum or presence of theirs changes (late events of returning visitors).
    --   A visitor with neither has the same rows under old and new boundaries but the new
    --   ones, so the stored numbers keep their contribution.
    create temp table ia_vis on commit drop as
    select x.org_id, x.vh, pg_catalog.bit_or(x.periods) as periods
    from (select s.org_id, s.vh,
                 case when s.occurred_at >= least(p.o_c0, p.c0) and s.occurred_at < greatest(p.o_c0, p.c0) then 1 else 0 end
               | case when s.occurred_at >= least(p.o_c1, p.c1) and s.occurred_at < greatest(p.o_c1, p.c1) then 1 else 0 end
               | case when s.occurred_at >= least(p.o_c2, p.c2) and s.occurred_at < greatest(p.o_c2, p.c2) then 3 else 0 end
               | case when s.occurred_at >= least(p.o_c3, p.c3) and s.occurred_at < greatest(p.o_c3, p.c3) then 2 else 0 end
               | case when s.occurred_at >= least(p.o_c4, p.c4) and s.occurred_at < greatest(p.o_c4, p.c4) then 2 else 0 end
                 as periods
          from ia_src as s join ia_plan as p on p.org_id = s.org_id and p.mode = 'delta'
          where s.vh is not null
          union all
          -- a new row on a split day (or at its edges) is not checked: its periods
          select n.org_id, n.vh, n.periods
          from ia_nv as n
          join ia_b as b on b.org_id = n.org_id and b.sign = 1
          left join ia_split as xo on xo.org_id = n.org_id and xo.sign = -1
          left join ia_split as xn on xn.org_id = n.org_id and xn.sign = 1
          where n.periods <> 0
            and (coalesce(n.day = any (xo.days), false) or coalesce(n.day = any (xn.days), false)
                 or n.day < b.d0 or n.day >= b.d4
                 or not exists (
                   select from private.insight_visitor_days as d
                   where d.org_id = n.org_id and d.vh = n.vh
                     and d.day >= case when n.day < b.d1 then b.d0 when n.day < b.d2 then b.d1 when n.day < b.d3 then b.d2 else b.d3 end
                     and d.day < case when n.day < b.d1 then b.d1 when n.day < b.d2 then b.d2 when n.day < b.d3 then b.d3 else b.d4 end
                     and d.city is not distinct from n.city and d.country is not distinct from n.country
                     and d.intent >= n.intent
                     and not coalesce(d.day = any (xo.days), false) and not coalesce(d.day = any (xn.days), false)))) as x
    where x.periods <> 0
    group by x.org_id, x.vh;
    analyze ia_vis;
    -- The split days' events (read by each day's range through the primary key), of the
    -- organizations with such visitors.
    create temp table ia_splitev on commit drop as
    select sp.org_id, sp.sign, e.occurred_at, e.vh, e.city, e.country, e.event_type
    from (select x.org_id, x.sign, x.tz, d.day from ia_split as x cross join lateral pg_catalog.unnest(x.days) as d (day)
          where exists (select from ia_vis as v where v.org_id = x.org_id)) as sp
    join ia_plan as p on p.org_id = sp.org_id
    -- the day's events through the primary key (lateral: by the day's range, not the period's;
    -- the receipt bound outside the offset-0 subquery: as an index condition it read the
    -- received_at index's entries of the whole partition, 1 ms a day)
    cross join lateral (
      select e.occurred_at, e.vh, e.city, e.country, e.event_type
      from (select e.occurred_at, pg_catalog.hashtextextended(e.visitor_id, 0) as vh, e.city, e.country::text as country,
                   e.event_type, e.received_at
            from analytics.events as e
            where e.org_id = sp.org_id
              and e.occurred_at >= (sp.day::timestamp at time zone sp.tz) - interval '1 day'
              and e.occurred_at < ((sp.day + 2)::timestamp at time zone sp.tz)
              and (e.occurred_at at time zone sp.tz)::date = sp.day
              and not e.is_bot and e.visitor_id is not null
            offset 0) as e
      where e.received_at < case when sp.sign < 0 then p.o_done else v_mark end) as e;
    analyze ia_splitev;
    -- Their visitor days before the new events, read once for both sides: those of the
    -- periods their contribution may change in (a day's margin around the period starts).
    create temp table ia_va on commit drop as
    select d.ctid as row_id, d.org_id, d.vh, d.day, d.city, d.country, d.intent, v.periods
    from ia_vis as v
    join ia_b as b on b.org_id = v.org_id and b.sign = -1
    join ia_b as bn on bn.org_id = v.org_id and bn.sign = 1
    join private.insight_visitor_days as d
      on d.org_id = v.org_id and d.vh = v.vh
     and d.day >= case when v.periods & 1 <> 0 then b.d0 else least(b.d2, bn.d2) - 1 end
     and (v.periods & 2 <> 0 or d.day <= greatest(b.d2, bn.d2));
    -- The visitors' rows per side: visitor days classified by local date (old side: before the
    -- new events; new side: with the new events' days added, duplicates are harmless for the
    -- maxima below), but on split days their events, classified exactly; only those of the
    -- periods the visitor's contribution may change in.
    create temp table ia_v on commit drop as
    select y.org_id, y.sign, y.vh, y.b, y.city, y.country, pg_catalog.max(y.intent) as intent
    from (select d.org_id, g.sign, d.vh,
                 case when d.day < b.d1 then 1 when d.day < b.d2 then 2 when d.day < b.d3 then 3 else 4 end as b,
                 d.city, d.country, d.intent, d.periods
          from ia_va as d
          cross join lateral (values (-1), (1)) as g (sign)
          join ia_b as b on b.org_id = d.org_id and b.sign = g.sign
          left join ia_split as x on x.org_id = d.org_id and x.sign = g.sign
          where d.day >= b.d0 and d.day < b.d4 and not coalesce(d.day = any (x.days), false)
          union all
          select n.org_id, 1, n.vh,
                 case when n.day < b.d1 then 1 when n.day < b.d2 then 2 when n.day < b.d3 then 3 else 4 end,
                 n.city, n.country, n.intent, v.periods
          from ia_nv as n
          join ia_vis as v on v.org_id = n.org_id and v.vh = n.vh
          join ia_b as b on b.org_id = n.org_id and b.sign = 1
          left join ia_split as x on x.org_id = n.org_id and x.sign = 1
          where n.day >= b.d0 and n.day < b.d4 and not coalesce(n.day = any (x.days), false)
          union all
          -- The split days' events of those visitors, classified exactly, each side with its bound.
          select x.org_id, x.sign, x.vh,
                 case when x.occurred_at < b.c1 then 1 when x.occurred_at < b.c2 then 2 when x.occurred_at < b.c3 then 3 else 4 end,
                 x.city, x.country,
                 pg_catalog.max(case when x.event_type in ('ticket_cta', 'checkout_started', 'purchase', 'tip') then 3
                                     when x.event_type in ('link_click', 'play', 'like', 'share', 'comment', 'follow', 'download',
                                                           'subscribe', 'email_click') then 2
                                     else 1 end),
                 v.periods
          from ia_splitev as x
          join ia_vis as v on v.org_id = x.org_id and v.vh = x.vh
          join ia_b as b on b.org_id = x.org_id and b.sign = x.sign
          where x.occurred_at >= b.c0 and x.occurred_at < b.c4
          group by x.org_id, x.sign, x.vh, 4, x.city, x.country, v.periods) as y
    where y.periods & (case when y.b <= 2 then 1 else 2 end) <> 0
    -- per visitor, bucket and place: a visitor's days collapse to a few rows (the grouping
    -- the visitor parts below start from, done here once instead of on the rows written)
    group by y.org_id, y.sign, y.vh, y.b, y.city, y.country;

    -- The visitor days: full organizations rebuilt, the new events of the others whose parts
    -- are complete added, the days before a moved comparison start dropped.
    delete from private.insight_visitor_days as d using ia_plan as p where p.org_id = d.org_id and p.mode = 'full';
    insert into private.insight_visitor_days (org_id, vh, day, city, country, intent)
    select s.org_id, s.vh, (s.occurred_at at time zone p.tz)::date, s.city, s.country,
           pg_catalog.max(case when s.event_type in ('ticket_cta', 'checkout_started', 'purchase', 'tip') then 3
                               when s.event_type in ('link_click', 'play', 'like', 'share', 'comment', 'follow', 'download',
                                                     'subscribe', 'email_click') then 2
                               else 1 end)::smallint
    from ia_src as s join ia_plan as p on p.org_id = s.org_id and p.mode = 'full'
    where s.vh is not null
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 4, 5;  -- key order: the unique index is written in order
    -- Days before a moved comparison start: those of the slice [old start, new start), read
    -- above (ia_va) with their row ids; nothing writes the table in between.
    -- (by their row ids as an array: a TID scan, where a join hashed every row id of the table)
    delete from private.insight_visitor_days as d
    where d.ctid = any (array(select a.row_id from ia_va as a join ia_b as b on b.org_id = a.org_id and b.sign = 1
                              where a.day < b.d0));

    -- A full organization's visitors from its classified events.
    insert into ia_v
    select e.org_id, 1, e.vh, e.b, e.city, e.country, pg_catalog.max(e.intent)
    from ia_ev as e join ia_plan as p on p.org_id = e.org_id and p.mode = 'full'
    where e.vh is not null
    group by e.org_id, e.vh, e.b, e.city, e.country;

    -- Visitor parts: the signed counts of insights.event_aggregates_raw's visitor measures.
    create temp table ia_vp on commit drop as
    -- per visitor, bucket and place first (ia_v holds one row for each)
    with vbc as (
      select v.org_id, v.sign, v.vh, v.b, v.city, v.country, v.intent from ia_v as v
    ),
    vb as (
      select v.org_id, v.sign, v.vh, v.b, pg_catalog.max(v.intent) as intent, pg_catalog.bool_or(v.city is not null) as located
      from vbc as v group by v.org_id, v.sign, v.vh, v.b
    ),
    vp as (
      select vb.org_id, vb.sign, vb.vh, (vb.b + 1) / 2 as period, pg_catalog.max(vb.intent) as intent,
             pg_catalog.bool_or(vb.located) as located
      from vb group by vb.org_id, vb.sign, vb.vh, (vb.b + 1) / 2
    ),
    pc as (
      select v.org_id, v.sign, v.city, v.country, v.vh, pg_catalog.bit_or(1 << (v.b - 1)) as seen
      from vbc as v where v.city is not null
      group by v.org_id, v.sign, v.city, v.country, v.vh
    )
    select y.org_id, y.kind, y.city, y.country, pg_catalog.sum(y.n)::bigint as n
    from (select c.org_id, k.kind, null::text as city, null::text as country, c.sign * k.n as n
          from (select vb.org_id, vb.sign,
                       pg_catalog.count(*) filter (where vb.b = 1) as v1, pg_catalog.count(*) filter (where vb.b = 2) as v2,
                       pg_catalog.count(*) filter (where vb.b = 3) as v3, pg_catalog.count(*) filter (where vb.b = 4) as v4,
                       pg_catalog.count(*) filter (where vb.b = 1 and vb.intent >= 2) as e1,
                       pg_catalog.count(*) filter (where vb.b = 2 and vb.intent >= 2) as e2,
                       pg_catalog.count(*) filter (where vb.b = 3 and vb.intent >= 2) as e3,
                       pg_catalog.count(*) filter (where vb.b = 4 and vb.intent >= 2) as e4
                from vb group by vb.org_id, vb.sign) as c
          cross join lateral (values ('v1', c.v1), ('v2', c.v2), ('v3', c.v3), ('v4', c.v4),
                                     ('e1', c.e1), ('e2', c.e2), ('e3', c.e3), ('e4', c.e4)) as k (kind, n)
          union all
          select c.org_id, k.kind, null, null, c.sign * k.n
          from (select vp.org_id, vp.sign,
                       pg_catalog.count(*) filter (where vp.period = 2) as v_now,
                       pg_catalog.count(*) filter (where vp.period = 1) as v_before,
                       pg_catalog.count(*) filter (where vp.period = 2 and vp.intent >= 2) as e_now,
                       pg_catalog.count(*) filter (where vp.period = 1 and vp.intent >= 2) as e_before,
                       pg_catalog.count(*) filter (where vp.period = 2 and vp.intent = 3) as high_now,
                       pg_catalog.count(*) filter (where vp.period = 1 and vp.intent = 3) as high_before,
                       pg_catalog.count(*) filter (where vp.period = 2 and vp.intent = 2) as medium_now,
                       pg_catalog.count(*) filter (where vp.period = 1 and vp.intent = 2) as medium_before,
                       pg_catalog.count(*) filter (where vp.period = 2 and vp.located) as located_now
                from vp group by vp.org_id, vp.sign) as c
          cross join lateral (values ('v_now', c.v_now), ('v_before', c.v_before), ('e_now', c.e_now),
                                     ('e_before', c.e_before), ('high_now', c.high_now), ('high_before', c.high_before),
                                     ('medium_now', c.medium_now), ('medium_before', c.medium_before),
                                     ('located_now', c.located_now)) as k (kind, n)
          union all
          select c.org_id, k.kind, c.city, c.country, c.sign * k.n
          from (select pc.org_id, pc.sign, pc.city, pc.country,
                       pg_catalog.count(*) filter (where pc.seen & 1 <> 0) as cv1,
                       pg_catalog.count(*) filter (where pc.seen & 2 <> 0) as cv2,
                       pg_catalog.count(*) filter (where pc.seen & 4 <> 0) as cv3,
                       pg_catalog.count(*) filter (where pc.seen & 8 <> 0) as cv4,
                       pg_catalog.count(*) filter (where pc.seen & 12 <> 0) as fans_now,
                       pg_catalog.count(*) filter (where pc.seen & 3 <> 0) as fans_before
                from pc group by pc.org_id, pc.sign, pc.city, pc.country) as c
          cross join lateral (values ('cv1', c.cv1), ('cv2', c.cv2), ('cv3', c.cv3), ('cv4', c.cv4),
                                     ('fans_now', c.fans_now), ('fans_before', c.fans_before)) as k (kind, n)) as y
    group by y.org_id, y.kind, y.city, y.country
    having pg_catalog.sum(y.n) <> 0;

    -- The parts: a full organization's replaced, a delta's added to (rows at zero dropped).
    delete from private.insight_aggregate_event_parts as t using ia_plan as p where p.org_id = t.org_id and p.mode = 'full';
    delete from private.insight_aggregate_visitor_parts as t using ia_plan as p where p.org_id = t.org_id and p.mode = 'full';
    insert into private.insight_aggregate_event_parts as t
      (org_id, dim, b, w, key1, key2, release_id, release_half, weekday, hour, events, clicks)
    select x.org_id, x.dim, x.b, x.w, x.key1, x.key2, x.release_id, x.release_half, x.weekday, x.hour, x.events, x.clicks
    from ia_ep as x
    where x.events <> 0 or x.clicks <> 0
    order by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    on conflict (org_id, dim, b, w, key1, key2, release_id, release_half, weekday, hour)
    do update set events = t.events + excluded.events, clicks = t.clicks + excluded.clicks;
    delete from private.insight_aggregate_event_parts as t using ia_plan as p
    where p.org_id = t.org_id and p.mode = 'delta' and t.events = 0;
    insert into private.insight_aggregate_visitor_parts as t (org_id, kind, city, country, n)
    select x.org_id, x.kind, x.city, x.country, x.n from ia_vp as x
    order by 1, 2, 3, 4
    on conflict (org_id, kind, city, country) do update set n = t.n + excluded.n;
    delete from private.insight_aggregate_visitor_parts as t using ia_plan as p
    where p.org_id = t.org_id and p.mode = 'delta' and t.n = 0;

    -- The rows of the organizations computed, rendered from their parts: every row of a full
    -- organization; of a delta one, the rows whose parts changed (ia_rk: the keys of the
    -- changed event and visitor parts; every other row is what its unchanged parts render).
    create temp table ia_rk on commit drop as
    select e.org_id, e.dim, e.key1, e.key2, e.release_id, e.weekday, e.hour
    from ia_ep as e join ia_plan as p on p.org_id = e.org_id and p.mode = 'delta'
    where e.events <> 0 or e.clicks <> 0
    union
    select v.org_id, case when v.city is null then 'all' else 'city' end, v.city, v.country, null, null, null
    from ia_vp as v join ia_plan as p on p.org_id = v.org_id and p.mode = 'delta';
    analyze ia_rk;
    -- The parts those rows are rendered from. (The coalesced equalities only let the keys be
    -- hashed; the keys are matched by the IS NOT DISTINCT FROM conditions, here and below.)
    create temp table ia_pr on commit drop as
    select t.* from private.insight_aggregate_event_parts as t
    join ia_plan as p on p.org_id = t.org_id and p.mode = 'full'
    union all
    select t.* from ia_rk as k
    -- one scan of the parts, hashed against the keys (offset 0: through the index, the
    -- nested loop read every part of the keys' dimension, 2 s)
    join (select * from private.insight_aggregate_event_parts offset 0) as t
      on t.org_id = k.org_id and t.dim = k.dim and coalesce(t.key1, '') = coalesce(k.key1, '')
     and coalesce(t.weekday, -1) = coalesce(k.weekday, -1) and coalesce(t.hour, -1) = coalesce(k.hour, -1)
     and t.key1 is not distinct from k.key1 and t.key2 is not distinct from k.key2
     and t.release_id is not distinct from k.release_id and t.weekday is not distinct from k.weekday
     and t.hour is not distinct from k.hour;
    analyze ia_pr;
    delete from private.insight_aggregate_rows as r using ia_plan as p
    where p.org_id = r.org_id and p.mode = 'full';  -- no foreign key (migration 1121)
    delete from private.insight_aggregate_rows as r using ia_rk as k
    where r.org_id = k.org_id and r.dim = k.dim and coalesce(r.key1, '') = coalesce(k.key1, '')
      and coalesce(r.weekday, -1) = coalesce(k.weekday, -1) and coalesce(r.hour, -1) = coalesce(k.hour, -1)
      and r.key1 is not distinct from k.key1 and r.key2 is not distinct from k.key2
      and r.release_id is not distinct from k.release_id and r.weekday is not distinct from k.weekday
      and r.hour is not distinct from k.hour;
    insert into private.insight_aggregate_rows
      (org_id, dim, key1, key2, release_id, weekday, hour, events_1, events_2, events_3, events_4,
       clicks_1, clicks_2, clicks_3, clicks_4, visitors_1, visitors_2, visitors_3, visitors_4, visitors_now, visitors_before,
       engaged_1, engaged_2, engaged_3, engaged_4, engaged_now, engaged_before, high_now, high_before,
       medium_now, medium_before, located_now, recent_1, recent_2, recent_3, recent_4)
    select p.org_id, 'all', null::text, null::text, null::uuid, null::integer, null::integer, ea.e1, ea.e2, ea.e3, ea.e4, ea.c1, ea.c2, ea.c3, ea.c4,
           coalesce(va.v1, 0), coalesce(va.v2, 0), coalesce(va.v3, 0), coalesce(va.v4, 0),
           coalesce(va.v_now, 0), coalesce(va.v_before, 0),
           coalesce(va.e1, 0), coalesce(va.e2, 0), coalesce(va.e3, 0), coalesce(va.e4, 0),
           coalesce(va.e_now, 0), coalesce(va.e_before, 0), coalesce(va.high_now, 0), coalesce(va.high_before, 0),
           coalesce(va.medium_now, 0), coalesce(va.medium_before, 0), coalesce(va.located_now, 0),
           null::bigint, null::bigint, null::bigint, null::bigint
    from ia_plan as p
    left join lateral (
      select pg_catalog.sum(t.events) filter (where t.b = 1)::bigint as e1, pg_catalog.sum(t.events) filter (where t.b = 2)::bigint as e2,
             pg_catalog.sum(t.events) filter (where t.b = 3)::bigint as e3, pg_catalog.sum(t.events) filter (where t.b = 4)::bigint as e4,
             pg_catalog.sum(t.clicks) filter (where t.b = 1)::bigint as c1, pg_catalog.sum(t.clicks) filter (where t.b = 2)::bigint as c2,
             pg_catalog.sum(t.clicks) filter (where t.b = 3)::bigint as c3, pg_catalog.sum(t.clicks) filter (where t.b = 4)::bigint as c4
      from private.insight_aggregate_event_parts as t where t.org_id = p.org_id and t.dim = 'all') as ea on true
    left join lateral (
      select pg_catalog.sum(t.n) filter (where t.kind = 'v1')::bigint as v1, pg_catalog.sum(t.n) filter (where t.kind = 'v2')::bigint as v2,
             pg_catalog.sum(t.n) filter (where t.kind = 'v3')::bigint as v3, pg_catalog.sum(t.n) filter (where t.kind = 'v4')::bigint as v4,
             pg_catalog.sum(t.n) filter (where t.kind = 'e1')::bigint as e1, pg_catalog.sum(t.n) filter (where t.kind = 'e2')::bigint as e2,
             pg_catalog.sum(t.n) filter (where t.kind = 'e3')::bigint as e3, pg_catalog.sum(t.n) filter (where t.kind = 'e4')::bigint as e4,
             pg_catalog.sum(t.n) filter (where t.kind = 'v_now')::bigint as v_now,
             pg_catalog.sum(t.n) filter (where t.kind = 'v_before')::bigint as v_before,
             pg_catalog.sum(t.n) filter (where t.kind = 'e_now')::bigint as e_now,
             pg_catalog.sum(t.n) filter (where t.kind = 'e_before')::bigint as e_before,
             pg_catalog.sum(t.n) filter (where t.kind = 'high_now')::bigint as high_now,
             pg_catalog.sum(t.n) filter (where t.kind = 'high_before')::bigint as high_before,
             pg_catalog.sum(t.n) filter (where t.kind = 'medium_now')::bigint as medium_now,
             pg_catalog.sum(t.n) filter (where t.kind = 'medium_before')::bigint as medium_before,
             pg_catalog.sum(t.n) filter (where t.kind = 'located_now')::bigint as located_now
      from private.insight_aggregate_visitor_parts as t
      where t.org_id = p.org_id and t.city is null and t.country is null
        and t.kind in ('v1', 'v2', 'v3', 'v4', 'e1', 'e2', 'e3', 'e4', 'v_now', 'v_before', 'e_now', 'e_before',
                       'high_now', 'high_before', 'medium_now', 'medium_before', 'located_now')) as va on true
    where p.mode = 'full' or (p.mode = 'delta' and p.org_id in (select k.org_id from ia_rk as k where k.dim = 'all'))
    union all
    select c.org_id, 'city', c.key1, c.key2, null, null, null, c.e1, c.e2, c.e3, c.e4, c.c1, c.c2, c.c3, c.c4,
           coalesce(v.cv1, 0), coalesce(v.cv2, 0), coalesce(v.cv3, 0), coalesce(v.cv4, 0),
           coalesce(v.fans_now, 0), coalesce(v.fans_before, 0),
           null, null, null, null, null, null, null, null, null, null, null, null, null, null, null
    from (
      select t.org_id, t.key1, t.key2,
             coalesce(pg_catalog.sum(t.events) filter (where t.b = 1), 0)::bigint as e1,
             coalesce(pg_catalog.sum(t.events) filter (where t.b = 2), 0)::bigint as e2,
             coalesce(pg_catalog.sum(t.events) filter (where t.b = 3), 0)::bigint as e3,
             coalesce(pg_catalog.sum(t.events) filter (where t.b = 4), 0)::bigint as e4,
             coalesce(pg_catalog.sum(t.clicks) filter (where t.b = 1), 0)::bigint as c1,
             coalesce(pg_catalog.sum(t.clicks) filter (where t.b = 2), 0)::bigint as c2,
             coalesce(pg_catalog.sum(t.clicks) filter (where t.b = 3), 0)::bigint as c3,
             coalesce(pg_catalog.sum(t.clicks) filter (where t.b = 4), 0)::bigint as c4
      from ia_pr as t
      where t.dim = 'city'
      group by t.org_id, t.key1, t.key2) as c
    left join lateral (
      select pg_catalog.sum(t.n) filter (where t.kind = 'cv1') as cv1, pg_catalog.sum(t.n) filter (where t.kind = 'cv2') as cv2,
             pg_catalog.sum(t.n) filter (where t.kind = 'cv3') as cv3, pg_catalog.sum(t.n) filter (where t.kind = 'cv4') as cv4,
             pg_catalog.sum(t.n) filter (where t.kind = 'fans_now') as fans_now,
             pg_catalog.sum(t.n) filter (where t.kind = 'fans_before') as fans_before
      from private.insight_aggregate_visitor_parts as t
      where t.org_id = c.org_id and t.kind in ('cv1', 'cv2', 'cv3', 'cv4', 'fans_now', 'fans_before')
        and t.city = c.key1 and t.country is not distinct from c.key2) as v on true
    union all
    select t.org_id, t.dim, t.key1, t.key2, t.release_id, null, null,
           case when t.dim = 'release' then pg_catalog.sum(t.events) filter (where t.release_half = 1) else pg_catalog.sum(t.events) filter (where t.b = 1) end::bigint,
           case when t.dim = 'release' then pg_catalog.sum(t.events) filter (where t.release_half = 2) else pg_catalog.sum(t.events) filter (where t.b = 2) end::bigint,
           pg_catalog.sum(t.events) filter (where t.b = 3 and t.dim <> 'release')::bigint,
           pg_catalog.sum(t.events) filter (where t.b = 4 and t.dim <> 'release')::bigint,
           case when t.dim = 'release' then pg_catalog.sum(t.clicks) filter (where t.release_half = 1) else pg_catalog.sum(t.clicks) filter (where t.b = 1) end::bigint,
           case when t.dim = 'release' then pg_catalog.sum(t.clicks) filter (where t.release_half = 2) else pg_catalog.sum(t.clicks) filter (where t.b = 2) end::bigint,
           pg_catalog.sum(t.clicks) filter (where t.b = 3 and t.dim <> 'release')::bigint,
           pg_catalog.sum(t.clicks) filter (where t.b = 4 and t.dim <> 'release')::bigint,
           null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
           pg_catalog.sum(t.events) filter (where t.dim = 'referrer' and t.w = 1)::bigint,
           pg_catalog.sum(t.events) filter (where t.dim = 'referrer' and t.w = 2)::bigint,
           pg_catalog.sum(t.events) filter (where t.dim = 'referrer' and t.w = 3)::bigint,
           pg_catalog.sum(t.events) filter (where t.dim = 'referrer' and t.w = 4)::bigint
    from ia_pr as t
    where t.dim in ('platform', 'referrer', 'device', 'release')
      and (t.dim <> 'platform' or t.clicks > 0)
    group by t.org_id, t.dim, t.key1, t.key2, t.release_id
    union all
    select t.org_id, 'time', null, null, null, t.weekday, t.hour, null, null,
           pg_catalog.sum(t.events) filter (where t.b = 3)::bigint, pg_catalog.sum(t.events) filter (where t.b = 4)::bigint,
           null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
           null, null, null, null, null, null
    from ia_pr as t
    where t.dim = 'time'
    group by t.org_id, t.weekday, t.hour;

    insert into private.insight_aggregates as a (org_id, comparison_start, comparison_mid, period_start, period_mid, period_end,
           timezone, window_start, window_before_mid, window_mid, window_after_mid, releases, retention_run_at,
           complete_before, duration_ms)
    select p.org_id, p.c0, p.c1, p.c2, p.c3, p.c4, p.tz, p.w0, p.w1, p.w2, p.w3, p.releases,
           (select r.last_run_at from analytics.retention_state as r where r.id = 1), v_mark,
           (extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::integer
    from ia_plan as p where p.mode in ('delta', 'full')
    order by p.org_id
    on conflict (org_id) do update
      set comparison_start = excluded.comparison_start, comparison_mid = excluded.comparison_mid,
          period_start = excluded.period_start, period_mid = excluded.period_mid, period_end = excluded.period_end,
          timezone = excluded.timezone, window_start = excluded.window_start,
          window_before_mid = excluded.window_before_mid, window_mid = excluded.window_mid,
          window_after_mid = excluded.window_after_mid, releases = excluded.releases,
          retention_run_at = excluded.retention_run_at, complete_before = excluded.complete_before,
          duration_ms = excluded.duration_ms;
  end if;

  -- The new events' visitor days, for the organizations whose parts are complete (after the
  -- delta organizations' visitor days were read above).
  insert into private.insight_visitor_days as d (org_id, vh, day, city, country, intent)
  select n.org_id, n.vh, (n.occurred_at at time zone p.tz)::date, n.city, n.country,
         pg_catalog.max(case when n.event_type in ('ticket_cta', 'checkout_started', 'purchase', 'tip') then 3
                             when n.event_type in ('link_click', 'play', 'like', 'share', 'comment', 'follow', 'download',
                                                   'subscribe', 'email_click') then 2
                             else 1 end)::smallint
  from ia_new as n
  join ia_plan as p on p.org_id = n.org_id and p.mode in ('delta', 'keep') and p.s_done = p.o_done
  where not n.is_bot and n.vh is not null and n.received_at >= p.s_done and n.occurred_at >= p.c0
  group by 1, 2, 3, 4, 5
  order by 1, 2, 3, 4, 5
  on conflict (org_id, vh, day, city, country) do update set intent = greatest(d.intent, excluded.intent);

  -- Parts complete before the bound: the organizations computed, and the kept ones whose
  -- parts were (their new events were added to their visitor days above).
  insert into private.insight_aggregate_parts_state as s (org_id, timezone, complete_before)
  select p.org_id, p.tz, v_mark
  from ia_plan as p
  where p.mode in ('delta', 'full') or (p.mode = 'keep' and p.s_done = p.o_done and p.s_tz = p.tz)
  order by p.org_id
  on conflict (org_id) do update set timezone = excluded.timezone, complete_before = excluded.complete_before;
  update private.insight_aggregates as a
     set complete_before = v_mark
    from ia_plan as p
   where p.org_id = a.org_id and p.mode = 'keep' and a.complete_before < v_mark;

  -- How each organization went, for tests and benchmarks (transaction-local setting).
  perform pg_catalog.set_config('insights.refresh_modes',
    (select pg_catalog.format('delta=%s full=%s keep=%s', pg_catalog.count(*) filter (where p.mode = 'delta'),
                              pg_catalog.count(*) filter (where p.mode = 'full'), pg_catalog.count(*) filter (where p.mode = 'keep'))
     from ia_plan as p), true);
  return query
  select p.org_id, case when p.mode = 'keep' then 'kept' else 'computed' end
  from ia_plan as p order by p.mode = 'keep' desc, p.org_id;
  drop table if exists pg_temp.ia_plan, pg_temp.ia_new, pg_temp.ia_b, pg_temp.ia_slices, pg_temp.ia_src,
    pg_temp.ia_rel, pg_temp.ia_ev, pg_temp.ia_nv, pg_temp.ia_vis, pg_temp.ia_split, pg_temp.ia_splitev, pg_temp.ia_va, pg_temp.ia_v, pg_temp.ia_ep, pg_temp.ia_vp, pg_temp.ia_rk, pg_temp.ia_pr;
end;
$$;
revoke execute on function insights.refresh_all_aggregates(timestamptz) from public, anon, authenticated;
comment on function insights.refresh_all_aggregates(timestamptz) is
  'Refresh step of the stored insight aggregates: every organization kept (complete_before advanced), computed from its parts (the events of the slices between old and new boundaries and the new events, the visitors of those slices and events: migration 1140) or computed in full. p_now: tests only (the instant whose local day ends the periods). Returns (org_id, kept / computed). Internal (owner only).';
