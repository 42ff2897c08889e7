-- requires: functions/private/shared_source_memo.sql
-- requires: functions/analytics/received_day_types.sql
-- The (organization, local day) pairs that the non-bot events of the given types received
-- in [p_after, p_upto) fall on: the keys a daily rollup of those types must recompute (the
-- unit of the rollups of migrations 0554-0557), as runs of consecutive days, one row per
-- run: its bounds as timestamps, [from_ts, to_ts) (the first day's local midnight, the
-- midnight after the last day), and the organization's time zone.
-- The compute functions read the events of each run through the primary key (org_id,
-- occurred_at) and take an event's day as (occurred_at at time zone timezone)::date: the
-- same events and days as day by day, with one index range per run instead of one per day
-- (a rebuild from '-infinity' touches every day: 180,000 index ranges, each through the
-- partitions' runtime pruning, 47 s of the funnel's 0-row rebuild at 10M events).
-- p_org_id NULL: every organization. ROWS 10: a few runs per call, so that the compute
-- functions join each run to analytics.events through its primary key rather than hash a
-- scan of every partition. Planned for the actual bounds
-- at every call (force_custom_plan). While private.apply_rollup runs the compute function
-- of a rollup whose shared source is analytics.received_day_types (migrations/0970), the
-- days come from the one read of that source made for the rollups applied together
-- (private.shared_source_memo): the same pairs.
-- Internal helper of the analytics.compute_* rollups registered with the engine
-- (migration 0100): owner only.
drop function if exists analytics.touched_days(uuid, timestamptz, timestamptz, text[]);
create or replace function analytics.touched_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz, p_types text[])
returns table (org_id uuid, from_ts timestamptz, to_ts timestamptz, timezone text)
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
  v_orgs uuid[];
  v_days date[];
  v_zones text[];
begin
  -- The touched (organization, day) pairs: from the shared read, else from the events.
  if v_memo is not null then
    execute 'select pg_catalog.array_agg(d.org_id), pg_catalog.array_agg(d.day), pg_catalog.array_agg(d.timezone) '
            || 'from (select distinct m.org_id, m.day, m.timezone from ' || v_memo || ' as m where m.event_type = any ($1)) as d'
    into v_orgs, v_days, v_zones
    using p_types;
  else
    select pg_catalog.array_agg(d.org_id), pg_catalog.array_agg(d.day), pg_catalog.array_agg(o.timezone::text)
    into v_orgs, v_days, v_zones
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
  end if;
  -- Consecutive days of an organization share day - row_number().
  return query
  select r.org_id, (pg_catalog.min(r.day)::timestamp at time zone r.timezone),
         ((pg_catalog.max(r.day) + 1)::timestamp at time zone r.timezone), r.timezone
  from (select d.org_id, d.day, d.timezone,
               d.day - (pg_catalog.row_number() over (partition by d.org_id order by d.day))::integer as run
        from rows from (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_days), pg_catalog.unnest(v_zones)) as d (org_id, day, timezone)) as r
  group by r.org_id, r.timezone, r.run;
end;
$$;
revoke execute on function analytics.touched_days(uuid, timestamptz, timestamptz, text[]) from public, anon, authenticated;
comment on function analytics.touched_days(uuid, timestamptz, timestamptz, text[]) is
  'Organization local days touched by non-bot events of the given types received in [p_after, p_upto), as runs of consecutive days (bounds [from_ts, to_ts), time zone). Internal helper of the engine-registered daily rollups (owner only).';
