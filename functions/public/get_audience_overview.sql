-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
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
-- Reads private.mv_audience_by_channel for the days it covers and analytics.events for
-- the rest (same definition, private.channel_day_rows). 42501: not a member; 22023: p_to not
-- after p_from, or more than 366 days.
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
as $$
declare
  v_tz        text;
  v_prev_from date;
  v_from_at   timestamptz;
  v_to_at     timestamptz;
  v_prev_at   timestamptz;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);

  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_prev_from := p_from - (p_to - p_from);
  v_prev_at := v_prev_from::timestamp at time zone v_tz;
  v_from_at := p_from::timestamp at time zone v_tz;
  v_to_at := p_to::timestamp at time zone v_tz;

  return query
  with periods (period, period_from, period_to) as (
    values ('current'::text, p_from, p_to), ('previous'::text, v_prev_from, p_from)
  ),
  -- Day x channel rows of both periods (private.channel_days: the view where it covers
  -- the days, the events otherwise).
  days as materialized (
    select d.day >= p_from as is_current, d.visitors, d.flags, d.sessions
    from private.channel_days(p_org_id, v_prev_from, p_to) as d
  ),
  -- One row per period and visitor, with what they did in the period (aggregated before
  -- any join; one pass over the keys).
  visitor_rows as (
    select k.is_current, k.visitor_key collate "C" as visitor_key, pg_catalog.bit_or(k.flags) as flags
    from (select d.is_current, pg_catalog.unnest(d.visitors) as visitor_key, pg_catalog.unnest(d.flags) as flags
          from days as d) as k          -- two set-returning functions in the select list: zipped
    group by 1, 2
  ),
  session_totals as (
    select d.is_current, pg_catalog.sum(d.sessions)::bigint as sessions
    from days as d
    group by 1
  ),
  -- Orders: one row per period and buyer, from audience.orders only.
  buyer_rows as (
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
  visitor_totals as (
    select v.is_current,
           pg_catalog.count(*) as visitors,
           pg_catalog.count(*) filter (where v.flags & 4 <> 0) as checkout_visitors,
           pg_catalog.count(*) filter (where v.bought) as converted,
           pg_catalog.count(*) filter (where v.flags & 8 <> 0) as mobile_visitors,
           pg_catalog.count(*) filter (where v.bought and v.flags & 8 <> 0) as mobile_converted,
           pg_catalog.count(*) filter (where v.flags & 16 <> 0) as desktop_visitors,
           pg_catalog.count(*) filter (where v.bought and v.flags & 16 <> 0) as desktop_converted
    from (select r.*,
                 (r.is_current, r.visitor_key) in (select b.is_current, b.visitor_key from buyer_rows as b) as bought
          from visitor_rows as r) as v          -- a hashed lookup into the few buyers
    group by v.is_current
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
         coalesce(v.visitors, 0),
         coalesce(st.sessions, 0),
         coalesce(v.checkout_visitors, 0),
         pg_catalog.round(100.0 * v.checkout_visitors / nullif(v.visitors, 0), 1),
         coalesce(b.buyers, 0),
         pg_catalog.round(100.0 * v.converted / nullif(v.visitors, 0), 1),
         coalesce(b.new_buyers, 0),
         coalesce(b.buyers - b.new_buyers, 0),
         coalesce(b.orders, 0),
         coalesce(b.revenue_cents, 0),
         coalesce(v.mobile_visitors, 0),
         pg_catalog.round(100.0 * v.mobile_converted / nullif(v.mobile_visitors, 0), 1),
         coalesce(v.desktop_visitors, 0),
         pg_catalog.round(100.0 * v.desktop_converted / nullif(v.desktop_visitors, 0), 1)
  from periods as p
  left join visitor_totals as v on v.is_current = (p.period = 'current')
  left join session_totals as st on st.is_current = (p.period = 'current')
  left join buyer_totals as b on b.is_current = (p.period = 'current')
  order by p.period_from desc;
end;
$$;
revoke execute on function public.get_audience_overview(uuid, date, date) from public, anon;
grant execute on function public.get_audience_overview(uuid, date, date) to authenticated, service_role;
comment on function public.get_audience_overview(uuid, date, date) is
  'Audience overview for local days [p_from, p_to) and the previous period of equal length (rows current, previous): visitors, sessions (30-minute inactivity), checkout rate, buyers, purchase rate, new vs returning buyers, orders and revenue (audience.orders, refunds count zero, counted once), mobile vs desktop conversion. Bots excluded; distinct counts over the whole period; days in the organization''s time zone. Members (viewer+) and service_role; 42501 non-members, 22023 bad period.';
