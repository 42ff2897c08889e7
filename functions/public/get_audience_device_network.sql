-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/audience_touched.sql
-- requires: functions/private/visitor_day_devices.sql
-- Device type x network type of one organization for the local days [p_from, p_to):
-- sessions, conversion and page load, with an alert where a combination converts far
-- below the best one. Callable by members (viewer or above) and service_role.
-- Definitions (see public.get_audience_overview for days, bots, visitors, orders and retention and erasure):
--   * device_type / network_type as reported by the events, '(unknown)' when absent;
--   * visitors: distinct visitors with an event on the combination (a visitor who used
--     two combinations counts in both); sessions: sessions that started on it;
--   * converted_visitors: those visitors who are buyers in the period (an order placed in
--     the period, not refunded); conversion_rate_pct = converted / visitors;
--   * avg_page_load_ms: mean of the reported page_load_ms of its events, rounded;
--   * alert, e.g. 'mobile/3g converts 2.1% vs 8.5% on desktop/wifi': set when the
--     combination has at least 5 visitors and converts at less than half the rate of the
--     best combination with at least 5 visitors (ties: the most visitors, then by name).
-- Reads the audience rollups (private.audience_day_counts, audience_visitor_day_combos,
-- audience_device_days) and, on the days with events received since the watermark,
-- recomputes from analytics.events the visitors of those events only (or every visitor of
-- those days), the counts and device sums minus what they hold for them (see
-- get_audience_overview).
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
set jit = off
as $$
declare
  v_tz      text;
  v_from_at timestamptz;
  v_to_at   timestamptz;
  v_dirty   date[];
  v_keys    text[];
  v_all     boolean;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);

  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_from_at := p_from::timestamp at time zone v_tz;
  v_to_at := p_to::timestamp at time zone v_tz;

  -- Days the rollups do not reflect (today, late events; all without a watermark), and who
  -- is recomputed on them: these visitors, or (NULL) every visitor of them
  -- (private.audience_touched, as get_audience_overview).
  select t.days, t.keys into v_dirty, v_keys from private.audience_touched(p_org_id, p_from, p_to) as t;
  v_all := v_keys is null;

  return query
  -- Visitor x combination rows of those days, from the events (of the recomputed visitors).
  with raw as materialized (
    select v.day, v.device_type, v.network_type, v.visitor_key collate "C" as visitor_key,
           v.sessions, v.page_load_ms, v.page_loads
    from private.visitor_day_devices(array[p_org_id], coalesce(v_dirty[1], p_to),
                                     coalesce(v_dirty[pg_catalog.cardinality(v_dirty)] + 1, p_to)) as v
    where v.day = any (v_dirty) and (v_all or v.visitor_key = any (v_keys))
  ),
  buyers as materialized (
    select distinct audience.visitor_key(o.visitor_id, o.user_id) as visitor_key
    from audience.orders as o
    where o.org_id = p_org_id
      and o.occurred_at >= v_from_at
      and o.occurred_at < v_to_at
      and o.refunded_at is null
  ),
  -- Visitors answered one by one: the recomputed visitors seen on those days in the events
  -- or (some recomputed) in the stored rows.
  special as materialized (
    select r.visitor_key from raw as r
    union
    select c.visitor_key from private.audience_visitor_day_combos as c
    where c.org_id = p_org_id and c.visitor_key = any (v_keys) and c.day = any (v_dirty) and c.day >= p_from and c.day < p_to
  ),
  -- Their combination rows in the period that the per-day counts hold (whole days
  -- recomputed: not those days); recomputed: a day recomputed for them; is_first: the row
  -- by which the per-day counts count them (their first day on that combination in the
  -- period); their device shares on the days recomputed for them.
  stored as materialized (
    select c.visitor_key, c.device_type, c.network_type, c.day = any (v_dirty) as recomputed,
           c.prev_day is null or c.prev_day < p_from as is_first, c.sessions, c.page_load_ms, c.page_loads
    from special as s
    join private.audience_visitor_day_combos as c
      on c.org_id = p_org_id and c.visitor_key = s.visitor_key and c.day >= p_from and c.day < p_to
    where not (v_all and c.day = any (v_dirty))
  ),
  facts as (
    select distinct x.device_type, x.network_type, x.visitor_key
    from (select s.device_type, s.network_type, s.visitor_key from stored as s
          where not s.recomputed
          union all
          select r.device_type, r.network_type, r.visitor_key from raw as r) as x
  ),
  -- The buyers' combinations in the period: on the reflected days, the rows that are
  -- first on their combination (in the period, or after a day left to the events).
  buyer_combos as (
    select distinct x.device_type, x.network_type, x.visitor_key
    from (select c.device_type, c.network_type, c.visitor_key
          from buyers as b
          join private.audience_visitor_day_combos as c
            on c.org_id = p_org_id and c.visitor_key = b.visitor_key and c.day >= p_from and c.day < p_to
          where not (c.day = any (v_dirty) and (v_all or c.visitor_key = any (v_keys)))
            and (c.prev_day is null or c.prev_day < p_from or c.prev_day = any (v_dirty))
          union all
          select r.device_type, r.network_type, r.visitor_key
          from raw as r
          where r.visitor_key in (select b.visitor_key from buyers as b)) as x
  ),
  -- Visitors per combination: the per-day counts, minus what they hold for the visitors
  -- above, plus those; converted: the buyers' combinations.
  combos as (
    select x.device_type, x.network_type, pg_catalog.sum(x.visitors)::bigint as visitors,
           pg_catalog.sum(x.converted)::bigint as converted
    from (select c.dim1 as device_type, c.dim2 as network_type, c.visitors::bigint as visitors, 0::bigint as converted
          from private.audience_day_counts as c
          where c.org_id = p_org_id and c.measure = 'combo' and c.day >= p_from and c.day < p_to
            and (c.prev_day is null or c.prev_day < p_from) and not (v_all and c.day = any (v_dirty))
          union all
          select s.device_type, s.network_type, -1, 0 from stored as s where s.is_first
          union all
          select f.device_type, f.network_type, 1, 0
          from facts as f
          union all
          select b.device_type, b.network_type, 0, 1
          from buyer_combos as b) as x
    group by 1, 2
    having pg_catalog.sum(x.visitors) > 0
  ),
  combo_sums as (
    select x.device_type, x.network_type,
           pg_catalog.sum(x.sessions)::bigint as sessions,
           pg_catalog.round(pg_catalog.sum(x.page_load_ms) / nullif(pg_catalog.sum(x.page_loads), 0))::integer as avg_page_load_ms
    from (select d.device_type, d.network_type, d.sessions, d.page_load_ms, d.page_loads
          from private.audience_device_days as d
          where d.org_id = p_org_id and d.day >= p_from and d.day < p_to and not (v_all and d.day = any (v_dirty))
          union all
          select s.device_type, s.network_type, -s.sessions, -s.page_load_ms, -s.page_loads from stored as s
          where s.recomputed
          union all
          select r.device_type, r.network_type, r.sessions, r.page_load_ms, r.page_loads from raw as r) as x
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
