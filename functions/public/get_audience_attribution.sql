-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/create_rollup_reader.sql
-- requires: functions/private/compute_audience_touch_days.sql
-- Acquisition channels of one organization for the local days [p_from, p_to) under an
-- attribution model: the columns and definitions of public.get_audience_acquisition,
-- except which channel each visitor (and so each buyer's orders) is credited to.
-- Callable by members (viewer or above) and service_role.
-- Definitions:
--   * a touch is a visitor's local day with an event (bots excluded); its channel is the
--     channel of that day's first event (source / medium / campaign as in
--     get_audience_acquisition; '(direct)' when neither utm_source nor a referrer);
--   * each visitor with an event in the period has a window of touches: from their first
--     day in the period minus p_lookback_days (the lookback; those days may lie before
--     the period) to their conversion day, the local day of their first order in the
--     period (buyers; at least their first day in the period), else their last day in
--     the period; both ends included;
--   * p_model 'first_touch' (default): the earliest touch of the window;
--     'last_touch': the latest; 'last_non_direct': the latest whose source is not
--     '(direct)', else '(direct)' (no other touch in the window);
--   * with p_lookback_days = 0 and 'first_touch' the answer is get_audience_acquisition's;
--   * visitors, clicks and conversions are of the period only (the lookback only chooses
--     the channel); buyers without an event in the period: ('(untracked)', '(none)', '(none)').
-- Reads the touches from the engine rollup private.audience_touch_days through its inlinable
-- reader private.audience_touch_days_rows (exact whether or not refresh has run; the
-- filters reach its index), one row per visitor instead of every visitor-day:
--   * first touch: the visitor's first row of the period (prev_day before it) gives the
--     first day and the touch (its own when no touch lies in the lookback; the stored first
--     touch of the 30 days up to it, ft_*, for lookbacks up to 30 days when it lies in the
--     lookback; else the earliest row of the lookback, a second read over [p_from -
--     p_lookback_days, p_from) for lookbacks other than 0 and 30); clicked: the last row's
--     click_day (latest click up to it) in the period, read for visitors with several rows;
--   * last touch and last non-direct: the visitor's last row of the period (next_day after
--     it), a buyer's latest row up to the conversion day (else first row): its touch, its
--     click_day and its latest earlier non-direct touch (nd_*), and for last non-direct the
--     visitor's first day (a second read: the first rows of visitors with several rows).
-- plan_cache_mode force_custom_plan: the model's branch alone is planned (a generic plan
-- joined per row of a whole-period read: 51 s). enable_nestloop and enable_mergejoin off:
-- each reader's "stored rows not recomputed since the watermark" is an anti-join with its
-- fresh rows, which the planner, estimating 5 fresh rows, made a nested loop or a merge
-- join rescanning them (with a day of events not refreshed, at 10M: 5,000 x 5,500 rows in
-- 17 s; 7.7M rows re-read in 2.5 s); a hash anti-join reads them once. The compute function
-- called by the readers sets both back on for itself.
create or replace function public.get_audience_attribution(
  p_org_id uuid, p_from date, p_to date, p_model text default 'first_touch', p_lookback_days integer default 30)
