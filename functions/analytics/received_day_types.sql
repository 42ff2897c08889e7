-- requires: functions/analytics/received_any.sql
-- The (organization, local day, event type) triples of the non-bot events received in
-- [p_after, p_upto) (p_org_id NULL: every organization), with the day's bounds and the
-- organization's time zone: what analytics.touched_days filters by type. The shared source
-- (migrations/0970) of the daily rollups that follow the events of some types
-- (entity_daily_funnel, entity_daily_interactions, org_daily_breakdowns,
-- search_daily_stats): applied together, they find their touched days in one read of the
-- events received (private.shared_source_memo, in analytics.touched_days).
-- Planned for the actual bounds at every call (force_custom_plan): a full rebuild hashes
-- every event, a minute's apply reads a BRIN range.
-- Internal helper of the engine-registered daily rollups: owner only.
create or replace function analytics.received_day_types(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, day date, event_type text, from_ts timestamptz, to_ts timestamptz, timezone text)
language plpgsql
stable
rows 30
set search_path = ''
set plan_cache_mode = force_custom_plan
-- The events received are joined to their organization by hash: estimated at a few rows (BRIN),
-- a day's 55,000 were matched against each of the 1,000 organizations in a nested loop (12 s).
set enable_nestloop = off
-- No JIT: after a day of new events at 10M, 0.26 s of its 0.54 s was compiling (BENCHMARKS.md,
-- helper dr), as for analytics.received_days.
set jit = off
as $$
#variable_conflict use_column
begin
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan
  end if;
  return query
  select d.org_id, d.day, d.event_type, (d.day::timestamp at time zone o.timezone), ((d.day + 1)::timestamp at time zone o.timezone),
         o.timezone::text
  from (
    select distinct e.org_id, (e.occurred_at at time zone o.timezone)::date as day, e.event_type::text as event_type
    from analytics.events as e
    join app.organizations as o on o.id = e.org_id
    where e.received_at >= p_after and e.received_at < p_upto
      and (p_org_id is null or e.org_id = p_org_id)
      and not e.is_bot
  ) as d
  join app.organizations as o on o.id = d.org_id;
end;
$$;
revoke execute on function analytics.received_day_types(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.received_day_types(uuid, timestamptz, timestamptz) is
  'Organization local days and event types of the non-bot events received in [p_after, p_upto), with bounds and time zone: the shared source of the typed daily rollups (migrations/0970). Internal (owner only).';
