-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- Device type x network type of one organization for the local days [p_from, p_to):
-- sessions, conversion and page load, with an alert where a combination converts far
-- below the best one. Callable by members (viewer or above) and service_role.
-- Definitions (see public.get_audience_overview for days, bots, visitors and orders):
--   * device_type / network_type as reported by the events, '(unknown)' when absent;
--   * visitors: distinct visitors with an event on the combination (a visitor who used
--     two combinations counts in both); sessions: sessions that started on it;
--   * converted_visitors: those visitors who are buyers in the period (an order placed in
--     the period, not refunded); conversion_rate_pct = converted / visitors;
--   * avg_page_load_ms: mean of the reported page_load_ms of its events, rounded;
--   * alert, e.g. 'mobile/3g converts 2.1% vs 8.5% on desktop/wifi': set when the
--     combination has at least 5 visitors and converts at less than half the rate of the
--     best combination with at least 5 visitors (ties: the most visitors, then by name).
-- Ordered by visitors (descending), then device and network. 42501: not a member;
-- 22023: bad period.
create or replace function public.get_audience_device_network(p_org_id uuid, p_from date, p_to date)
returns table (
  device_type         text,
  network_type        text,
  visitors            bigint,
  sessions            bigint,
  converted_visitors  bigint,
  conversion_rate_pct numeric,
  avg_page_load_ms    integer,
  alert               text
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_tz      text;
  v_from_at timestamptz;
  v_to_at   timestamptz;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);

  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_from_at := p_from::timestamp at time zone v_tz;
  v_to_at := p_to::timestamp at time zone v_tz;

  return query
  with days as materialized (
    select d.device_type, d.network_type, d.visitors, d.sessions, d.page_load_ms, d.page_loads
    from private.device_days(p_org_id, p_from, p_to) as d
  ),
  combo_visitors as (
    select distinct k.device_type, k.network_type, k.visitor_key collate "C" as visitor_key
    from (select d.device_type, d.network_type, pg_catalog.unnest(d.visitors) as visitor_key
          from days as d) as k
  ),
  combo_sums as (
    select d.device_type, d.network_type,
           pg_catalog.sum(d.sessions)::bigint as sessions,
           pg_catalog.round(pg_catalog.sum(d.page_load_ms) / nullif(pg_catalog.sum(d.page_loads), 0))::integer as avg_page_load_ms
    from days as d
    group by 1, 2
  ),
  buyers as (
    select distinct audience.visitor_key(o.visitor_id, o.user_id) as visitor_key
    from audience.orders as o
    where o.org_id = p_org_id
      and o.occurred_at >= v_from_at
      and o.occurred_at < v_to_at
      and o.refunded_at is null
  ),
  combos as (
    select c.device_type, c.network_type,
           pg_catalog.count(*) as visitors,
           pg_catalog.count(*) filter (where c.visitor_key in (select b.visitor_key from buyers as b)) as converted
    from combo_visitors as c
    group by 1, 2
  ),
  rates as (
    select c.*, s.sessions, s.avg_page_load_ms,
           pg_catalog.round(100.0 * c.converted / nullif(c.visitors, 0), 1) as conversion
    from combos as c
    join combo_sums as s on s.device_type = c.device_type and s.network_type = c.network_type
  ),
  best as (
    select r.device_type, r.network_type, r.conversion
    from rates as r
    where r.visitors >= 5
    order by r.conversion desc, r.visitors desc, r.device_type, r.network_type
    limit 1
  )
  select r.device_type, r.network_type, r.visitors, r.sessions, r.converted, r.conversion, r.avg_page_load_ms,
         case when r.visitors >= 5 and b.conversion > 0 and r.conversion < b.conversion / 2
              then pg_catalog.format('%s/%s converts %s%% vs %s%% on %s/%s',
                                     r.device_type, r.network_type, r.conversion, b.conversion,
                                     b.device_type, b.network_type) end
  from rates as r
  left join best as b on true
  order by r.visitors desc, r.device_type, r.network_type;
end;
$$;
revoke execute on function public.get_audience_device_network(uuid, date, date) from public, anon;
grant execute on function public.get_audience_device_network(uuid, date, date) to authenticated, service_role;
comment on function public.get_audience_device_network(uuid, date, date) is
  'Per device type x network type in local days [p_from, p_to): visitors, sessions, converted visitors (buyers: an order not refunded in the period), conversion rate, average page load, and an alert (''mobile/3g converts 2.1% vs 8.5% on desktop/wifi'') when a combination with 5+ visitors converts at less than half the best one''s rate. Bots excluded. Members (viewer+) and service_role; 42501 non-members, 22023 bad period.';