returns table (
  source text, medium text, campaign text, visitors bigint, clicked_visitors bigint, click_through_rate_pct numeric,
  buyers bigint, conversion_rate_pct numeric, orders bigint, revenue_cents bigint, aov_cents bigint, ltv_cents bigint,
  quality_score integer
)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
set plan_cache_mode = force_custom_plan
set enable_nestloop = off
set enable_mergejoin = off
as $$
declare
  v_tz text;
  v_buyers text[];
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);
  if p_model is null or p_model not in ('first_touch', 'last_touch', 'last_non_direct') then
    raise exception 'unknown attribution model %', coalesce(pg_catalog.quote_literal(p_model), 'NULL')
      using errcode = '22023', hint = 'Use first_touch, last_touch or last_non_direct.';
  end if;
  if p_lookback_days is null or p_lookback_days < 0 or p_lookback_days > 365 then
    raise exception 'lookback of % days is out of range', coalesce(p_lookback_days::text, 'NULL')
      using errcode = '22023', hint = 'Pass a lookback between 0 and 365 days.';
  end if;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  select pg_catalog.array_agg(distinct audience.visitor_key(o.visitor_id, o.user_id)) into v_buyers
  from audience.orders as o
  where o.org_id = p_org_id and o.refunded_at is null
    and o.occurred_at >= (p_from::timestamp at time zone v_tz) and o.occurred_at < (p_to::timestamp at time zone v_tz);

  return query
  with buyer_rows as materialized (
    select audience.visitor_key(o.visitor_id, o.user_id) collate "C" as visitor_key,
           pg_catalog.count(*) as orders, pg_catalog.sum(o.amount_cents) as revenue_cents,
           (pg_catalog.min(o.occurred_at) at time zone v_tz)::date as conversion_day
    from audience.orders as o
    where o.org_id = p_org_id and o.refunded_at is null
      and o.occurred_at >= (p_from::timestamp at time zone v_tz) and o.occurred_at < (p_to::timestamp at time zone v_tz)
    group by 1
  ),
  lifetime as (
    select audience.visitor_key(o.visitor_id, o.user_id) collate "C" as visitor_key, pg_catalog.sum(o.amount_cents) as revenue_cents
    from audience.orders as o
    where o.org_id = p_org_id and o.refunded_at is null and o.occurred_at < (p_to::timestamp at time zone v_tz)
      and audience.visitor_key(o.visitor_id, o.user_id) in (select b.visitor_key from buyer_rows as b)
    group by 1
  ),
  -- First touch: each visitor's first row of the period (prev_day before it): its own
  -- touch when no touch lies in the lookback (pick 0), the stored first touch of the 30
  -- days up to it when that lies in the lookback (1), else the lookback's rows (2). Clicked
  -- in the period: by the last row (this one, or a later one that clicked).
  firsts as not materialized (
    select t.visitor_key, coalesce(t.next_day >= p_to, true) as is_last, coalesce(t.click_day >= p_from, false) as clicked,
           case when t.prev_day is null or t.prev_day < t.day - p_lookback_days then 0
                when p_lookback_days <= 30 and t.ft_day >= t.day - p_lookback_days then 1 else 2 end as pick,
           t.day, t.source, t.medium, t.campaign, t.ft_source, t.ft_medium, t.ft_campaign
    from private.audience_touch_days_rows(p_org_id, p_from, p_to) as t
    where p_model = 'first_touch' and (t.prev_day is null or t.prev_day < p_from)
  ),
  -- The visitors whose last row of the period, not their first, clicked.
  later_clicks as (
    select t.visitor_key
    from private.audience_touch_days_rows(p_org_id, p_from, p_to) as t
    where p_model = 'first_touch' and t.prev_day >= p_from and (t.next_day is null or t.next_day >= p_to) and t.click_day >= p_from
  ),
  lookback as (
    select distinct on (r.visitor_key) r.visitor_key, r.source, r.medium, r.campaign
    from private.audience_touch_days_rows(p_org_id, p_from - p_lookback_days, p_from) as r
    join firsts as f on f.pick = 2 and f.visitor_key = r.visitor_key and r.day >= f.day - p_lookback_days
    where p_model = 'first_touch' and p_lookback_days not in (0, 30)
    order by r.visitor_key, r.day
  ),
  -- Last touch and last non-direct touch: each visitor's touch, the last row of the period
  -- (next_day after it); a buyer's, their latest row up to the conversion day (else their
  -- first row of the period). v_buyers: an array, so the filters reach the index scans.
  buyer_touches as materialized (
    select t.visitor_key, t.day, coalesce(t.prev_day < p_from, true) as is_first,
           coalesce(t.click_day >= p_from, false) as clicked_since, t.source, t.medium, t.campaign,
           t.nd_day, t.nd_source, t.nd_medium, t.nd_campaign
    from private.audience_touch_days_rows(p_org_id, p_from, p_to) as t
    where p_model <> 'first_touch' and v_buyers is not null and t.visitor_key = any (v_buyers)
  ),
  ends as (
    select t.visitor_key, t.day, coalesce(t.prev_day < p_from, true) as is_first,
           coalesce(t.click_day >= p_from, false) as clicked, t.source, t.medium, t.campaign,
           t.nd_day, t.nd_source, t.nd_medium, t.nd_campaign
    from private.audience_touch_days_rows(p_org_id, p_from, p_to) as t
    where p_model <> 'first_touch' and (t.next_day is null or t.next_day >= p_to)
      and not coalesce(t.visitor_key = any (v_buyers), false)
    union all
    (select distinct on (t.visitor_key) t.visitor_key, t.day, t.is_first,
            exists (select 1 from buyer_touches as c where c.visitor_key = t.visitor_key and c.clicked_since),
            t.source, t.medium, t.campaign, t.nd_day, t.nd_source, t.nd_medium, t.nd_campaign
     from buyer_touches as t
     join buyer_rows as b on b.visitor_key = t.visitor_key
     order by t.visitor_key, t.day <= b.conversion_day desc, case when t.day <= b.conversion_day then t.day end desc, t.day)
  ),
  -- Last non-direct: a direct touch pointing to a non-direct one before the period is
  -- credited to it when it lies in the window, from the first day minus the lookback: the
  -- touch's own day when it is the visitor's first row of the period, else the first row's
  -- (first_days: visitors with several rows).
  first_days as (
    select t.visitor_key, t.day
    from private.audience_touch_days_rows(p_org_id, p_from, p_to) as t
    where p_model = 'last_non_direct' and (t.prev_day is null or t.prev_day < p_from) and t.next_day < p_to
  ),
  lasts as (
    select e.visitor_key, e.clicked,
           p_model = 'last_non_direct' and e.source = '(direct)'
             and e.nd_day >= coalesce(f.day, e.day) - p_lookback_days as pick,
           e.source, e.medium, e.campaign, e.nd_source, e.nd_medium, e.nd_campaign
    from ends as e
    left join first_days as f on f.visitor_key = e.visitor_key and not e.is_first
  ),
  credited as (
    select f.visitor_key, f.clicked or c.visitor_key is not null as clicked,
           case f.pick when 0 then f.source when 1 then f.ft_source else l.source end as source,
           case f.pick when 0 then f.medium when 1 then f.ft_medium else l.medium end as medium,
           case f.pick when 0 then f.campaign when 1 then f.ft_campaign else l.campaign end as campaign
    from firsts as f
    left join later_clicks as c on not f.is_last and c.visitor_key = f.visitor_key
    left join lookback as l on f.pick = 2 and l.visitor_key = f.visitor_key
    union all
    select l.visitor_key, l.clicked,
           case when l.pick then l.nd_source else l.source end,
           case when l.pick then l.nd_medium else l.medium end,
           case when l.pick then l.nd_campaign else l.campaign end
    from lasts as l
  ),
  channels as (
    select coalesce(c.source, '(untracked)') as source, coalesce(c.medium, '(none)') as medium,
           coalesce(c.campaign, '(none)') as campaign,
           pg_catalog.count(c.visitor_key) as visitors,
           pg_catalog.count(*) filter (where c.clicked) as clicked_visitors,
           pg_catalog.count(b.visitor_key) as buyers,
           pg_catalog.count(b.visitor_key) filter (where c.visitor_key is not null) as converted,
           coalesce(pg_catalog.sum(b.orders), 0)::bigint as orders,
           coalesce(pg_catalog.sum(b.revenue_cents), 0)::bigint as revenue_cents,
           pg_catalog.round(pg_catalog.avg(l.revenue_cents))::bigint as ltv_cents
    from credited as c
    full join buyer_rows as b on b.visitor_key = c.visitor_key
    left join lifetime as l on l.visitor_key = b.visitor_key
    group by 1, 2, 3
  ),
  rates as (
    select c.*, pg_catalog.round(100.0 * c.clicked_visitors / nullif(c.visitors, 0), 1) as ctr,
           pg_catalog.round(100.0 * c.converted / nullif(c.visitors, 0), 1) as conversion
    from channels as c
  ),
  bests as (
    select pg_catalog.max(r.ctr) as ctr, pg_catalog.max(r.conversion) as conversion, pg_catalog.max(r.ltv_cents) as ltv
    from rates as r
  )
  select r.source, r.medium, r.campaign, r.visitors, r.clicked_visitors, r.ctr, r.buyers, r.conversion,
         r.orders, r.revenue_cents, pg_catalog.round(r.revenue_cents::numeric / nullif(r.orders, 0))::bigint, r.ltv_cents,
         pg_catalog.round(coalesce(40 * r.conversion / nullif(b.conversion, 0), 0)
                        + coalesce(40.0 * r.ltv_cents / nullif(b.ltv, 0), 0)
                        + coalesce(20 * r.ctr / nullif(b.ctr, 0), 0))::integer
  from rates as r cross join bests as b
  order by r.revenue_cents desc, r.visitors desc, r.source, r.medium, r.campaign;
end;
$$;
revoke execute on function public.get_audience_attribution(uuid, date, date, text, integer) from public, anon;
grant execute on function public.get_audience_attribution(uuid, date, date, text, integer) to authenticated, service_role;
comment on function public.get_audience_attribution(uuid, date, date, text, integer) is
  'Acquisition channels for local days [p_from, p_to) (the columns of get_audience_acquisition) under p_model first_touch (default), last_touch or last_non_direct, over each visitor''s touches (first channel of each local day with an event) from their first day in the period minus p_lookback_days (default 30, 0..365) to their first order in the period (buyers) or last day in it. first_touch with lookback 0 = get_audience_acquisition. Members (viewer+) and service_role; 42501 non-members, 22023 bad period, model or lookback.';
