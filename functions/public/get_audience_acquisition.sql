-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- Acquisition channels of one organization for the local days [p_from, p_to): one row
-- per source / medium / campaign. Callable by members (viewer or above) and service_role.
-- Definitions (see public.get_audience_overview for days, bots, visitors and orders):
--   * a visitor's channel is the channel of their first event in the period (first touch
--     in the period): source = utm_source, else the referrer domain, else '(direct)';
--     medium = utm_medium, else 'referral' (referrer without utm), else '(none)';
--     campaign = utm_campaign, else '(none)'. Each visitor counts in exactly one row;
--   * buyers with orders in the period but no event in it are in the row
--     ('(untracked)', '(none)', '(none)') with 0 visitors;
--   * click_through_rate_pct: visitors who clicked (link_click or ticket_cta) / visitors;
--   * conversion_rate_pct: visitors who are buyers in the period / visitors;
--   * orders, revenue_cents: the channel's buyers' orders placed in the period, not
--     refunded (each order once, whatever the number of page views);
--     aov_cents = revenue_cents / orders;
--   * ltv_cents: average over the channel's buyers of their lifetime revenue (orders not
--     refunded placed before p_to, including earlier ones);
--   * quality_score 0..100 = round(40 x conversion / best conversion + 40 x ltv / best ltv
--     + 20 x click-through / best click-through), the bests taken over the rows returned
--     (a term is 0 when its best is 0 or its value NULL): 100 for a channel that is the
--     best on all three.
-- Ordered by revenue, then visitors (descending). 42501: not a member; 22023: bad period.
create or replace function public.get_audience_acquisition(p_org_id uuid, p_from date, p_to date)
returns table (
  source                 text,
  medium                 text,
  campaign               text,
  visitors               bigint,
  clicked_visitors       bigint,
  click_through_rate_pct numeric,
  buyers                 bigint,
  conversion_rate_pct    numeric,
  orders                 bigint,
  revenue_cents          bigint,
  aov_cents              bigint,
  ltv_cents              bigint,
  quality_score          integer
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
    select d.day, d.source, d.medium, d.campaign, d.visitors, d.flags,
           pg_catalog.dense_rank() over (order by d.source, d.medium, d.campaign)::integer as channel
    from private.channel_days(p_org_id, p_from, p_to) as d
  ),
  channel_names as (
    select distinct d.channel, d.source, d.medium, d.campaign
    from days as d
  ),
  -- One row per visitor: the channel of their first day in the period (a visitor is in
  -- one channel row per day: the channel of their first event that day), found by the
  -- smallest (day, channel) code without sorting; whether they clicked in the period.
  visitor_rows as (
    select k.visitor_key collate "C" as visitor_key,
           (pg_catalog.min(k.code) % 100000)::integer as channel,
           pg_catalog.bit_or(k.flags) & 1 <> 0 as clicked
    from (select (d.day - p_from) * 100000 + d.channel as code,
                 pg_catalog.unnest(d.visitors) as visitor_key, pg_catalog.unnest(d.flags) as flags
          from days as d) as k          -- two set-returning functions in the select list: zipped
    group by 1
  ),
  -- One row per buyer of the period.
  buyer_rows as (
    select audience.visitor_key(o.visitor_id, o.user_id) as visitor_key,
           pg_catalog.count(*) as orders,
           pg_catalog.sum(o.amount_cents) as revenue_cents
    from audience.orders as o
    where o.org_id = p_org_id
      and o.occurred_at >= v_from_at
      and o.occurred_at < v_to_at
      and o.refunded_at is null
    group by 1
  ),
  lifetime as (
    select audience.visitor_key(o.visitor_id, o.user_id) as visitor_key,
           pg_catalog.sum(o.amount_cents) as revenue_cents
    from audience.orders as o
    where o.org_id = p_org_id
      and o.occurred_at < v_to_at
      and o.refunded_at is null
      and audience.visitor_key(o.visitor_id, o.user_id) in (select b.visitor_key from buyer_rows as b)
    group by 1
  ),
  channels as (
    select coalesce(n.source, '(untracked)') as source,
           coalesce(n.medium, '(none)') as medium,
           coalesce(n.campaign, '(none)') as campaign,
           pg_catalog.count(v.visitor_key) as visitors,
           pg_catalog.count(v.visitor_key) filter (where v.clicked) as clicked_visitors,
           pg_catalog.count(b.visitor_key) as buyers,
           pg_catalog.count(b.visitor_key) filter (where v.visitor_key is not null) as converted,
           coalesce(pg_catalog.sum(b.orders), 0)::bigint as orders,
           coalesce(pg_catalog.sum(b.revenue_cents), 0)::bigint as revenue_cents,
           pg_catalog.round(pg_catalog.avg(l.revenue_cents))::bigint as ltv_cents
    from visitor_rows as v
    full join buyer_rows as b on b.visitor_key = v.visitor_key
    left join channel_names as n on n.channel = v.channel
    left join lifetime as l on l.visitor_key = b.visitor_key
    group by 1, 2, 3
  ),
  rates as (
    select c.*,
           pg_catalog.round(100.0 * c.clicked_visitors / nullif(c.visitors, 0), 1) as ctr,
           pg_catalog.round(100.0 * c.converted / nullif(c.visitors, 0), 1) as conversion
    from channels as c
  ),
  bests as (
    select pg_catalog.max(r.ctr) as ctr, pg_catalog.max(r.conversion) as conversion, pg_catalog.max(r.ltv_cents) as ltv
    from rates as r
  )
  select r.source, r.medium, r.campaign, r.visitors, r.clicked_visitors, r.ctr, r.buyers, r.conversion,
         r.orders, r.revenue_cents,
         pg_catalog.round(r.revenue_cents::numeric / nullif(r.orders, 0))::bigint,
         r.ltv_cents,
         pg_catalog.round(coalesce(40 * r.conversion / nullif(b.conversion, 0), 0)
                        + coalesce(40.0 * r.ltv_cents / nullif(b.ltv, 0), 0)
                        + coalesce(20 * r.ctr / nullif(b.ctr, 0), 0))::integer
  from rates as r
  cross join bests as b
  order by r.revenue_cents desc, r.visitors desc, r.source, r.medium, r.campaign;
end;
$$;
revoke execute on function public.get_audience_acquisition(uuid, date, date) from public, anon;
grant execute on function public.get_audience_acquisition(uuid, date, date) to authenticated, service_role;
comment on function public.get_audience_acquisition(uuid, date, date) is
  'Per source / medium / campaign (first touch of each visitor in local days [p_from, p_to)): visitors, click-through rate (clicked link or ticket CTA), conversion rate, orders, revenue (audience.orders, not refunded, counted once), AOV, LTV (average lifetime revenue of the channel''s buyers) and quality_score = round(40 conversion/best + 40 LTV/best + 20 CTR/best). Bots excluded. Members (viewer+) and service_role; 42501 non-members, 22023 bad period.';
