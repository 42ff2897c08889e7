-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/visitor_day_channels.sql
-- requires: functions/private/audience_touched.sql
-- The audience overview of one organization for several periods at once: period i is the
-- local days [p_froms[i], p_tos[i]) and is named p_names[i]; one row per period, in that
-- order, with the columns and the definitions of public.get_audience_overview (which
-- answers its two periods through it). The periods share one look-up of the days the
-- rollups do not reflect (private.audience_touched, over the union of the periods) and
-- one computation of those days' visitor-days from the events (private.visitor_day_channels),
-- so public.get_audience_kpis answers its three periods (current, previous, trailing 90
-- days) with one pass instead of two overviews. Only the visitors with events received since
-- the watermark (private.audience_touched) are recomputed from the events on those days;
-- the other visitors of those days come from the stored rows and counts, minus what those
-- hold for the recomputed ones (their stored rows, their device shares); every visitor of
-- those days is recomputed when audience_touched says so (NULL: no watermark, shares
-- missing, or most of the days' visitors touched). Periods may overlap; each is answered on
-- its own (distinct counts within the period). Callers check membership and periods
-- (private.assert_period); no error of its own. Internal helper: owner only.
create or replace function private.audience_overview_periods(
  p_org_id uuid,
  p_names  text[],
  p_froms  date[],
  p_tos    date[]
)
returns table (
  period                 text,
  period_from            date,
  period_to              date,
  visitors               bigint,
  sessions               bigint,
  checkout_visitors      bigint,
  checkout_rate_pct      numeric,
  buyers                 bigint,
  purchase_rate_pct      numeric,
  new_buyers             bigint,
  returning_buyers       bigint,
  orders                 bigint,
  revenue_cents          bigint,
  mobile_visitors        bigint,
  mobile_conversion_pct  numeric,
  desktop_visitors       bigint,
  desktop_conversion_pct numeric
)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_tz      text;
  v_from    date;
  v_to      date;
  v_prev_at timestamptz;
  v_to_at   timestamptz;
  v_dirty   date[];
  v_keys    text[];
  v_all     boolean;
begin
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  select pg_catalog.min(f), pg_catalog.max(t) into v_from, v_to
  from rows from (pg_catalog.unnest(p_froms), pg_catalog.unnest(p_tos)) as p (f, t);
  -- Bounds of the union of the periods (named as in get_audience_overview, whose previous
  -- period starts it and whose current period ends it).
  v_prev_at := v_from::timestamp at time zone v_tz;
  v_to_at := v_to::timestamp at time zone v_tz;

  -- Days the rollups do not reflect (today, late events; all without a watermark), and who
  -- is recomputed on them: these visitors, or (NULL) every visitor of them.
  select t.days, t.keys into v_dirty, v_keys from private.audience_touched(p_org_id, v_from, v_to) as t;
  v_all := v_keys is null;

  return query
  with periods (k, f, t, f_at) as materialized (
    select p.k::integer, p.f, p.t, p.f::timestamp at time zone v_tz
    from rows from (pg_catalog.unnest(p_froms), pg_catalog.unnest(p_tos)) with ordinality as p (f, t, k)
  ),
  -- Visitor-days of those days, from the events (of the recomputed visitors: the keys
  -- condition applies below the sessionizing window, whose partition it names).
  raw as materialized (
    select v.day, v.visitor_key collate "C" as visitor_key, v.sessions, v.checkout, v.mobile, v.desktop
    from private.visitor_day_channels(array[p_org_id], coalesce(v_dirty[1], v_to),
                                      coalesce(v_dirty[pg_catalog.cardinality(v_dirty)] + 1, v_to)) as v
    where v.day = any (v_dirty) and (v_all or v.visitor_key = any (v_keys))
  ),
  -- Orders: one row per period and buyer, from audience.orders only.
  buyer_rows as materialized (
    select p.k as k,
           audience.visitor_key(o.visitor_id, o.user_id) as visitor_key,
           pg_catalog.count(*) as orders,
           pg_catalog.sum(o.amount_cents) as revenue_cents
    from audience.orders as o
    join periods as p on o.occurred_at >= p.f_at and o.occurred_at < (p.t::timestamp at time zone v_tz)
    where o.org_id = p_org_id
      and o.occurred_at >= v_prev_at
      and o.occurred_at < v_to_at
      and o.refunded_at is null
    group by 1, 2
  ),
  first_orders as (
    select audience.visitor_key(o.visitor_id, o.user_id) as visitor_key, pg_catalog.min(o.occurred_at) as first_at
    from audience.orders as o
    where o.org_id = p_org_id
      and o.occurred_at < v_to_at
      and o.refunded_at is null
      and audience.visitor_key(o.visitor_id, o.user_id) in (select b.visitor_key from buyer_rows as b)
    group by 1
  ),
  -- Visitors answered one by one: the recomputed visitors seen on those days in the events
  -- or (some recomputed) in the stored rows.
  special as materialized (
    select p.k, p.f, p.t, r.visitor_key
    from periods as p
    join raw as r on r.day >= p.f and r.day < p.t
    union
    select p.k, p.f, p.t, t.visitor_key
    from periods as p
    join private.audience_visitor_days as t
      on t.org_id = p_org_id and t.visitor_key = any (v_keys) and t.day = any (v_dirty) and t.day >= p.f and t.day < p.t
  ),
  -- Their stored rows in the period, and whether each is on a day recomputed for them.
  stored as materialized (
    select s.k, s.f, s.visitor_key, t.flags, t.day = any (v_dirty) as recomputed,
           t.prev_day, t.prev_checkout_day, t.prev_mobile_day, t.prev_desktop_day
    from special as s
    join private.audience_visitor_days as t
      on t.org_id = p_org_id and t.visitor_key = s.visitor_key and t.day >= s.f and t.day < s.t
  ),
  facts as (
    select x.k, x.visitor_key,
           pg_catalog.bool_or(x.checkout) as checkout,
           pg_catalog.bool_or(x.mobile) as mobile,
           pg_catalog.bool_or(x.desktop) as desktop
    from (select s.k, s.visitor_key, s.flags & 4 <> 0 as checkout, s.flags & 8 <> 0 as mobile,
                 s.flags & 16 <> 0 as desktop
          from stored as s
          where not s.recomputed
          union all
          select p.k, r.visitor_key, r.checkout, r.mobile, r.desktop
          from raw as r join periods as p on r.day >= p.f and r.day < p.t) as x
    group by 1, 2
  ),
  special_totals as (
    select f.k,
           pg_catalog.count(*) as visitors,
           pg_catalog.count(*) filter (where f.checkout) as checkout_visitors,
           pg_catalog.count(*) filter (where f.mobile) as mobile_visitors,
           pg_catalog.count(*) filter (where f.desktop) as desktop_visitors
    from facts as f
    group by 1
  ),
  -- The buyers who visited in the period (on mobile, on desktop): on the reflected days
  -- their rows that are first in the period (or after a day left to the events).
  buyer_totals_visits as (
    select x.k,
           pg_catalog.count(distinct x.visitor_key) as converted,
           pg_catalog.count(distinct x.visitor_key) filter (where x.mobile) as mobile_converted,
           pg_catalog.count(distinct x.visitor_key) filter (where x.desktop) as desktop_converted
    from (select p.k, t.visitor_key,
                 t.flags & 8 <> 0 and (t.prev_mobile_day is null or t.prev_mobile_day < p.f or t.prev_mobile_day = any (v_dirty)) as mobile,
                 t.flags & 16 <> 0 and (t.prev_desktop_day is null or t.prev_desktop_day < p.f or t.prev_desktop_day = any (v_dirty)) as desktop
          from periods as p
          join buyer_rows as b on b.k = p.k
          join private.audience_visitor_days as t
            on t.org_id = p_org_id and t.visitor_key = b.visitor_key and t.day >= p.f and t.day < p.t
          where not (t.day = any (v_dirty) and (v_all or t.visitor_key = any (v_keys)))
            and (t.prev_day is null or t.prev_day < p.f or t.prev_day = any (v_dirty)
                 or (t.flags & 8 <> 0 and (t.prev_mobile_day is null or t.prev_mobile_day < p.f or t.prev_mobile_day = any (v_dirty)))
                 or (t.flags & 16 <> 0 and (t.prev_desktop_day is null or t.prev_desktop_day < p.f or t.prev_desktop_day = any (v_dirty))))
          union all
          select p.k, r.visitor_key, r.mobile, r.desktop
          from periods as p
          join raw as r on r.day >= p.f and r.day < p.t
          -- "is true": a hashed subplan, not a semi join, whose plan follows the estimate
          -- of raw (one row): a nested loop of visitor-days x buyers (1,044,864
          -- comparisons, 170 of 230 ms, for the largest organization of 1M events with
          -- 13k orders and a day not refreshed).
          where ((p.k, r.visitor_key) in (select b.k, b.visitor_key from buyer_rows as b)) is true) as x
    group by 1
  ),
  -- What the per-day counts hold for them (subtracted: they are counted above). The
  -- previous-day pointers of a visitor's stored rows form one chain, as the last refresh
  -- wrote them, so the counts hold one row of a visitor with a stored row (of the measure)
  -- in the period: the one of them whose previous day is before the period (or none), or,
  -- when none is, an earlier row that retention removed (whose day's counts stay). When
  -- every visitor of the recomputed days is recomputed, the counts of those days are left
  -- out, and with them such a row on one of those days.
  special_counted as (
    select x.k,
           pg_catalog.count(*) filter (where x.all_held or not x.all_first) as visitors,
           pg_catalog.count(*) filter (where x.checkout_held or not x.checkout_first) as checkout_visitors,
           pg_catalog.count(*) filter (where x.mobile_held or not x.mobile_first) as mobile_visitors,
           pg_catalog.count(*) filter (where x.desktop_held or not x.desktop_first) as desktop_visitors
    from (select s.k, s.visitor_key,
                 pg_catalog.bool_or(s.prev_day is null or s.prev_day < s.f) as all_first,
                 pg_catalog.bool_or((s.prev_day is null or s.prev_day < s.f) and not (v_all and s.recomputed)) as all_held,
                 pg_catalog.bool_or(s.prev_checkout_day is null or s.prev_checkout_day < s.f)
                   filter (where s.flags & 4 <> 0) as checkout_first,
                 pg_catalog.bool_or((s.prev_checkout_day is null or s.prev_checkout_day < s.f) and not (v_all and s.recomputed))
                   filter (where s.flags & 4 <> 0) as checkout_held,
                 pg_catalog.bool_or(s.prev_mobile_day is null or s.prev_mobile_day < s.f)
                   filter (where s.flags & 8 <> 0) as mobile_first,
                 pg_catalog.bool_or((s.prev_mobile_day is null or s.prev_mobile_day < s.f) and not (v_all and s.recomputed))
                   filter (where s.flags & 8 <> 0) as mobile_held,
                 pg_catalog.bool_or(s.prev_desktop_day is null or s.prev_desktop_day < s.f)
                   filter (where s.flags & 16 <> 0) as desktop_first,
                 pg_catalog.bool_or((s.prev_desktop_day is null or s.prev_desktop_day < s.f) and not (v_all and s.recomputed))
                   filter (where s.flags & 16 <> 0) as desktop_held
          from stored as s
          group by 1, 2) as x
    group by 1
  ),
  -- Everyone: stored rows that are a visitor's first in the period (previous day of the
  -- measure before it), one cumulated row per day and measure (private.audience_day_recency,
  -- migration 1210); not those of the recomputed days when every visitor of them is.
  counted as (
    select p.k,
           pg_catalog.sum(c.first) filter (where c.measure = 'all') as visitors,
           pg_catalog.sum(c.first) filter (where c.measure = 'checkout') as checkout_visitors,
           pg_catalog.sum(c.first) filter (where c.measure = 'mobile') as mobile_visitors,
           pg_catalog.sum(c.first) filter (where c.measure = 'desktop') as desktop_visitors
    from periods as p
    cross join lateral (
      select r.measure,
             r.visitors - coalesce(r.returning_visitors[pg_catalog.width_bucket(r.day - p.f, r.gaps)], 0) as first
      from private.audience_day_recency as r
      where r.org_id = p_org_id and r.measure in ('all', 'checkout', 'mobile', 'desktop')
        and r.day >= p.f and r.day < p.t and not (v_all and r.day = any (v_dirty))) as c
    group by 1
  ),
  visitor_totals as (
    select p.k,
           (coalesce(c.visitors, 0) - coalesce(x.visitors, 0) + coalesce(s.visitors, 0))::bigint as visitors,
           (coalesce(c.checkout_visitors, 0) - coalesce(x.checkout_visitors, 0) + coalesce(s.checkout_visitors, 0))::bigint as checkout_visitors,
           coalesce(bv.converted, 0) as converted,
           (coalesce(c.mobile_visitors, 0) - coalesce(x.mobile_visitors, 0) + coalesce(s.mobile_visitors, 0))::bigint as mobile_visitors,
           coalesce(bv.mobile_converted, 0) as mobile_converted,
           (coalesce(c.desktop_visitors, 0) - coalesce(x.desktop_visitors, 0) + coalesce(s.desktop_visitors, 0))::bigint as desktop_visitors,
           coalesce(bv.desktop_converted, 0) as desktop_converted
    from periods as p
    left join counted as c on c.k = p.k
    left join special_counted as x on x.k = p.k
    left join special_totals as s on s.k = p.k
    left join buyer_totals_visits as bv on bv.k = p.k
  ),
  -- Sessions started: additive, from the per-day sums and the events (minus the recomputed
  -- visitors' stored shares of those days, migration 1180).
  session_totals as (
    select p.k,
           (coalesce((select pg_catalog.sum(d.sessions) from private.audience_device_days as d
                      where d.org_id = p_org_id and d.day >= p.f and d.day < p.t
                        and not (v_all and d.day = any (v_dirty))), 0)
            - coalesce((select pg_catalog.sum(c.sessions) from private.audience_visitor_day_combos as c
                        where c.org_id = p_org_id and c.visitor_key = any (v_keys) and c.day = any (v_dirty)
                          and c.day >= p.f and c.day < p.t), 0)
            + coalesce((select pg_catalog.sum(r.sessions) from raw as r where r.day >= p.f and r.day < p.t), 0))::bigint as sessions
    from periods as p
  ),
  buyer_totals as (
    -- Orders without visitor and user (visitor key NULL) count in orders and revenue, and
    -- as nobody's: not a buyer.
    select b.k,
           pg_catalog.count(b.visitor_key) as buyers,
           pg_catalog.count(*) filter (where f.first_at >= p.f_at) as new_buyers,
           pg_catalog.sum(b.orders)::bigint as orders,
           pg_catalog.sum(b.revenue_cents)::bigint as revenue_cents
    from buyer_rows as b
    join periods as p on p.k = b.k
    left join first_orders as f on f.visitor_key = b.visitor_key
    group by b.k
  )
  select p_names[p.k], p.period_from, p.period_to,
         v.visitors,
         st.sessions,
         v.checkout_visitors,
         pg_catalog.round(100.0 * v.checkout_visitors / nullif(v.visitors, 0), 1),
         coalesce(b.buyers, 0),
         pg_catalog.round(100.0 * v.converted / nullif(v.visitors, 0), 1),
         coalesce(b.new_buyers, 0),
         coalesce(b.buyers - b.new_buyers, 0),
         coalesce(b.orders, 0),
         coalesce(b.revenue_cents, 0),
         v.mobile_visitors,
         pg_catalog.round(100.0 * v.mobile_converted / nullif(v.mobile_visitors, 0), 1),
         v.desktop_visitors,
         pg_catalog.round(100.0 * v.desktop_converted / nullif(v.desktop_visitors, 0), 1)
  from (select x.k, x.f, x.t from periods as x) as p (k, period_from, period_to)
  join visitor_totals as v on v.k = p.k
  join session_totals as st on st.k = p.k
  left join buyer_totals as b on b.k = p.k
  order by p.k;
end;
$$;
revoke execute on function private.audience_overview_periods(uuid, text[], date[], date[]) from public, anon, authenticated;
comment on function private.audience_overview_periods(uuid, text[], date[], date[]) is
  'Audience overview of one organization for several periods (p_names[i]: local days [p_froms[i], p_tos[i])), one row each in that order, with get_audience_overview''s columns and definitions; one look-up of the unrefreshed days and one computation of them for all periods. Internal helper of get_audience_overview and get_audience_kpis.';
