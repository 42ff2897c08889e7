-- requires: functions/private/register_rollup.sql
-- requires: functions/private/rollup_rows.sql
-- requires: functions/analytics/touched_visitor_days.sql
-- requires: functions/analytics/compute_visitor_daily_counts.sql
-- Compute function of the rollup analytics.org_daily_visitors (migration 0030), a rollup of
-- the rollup analytics.visitor_daily_counts: the rows of every (organization, local day,
-- visitor) touched by non-bot events received in [p_after, p_upto)
-- (analytics.touched_visitor_days), copied from that visitor-day's
-- analytics.visitor_daily_counts row (source, country, device type, events; the nil key
-- of events without a visitor is no visitor). p_org_id NULL (private.apply_rollup, capped
-- at the upstream's watermark): the upstream's stored rows; an organization (readers):
-- private.rollup_rows of the upstream, exact.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_org_daily_visitors(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.org_daily_visitors
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_org_id is null then
    return query
    select v.org_id, v.day, v.visitor_key, v.source, v.country, v.device_type, v.events
    from analytics.visitor_daily_counts as v
    where (v.org_id, v.day, v.visitor_key) in (select t.org_id, t.day, t.visitor_key
                                               from analytics.touched_visitor_days(null, p_after, p_upto) as t)
      and v.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid;
    return;
  end if;
  return query
  with t as materialized (
    select x.day, x.visitor_key from analytics.touched_visitor_days(p_org_id, p_after, p_upto) as x
  )
  select v.org_id, v.day, v.visitor_key, v.source, v.country, v.device_type, v.events
  from private.rollup_rows(null::analytics.visitor_daily_counts, p_org_id,
                           coalesce((select pg_catalog.min(t.day) from t), 'infinity'::date),
                           coalesce((select pg_catalog.max(t.day) + 1 from t), 'infinity'::date)) as v
  where (v.day, v.visitor_key) in (select t.day, t.visitor_key from t)
    and v.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid;
end;
$$;
revoke execute on function analytics.compute_org_daily_visitors(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_org_daily_visitors(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.org_daily_visitors (a rollup of analytics.visitor_daily_counts): the touched visitor-days. Internal (owner only).';

select private.register_rollup(
  'analytics.org_daily_visitors', 'analytics.events', 'analytics.org_daily_visitors', 'analytics.compute_org_daily_visitors',
  array['org_id', 'day', 'visitor_key'], 'day', array['analytics.visitor_daily_counts'],
  'Per organization, local day and visitor: the exact distinct-visitor sets with first source, country and device (migration 0030); from analytics.visitor_daily_counts.');
