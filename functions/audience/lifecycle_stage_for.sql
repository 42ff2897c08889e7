-- Lifecycle stage rules, the first that matches wins, at reference time p_as_of:
--   churned       no activity (event or order) for 180 days or more, whatever the orders
--   at_risk       no activity for 60 days or more
--   champion      4 or more orders, or engagement_score >= 80 (top engagement)
--   repeat_buyer  2 or 3 orders
--   customer      1 order
--   prospect      no order
-- Orders are audience.orders rows that were not refunded. STABLE (timestamptz - interval
-- depends on the time zone): declared so it is inlined into audience.customers_now.
-- Internal helper (inlined).
create or replace function audience.lifecycle_stage_for(
  p_orders_count     integer,
  p_engagement_score integer,
  p_last_seen_at     timestamptz,
  p_as_of            timestamptz
)
returns audience.lifecycle_stage
language sql
stable
parallel safe
as $$
  select case when p_last_seen_at <= p_as_of - interval '180 days' then 'churned'::audience.lifecycle_stage
              when p_last_seen_at <= p_as_of - interval '60 days' then 'at_risk'::audience.lifecycle_stage
              when p_orders_count >= 4 or p_engagement_score >= 80 then 'champion'::audience.lifecycle_stage
              when p_orders_count >= 2 then 'repeat_buyer'::audience.lifecycle_stage
              when p_orders_count = 1 then 'customer'::audience.lifecycle_stage
              else 'prospect'::audience.lifecycle_stage end
$$;
revoke execute on function audience.lifecycle_stage_for(integer, integer, timestamptz, timestamptz) from public, anon, authenticated;
comment on function audience.lifecycle_stage_for(integer, integer, timestamptz, timestamptz) is
  'Lifecycle stage, first rule that matches: churned (180+ days inactive), at_risk (60+), champion (4+ orders or engagement >= 80), repeat_buyer (2-3 orders), customer (1), prospect (0).';
