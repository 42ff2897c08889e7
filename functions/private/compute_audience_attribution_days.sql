-- requires: functions/private/register_rollup.sql
-- requires: functions/private/rollup_fresh.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/private/compute_audience_touch_days.sql
-- Compute function of the rollup private.audience_attribution_days (migration 0950 states
-- the rows and how the attribution sums them), a rollup of private.audience_touch_days, unit
-- (organization, day): every row of each organization-day whose sums move, i.e. its stored
-- sums plus the differences of the touched visitors only (migration 1215, issue 11: not the
-- organization-day's every visitor). A touched visitor has a touch row replaced in
-- [p_after, p_upto) (private.audience_touch_retractions, kept by the upstream's apply; a
-- reader: also a fresh touch row). Its rows at p_after (old: a row's earliest retraction at
-- or after p_after, else the stored row) are subtracted and its rows at p_upto (new: a
-- reader's fresh row, else the earliest retraction at or after p_upto, else the stored row)
-- added, the weights of both computed alike from the visitor's first changed day on (a
-- row's weights depend on it and its earlier rows only; the earlier rows are the same in
-- both states; a replaced row whose only change is its next_day moves no weight), with the
-- earlier rows they look back to. An apply recomputes whole, from all their rows (part 2, as
-- a rebuild does), the days whose touched visitors are more than
-- private.audience_settings('per_visitor_max_pct') (50) % of their touch rows: a day of new
-- events, where the differences would compute most visitors twice. Per touch row n (day d) and its
-- previous row p, each weight is
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
-- The weights are not emitted one by one but as slot rows: one per (channel, gap) that a
-- touch row (for ft clicked, a pair of rows) adds to, carrying the five models' visitor and
-- clicked weights as columns; weights of the same channel and gap share a slot (ft and lt
-- share their +1 at gap 0 and, when the touch repeats the previous one, their -1), and a
-- slot whose weights cancel is left out (n's and p's last non-direct weights, e.g. a direct
-- row after a direct row with the same nd touch). The slots are summed per (day, channel,
-- gap) and cumulated by gap per (day, channel) in one sort; each model's arrays are those
-- of its gaps whose sums are not both zero (the other gaps add nothing to its cumulated
-- sums). 772,676 touch rows: 4.8M slot rows (9.5M weights) into 1.15M sums. Incremental:
-- the old state's slots count -1 (sg), and the stored rows of the moved (channel, model)s join the
-- sums as their differences by gap.
-- Sources: p_org_id NULL (apply; the upstream is applied first): the stored touch rows and
-- their retractions; an organization (the readers): those and the upstream's rows since its
-- watermark (private.rollup_fresh, computed once). A rebuild (p_after -infinity) reads
-- every touch row once, nothing subtracted, no stored row (the same statement).
-- plpgsql: a reader's call that finds no event received since the watermark returns before
-- planning anything (analytics.received_any); otherwise planned for its bounds
-- (force_custom_plan: the branches of a rebuild and of a reader differ by far); no JIT;
-- nested loops off but for the laterals (offset 0: not pulled up), through which the touched
-- visitors' rows and the recomputed days' stored rows come by index: the CTEs' estimates
-- of a few rows made nested loops of the joins between them (a day of new events at 1M:
-- 53 s in one of them); merge joins off (the anti-joins with the upstream's fresh rows,
-- estimated at 5, became merge joins re-sorting them per row: 8M rows in 2.5 s).
-- Only the rows the weights look back to are kept: from each visitor's previous row,
-- latest non-direct touch, and for a clicked row the 365 days before it; the whole days'
-- visitors (part 2) from the first two only, their clicked rows' first touch rows read by
-- index per clicked row (a day at 10M: 168k rows through the windows instead of 386k).
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
set enable_nestloop = off
set enable_mergejoin = off
as $$
begin
  if p_after > '-infinity'
     and (case when p_org_id is null   -- apply: no touch row replaced in the range
               then not exists (select 1 from private.audience_touch_retractions as x
                                where x.retracted_at >= p_after and x.retracted_at < p_upto)
               else not analytics.received_any(p_org_id, p_after, p_upto) end) then
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
  -- The touch rows replaced at or after p_after (migration 1215), each its version before
  -- (existed false: the key was added); in_range: replaced within [p_after, p_upto).
  retracted as materialized (
    select x.*, x.retracted_at < p_upto as in_range
    from private.audience_touch_retractions as x
    where p_after > '-infinity' and x.retracted_at >= p_after
      and (p_org_id is null or x.org_id = p_org_id)
  ),
  -- The visitors whose rows differ between p_after and p_upto (a reader: and its fresh touch
  -- rows), from their first such day (a row's weights depend on it and its earlier rows only).
  -- A row whose only change is its next_day (the row before a visitor's new day) moves no
  -- weight: left out.
  touched as materialized (
    select t.org_id, t.visitor_key, pg_catalog.min(t.day) as first_day
    from (select r.org_id, r.visitor_key, r.day
          from retracted as r
          where r.in_range and not r.existed   -- a key added: no stored row to compare with
          union all
          select r.org_id, r.visitor_key, r.day
          from retracted as r
          left join lateral (select x.* from private.audience_touch_days as x
                             where x.org_id = r.org_id and x.day = r.day and x.visitor_key = r.visitor_key offset 0) as s on true
          where r.in_range and r.existed
            and (s.org_id is null
                 or (r.source, r.medium, r.campaign, r.clicked, r.nd_day, r.nd_source, r.nd_medium, r.nd_campaign,
                     r.prev_day, r.click_day, r.ft_day, r.ft_source, r.ft_medium, r.ft_campaign)
                    is distinct from
                    (s.source, s.medium, s.campaign, s.clicked, s.nd_day, s.nd_source, s.nd_medium, s.nd_campaign,
                     s.prev_day, s.click_day, s.ft_day, s.ft_source, s.ft_medium, s.ft_campaign))
          union all
          select f.org_id, f.visitor_key, f.day
          from fresh_touch as f
          left join lateral (select x.* from private.audience_touch_days as x
                             where x.org_id = f.org_id and x.day = f.day and x.visitor_key = f.visitor_key offset 0) as s on true
          where s.org_id is null
             or (f.source, f.medium, f.campaign, f.clicked, f.nd_day, f.nd_source, f.nd_medium, f.nd_campaign,
                 f.prev_day, f.click_day, f.ft_day, f.ft_source, f.ft_medium, f.ft_campaign)
                is distinct from
                (s.source, s.medium, s.campaign, s.clicked, s.nd_day, s.nd_source, s.nd_medium, s.nd_campaign,
                 s.prev_day, s.click_day, s.ft_day, s.ft_source, s.ft_medium, s.ft_campaign)) as t
    group by 1, 2
  ),
  -- Apply only, with no touch row replaced at or after p_upto: the days whose touched
  -- visitors (their replaced rows in the range) are more than
  -- private.audience_settings('per_visitor_max_pct') (50) % of their touch rows (a day of
  -- new events) are recomputed whole from all their rows, as a rebuild would (part 2 below),
  -- rather than by the touched visitors' differences.
  whole as materialized (
    select u.org_id, u.day
    from (select r.org_id, r.day, pg_catalog.count(distinct r.visitor_key) as n
          from retracted as r
          where p_org_id is null and r.in_range
          group by 1, 2) as u
    where not exists (select 1 from retracted as r where not r.in_range)
      and 100 * u.n > coalesce((select s.value from private.audience_settings as s where s.name = 'per_visitor_max_pct'), 50)
                      * (select pg_catalog.count(*) from private.audience_touch_days as x where x.org_id = u.org_id and x.day = u.day)
  ),
  -- The touched visitors with a row from their first touched day on that is not on a whole
  -- day (the others' rows are all recomputed in part 2): their rows in both states.
  differing as materialized (
    select t.* from touched as t
    where p_org_id is not null
       or not exists (select 1 from whole)
       or exists (select 1 from private.audience_touch_days as x
                  where x.org_id = t.org_id and x.visitor_key = t.visitor_key and x.day >= t.first_day
                    and (x.org_id, x.day) not in (select w.org_id, w.day from whole as w))
  ),
  -- Their rows in both states, every version a candidate (prio: which one wins):
  -- 0 fresh (a reader's), 1 a retraction (the earliest wins), 2 stored.
  candidates as materialized (
    select 0 as prio, null::timestamptz as retracted_at, null::bigint as seq, true as existed, false as in_range, f.*
    from fresh_touch as f
    union all
    select 1, r.retracted_at, r.seq, r.existed, r.in_range, r.org_id, r.day, r.visitor_key, r.source, r.medium, r.campaign,
           r.clicked, r.nd_day, r.nd_source, r.nd_medium, r.nd_campaign, r.prev_day, r.next_day, r.click_day,
           r.ft_day, r.ft_source, r.ft_medium, r.ft_campaign
    from retracted as r
    where (r.org_id, r.visitor_key) in (select t.org_id, t.visitor_key from differing as t)
    union all
    select 2, null, null, true, false, s.*
    from differing as t
    cross join lateral (select x.* from private.audience_touch_days as x
                        where x.org_id = t.org_id and x.visitor_key = t.visitor_key offset 0) as s
  ),
  -- Per visitor, the earliest row the weights of its rows from first_day look back to (in
  -- either state): the previous row, the latest non-direct touch (its R), and for a clicked
  -- row the 365 days before it. Earlier rows add the same in both states.
  since as materialized (
    select c.org_id, c.visitor_key,
           pg_catalog.min(least(c.day, c.prev_day, c.nd_day, case when c.clicked then c.day - 365 end)) as since
    from candidates as c
    join differing as t on t.org_id = c.org_id and t.visitor_key = c.visitor_key
    where c.day >= t.first_day
    group by 1, 2
  ),
  -- Part 2: the whole days' rows (stored: no retraction at or after p_upto) and their
  -- visitors' rows from the earliest the windows look back to: the previous row (lag) and
  -- the latest non-direct touch (r30: its forward 30 days). Not the 365 days before a
  -- clicked row: its first touch rows are read from the table (clicked_pairs).
  whole_visitors as materialized (
    select x.org_id, x.visitor_key, pg_catalog.min(least(x.day, x.prev_day, x.nd_day)) as since
    from whole as w
    cross join lateral (select y.* from private.audience_touch_days as y
                        where y.org_id = w.org_id and y.day = w.day offset 0) as x
    group by 1, 2
  ),
  -- old (sign -1): the version at p_after, i.e. the stored row unless a retraction at or
  -- after p_after holds an earlier one; new (+1): the version at p_upto, i.e. a reader's
  -- fresh row, else a retraction at or after p_upto, else the stored row.
  states as (
    select o.*
    from (select distinct on (c.org_id, c.visitor_key, c.day) -1 as sign, c.*
          from candidates as c
          join since as v on v.org_id = c.org_id and v.visitor_key = c.visitor_key and c.day >= v.since
          where c.prio > 0
          order by c.org_id, c.visitor_key, c.day, c.prio, c.retracted_at, c.seq) as o
    where o.existed
    union all
    select n.*
    from (select distinct on (c.org_id, c.visitor_key, c.day) 1 as sign, c.*
          from candidates as c
          join since as v on v.org_id = c.org_id and v.visitor_key = c.visitor_key and c.day >= v.since
          where not c.in_range
          order by c.org_id, c.visitor_key, c.day, c.prio, c.retracted_at, c.seq) as n
    where n.existed
  ),
  -- The rows of the visitors concerned, by state (in_unit: its weights may differ, from the
  -- visitor's first touched day); a rebuild: every row, once.
  vrows as (
    select s.sign as part, s.sign, s.org_id, s.day, s.visitor_key, s.source, s.medium, s.campaign, s.clicked, s.nd_day,
           s.nd_source, s.nd_medium, s.nd_campaign, s.prev_day, s.next_day, s.click_day, s.ft_day, s.ft_source,
           s.ft_medium, s.ft_campaign,
           s.day >= t.first_day and (s.org_id, s.day) not in (select w.org_id, w.day from whole as w) as in_unit,
           null::date as since
    from states as s
    join differing as t on t.org_id = s.org_id and t.visitor_key = s.visitor_key
    where p_after > '-infinity'
    union all
    select 2, 1, x.*, (x.org_id, x.day) in (select w.org_id, w.day from whole as w), v.since
    from whole_visitors as v
    cross join lateral (select y.* from private.audience_touch_days as y
                        where y.org_id = v.org_id and y.visitor_key = v.visitor_key and y.day >= v.since offset 0) as x
    where p_after > '-infinity'
    union all
    select 1, 1, s.*, true, null
    from touch as s
    where p_after = '-infinity' and (p_org_id is null or s.org_id = p_org_id)
  ),
  forward as (
    select v.*, pg_catalog.max(v.day) over (partition by v.org_id, v.visitor_key, v.part order by v.day
                                            range between current row and interval '30 days' following) as fwd30
    from vrows as v
  ),
  pointed as (
    select f.*,
           least(f.day, pg_catalog.max(case when f.source <> '(direct)' then f.fwd30 end)
                          over (partition by f.org_id, f.visitor_key, f.part order by f.day rows between unbounded preceding and 1 preceding)) as r30
    from forward as f
  ),
  -- Per touch row: the previous row's (p) touch, click day and pointers.
  rows as materialized (
    select q.part, q.sign, q.org_id, q.visitor_key, q.day, q.prev_day, q.clicked, q.click_day, q.in_unit, q.since,
           q.source, q.medium, q.campaign, q.ft_source, q.ft_medium, q.ft_campaign,
           -- a direct row with an earlier non-direct touch (the rows whose credit can move):
           -- that touch, its day and r30
           q.source = '(direct)' and q.nd_day is not null as has_nd,
           q.nd_source, q.nd_medium, q.nd_campaign,
           case when q.source = '(direct)' and q.nd_day is not null then q.nd_day end as nd_day,
           case when q.source = '(direct)' and q.nd_day is not null then q.r30 end as r30,
           -- p's (NULL: no previous row)
           pg_catalog.lag(q.source) over w as p_source, pg_catalog.lag(q.medium) over w as p_medium,
           pg_catalog.lag(q.campaign) over w as p_campaign,
           pg_catalog.lag(q.click_day) over w as p_click_day,
           pg_catalog.lag(q.source = '(direct)' and q.nd_day is not null) over w as p_has_nd,
           pg_catalog.lag(q.nd_source) over w as p_nd_source, pg_catalog.lag(q.nd_medium) over w as p_nd_medium,
           pg_catalog.lag(q.nd_campaign) over w as p_nd_campaign,
           pg_catalog.lag(case when q.source = '(direct)' and q.nd_day is not null then q.nd_day end) over w as p_nd_day,
           pg_catalog.lag(case when q.source = '(direct)' and q.nd_day is not null then q.r30 end) over w as p_r30
    from pointed as q
    window w as (partition by q.org_id, q.visitor_key, q.part order by q.day)
  ),
  -- The days whose weights move (not in a rebuild): every row of each is returned, its
  -- stored sums plus the differences.
  units as materialized (
    select distinct n.org_id, n.day from rows as n
    where p_after > '-infinity' and n.in_unit and (n.org_id, n.day) not in (select w.org_id, w.day from whole as w)
  ),
  -- The recomputed rows with the gaps and comparisons of their first and last touch weights:
  -- gp = day - prev_day, gc = day - click_day, gpc = day - p's click_day; f: ft_* differs
  -- from the touch; pc / pf: p's touch equals the touch / ft_*.
  base as not materialized (
    select n.sign, n.org_id, n.day, n.source, n.medium, n.campaign, n.ft_source, n.ft_medium, n.ft_campaign,
           n.p_source, n.p_medium, n.p_campaign,
           n.day - n.prev_day as gp, n.day - n.click_day as gc, n.day - n.p_click_day as gpc,
           (n.ft_source, n.ft_medium, n.ft_campaign) <> (n.source, n.medium, n.campaign) as f,
           coalesce((n.p_source, n.p_medium, n.p_campaign) = (n.source, n.medium, n.campaign), false) as pc,
           coalesce((n.p_source, n.p_medium, n.p_campaign) = (n.ft_source, n.ft_medium, n.ft_campaign), false) as pf
    from rows as n
    where n.in_unit
  ),
  -- The recomputed rows with last non-direct weights (n or p with an earlier non-direct
  -- touch), with their gaps, for n (an, cn; bn, en: nd30) and p (ap, cp; bp, ep): a = day -
  -- nd_day (nd0) / day - r30 (nd30); c = the greater of a and day - the click day (NULL when
  -- either is NULL); n's and p's weights of the same channel and gap share a row (m1 .. m8;
  -- they often cancel: a direct row after a direct row with the same nd touch). Each
  -- computed once (offset 0: not inlined).
  nd_rows as materialized (
    select k.*,
           coalesce(k.cn = k.an, false)::integer as cn_an, coalesce(k.cp = k.ap, false)::integer as cp_ap,
           coalesce(k.en = k.bn, false)::integer as en_bn, coalesce(k.ep = k.bp, false)::integer as ep_bp,
           coalesce(k.same_nd and k.an = k.ap, false) as m1, coalesce(k.same_touch and k.an = k.ap, false) as m2,
           coalesce(k.same_nd and k.cn = k.cp and k.cn <> k.an and k.cp <> k.ap, false) as m3,
           coalesce(k.same_touch and k.cn = k.cp and k.cn <> k.an and k.cp <> k.ap, false) as m4,
           coalesce(k.same_nd and k.bn = k.bp, false) as m5, coalesce(k.same_touch and k.bn = k.bp, false) as m6,
           coalesce(k.same_nd and k.en = k.ep and k.en <> k.bn and k.ep <> k.bp, false) as m7,
           coalesce(k.same_touch and k.en = k.ep and k.en <> k.bn and k.ep <> k.bp, false) as m8
    from (
      select q.sign, q.org_id, q.day, q.source, q.medium, q.campaign, q.nd_source, q.nd_medium, q.nd_campaign,
             q.p_source, q.p_medium, q.p_campaign, q.p_nd_source, q.p_nd_medium, q.p_nd_campaign,
             case when q.has_nd then q.day - q.nd_day end as an,
             case when q.has_nd then q.day - least(q.nd_day, q.click_day) + (q.nd_day - q.click_day) * 0 end as cn,
             case when q.has_nd then q.day - q.r30 end as bn,
             case when q.has_nd then q.day - least(q.r30, q.click_day) + (q.r30 - q.click_day) * 0 end as en,
             case when q.p_has_nd then q.day - q.p_nd_day end as ap,
             case when q.p_has_nd then q.day - least(q.p_nd_day, q.p_click_day) + (q.p_nd_day - q.p_click_day) * 0 end as cp,
             case when q.p_has_nd then q.day - q.p_r30 end as bp,
             case when q.p_has_nd then q.day - least(q.p_r30, q.p_click_day) + (q.p_r30 - q.p_click_day) * 0 end as ep,
             coalesce((q.nd_source, q.nd_medium, q.nd_campaign) = (q.p_nd_source, q.p_nd_medium, q.p_nd_campaign), false) as same_nd,
             coalesce((q.source, q.medium, q.campaign) = (q.p_source, q.p_medium, q.p_campaign), false) as same_touch
      from rows as q
      where q.in_unit and (q.has_nd or q.p_has_nd)
      offset 0
    ) as k
  ),
  -- First touch, clicked: at the visitor's first clicked row n of the period, the row r that
  -- is its first, of (p's click_day, day]: its touch and ft_*, at day - r.day and day - r.prev_day.
  -- A hash join (nested loops are off: on the CTEs' estimates of a row, a day of new events
  -- at 1M spent 53 s in a nested loop here). Part 2 (stored rows only, not read back that
  -- far): r from the table by the visitor index, one range per clicked row (a row
  -- comparison, which the (org_id, day) index cannot take: with a plain day range the
  -- planner scanned that index over the organization, 245 s for a day at 10M) when they
  -- begin before the visitor's rows read (since), else by the join (a day at 10M: 4.2k of
  -- 13.1k clicked rows by index).
  clicked_pairs as materialized (
    select n.sign, n.org_id, n.day, r.source, r.medium, r.campaign, r.ft_source, r.ft_medium, r.ft_campaign,
           (r.ft_source, r.ft_medium, r.ft_campaign) <> (r.source, r.medium, r.campaign) as f,
           n.day - r.day as g1, n.day - r.prev_day as g2
    from rows as n
    join rows as r
      on r.org_id = n.org_id and r.visitor_key = n.visitor_key and r.part = n.part and r.day <= n.day and r.day >= n.day - 365
     and (n.p_click_day is null or r.day > n.p_click_day)
    where n.in_unit and n.clicked and (n.part <> 2 or greatest(n.day - 365, n.p_click_day + 1) >= n.since)
    union all
    select n.sign, n.org_id, n.day, r.source, r.medium, r.campaign, r.ft_source, r.ft_medium, r.ft_campaign,
           (r.ft_source, r.ft_medium, r.ft_campaign) <> (r.source, r.medium, r.campaign),
           n.day - r.day, n.day - r.prev_day
    from rows as n
    cross join lateral (select y.* from private.audience_touch_days as y
                        where y.org_id = n.org_id and y.visitor_key = n.visitor_key and y.day <= n.day
                          and (y.visitor_key, y.day) >= (n.visitor_key, greatest(n.day - 365, n.p_click_day + 1)) offset 0) as r
    where n.in_unit and n.clicked and n.part = 2 and greatest(n.day - 365, n.p_click_day + 1) < n.since
  ),
  -- The weights as slot rows: one per (channel, gap) a touch row adds to, carrying the five
  -- models' visitor and clicked weights as columns; weights of the same channel and gap
  -- share a row, a row whose weights cancel is left out (below), and so is a gap over 365.
  slots as not materialized (
    -- first touch (ft, ft30 when f) and last touch (lt) of n:
    --   ft: +1 (touch, 0), -1 (touch, gp); ft30: +1 (ft, 0), -1 (touch, 0), -1 (ft, gp), +1 (touch, gp);
    --   lt: +1 (touch, 0), -1 (p's touch, gp); clicked: +1 (touch, gc), -1 (p's touch, gpc).
    -- (touch, 0): ft, lt, ft30's -1, lt clicked when gc = 0
    select n.org_id, n.day, n.source, n.medium, n.campaign, 0 as gap,
           1 as ft_v, 0 as ft_c, -n.f::integer as ft30_v, 0 as ft30_c, 1 as lt_v, coalesce(n.gc = 0, false)::integer as lt_c,
           0 as nd0_v, 0 as nd0_c, 0 as nd30_v, 0 as nd30_c, n.sign as sg
    from base as n
    union all
    -- (ft, 0)
    select n.org_id, n.day, n.ft_source, n.ft_medium, n.ft_campaign, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, n.sign
    from base as n where n.f
    union all
    -- (touch, gp): ft, ft30's +1; lt when p's touch is the touch; lt clicked when gc or gpc = gp
    select n.org_id, n.day, n.source, n.medium, n.campaign, n.gp, -1, 0, n.f::integer, 0, -n.pc::integer,
           coalesce(n.gc = n.gp, false)::integer - coalesce(n.pc and n.gpc = n.gp, false)::integer, 0, 0, 0, 0, n.sign
    from base as n where n.gp <= 365
    union all
    -- (ft, gp): ft30's -1; lt when p's touch is ft_*
    select n.org_id, n.day, n.ft_source, n.ft_medium, n.ft_campaign, n.gp, 0, 0, -1, 0, -n.pf::integer,
           -coalesce(n.pf and n.gpc = n.gp, false)::integer, 0, 0, 0, 0, n.sign
    from base as n where n.f and n.gp <= 365
    union all
    -- (p's touch, gp) otherwise: lt
    select n.org_id, n.day, n.p_source, n.p_medium, n.p_campaign, n.gp, 0, 0, 0, 0, -1,
           -coalesce(n.gpc = n.gp, false)::integer, 0, 0, 0, 0, n.sign
    from base as n where not n.pc and not (n.f and n.pf) and n.gp <= 365
    union all
    -- (touch, gc), gc neither 0 nor gp: lt clicked (p's -1 too when the same channel and gap)
    select n.org_id, n.day, n.source, n.medium, n.campaign, n.gc, 0, 0, 0, 0, 0,
           1 - coalesce(n.pc and n.gpc = n.gc, false)::integer, 0, 0, 0, 0, n.sign
    from base as n where n.gc <> 0 and n.gc is distinct from n.gp and n.gc <= 365
    union all
    -- (p's touch, gpc), not in a row above: lt clicked
    select n.org_id, n.day, n.p_source, n.p_medium, n.p_campaign, n.gpc, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, n.sign
    from base as n
    where n.gpc <= 365 and not coalesce(n.gpc = n.gp, false)
      and not coalesce(n.pc and n.gpc = n.gc and n.gc <> 0 and n.gc is distinct from n.gp, false)
    union all
    -- first touch, clicked: +1 (r's touch, g1), -1 (r's touch, g2); ft30 (r's f): +1 (r's ft,
    -- g1), -1 (r's touch, g1), -1 (r's ft, g2), +1 (r's touch, g2)
    select c.org_id, c.day, c.source, c.medium, c.campaign, c.g1, 0, 1, 0, -c.f::integer, 0, 0, 0, 0, 0, 0, c.sign
    from clicked_pairs as c where c.g1 <= 365
    union all
    select c.org_id, c.day, c.ft_source, c.ft_medium, c.ft_campaign, c.g1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, c.sign
    from clicked_pairs as c where c.f and c.g1 <= 365
    union all
    select c.org_id, c.day, c.source, c.medium, c.campaign, c.g2, 0, -1, 0, c.f::integer, 0, 0, 0, 0, 0, 0, c.sign
    from clicked_pairs as c where c.g2 <= 365
    union all
    select c.org_id, c.day, c.ft_source, c.ft_medium, c.ft_campaign, c.g2, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, c.sign
    from clicked_pairs as c where c.f and c.g2 <= 365
    union all
    -- last non-direct, q in (n: +1, p: -1) with an earlier non-direct touch nd: +1 (nd, a),
    -- -1 (q's touch, a); clicked: the same at c. nd0: n's rows, each with p's of the same
    -- channel and gap (m1 .. m4), then p's others.
    select n.org_id, n.day, n.nd_source, n.nd_medium, n.nd_campaign, n.an, 0, 0, 0, 0, 0, 0,
           1 - n.m1::integer, n.cn_an - (n.m1 and n.cp_ap = 1)::integer, 0, 0, n.sign
    from nd_rows as n where n.an <= 365
    union all
    select n.org_id, n.day, n.source, n.medium, n.campaign, n.an, 0, 0, 0, 0, 0, 0,
           -1 + n.m2::integer, -n.cn_an + (n.m2 and n.cp_ap = 1)::integer, 0, 0, n.sign
    from nd_rows as n where n.an <= 365
    union all
    select n.org_id, n.day, n.nd_source, n.nd_medium, n.nd_campaign, n.cn, 0, 0, 0, 0, 0, 0, 0, 1 - n.m3::integer, 0, 0, n.sign
    from nd_rows as n where n.cn <> n.an and n.cn <= 365
    union all
    select n.org_id, n.day, n.source, n.medium, n.campaign, n.cn, 0, 0, 0, 0, 0, 0, 0, -1 + n.m4::integer, 0, 0, n.sign
    from nd_rows as n where n.cn <> n.an and n.cn <= 365
    union all
    select n.org_id, n.day, n.p_nd_source, n.p_nd_medium, n.p_nd_campaign, n.ap, 0, 0, 0, 0, 0, 0, -1, -n.cp_ap, 0, 0, n.sign
    from nd_rows as n where not n.m1 and n.ap <= 365
    union all
    select n.org_id, n.day, n.p_source, n.p_medium, n.p_campaign, n.ap, 0, 0, 0, 0, 0, 0, 1, n.cp_ap, 0, 0, n.sign
    from nd_rows as n where not n.m2 and n.ap <= 365
    union all
    select n.org_id, n.day, n.p_nd_source, n.p_nd_medium, n.p_nd_campaign, n.cp, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, n.sign
    from nd_rows as n where not n.m3 and n.cp <> n.ap and n.cp <= 365
    union all
    select n.org_id, n.day, n.p_source, n.p_medium, n.p_campaign, n.cp, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, n.sign
    from nd_rows as n where not n.m4 and n.cp <> n.ap and n.cp <= 365
    union all
    -- nd30 likewise (b, e; m5 .. m8)
    select n.org_id, n.day, n.nd_source, n.nd_medium, n.nd_campaign, n.bn, 0, 0, 0, 0, 0, 0, 0, 0,
           1 - n.m5::integer, n.en_bn - (n.m5 and n.ep_bp = 1)::integer, n.sign
    from nd_rows as n where n.bn <= 365
    union all
    select n.org_id, n.day, n.source, n.medium, n.campaign, n.bn, 0, 0, 0, 0, 0, 0, 0, 0,
           -1 + n.m6::integer, -n.en_bn + (n.m6 and n.ep_bp = 1)::integer, n.sign
    from nd_rows as n where n.bn <= 365
    union all
    select n.org_id, n.day, n.nd_source, n.nd_medium, n.nd_campaign, n.en, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 - n.m7::integer, n.sign
    from nd_rows as n where n.en <> n.bn and n.en <= 365
    union all
    select n.org_id, n.day, n.source, n.medium, n.campaign, n.en, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 + n.m8::integer, n.sign
    from nd_rows as n where n.en <> n.bn and n.en <= 365
    union all
    select n.org_id, n.day, n.p_nd_source, n.p_nd_medium, n.p_nd_campaign, n.bp, 0, 0, 0, 0, 0, 0, 0, 0, -1, -n.ep_bp, n.sign
    from nd_rows as n where not n.m5 and n.bp <= 365
    union all
    select n.org_id, n.day, n.p_source, n.p_medium, n.p_campaign, n.bp, 0, 0, 0, 0, 0, 0, 0, 0, 1, n.ep_bp, n.sign
    from nd_rows as n where not n.m6 and n.bp <= 365
    union all
    select n.org_id, n.day, n.p_nd_source, n.p_nd_medium, n.p_nd_campaign, n.ep, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, n.sign
    from nd_rows as n where not n.m7 and n.ep <> n.bp and n.ep <= 365
    union all
    select n.org_id, n.day, n.p_source, n.p_medium, n.p_campaign, n.ep, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, n.sign
    from nd_rows as n where not n.m8 and n.ep <> n.bp and n.ep <= 365
  ),
  -- Per day, channel and gap: the models' sums (a rebuild: every slot counts +1).
  per_gap as not materialized (
    select s.org_id, s.day, s.source, s.medium, s.campaign, s.gap,
           pg_catalog.sum(s.ft_v)::integer as ft_v, pg_catalog.sum(s.ft_c)::integer as ft_c,
           pg_catalog.sum(s.ft30_v)::integer as ft30_v, pg_catalog.sum(s.ft30_c)::integer as ft30_c,
           pg_catalog.sum(s.lt_v)::integer as lt_v, pg_catalog.sum(s.lt_c)::integer as lt_c,
           pg_catalog.sum(s.nd0_v)::integer as nd0_v, pg_catalog.sum(s.nd0_c)::integer as nd0_c,
           pg_catalog.sum(s.nd30_v)::integer as nd30_v, pg_catalog.sum(s.nd30_c)::integer as nd30_c
    from slots as s
    where p_after = '-infinity'
      and (s.ft_v, s.ft_c, s.ft30_v, s.ft30_c, s.lt_v, s.lt_c, s.nd0_v, s.nd0_c, s.nd30_v, s.nd30_c) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    group by 1, 2, 3, 4, 5, 6
  ),
  -- Not in a rebuild: the differences by gap (the old state's slots count -1; materialized
  -- once), the channels and models of the days they move, and those rows' sums: their stored sums
  -- by gap (the differences of the cumulated arrays, each in its model's columns) plus the
  -- differences. The days' other rows are returned as stored (below).
  delta_gap as materialized (
    select s.org_id, s.day, s.source, s.medium, s.campaign, s.gap,
           pg_catalog.sum(s.ft_v * s.sg)::integer as ft_v, pg_catalog.sum(s.ft_c * s.sg)::integer as ft_c,
           pg_catalog.sum(s.ft30_v * s.sg)::integer as ft30_v, pg_catalog.sum(s.ft30_c * s.sg)::integer as ft30_c,
           pg_catalog.sum(s.lt_v * s.sg)::integer as lt_v, pg_catalog.sum(s.lt_c * s.sg)::integer as lt_c,
           pg_catalog.sum(s.nd0_v * s.sg)::integer as nd0_v, pg_catalog.sum(s.nd0_c * s.sg)::integer as nd0_c,
           pg_catalog.sum(s.nd30_v * s.sg)::integer as nd30_v, pg_catalog.sum(s.nd30_c * s.sg)::integer as nd30_c
    from slots as s
    where p_after > '-infinity'
      and (s.ft_v, s.ft_c, s.ft30_v, s.ft30_c, s.lt_v, s.lt_c, s.nd0_v, s.nd0_c, s.nd30_v, s.nd30_c) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    group by 1, 2, 3, 4, 5, 6
  ),
  -- The (day, channel, model) rows whose sums move, on the days not recomputed whole (those
  -- of a whole day are all recomputed).
  moved as materialized (
    select distinct g.org_id, g.day, m.model, g.source, g.medium, g.campaign
    from delta_gap as g
    cross join lateral (select 'ft' as model where g.ft_v <> 0 or g.ft_c <> 0
                        union all select 'ft30' where g.ft30_v <> 0 or g.ft30_c <> 0
                        union all select 'lt' where g.lt_v <> 0 or g.lt_c <> 0
                        union all select 'nd0' where g.nd0_v <> 0 or g.nd0_c <> 0
                        union all select 'nd30' where g.nd30_v <> 0 or g.nd30_c <> 0) as m
    where (g.org_id, g.day) not in (select w.org_id, w.day from whole as w)
  ),
  all_gap as not materialized (
    select g.* from per_gap as g
    union all
    select g.org_id, g.day, g.source, g.medium, g.campaign, g.gap,
           pg_catalog.sum(g.ft_v)::integer, pg_catalog.sum(g.ft_c)::integer, pg_catalog.sum(g.ft30_v)::integer,
           pg_catalog.sum(g.ft30_c)::integer, pg_catalog.sum(g.lt_v)::integer, pg_catalog.sum(g.lt_c)::integer,
           pg_catalog.sum(g.nd0_v)::integer, pg_catalog.sum(g.nd0_c)::integer, pg_catalog.sum(g.nd30_v)::integer,
           pg_catalog.sum(g.nd30_c)::integer
    from (
      select d.* from delta_gap as d
      union all
      select a.org_id, a.day, a.source, a.medium, a.campaign, g.gap::integer,
             case when a.model = 'ft' then g.v - coalesce(a.visitors[g.i - 1], 0) else 0 end,
             case when a.model = 'ft' then g.c - coalesce(a.clicked[g.i - 1], 0) else 0 end,
             case when a.model = 'ft30' then g.v - coalesce(a.visitors[g.i - 1], 0) else 0 end,
             case when a.model = 'ft30' then g.c - coalesce(a.clicked[g.i - 1], 0) else 0 end,
             case when a.model = 'lt' then g.v - coalesce(a.visitors[g.i - 1], 0) else 0 end,
             case when a.model = 'lt' then g.c - coalesce(a.clicked[g.i - 1], 0) else 0 end,
             case when a.model = 'nd0' then g.v - coalesce(a.visitors[g.i - 1], 0) else 0 end,
             case when a.model = 'nd0' then g.c - coalesce(a.clicked[g.i - 1], 0) else 0 end,
             case when a.model = 'nd30' then g.v - coalesce(a.visitors[g.i - 1], 0) else 0 end,
             case when a.model = 'nd30' then g.c - coalesce(a.clicked[g.i - 1], 0) else 0 end
      from moved as m
      cross join lateral (select x.* from private.audience_attribution_days as x
                          where x.org_id = m.org_id and x.model = m.model and x.day = m.day and x.source = m.source
                            and x.medium = m.medium and x.campaign = m.campaign offset 0) as a
      cross join lateral rows from (pg_catalog.unnest(a.gaps), pg_catalog.unnest(a.visitors), pg_catalog.unnest(a.clicked))
                         with ordinality as g (gap, v, c, i)
    ) as g
    where p_after > '-infinity'
    group by 1, 2, 3, 4, 5, 6
  ),
  -- Per day and channel, cumulated by gap: a model's cumulated sums at its own gaps (those
  -- where its sums are not both zero: the others add nothing).
  running as (
    select g.*,
           pg_catalog.sum(g.ft_v) over c as ft_v_cum, pg_catalog.sum(g.ft_c) over c as ft_c_cum,
           pg_catalog.sum(g.ft30_v) over c as ft30_v_cum, pg_catalog.sum(g.ft30_c) over c as ft30_c_cum,
           pg_catalog.sum(g.lt_v) over c as lt_v_cum, pg_catalog.sum(g.lt_c) over c as lt_c_cum,
           pg_catalog.sum(g.nd0_v) over c as nd0_v_cum, pg_catalog.sum(g.nd0_c) over c as nd0_c_cum,
           pg_catalog.sum(g.nd30_v) over c as nd30_v_cum, pg_catalog.sum(g.nd30_c) over c as nd30_c_cum
    from all_gap as g
    window c as (partition by g.org_id, g.day, g.source, g.medium, g.campaign order by g.gap)
  ),
  -- Per day and channel, each model's arrays (NULL: none of its sums is non-zero).
  by_channel as (
    select g.org_id, g.day, g.source, g.medium, g.campaign,
           pg_catalog.array_agg(g.gap::smallint order by g.gap) filter (where g.ft_v <> 0 or g.ft_c <> 0) as ft_gaps,
           pg_catalog.array_agg(g.ft_v_cum::integer order by g.gap) filter (where g.ft_v <> 0 or g.ft_c <> 0) as ft_visitors,
           pg_catalog.array_agg(g.ft_c_cum::integer order by g.gap) filter (where g.ft_v <> 0 or g.ft_c <> 0) as ft_clicked,
           pg_catalog.array_agg(g.gap::smallint order by g.gap) filter (where g.ft30_v <> 0 or g.ft30_c <> 0) as ft30_gaps,
           pg_catalog.array_agg(g.ft30_v_cum::integer order by g.gap) filter (where g.ft30_v <> 0 or g.ft30_c <> 0) as ft30_visitors,
           pg_catalog.array_agg(g.ft30_c_cum::integer order by g.gap) filter (where g.ft30_v <> 0 or g.ft30_c <> 0) as ft30_clicked,
           pg_catalog.array_agg(g.gap::smallint order by g.gap) filter (where g.lt_v <> 0 or g.lt_c <> 0) as lt_gaps,
           pg_catalog.array_agg(g.lt_v_cum::integer order by g.gap) filter (where g.lt_v <> 0 or g.lt_c <> 0) as lt_visitors,
           pg_catalog.array_agg(g.lt_c_cum::integer order by g.gap) filter (where g.lt_v <> 0 or g.lt_c <> 0) as lt_clicked,
           pg_catalog.array_agg(g.gap::smallint order by g.gap) filter (where g.nd0_v <> 0 or g.nd0_c <> 0) as nd0_gaps,
           pg_catalog.array_agg(g.nd0_v_cum::integer order by g.gap) filter (where g.nd0_v <> 0 or g.nd0_c <> 0) as nd0_visitors,
           pg_catalog.array_agg(g.nd0_c_cum::integer order by g.gap) filter (where g.nd0_v <> 0 or g.nd0_c <> 0) as nd0_clicked,
           pg_catalog.array_agg(g.gap::smallint order by g.gap) filter (where g.nd30_v <> 0 or g.nd30_c <> 0) as nd30_gaps,
           pg_catalog.array_agg(g.nd30_v_cum::integer order by g.gap) filter (where g.nd30_v <> 0 or g.nd30_c <> 0) as nd30_visitors,
           pg_catalog.array_agg(g.nd30_c_cum::integer order by g.gap) filter (where g.nd30_v <> 0 or g.nd30_c <> 0) as nd30_clicked
    from running as g
    group by g.org_id, g.day, g.source, g.medium, g.campaign
  )
  -- A row per day, model and channel.
  select c.org_id, c.day, m.model collate "C", c.source collate "C", c.medium collate "C", c.campaign collate "C",
         case m.model when 'ft' then c.ft_gaps when 'ft30' then c.ft30_gaps when 'lt' then c.lt_gaps when 'nd0' then c.nd0_gaps else c.nd30_gaps end,
         case m.model when 'ft' then c.ft_visitors when 'ft30' then c.ft30_visitors when 'lt' then c.lt_visitors when 'nd0' then c.nd0_visitors else c.nd30_visitors end,
         case m.model when 'ft' then c.ft_clicked when 'ft30' then c.ft30_clicked when 'lt' then c.lt_clicked when 'nd0' then c.nd0_clicked else c.nd30_clicked end
  from by_channel as c
  cross join (values ('ft'), ('ft30'), ('lt'), ('nd0'), ('nd30')) as m (model)
  where case m.model when 'ft' then c.ft_gaps when 'ft30' then c.ft30_gaps when 'lt' then c.lt_gaps when 'nd0' then c.nd0_gaps else c.nd30_gaps end is not null
  union all
  -- The other rows of the recomputed days, as stored.
  select a.*
  from units as u
  cross join lateral (select x.* from private.audience_attribution_days as x
                      where x.org_id = u.org_id and x.day = u.day offset 0) as a
  where p_after > '-infinity'
    and not exists (select 1 from moved as m
                    where m.org_id = a.org_id and m.day = a.day and m.model = a.model
                      and m.source = a.source and m.medium = a.medium and m.campaign = a.campaign);
end;
$$;
revoke execute on function private.compute_audience_attribution_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function private.compute_audience_attribution_days(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup private.audience_attribution_days (a rollup of private.audience_touch_days): every weight row of the organization-days whose sums move: stored sums plus the weights of the visitors whose touch rows were replaced in [p_after, p_upto) at p_upto minus theirs at p_after (private.audience_touch_retractions, migration 1215). Internal (owner only).';

select private.register_rollup(
  'private.audience_attribution_days', 'analytics.events', 'private.audience_attribution_days', 'private.compute_audience_attribution_days',
  array['org_id', 'model', 'day', 'source', 'medium', 'campaign'], 'day', array['private.audience_touch_days'],
  'Per organization, local day, attribution model and channel: signed visitor and clicked-visitor weights by gap, cumulated, whose sums over a period are get_audience_attribution''s counts (migration 0950); from private.audience_touch_days.',
  array['org_id', 'day']);

-- The differences need the touch rows' replaced versions (migration 1215): its upstream's
-- apply keeps them.
update private.rollups set retractions = 'private.audience_touch_retractions'::regclass
 where name = 'private.audience_touch_days' and retractions is distinct from 'private.audience_touch_retractions'::regclass;
