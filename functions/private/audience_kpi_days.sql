-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/audience_touched.sql
-- requires: functions/private/visitor_day_channels.sql
-- The counts behind the 8 audience KPIs for each local day of [p_from, p_to) of one
-- organization, each day on its own: exactly what public.get_audience_overview answers
-- for the one-day period [day, day + 1) (same definitions: bots excluded, visitor keys,
-- sessions started, orders from audience.orders not refunded, new buyer = first order
-- ever on that day, conversion = visitors of the day who are buyers of the day).
-- Reads the audience rollups the overview reads (private.audience_day_recency,
-- audience_device_days, audience_visitor_days) for the days they reflect and
-- analytics.events (private.visitor_day_channels) for the others: on the days with events
-- received since the watermark, only the visitors of those events are recomputed, their
-- stored rows and device shares taken out of the day's counts and sums, or every visitor
-- of those days (private.audience_touched, as the overview). One row per day, days without
-- a visitor included.
-- Internal helper of public.get_audience_kpi_series; the one place it reads rollups.
create or replace function private.audience_kpi_days(p_org_id uuid, p_from date, p_to date)
returns table (
  day               date,
  visitors          bigint,
  sessions          bigint,
  checkout_visitors bigint,
  converted         bigint,
  buyers            bigint,
  new_buyers        bigint,
  mobile_visitors   bigint,
  mobile_converted  bigint,
  desktop_visitors  bigint,
  desktop_converted bigint
)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_tz    text;
  v_dirty date[];
  v_keys  text[];
  v_all   boolean;
