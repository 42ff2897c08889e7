-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/rollup_rows.sql
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
-- Reads the touches from the engine rollup private.audience_touch_days through
-- private.rollup_rows (exact whether or not refresh has run): last touch and last
-- non-direct read the period's rows only (each row points to the visitor's latest earlier
-- non-direct touch), first touch also the lookback's.
-- p_lookback_days: 0 to 365, default 30.
-- Errors: 42501 not a member; 22023 bad period, unknown model (hint lists them), lookback
-- outside 0..365 (hint gives the range).
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
as $$
declare
  v_tz text;
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

  return query
  with touches as materialized (
    -- Last touch and last non-direct touch need the period's rows only (the pointer of
    -- each row reaches back); first touch also the lookback's.
    select r.day, r.visitor_key, r.source, r.medium, r.campaign, r.clicked,
           r.nd_day, r.nd_source, r.nd_medium, r.nd_campaign
    from private.rollup_rows(null::private.audience_touch_days, p_org_id,
                             case when p_model = 'first_touch' then p_from - p_lookback_days else p_from end, p_to) as r
  ),
  buyer_rows as materialized (
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
  -- Each visitor with a day in the period: first day, whether they clicked in it, and
  -- the day of their latest touch up to the window's end (hi: the conversion day, not
  -- before the first day, for buyers; the last day in the period otherwise).
  visitors as materialized (
    select t.visitor_key, pg_catalog.min(t.day) as first_day, pg_catalog.bool_or(t.clicked) as clicked,
           case when b.conversion_day is null then pg_catalog.max(t.day)
                else coalesce(pg_catalog.max(t.day) filter (where t.day <= b.conversion_day), pg_catalog.min(t.day)) end as touch_day
    from touches as t
    left join buyer_rows as b on b.visitor_key = t.visitor_key
    where t.day >= p_from
    group by t.visitor_key, b.conversion_day
  ),
  -- First touch: the earliest touch from the first day minus the lookback (before the
  -- period: the lookback's rows; else the first day).
  firsts as (
    select v.visitor_key, pg_catalog.min(t.day) as day
    from visitors as v
    join touches as t on t.visitor_key = v.visitor_key and t.day < p_from and t.day >= v.first_day - p_lookback_days
    where p_model = 'first_touch'
    group by v.visitor_key
  ),
  credited as (
    select v.visitor_key, v.clicked,
           case when p_model = 'last_non_direct' and t.source = '(direct)' and t.nd_day >= v.first_day - p_lookback_days
                then t.nd_source else t.source end as source,
           case when p_model = 'last_non_direct' and t.source = '(direct)' and t.nd_day >= v.first_day - p_lookback_days
                then t.nd_medium else t.medium end as medium,
           case when p_model = 'last_non_direct' and t.source = '(direct)' and t.nd_day >= v.first_day - p_lookback_days
                then t.nd_campaign else t.campaign end as campaign
    from visitors as v
    left join firsts as f on f.visitor_key = v.visitor_key
    join touches as t
      on t.visitor_key = v.visitor_key
     and t.day = case when p_model = 'first_touch' then coalesce(f.day, v.first_day) else v.touch_day end
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
