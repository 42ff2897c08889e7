-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/audience_dirty_days.sql
-- requires: functions/private/visitor_day_channels.sql
-- Audience overview of one organization for the local days [p_from, p_to) and for the
-- previous period of equal length [p_from - n, p_from): two rows, 'current' and 'previous'.
-- Callable by members (viewer or above) and service_role.
-- Definitions (every audience RPC uses them):
--   * days are local days in the organization's time zone; the period is half-open;
--   * bots (is_bot) are excluded; a visitor is audience.visitor_key (visitor_id, else
--     'user:<user_id>'); distinct counts are over the whole period, never sums of days;
--   * visitors: distinct visitors with an event; sessions: sessions that started in the
--     period (a session ends after 30 minutes without an event);
--   * checkout_rate_pct: visitors with a checkout_started event / visitors;
--   * orders and revenue come from audience.orders only (never from events, so a buyer's
--     page views cannot multiply them): an order is a row (purchase, tip or subscription
--     payment) placed in the period and not refunded; revenue_cents is their sum (a
--     refunded order counts zero); buyers: distinct visitors with an order;
--   * purchase_rate_pct: visitors who are buyers / visitors;
--   * new_buyers: buyers whose first order ever is in the period; returning_buyers: the
--     others (an order before the period);
--   * mobile / desktop conversion: visitors with an event on that device type who are
--     buyers / visitors with an event on that device type (tablets are in neither);
--   * percentages have one decimal, NULL when the denominator is 0;
--   * visitors who opted out of profiling (audience.opt_outs) still count here: these are
--     anonymous aggregates (they never appear in visitor lists, segments or exports).
-- Reads the audience rollups (private.audience_day_counts, audience_visitor_days,
-- audience_device_days; migrations/0050) for the days they reflect and analytics.events
-- for the others (private.audience_dirty_days: today, late events; every day before the
-- first refresh), with the same definitions (private.visitor_day_channels). Visitors seen
-- on the other days are answered one by one from both sources, everyone else from the
-- per-day counts; buyers are looked up by their first rows in the period. 42501: not a
-- member; 22023: p_to not after p_from, or more than 366 days.
create or replace function public.get_audience_overview(p_org_id uuid, p_from date, p_to date)
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
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_tz        text;
  v_prev_from date;
  v_from_at   timestamptz;
  v_to_at     timestamptz;
  v_prev_at   timestamptz;
  v_dirty     date[];
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);

  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_prev_from := p_from - (p_to - p_from);
  v_prev_at := v_prev_from::timestamp at time zone v_tz;
  v_from_at := p_from::timestamp at time zone v_tz;
  v_to_at := p_to::timestamp at time zone v_tz;

  -- Days the rollups do not reflect (today, late events; all without a watermark).
  v_dirty := private.audience_dirty_days(p_org_id, v_prev_from, p_to);

  return query
  with periods (is_current, f, t) as (
    values (true, p_from, p_to), (false, v_prev_from, p_from)
  ),
  -- Visitor-days of those days, from the events.
  raw as materialized (
    select v.day, v.visitor_key collate "C" as visitor_key, v.sessions, v.checkout, v.mobile, v.desktop
    from private.visitor_day_channels(array[p_org_id], coalesce(v_dirty[1], p_to),
                                      coalesce(v_dirty[pg_catalog.cardinality(v_dirty)] + 1, p_to)) as v
    where v.day = any (v_dirty)
  ),
  -- Orders: one row per period and buyer, from audience.orders only.
  buyer_rows as materialized (
    select o.occurred_at >= v_from_at as is_current,
           audience.visitor_key(o.visitor_id, o.user_id) as visitor_key,
           pg_catalog.count(*) as orders,
           pg_catalog.sum(o.amount_cents) as revenue_cents
    from audience.orders as o
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
  -- Visitors answered one by one: those seen on those days.
  special as materialized (
    select distinct p.is_current, p.f, p.t, r.visitor_key
    from periods as p
    join raw as r on r.day >= p.f and r.day < p.t
  ),
  -- Their rows on the other days of the period, and whether each is the row by which
  -- the per-day counts count them (their first in the period).
  stored as materialized (
    select s.is_current, s.visitor_key, t.flags,
           t.prev_day is null or t.prev_day < s.f as first_all,
           t.flags & 4 <> 0 and (t.prev_checkout_day is null or t.prev_checkout_day < s.f) as first_checkout,
           t.flags & 8 <> 0 and (t.prev_mobile_day is null or t.prev_mobile_day < s.f) as first_mobile,
           t.flags & 16 <> 0 and (t.prev_desktop_day is null or t.prev_desktop_day < s.f) as first_desktop
    from special as s
    join private.audience_visitor_days as t
      on t.org_id = p_org_id and t.visitor_key = s.visitor_key and t.day >= s.f and t.day < s.t
    where not (t.day = any (v_dirty))
  ),
  facts as (
    select x.is_current, x.visitor_key,
           pg_catalog.bool_or(x.checkout) as checkout,
           pg_catalog.bool_or(x.mobile) as mobile,
           pg_catalog.bool_or(x.desktop) as desktop
    from (select s.is_current, s.visitor_key, s.flags & 4 <> 0 as checkout, s.flags & 8 <> 0 as mobile,
                 s.flags & 16 <> 0 as desktop
          from stored as s
          union all
          select p.is_current, r.visitor_key, r.checkout, r.mobile, r.desktop
          from raw as r join periods as p on r.day >= p.f and r.day < p.t) as x
    group by 1, 2
  ),
  special_totals as (
    select f.is_current,
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
    select x.is_current,
           pg_catalog.count(distinct x.visitor_key) as converted,
           pg_catalog.count(distinct x.visitor_key) filter (where x.mobile) as mobile_converted,
           pg_catalog.count(distinct x.visitor_key) filter (where x.desktop) as desktop_converted
    from (select p.is_current, t.visitor_key,
                 t.flags & 8 <> 0 and (t.prev_mobile_day is null or t.prev_mobile_day < p.f or t.prev_mobile_day = any (v_dirty)) as mobile,
                 t.flags & 16 <> 0 and (t.prev_desktop_day is null or t.prev_desktop_day < p.f or t.prev_desktop_day = any (v_dirty)) as desktop
          from periods as p
          join buyer_rows as b on b.is_current = p.is_current
          join private.audience_visitor_days as t
            on t.org_id = p_org_id and t.visitor_key = b.visitor_key and t.day >= p.f and t.day < p.t
          where not (t.day = any (v_dirty))
            and (t.prev_day is null or t.prev_day < p.f or t.prev_day = any (v_dirty)
                 or (t.flags & 8 <> 0 and (t.prev_mobile_day is null or t.prev_mobile_day < p.f or t.prev_mobile_day = any (v_dirty)))
                 or (t.flags & 16 <> 0 and (t.prev_desktop_day is null or t.prev_desktop_day < p.f or t.prev_desktop_day = any (v_dirty))))
          union all
          select p.is_current, r.visitor_key, r.mobile, r.desktop
          from periods as p
          join raw as r on r.day >= p.f and r.day < p.t
          where (p.is_current, r.visitor_key) in (select b.is_current, b.visitor_key from buyer_rows as b)) as x
    group by 1
  ),
  -- What the per-day counts hold for them (subtracted: they are counted above).
  special_counted as (
    select s.is_current,
           pg_catalog.count(*) filter (where s.first_all) as visitors,
           pg_catalog.count(*) filter (where s.first_checkout) as checkout_visitors,
           pg_catalog.count(*) filter (where s.first_mobile) as mobile_visitors,
           pg_catalog.count(*) filter (where s.first_desktop) as desktop_visitors
    from stored as s
    group by 1
  ),
  -- Everyone else: rows of the reflected days that are a visitor's first in the period.
  counted as (
    select p.is_current,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'all') as visitors,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'checkout') as checkout_visitors,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'mobile') as mobile_visitors,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'desktop') as desktop_visitors
    from periods as p
    join private.audience_day_counts as c
      on c.org_id = p_org_id and c.measure in ('all', 'checkout', 'mobile', 'desktop')
     and c.day >= p.f and c.day < p.t and (c.prev_day is null or c.prev_day < p.f)
    where not (c.day = any (v_dirty))
    group by 1
  ),
  visitor_totals as (
    select p.is_current,
           (coalesce(c.visitors, 0) - coalesce(x.visitors, 0) + coalesce(s.visitors, 0))::bigint as visitors,
           (coalesce(c.checkout_visitors, 0) - coalesce(x.checkout_visitors, 0) + coalesce(s.checkout_visitors, 0))::bigint as checkout_visitors,
           coalesce(bv.converted, 0) as converted,
           (coalesce(c.mobile_visitors, 0) - coalesce(x.mobile_visitors, 0) + coalesce(s.mobile_visitors, 0))::bigint as mobile_visitors,
           coalesce(bv.mobile_converted, 0) as mobile_converted,
           (coalesce(c.desktop_visitors, 0) - coalesce(x.desktop_visitors, 0) + coalesce(s.desktop_visitors, 0))::bigint as desktop_visitors,
           coalesce(bv.desktop_converted, 0) as desktop_converted
    from periods as p
    left join counted as c on c.is_current = p.is_current
    left join special_counted as x on x.is_current = p.is_current
    left join special_totals as s on s.is_current = p.is_current
    left join buyer_totals_visits as bv on bv.is_current = p.is_current
  ),
  -- Sessions started: additive, from the per-day sums and the events.
  session_totals as (
    select p.is_current,
           (coalesce((select pg_catalog.sum(d.sessions) from private.audience_device_days as d
                      where d.org_id = p_org_id and d.day >= p.f and d.day < p.t and not (d.day = any (v_dirty))), 0)
            + coalesce((select pg_catalog.sum(r.sessions) from raw as r where r.day >= p.f and r.day < p.t), 0))::bigint as sessions
    from periods as p
  ),
  buyer_totals as (
    select b.is_current,
           pg_catalog.count(*) as buyers,
           pg_catalog.count(*) filter (where f.first_at >= case when b.is_current then v_from_at else v_prev_at end) as new_buyers,
           pg_catalog.sum(b.orders)::bigint as orders,
           pg_catalog.sum(b.revenue_cents)::bigint as revenue_cents
    from buyer_rows as b
    join first_orders as f on f.visitor_key = b.visitor_key
    group by b.is_current
  )
  select p.period, p.period_from, p.period_to,
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
  from (values ('current'::text, p_from, p_to, true), ('previous'::text, v_prev_from, p_from, false))
         as p (period, period_from, period_to, is_current)
  join visitor_totals as v on v.is_current = p.is_current
  join session_totals as st on st.is_current = p.is_current
  left join buyer_totals as b on b.is_current = p.is_current
  order by p.period_from desc;
end;
$$;
revoke execute on function public.get_audience_overview(uuid, date, date) from public, anon;
grant execute on function public.get_audience_overview(uuid, date, date) to authenticated, service_role;
comment on function public.get_audience_overview(uuid, date, date) is
  'Audience overview for local days [p_from, p_to) and the previous period of equal length (rows current, previous): visitors, sessions (30-minute inactivity), checkout rate, buyers, purchase rate, new vs returning buyers, orders and revenue (audience.orders, refunds count zero, counted once), mobile vs desktop conversion. Bots excluded; distinct counts over the whole period; days in the organization''s time zone. Members (viewer+) and service_role; 42501 non-members, 22023 bad period.';
