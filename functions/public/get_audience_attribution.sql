-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/create_rollup_reader.sql
-- requires: functions/private/compute_audience_touch_days.sql
-- requires: functions/private/compute_audience_attribution_days.sql
-- requires: functions/private/audience_attribution_credits.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/private/audience_touched.sql
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
--     the channel); buyers without an event in the period: ('(untracked)', '(none)', '(none)'),
--     where the orders and revenue of orders with neither visitor_id nor user_id also go
--     (nobody's: not a buyer).
-- How (README, "Attribution as sums"): the visitors and clicked visitors of each channel are
-- sums of the rollup private.audience_attribution_days (migration 0950) over the period's
-- days, through its inlinable reader: each row's cumulated weight of the gaps <= day - p_from, for
-- every model with lookbacks 0 and 30 (last touch: any lookback); the buyers' windows end
-- on their conversion day instead, so their credit is moved (the per-visitor credit of
-- each buyer with and without it, private.audience_attribution_credits, through the
-- touch rows' visitor index). Other lookbacks (first touch and last non-direct), periods
-- that start less than 30 days after the last retention cutoff (it clears the touch rows'
-- pointers to the days it deletes), and organizations with events received since the sums
-- were last applied (analytics.received_any) by more visitors than
-- attribution_sums_max_touched_per_mille (3) per 1,000 visitor-days of the period (see
-- below): every visitor's credit,
-- private.audience_attribution_credits (one row per visitor of the period from
-- private.audience_touch_days). The touch rows not yet applied (private.rollup_fresh) are
-- computed once per call and passed to every read of the credits. Exact whether or not
-- refresh has run.
-- Retention and erasure (README, "Attribution as sums"): touches are kept from the last
-- retention cutoff on. The touch rows of local days wholly before the cutoff are deleted
-- (private.retain_audience_touch_days): a visitor with no touch left in the period is not
-- counted, and a period that ends before the cutoff's local day has no row (where
-- get_audience_acquisition still counts the pseudonymized raw events); the row of the local
-- day that contains the cutoff keeps the touch computed before its events were
-- pseudonymized. An erased visitor's touch rows are deleted, but the sums (lookbacks 0 and
-- 30), which hold no identifier, keep their weight until one of their days is recomputed
-- whole or the rollup is rebuilt: there, visitors and clicked visitors may count an erased
-- person that the per-visitor credits (other lookbacks) no longer count.
-- enable_nestloop and enable_mergejoin off: each reader's "stored rows not recomputed since
-- the watermark" is an anti-join with its fresh rows, which the planner, estimating a few
-- fresh rows, made a nested loop rescanning them; a hash anti-join reads them once. The
-- compute functions called by the readers set both back on for themselves.
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
  v_models text[];   -- the rollup's models summed; NULL: the lookback is not covered
  v_fresh private.audience_touch_days[];
  v_touched integer;
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
  v_models := case when p_model = 'last_touch' then array['lt']
                   when p_lookback_days = 0 then case p_model when 'first_touch' then array['ft'] else array['lt', 'nd0'] end
                   when p_lookback_days = 30 then case p_model when 'first_touch' then array['ft', 'ft30'] else array['lt', 'nd30'] end
              end;
  -- Retention rewrites the touch rows of the 30 days after its cutoff (their pointers to
  -- deleted days); the sums hold for periods from 30 days after it on.
  if exists (select 1 from analytics.retention_state as r
             where p_from < (r.last_cutoff at time zone v_tz)::date + 30) then
    v_models := null;
  end if;
  -- Events of the organization received since the sums were applied: their reader moves the
  -- stored sums by the touched visitors' differences (migration 1215), each visitor's rows
  -- computed twice with their history, while the credits cost one touch row per
  -- visitor-day of the period. So the sums are read while the touched visitors
  -- (private.audience_touched) are at most attribution_sums_max_touched_per_mille
  -- (private.audience_settings) per 1,000 visitor-days of the period (the stored per-day
  -- counts, private.audience_day_recency), and never without an audience watermark.
  if v_models is not null and analytics.received_any(
       p_org_id, (select r.watermark from private.rollups as r where r.name = 'private.audience_attribution_days'), 'infinity') then
    select t.touched into v_touched from private.audience_touched(p_org_id, p_from, p_to) as t;
    if v_touched is null
       or 1000 * v_touched > coalesce((select s.value from private.audience_settings as s
                                        where s.name = 'attribution_sums_max_touched_per_mille'), 3)
                             * coalesce((select pg_catalog.sum(r.visitors) from private.audience_day_recency as r
                                         where r.org_id = p_org_id and r.measure = 'all'
                                           and r.day >= p_from and r.day < p_to), 0) then
      v_models := null;
    end if;
  end if;
  select pg_catalog.array_agg(distinct audience.visitor_key(o.visitor_id, o.user_id)) into v_buyers
  from audience.orders as o
  where o.org_id = p_org_id and o.refunded_at is null
    and o.occurred_at >= (p_from::timestamp at time zone v_tz) and o.occurred_at < (p_to::timestamp at time zone v_tz);
  -- The touch rows since the rollup's watermark, computed once for every read of the credits.
  if v_buyers is not null or v_models is null then
    v_fresh := array(select f from private.rollup_fresh(null::private.audience_touch_days, p_org_id) as f);
  end if;

  return query
  with buyer_rows as materialized (
    select audience.visitor_key(o.visitor_id, o.user_id) collate "C" as visitor_key,
           pg_catalog.count(*) as orders, pg_catalog.sum(o.amount_cents) as revenue_cents
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
  buyer_credits as materialized (
    select c.visitor_key collate "C" as visitor_key, c.clicked, c.source, c.medium, c.campaign
    from private.audience_attribution_credits(p_org_id, p_from, p_to, p_model, p_lookback_days, v_buyers, true, v_fresh) as c
    where v_buyers is not null
  ),
  -- Visitors and clicked visitors per channel: the sums, with the buyers moved from the
  -- credit of their last day (what the sums count for last touch and last non-direct) to
  -- that of their conversion day; else one row per visitor.
  weights as (
    select a.source, a.medium, a.campaign,
           coalesce(a.visitors[pg_catalog.width_bucket((a.day - p_from)::smallint, a.gaps)], 0) as visitors,
           coalesce(a.clicked[pg_catalog.width_bucket((a.day - p_from)::smallint, a.gaps)], 0) as clicked
    from private.audience_attribution_days_rows(p_org_id, p_from, p_to) as a
    where v_models is not null and a.model = any (v_models)
    union all
    select c.source, c.medium, c.campaign, -1, -c.clicked::integer
    from private.audience_attribution_credits(p_org_id, p_from, p_to, p_model, p_lookback_days, v_buyers, false, v_fresh) as c
    where v_models is not null and p_model <> 'first_touch' and v_buyers is not null
    union all
    select c.source, c.medium, c.campaign, 1, c.clicked::integer
    from buyer_credits as c
    where v_models is not null and p_model <> 'first_touch'
    union all
    select c.source, c.medium, c.campaign, 1, c.clicked::integer
    from private.audience_attribution_credits(p_org_id, p_from, p_to, p_model, p_lookback_days, null, true, v_fresh) as c
    where v_models is null
  ),
  visits as (
    select w.source collate "C" as source, w.medium collate "C" as medium, w.campaign collate "C" as campaign,
           pg_catalog.sum(w.visitors)::bigint as visitors, pg_catalog.sum(w.clicked)::bigint as clicked
    from weights as w
    group by 1, 2, 3
    having pg_catalog.sum(w.visitors) <> 0
  ),
  sales as (
    select coalesce(c.source, '(untracked)') collate "C" as source, coalesce(c.medium, '(none)') collate "C" as medium,
           coalesce(c.campaign, '(none)') collate "C" as campaign,
           pg_catalog.count(b.visitor_key) as buyers, pg_catalog.count(c.visitor_key) as converted,
           pg_catalog.sum(b.orders) as orders, pg_catalog.sum(b.revenue_cents) as revenue_cents,
           pg_catalog.round(pg_catalog.avg(l.revenue_cents))::bigint as ltv_cents
    from buyer_rows as b
    left join buyer_credits as c on c.visitor_key = b.visitor_key
    left join lifetime as l on l.visitor_key = b.visitor_key
    group by 1, 2, 3
  ),
  channels as (
    select coalesce(v.source, s.source) as source, coalesce(v.medium, s.medium) as medium, coalesce(v.campaign, s.campaign) as campaign,
           coalesce(v.visitors, 0) as visitors, coalesce(v.clicked, 0) as clicked_visitors,
           coalesce(s.buyers, 0) as buyers, coalesce(s.converted, 0) as converted,
           coalesce(s.orders, 0)::bigint as orders, coalesce(s.revenue_cents, 0)::bigint as revenue_cents, s.ltv_cents
    from visits as v
    full join sales as s on s.source = v.source and s.medium = v.medium and s.campaign = v.campaign
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
