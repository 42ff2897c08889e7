-- requires: functions/analytics/received_any.sql
-- requires: functions/private/shared_source_memo.sql
-- The (organization, local day) pairs that the non-bot events received in
-- [p_after, p_upto) fall on (p_org_id NULL: every organization), with the day's bounds and
-- the organization's time zone; days that start before the retention horizon
-- (analytics.retention_state.raw_events_from: their raw events were dropped) are left
-- out, so their rollup rows stay as they are. The touched days of the rollups of
-- migrations 0030 / 0660 (analytics.touched_day_events, and the organization-day
-- dependents). Planned for the actual bounds at every call (force_custom_plan): a full
-- rebuild (p_after '-infinity') hashes every event, a minute's apply reads a BRIN range.
-- ROWS 10: a few days per call for the callers' plans.
-- The shared source (migrations/0970) of the rollups of the daily rollups (org_daily_stats,
-- org_daily_visitors, org_daily_recency, entity_daily_recency): applied together, they
-- find the touched days once (private.shared_source_memo).
-- Internal helper of the engine-registered daily rollups: owner only.
create or replace function analytics.received_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, day date, from_ts timestamptz, to_ts timestamptz, timezone text)
language plpgsql
stable
rows 10
set search_path = ''
set plan_cache_mode = force_custom_plan
-- The events received are joined to their organization by hash: estimated at a few rows (BRIN),
-- a day's 55,000 were matched against each of the 1,000 organizations in a nested loop (12 s).
set enable_nestloop = off
-- No JIT: at 10M events the plan for a minute of events crossed jit_above_cost (0.33 s of
-- compilation per call, BENCHMARKS.md "Customers and profile stats ... helper cu").
set jit = off
as $$
#variable_conflict use_column
declare
  v_memo text := private.shared_source_memo('analytics.received_days', p_org_id, p_after, p_upto);
begin
  if v_memo is not null then
    return query execute 'select * from ' || v_memo;   -- found once for the rollups applied together
    return;
  end if;
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan
  end if;
  return query
  select d.org_id, d.day, (d.day::timestamp at time zone o.timezone), ((d.day + 1)::timestamp at time zone o.timezone),
         o.timezone::text
  from (
    select distinct e.org_id, (e.occurred_at at time zone o.timezone)::date as day
    from analytics.events as e
    join app.organizations as o on o.id = e.org_id
    where e.received_at >= p_after and e.received_at < p_upto
      and (p_org_id is null or e.org_id = p_org_id)
      and not e.is_bot
  ) as d
  join app.organizations as o on o.id = d.org_id
  left join analytics.retention_state as r on r.id = 1
  where r.raw_events_from is null or (d.day::timestamp at time zone o.timezone) >= r.raw_events_from;
end;
$$;
revoke execute on function analytics.received_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.received_days(uuid, timestamptz, timestamptz) is
  'Organization local days touched by non-bot events received in [p_after, p_upto) (not before the retention horizon), with bounds and time zone. Internal helper of the daily rollups (owner only).';
