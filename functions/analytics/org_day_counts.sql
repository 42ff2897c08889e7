-- requires: functions/private/rollup_rows.sql
-- requires: functions/analytics/received_days.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/analytics/compute_visitor_daily_counts.sql
-- The analytics.visitor_daily_counts rows of the organization-days touched by non-bot
-- events received in [p_after, p_upto) (analytics.received_days): the input of the
-- organization-day rollups (analytics.org_daily_stats, analytics.profile_daily_stats).
-- p_org_id NULL (private.apply_rollup of a dependent, capped at the upstream's
-- watermark): the upstream's stored rows; an organization (readers): private.rollup_rows
-- of the upstream, exact.
-- Internal helper: owner only.
create or replace function analytics.org_day_counts(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.visitor_daily_counts
language plpgsql
stable
set search_path = ''
as $$
begin
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new (a reader's common case): no upstream reader to run
  end if;
  if p_org_id is null then
    return query
    select v.*
    from analytics.received_days(null, p_after, p_upto) as d
    join analytics.visitor_daily_counts as v on v.org_id = d.org_id and v.day = d.day;
    return;
  end if;
  return query
  with d as materialized (
    select x.day from analytics.received_days(p_org_id, p_after, p_upto) as x
  )
  select v.*
  from private.rollup_rows(null::analytics.visitor_daily_counts, p_org_id,
                           coalesce((select pg_catalog.min(d.day) from d), 'infinity'::date),
                           coalesce((select pg_catalog.max(d.day) + 1 from d), 'infinity'::date)) as v
  where v.day in (select d.day from d);
end;
$$;
revoke execute on function analytics.org_day_counts(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.org_day_counts(uuid, timestamptz, timestamptz) is
  'analytics.visitor_daily_counts rows of the organization-days touched by events received in [p_after, p_upto): stored (p_org_id NULL) or exact (an organization). Internal helper of the organization-day rollups (owner only).';
