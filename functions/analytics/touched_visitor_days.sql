-- requires: functions/analytics/touched_day_events.sql
-- The (organization, local day, visitor key) units of analytics.visitor_daily_counts that
-- the non-bot events received in [p_after, p_upto) touch, mapped exactly as that rollup
-- maps them (analytics.touched_day_events; the nil uuid for events without a visitor):
-- the keys its dependents (analytics.org_daily_visitors) recompute.
-- Internal helper: owner only.
create or replace function analytics.touched_visitor_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, day date, visitor_key uuid)
language sql
stable
as $$
  select distinct e.org_id, e.day, coalesce(e.visitor_key, '00000000-0000-0000-0000-000000000000'::uuid)
  from analytics.touched_day_events(p_org_id, p_after, p_upto) as e
  where e.fresh
$$;
revoke execute on function analytics.touched_visitor_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.touched_visitor_days(uuid, timestamptz, timestamptz) is
  'Visitor-days (nil visitor key: events without a visitor) touched by non-bot events received in [p_after, p_upto). Internal helper of the daily rollups (owner only).';
