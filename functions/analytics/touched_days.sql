-- requires: functions/private/shared_source_memo.sql
-- requires: functions/analytics/received_day_types.sql
-- The (organization, local day) pairs that the non-bot events of the given types received
-- in [p_after, p_upto) fall on, with the day's bounds as timestamps: the keys a daily
-- rollup of those types must recompute (the unit of the rollups of migrations 0554-0557).
-- p_org_id NULL: every organization. ROWS 10: a few days per call, so that the compute
-- functions join each day to analytics.events through its primary key (org_id,
-- occurred_at) rather than hash a scan of every partition. Planned for the actual bounds
-- at every call (force_custom_plan). While private.apply_rollup runs the compute function
-- of a rollup whose shared source is analytics.received_day_types (migrations/0970), the
-- days come from the one read of that source made for the rollups applied together
-- (private.shared_source_memo): the same pairs.
-- Internal helper of the analytics.compute_* rollups registered with the engine
-- (migration 0100): owner only.
create or replace function analytics.touched_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz, p_types text[])
returns table (org_id uuid, day date, from_ts timestamptz, to_ts timestamptz, timezone text)
language plpgsql
stable
rows 10
set search_path = ''
set plan_cache_mode = force_custom_plan
-- The events received are joined to their organization by hash: estimated at a few rows (BRIN),
-- a day's 55,000 were matched against each of the 1,000 organizations in a nested loop (12 s).
set enable_nestloop = off
-- No JIT: compiling its plan cost more than running it (BENCHMARKS.md, helper dr).
set jit = off
as $$
#variable_conflict use_column
declare
  v_memo text := private.shared_source_memo('analytics.received_day_types', p_org_id, p_after, p_upto);
begin
  if v_memo is not null then
    return query execute 'select distinct m.org_id, m.day, m.from_ts, m.to_ts, m.timezone from ' || v_memo
                         || ' as m where m.event_type = any ($1)'
    using p_types;
    return;
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
      and e.event_type = any (p_types)
      and not e.is_bot
  ) as d
  join app.organizations as o on o.id = d.org_id;
end;
$$;
revoke execute on function analytics.touched_days(uuid, timestamptz, timestamptz, text[]) from public, anon, authenticated;
comment on function analytics.touched_days(uuid, timestamptz, timestamptz, text[]) is
  'Organization local days touched by non-bot events of the given types received in [p_after, p_upto), with their bounds. Internal helper of the engine-registered daily rollups (owner only).';
