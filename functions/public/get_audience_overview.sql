-- requires: functions/private/assert_period.sql
-- requires: functions/private/audience_overview_periods.sql
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
--     refunded order counts zero); buyers: distinct visitors with an order (an order
--     with neither visitor_id nor user_id counts in orders and revenue, as nobody's: not
--     a buyer);
--   * purchase_rate_pct: visitors who are buyers / visitors;
--   * new_buyers: buyers whose first order ever is in the period; returning_buyers: the
--     others (an order before the period);
--   * mobile / desktop conversion: visitors with an event on that device type who are
--     buyers / visitors with an event on that device type (tablets are in neither);
--   * percentages have one decimal, NULL when the denominator is 0;
--   * visitors who opted out of profiling (audience.opt_outs) still count here: these are
--     anonymous aggregates (they never appear in visitor lists, segments or exports);
--   * retention (this reader, acquisition, device and network, the KPI cards and series,
--     paths): a period wholly from the last retention cutoff on
--     (analytics.retention_state.last_cutoff) is exact. Before it, retention keeps each
--     day's counts and deletes the per-visitor rows, sessions and pointers to them (raw
--     events are pseudonymized, then dropped with their month): there a visitor whose
--     earlier rows were removed can count once more (a later day's recomputed row no
--     longer points to them; a late event on a day before the cutoff that already had
--     events, which ingestion accepts as it accepts a backfill, likewise), a purchase
--     session that began before the cutoff is not a path, and a recount from the raw
--     events kept (their pseudonymous visitors) differs (README, "Derived data");
--   * erasure (app.erase_user; this reader, device and network, paths): the day counts,
--     device sums and session prefixes stored before an erasure are aggregates without
--     identifiers and keep the erased person's visits, sessions and paths, as
--     app.erase_user states; a recount from the raw events, which lost that person's
--     events, is lower by them on those days. Days recomputed after the erasure (a late
--     event, a rebuild) no longer count them.
-- Reads the audience rollups (private.audience_day_recency, migration 1210;
-- audience_visitor_days, audience_device_days, migrations/0050) for the days they reflect and analytics.events
-- for the others (private.audience_touched: today, late events; every day before the
-- first refresh), with the same definitions (private.visitor_day_channels). Visitors seen
-- on the other days are answered one by one from both sources, everyone else from the
-- per-day counts, cumulated by gap; buyers are looked up by their first rows in the period. The query is
-- private.audience_overview_periods (shared with public.get_audience_kpis). 42501: not a
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
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);

  return query
  select o.*
  from private.audience_overview_periods(p_org_id, array['current', 'previous'],
                                         array[p_from, p_from - (p_to - p_from)], array[p_to, p_from]) as o;
end;
$$;
revoke execute on function public.get_audience_overview(uuid, date, date) from public, anon;
grant execute on function public.get_audience_overview(uuid, date, date) to authenticated, service_role;
comment on function public.get_audience_overview(uuid, date, date) is
  'Audience overview for local days [p_from, p_to) and the previous period of equal length (rows current, previous): visitors, sessions (30-minute inactivity), checkout rate, buyers, purchase rate, new vs returning buyers, orders and revenue (audience.orders, refunds count zero, counted once), mobile vs desktop conversion. Bots excluded; distinct counts over the whole period; days in the organization''s time zone. Members (viewer+) and service_role; 42501 non-members, 22023 bad period.';
