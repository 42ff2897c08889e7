-- requires: functions/audience/opted_out.sql
-- requires: functions/private/rollup_rows.sql
-- requires: functions/audience/compute_customers.sql
-- requires: functions/audience/propensity_from_dates.sql
-- requires: functions/audience/lifecycle_stage_for.sql
-- requires: functions/audience/intent_level_for.sql
-- The customers of one organization as of now, with the values that depend on the clock
-- derived here from the stored dates at now() (stored rows depend only on data):
--   propensity_score  audience.propensity_from_dates (30-day signals, past purchaser)
--   intent_level      audience.intent_level_for(propensity_score)
--   lifecycle_stage   audience.lifecycle_stage_for(orders, engagement, last_seen_at, now())
-- Opted-out visitors (audience.opt_outs) never appear, whatever the state of the rollup,
-- nor customers whose user_id opted out (the key 'user:<user_id>').
-- p_exact true (default): the rows of the rollup audience.customers through
--   private.rollup_rows (stored rows of customers nothing touched since the watermark, plus
--   audience.compute_customers over [watermark, infinity) for the others): exact at every
--   moment, an event received a second ago counts. Costs a pass of the engine's generic
--   reader over every customer of the organization (about 0.4 s for 39,016).
-- p_exact false: the stored rows only (the segment RPCs, which scan every customer of the
--   organization and must answer in milliseconds). What lags, precisely: a customer with
--   an event or order received after the rollup's watermark (the last refresh) shows its
--   values as of that refresh, or is missing when it is new since; a customer whose order
--   was deleted or moved since is missing until the next refresh rebuilds it. Stage,
--   intent and propensity are exact for the stored activity (derived at now()), and
--   opt-outs are exact.
-- Columns are audience.customers' (see its column comments) plus those three. SQL without
-- settings, so that it is inlined into its caller. Internal: no membership check (the
-- segment RPCs check first); owner and definer RPCs only.
create or replace function audience.customers_now(p_org_id uuid, p_exact boolean default true)
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
as $$
  select c.org_id, c.visitor_id, c.user_id, c.first_seen_at, c.last_seen_at,
         c.first_source, c.first_medium, c.first_campaign, c.last_source, c.last_medium, c.last_campaign,
         c.device_type, c.country, c.city, c.events_count, c.sessions_count,
         c.orders_count, c.revenue_cents, c.aov_cents, c.first_order_at, c.last_order_at, c.engagement_score,
         p.score::smallint, audience.intent_level_for(p.score),
         audience.lifecycle_stage_for(c.orders_count, c.engagement_score, c.last_seen_at, pg_catalog.now())
  from (select r.* from private.rollup_rows(null::audience.customers, p_org_id, null::integer, null::integer) as r
        where p_exact
        union all
        select t.* from audience.customers as t
        where not p_exact and t.org_id = p_org_id) as c
  cross join lateral (
    select audience.propensity_from_dates(c.last_ticket_cta_at, c.last_checkout_at, c.last_gap_at,
                                          c.last_event_at, c.last_network_type, c.first_order_at, pg_catalog.now()) as score
  ) as p
  where c.org_id = p_org_id
    -- the visitor, or its user (record_opt_out of 'user:<id>': a device first seen later too), opted out
    and not audience.opted_out(c.org_id, c.visitor_id)
$$;
revoke execute on function audience.customers_now(uuid, boolean) from public, anon, authenticated;
comment on function audience.customers_now(uuid, boolean) is
  'The customers of one organization with propensity_score, intent_level and lifecycle_stage derived from the stored dates at now(), opted-out visitors excluded: exact whether or not refresh has run through private.rollup_rows (p_exact, the default), or the stored rows only (p_exact false: the segment RPCs; customers with activity received since the last refresh as of that refresh). Internal.';
