-- requires: functions/private/rollup_rows.sql
-- requires: functions/audience/compute_customers.sql
-- requires: functions/audience/propensity_from_dates.sql
-- requires: functions/audience/lifecycle_stage_for.sql
-- requires: functions/audience/intent_level_for.sql
-- The customers of one organization as of now, exact at every moment: the rows of the
-- rollup audience.customers through private.rollup_rows (stored rows of customers nothing
-- touched since the watermark, plus audience.compute_customers over [watermark, infinity)
-- for the others: an event received a second ago counts), with the values that depend on
-- the clock derived here from the stored dates at now():
--   propensity_score  audience.propensity_from_dates (30-day signals, past purchaser)
--   intent_level      audience.intent_level_for(propensity_score)
--   lifecycle_stage   audience.lifecycle_stage_for(orders, engagement, last_seen_at, now())
-- Opted-out visitors (audience.opt_outs) never appear, whatever the state of the rollup.
-- Columns are audience.customers' (see its column comments) plus those three. Internal:
-- no membership check (the segment RPCs check first); owner and definer RPCs only.
create or replace function audience.customers_now(p_org_id uuid)
returns table (
  org_id           uuid,
  visitor_id       text,
  user_id          uuid,
  first_seen_at    timestamptz,
  last_seen_at     timestamptz,
  first_source     text,
  first_medium     text,
  first_campaign   text,
  last_source      text,
  last_medium      text,
  last_campaign    text,
  device_type      text,
  country          char(2),
  city             text,
  events_count     bigint,
  sessions_count   bigint,
  orders_count     integer,
  revenue_cents    bigint,
  aov_cents        bigint,
  first_order_at   timestamptz,
  last_order_at    timestamptz,
  engagement_score smallint,
  propensity_score smallint,
  intent_level     audience.intent_level,
  lifecycle_stage  audience.lifecycle_stage
)
language sql
stable
set search_path = ''
as $$
  select c.org_id, c.visitor_id, c.user_id, c.first_seen_at, c.last_seen_at,
         c.first_source, c.first_medium, c.first_campaign, c.last_source, c.last_medium, c.last_campaign,
         c.device_type, c.country, c.city, c.events_count, c.sessions_count,
         c.orders_count, c.revenue_cents, c.aov_cents, c.first_order_at, c.last_order_at, c.engagement_score,
         p.score::smallint, audience.intent_level_for(p.score),
         audience.lifecycle_stage_for(c.orders_count, c.engagement_score, c.last_seen_at, pg_catalog.now())
  from private.rollup_rows(null::audience.customers, p_org_id) as c
  cross join lateral (
    select audience.propensity_from_dates(c.last_ticket_cta_at, c.last_checkout_at, c.last_gap_at,
                                          c.last_event_at, c.last_network_type, c.first_order_at, pg_catalog.now()) as score
  ) as p
  where c.org_id = p_org_id
    and not exists (select 1 from audience.opt_outs as x where x.org_id = c.org_id and x.visitor_id = c.visitor_id)
$$;
revoke execute on function audience.customers_now(uuid) from public, anon, authenticated;
comment on function audience.customers_now(uuid) is
  'The customers of one organization now, exact whether or not refresh has run (private.rollup_rows over audience.customers), opted-out visitors excluded, with propensity_score, intent_level and lifecycle_stage derived from the stored dates at now(). Internal (segment RPCs).';
