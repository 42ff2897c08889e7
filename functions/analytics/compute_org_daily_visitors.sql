-- requires: functions/analytics/received_days.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/private/rollup_rows.sql
-- requires: functions/analytics/org_day_counts.sql
-- Compute function of the rollup analytics.org_daily_visitors (migration 0030), a rollup of
-- the rollup analytics.visitor_daily_counts: the visitor rows of every (organization,
-- local day) touched by non-bot events received in [p_after, p_upto)
-- (analytics.org_day_counts), copied from analytics.visitor_daily_counts (source, country,
-- device type, events; the nil key of events without a visitor is no visitor). Every
-- visitor of a touched day is returned; apply rewrites only the rows that changed.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_org_daily_visitors(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.org_daily_visitors
language sql
stable
as $$
  select v.org_id, v.day, v.visitor_key, v.source, v.country, v.device_type, v.events
  from analytics.org_day_counts(p_org_id, p_after, p_upto) as v
  where v.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid
$$;
revoke execute on function analytics.compute_org_daily_visitors(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_org_daily_visitors(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.org_daily_visitors (a rollup of analytics.visitor_daily_counts): the visitors of the touched organization-days. Internal (owner only).';

select private.register_rollup(
  'analytics.org_daily_visitors', 'analytics.events', 'analytics.org_daily_visitors', 'analytics.compute_org_daily_visitors',
  array['org_id', 'day', 'visitor_key'], 'day', array['analytics.visitor_daily_counts'],
  'Per organization, local day and visitor: the exact distinct-visitor sets with first source, country and device (migration 0030); from analytics.visitor_daily_counts.',
  p_shared_source => 'analytics.received_days');
