-- requires: functions/private/assert_period.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/audience_touched.sql
-- requires: functions/private/visitor_day_channels.sql
-- Acquisition channels of one organization for the local days [p_from, p_to): one row
-- per source / medium / campaign. Callable by members (viewer or above) and service_role.
-- Definitions (see public.get_audience_overview for days, bots, visitors, orders and retention):
--   * a visitor's channel is the channel of their first event in the period (first touch
--     in the period): source = utm_source, else the referrer domain, else '(direct)';
--     medium = utm_medium, else 'referral' (referrer without utm), else '(none)';
--     campaign = utm_campaign, else '(none)'. Each visitor counts in exactly one row;
--   * buyers with orders in the period but no event in it are in the row
--     ('(untracked)', '(none)', '(none)') with 0 visitors; so are the orders and revenue
--     of orders with neither visitor_id nor user_id, which are nobody's (not a buyer);
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
-- Reads the audience rollups (private.audience_day_counts, audience_visitor_days) and, on
-- the days with events received since the watermark, recomputes from analytics.events the
-- visitors of those events only (or every visitor of those days: private.audience_touched,
-- as get_audience_overview), the per-day counts minus what they hold for them.
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
  -- is recomputed on them: these visitors, or (NULL) every visitor of them.
  select t.days, t.keys into v_dirty, v_keys from private.audience_touched(p_org_id, p_from, p_to) as t;
  v_all := v_keys is null;

  return query
  -- Visitor-days of those days, from the events (of the recomputed visitors).
  with raw as materialized (
    select v.day, v.visitor_key collate "C" as visitor_key, v.source, v.medium, v.campaign, v.clicked
    from private.visitor_day_channels(array[p_org_id], coalesce(v_dirty[1], p_to),
                                      coalesce(v_dirty[pg_catalog.cardinality(v_dirty)] + 1, p_to)) as v
    where v.day = any (v_dirty) and (v_all or v.visitor_key = any (v_keys))
  ),
  -- One row per buyer of the period.
  buyer_rows as materialized (
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
  -- Visitors answered one by one: the recomputed visitors seen on those days in the events
  -- or (some recomputed) in the stored rows.
  special as materialized (
    select r.visitor_key from raw as r
    union
    select t.visitor_key from private.audience_visitor_days as t
    where t.org_id = p_org_id and t.visitor_key = any (v_keys) and t.day = any (v_dirty) and t.day >= p_from and t.day < p_to
  ),
  -- Their stored rows in the period the per-day counts hold (whole days recomputed: not
  -- those days); recomputed: a day recomputed for them; is_first: the row by which the
  -- per-day counts count them (their first day in the period), with whether they clicked
  -- from then to p_to.
  stored as materialized (
    select t.visitor_key, t.day, t.source, t.medium, t.campaign, t.flags & 1 <> 0 as clicked,
           t.day = any (v_dirty) as recomputed,
           t.prev_day is null or t.prev_day < p_from as is_first,
           t.next_click_day < p_to as clicked_since
    from special as s
    join private.audience_visitor_days as t
      on t.org_id = p_org_id and t.visitor_key = s.visitor_key and t.day >= p_from and t.day < p_to
    where not (v_all and t.day = any (v_dirty))
  ),
  -- Per such visitor: the channel of their first day in the period, whether they clicked.
  facts as (
    select distinct on (x.visitor_key)
           x.visitor_key, x.source, x.medium, x.campaign,
           pg_catalog.bool_or(x.clicked) over (partition by x.visitor_key) as clicked
    from (select s.visitor_key, s.day, s.source, s.medium, s.campaign, s.clicked from stored as s
          where not s.recomputed
          union all
          select r.visitor_key, r.day, r.source, r.medium, r.campaign, r.clicked from raw as r) as x
    order by x.visitor_key, x.day
  ),
  -- Visitors and clickers per channel: the per-day counts (rows that are a visitor's
  -- first in the period), minus what they hold for the visitors above, plus those.
  channel_visitors as (
    select x.source, x.medium, x.campaign, pg_catalog.sum(x.visitors) as visitors, pg_catalog.sum(x.clicked) as clicked
    from (select c.dim1 as source, c.dim2 as medium, c.dim3 as campaign, c.visitors::bigint as visitors,
                 case when c.next_day < p_to then c.visitors else 0 end::bigint as clicked
          from private.audience_day_counts as c
          where c.org_id = p_org_id and c.measure = 'channel' and c.day >= p_from and c.day < p_to
            and (c.prev_day is null or c.prev_day < p_from) and not (v_all and c.day = any (v_dirty))
          union all
          select s.source, s.medium, s.campaign, -1, case when s.clicked_since then -1 else 0 end
          from stored as s where s.is_first
          union all
          select f.source, f.medium, f.campaign, 1, case when f.clicked then 1 else 0 end
          from facts as f) as x
    group by 1, 2, 3
    having pg_catalog.sum(x.visitors) > 0
  ),
  -- Each buyer's channel: that of their first day in the period (on the reflected days,
  -- only rows that can be first: first in the period, or after a day left to the events).
  buyer_first as (
    select distinct on (x.visitor_key) x.visitor_key, x.source, x.medium, x.campaign
    from (select t.visitor_key, t.day, t.source, t.medium, t.campaign
          from buyer_rows as b
          join private.audience_visitor_days as t
            on t.org_id = p_org_id and t.visitor_key = b.visitor_key and t.day >= p_from and t.day < p_to
          where not (t.day = any (v_dirty) and (v_all or t.visitor_key = any (v_keys)))
            and (t.prev_day is null or t.prev_day < p_from or t.prev_day = any (v_dirty))
          union all
          select r.visitor_key, r.day, r.source, r.medium, r.campaign
          from raw as r
          where r.visitor_key in (select b.visitor_key from buyer_rows as b)) as x
    order by x.visitor_key, x.day
  ),
  buyer_channels as (
    select coalesce(f.source, '(untracked)') as source,
           coalesce(f.medium, '(none)') as medium,
           coalesce(f.campaign, '(none)') as campaign,
           pg_catalog.count(b.visitor_key) as buyers,   -- an order without a key is nobody's
           pg_catalog.count(f.visitor_key) as converted,
           pg_catalog.sum(b.orders)::bigint as orders,
           pg_catalog.sum(b.revenue_cents)::bigint as revenue_cents,
           pg_catalog.round(pg_catalog.avg(l.revenue_cents))::bigint as ltv_cents
    from buyer_rows as b
    left join buyer_first as f on f.visitor_key = b.visitor_key
    left join lifetime as l on l.visitor_key = b.visitor_key
    group by 1, 2, 3
  ),
  channels as (
    select coalesce(v.source, b.source) as source,
           coalesce(v.medium, b.medium) as medium,
           coalesce(v.campaign, b.campaign) as campaign,
           coalesce(v.visitors, 0)::bigint as visitors,
           coalesce(v.clicked, 0)::bigint as clicked_visitors,
           coalesce(b.buyers, 0) as buyers,
           coalesce(b.converted, 0) as converted,
           coalesce(b.orders, 0) as orders,
           coalesce(b.revenue_cents, 0) as revenue_cents,
           b.ltv_cents
    from channel_visitors as v
    full join buyer_channels as b on b.source = v.source and b.medium = v.medium and b.campaign = v.campaign
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