begin
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  select t.days, t.keys into v_dirty, v_keys from private.audience_touched(p_org_id, p_from, p_to) as t;
  v_all := v_keys is null;

  return query
  with raw as materialized (
    select v.day, v.visitor_key collate "C" as visitor_key, v.sessions, v.checkout, v.mobile, v.desktop
    from private.visitor_day_channels(array[p_org_id], coalesce(v_dirty[1], p_to),
                                      coalesce(v_dirty[pg_catalog.cardinality(v_dirty)] + 1, p_to)) as v
    where v.day = any (v_dirty) and (v_all or v.visitor_key = any (v_keys))
  ),
  -- The recomputed visitors' stored rows and sessions on those days (subtracted).
  recomputed as (
    select t.day, pg_catalog.count(*) as visitors,
           pg_catalog.count(*) filter (where t.flags & 4 <> 0) as checkout_visitors,
           pg_catalog.count(*) filter (where t.flags & 8 <> 0) as mobile_visitors,
           pg_catalog.count(*) filter (where t.flags & 16 <> 0) as desktop_visitors,
           (select pg_catalog.sum(c.sessions) from private.audience_visitor_day_combos as c
            where c.org_id = p_org_id and c.visitor_key = any (v_keys) and c.day = t.day) as sessions
    from private.audience_visitor_days as t
    where t.org_id = p_org_id and t.visitor_key = any (v_keys) and t.day = any (v_dirty)
      and t.day >= p_from and t.day < p_to
    group by t.day
  ),
  -- Per stored day: every visitor-day row of the day (whatever its previous day).
  counted as (
    select c.day,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'all') as visitors,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'checkout') as checkout_visitors,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'mobile') as mobile_visitors,
           pg_catalog.sum(c.visitors) filter (where c.measure = 'desktop') as desktop_visitors
    from private.audience_day_recency as c
    where c.org_id = p_org_id and c.measure in ('all', 'checkout', 'mobile', 'desktop')
      and c.day >= p_from and c.day < p_to and not (v_all and c.day = any (v_dirty))
    group by c.day
  ),
  raw_counted as (
    select r.day, pg_catalog.count(*) as visitors,
           pg_catalog.count(*) filter (where r.checkout) as checkout_visitors,
           pg_catalog.count(*) filter (where r.mobile) as mobile_visitors,
           pg_catalog.count(*) filter (where r.desktop) as desktop_visitors,
           pg_catalog.sum(r.sessions) as sessions
    from raw as r
    group by r.day
  ),
  stored_sessions as (
    select d.day, pg_catalog.sum(d.sessions) as sessions
    from private.audience_device_days as d
    where d.org_id = p_org_id and d.day >= p_from and d.day < p_to and not (v_all and d.day = any (v_dirty))
    group by d.day
  ),
  -- Buyers per local day (orders not refunded), with whether that day holds their first
  -- order ever.
  buyer_days as materialized (
    select (o.occurred_at at time zone v_tz)::date as day,
           audience.visitor_key(o.visitor_id, o.user_id) collate "C" as visitor_key
    from audience.orders as o
    where o.org_id = p_org_id
      and o.occurred_at >= (p_from::timestamp at time zone v_tz)
      and o.occurred_at < (p_to::timestamp at time zone v_tz)
      and o.refunded_at is null
    group by 1, 2
  ),
  firsts as (
    select audience.visitor_key(o.visitor_id, o.user_id) collate "C" as visitor_key, pg_catalog.min(o.occurred_at) as first_at
    from audience.orders as o
    where o.org_id = p_org_id
      and o.occurred_at < (p_to::timestamp at time zone v_tz)
      and o.refunded_at is null
      and audience.visitor_key(o.visitor_id, o.user_id) in (select b.visitor_key from buyer_days as b)
    group by 1
  ),
  -- Each buyer-day with its visit of the same day in the events, if any (raw: at most one
  -- row per visitor-day; mobile / desktop NULL without one). Matched by grouping, not by
  -- a join: the planner cannot estimate raw (one row), and a nested loop over it costs
  -- buyer-days x visitor-days (794,580 comparisons, 60 of 70 ms, for the largest
  -- organization of 1M events with 13k orders and a day not refreshed).
  buyer_raw as (
    select x.day, x.visitor_key, pg_catalog.bool_or(x.in_raw) as in_raw,
           pg_catalog.bool_or(x.mobile) as mobile, pg_catalog.bool_or(x.desktop) as desktop
    from (select b.day, b.visitor_key, true as buyer, false as in_raw, null::boolean as mobile, null::boolean as desktop
          from buyer_days as b
          union all
          select r.day, r.visitor_key, false, true, r.mobile, r.desktop
          from raw as r) as x
    group by 1, 2
    having pg_catalog.bool_or(x.buyer)
  ),
  -- Each buyer-day's visit of the same day, if any (stored row or events).
  buyer_visits as (
    select b.day, b.visitor_key,
           (f.first_at at time zone v_tz)::date = b.day as is_new,
           coalesce(t.flags is not null, false) or b.in_raw as visited,
           coalesce(t.flags & 8 <> 0, b.mobile, false) as mobile,
           coalesce(t.flags & 16 <> 0, b.desktop, false) as desktop
    from buyer_raw as b
    join firsts as f on f.visitor_key = b.visitor_key
    left join private.audience_visitor_days as t
      on t.org_id = p_org_id and t.visitor_key = b.visitor_key and t.day = b.day
     and not (b.day = any (v_dirty) and (v_all or b.visitor_key = any (v_keys)))
  ),
  buyer_counts as (
    select v.day, pg_catalog.count(*) as buyers,
           pg_catalog.count(*) filter (where v.is_new) as new_buyers,
           pg_catalog.count(*) filter (where v.visited) as converted,
           pg_catalog.count(*) filter (where v.mobile) as mobile_converted,
           pg_catalog.count(*) filter (where v.desktop) as desktop_converted
    from buyer_visits as v
    group by v.day
  )
  select d.day::date,
         (coalesce(c.visitors, 0) - coalesce(x.visitors, 0) + coalesce(rc.visitors, 0))::bigint,
         (coalesce(s.sessions, 0) - coalesce(x.sessions, 0) + coalesce(rc.sessions, 0))::bigint,
         (coalesce(c.checkout_visitors, 0) - coalesce(x.checkout_visitors, 0) + coalesce(rc.checkout_visitors, 0))::bigint,
         coalesce(b.converted, 0)::bigint,
         coalesce(b.buyers, 0)::bigint,
         coalesce(b.new_buyers, 0)::bigint,
         (coalesce(c.mobile_visitors, 0) - coalesce(x.mobile_visitors, 0) + coalesce(rc.mobile_visitors, 0))::bigint,
         coalesce(b.mobile_converted, 0)::bigint,
         (coalesce(c.desktop_visitors, 0) - coalesce(x.desktop_visitors, 0) + coalesce(rc.desktop_visitors, 0))::bigint,
         coalesce(b.desktop_converted, 0)::bigint
  from pg_catalog.generate_series(p_from, p_to - 1, interval '1 day') as d (day)
  left join counted as c on c.day = d.day::date
  left join raw_counted as rc on rc.day = d.day::date
  left join recomputed as x on x.day = d.day::date
  left join stored_sessions as s on s.day = d.day::date
  left join buyer_counts as b on b.day = d.day::date
  order by 1;
end;
$$;
revoke execute on function private.audience_kpi_days(uuid, date, date) from public, anon, authenticated;
comment on function private.audience_kpi_days(uuid, date, date) is
  'Per local day of [p_from, p_to) of one organization: visitors, sessions, checkout visitors, buyers (and those who visited that day, on mobile, on desktop), new buyers, mobile and desktop visitors; each day as get_audience_overview answers [day, day + 1). Internal helper of public.get_audience_kpi_series.';
