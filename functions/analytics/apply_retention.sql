-- requires: functions/private/rollups_in_order.sql
-- requires: functions/private/pseudonymize_visitor.sql
-- requires: functions/analytics/anonymize_old_events.sql
-- requires: functions/analytics/pseudonymize_old_rollup_rows.sql
-- requires: functions/private/retain_audience_touch_days.sql
-- Raw-event retention: drops whole monthly partitions of analytics.events older than
-- p_raw_days once the rollups cover them, and pseudonymizes the identifiers of the older
-- events that are still stored. Returns what it did, one row per action.
-- Callable by service_role (the nightly job) and DBA sessions.
--
-- cutoff = midnight UTC p_raw_days days ago (today's UTC midnight - p_raw_days days).
-- Covered: an event is covered by the rollups when every rollup registered with the
-- engine (private.rollups; the daily rollups of 0030 among them) has a watermark later
-- than its received_at: the run first applies each of them (private.apply_rollup, in
-- dependency order), so only events received during the run stay uncovered.
-- 1. Drop. Monthly partitions (bounds from the catalog) whose upper bound is at or
--    before the cutoff are taken oldest first; each one whose events are all covered is
--    detached (ALTER TABLE ... DETACH PARTITION: a brief ACCESS EXCLUSIVE lock on
--    analytics.events; CONCURRENTLY is impossible inside a function) and dropped: no row
--    is deleted one by one. The first partition that is not covered stops the dropping
--    (so that dropped data is always a prefix of time). With
--    analytics.retention_state.archive_partitions on, step 2 runs first and each such
--    partition is moved to schema archive (ALTER TABLE ... SET SCHEMA) instead of
--    dropped: action archived_partition, target archive.<name>. analytics.retention_state.
--    raw_events_from moves to the upper bound of the last dropped partition; the daily
--    rollups never recompute a day that starts before it (analytics.received_days), so
--    those rollups stay.
-- 2. "Kept longer" = every event with occurred_at before the cutoff that is still stored
--    after step 1: the rows before the cutoff in the partition that straddles it, rows of
--    old partitions not dropped yet, and rows of the DEFAULT partition. Of these, the
--    covered ones (uncovered rows wait for the aggregation and are handled by a later
--    run) get their identifiers replaced by keyed hashes (HMAC-SHA256 with
--    private.pseudonymization_key, per organization):
--      visitor_id  -> 'anon:' || private.pseudonymize_visitor(org, visitor_id or 'user:<user_id>'),
--                     the very key of the rollups' visitor sets, so distinct-visitor counts
--                     are unchanged; also set for events that had only a user_id;
--      user_id     -> HMAC('<org_id>:user_id:<user_id>') as a uuid;
--      session_id  -> 'anon:' || HMAC('<org_id>:session:<session_id>').
--    properties   -> without the personal keys of analytics.personal_property_keys()
--                    (ip, email, name, user_agent, the full referrer URL...).
--    A row is anonymized once: a visitor_id of the form 'anon:<uuid>' marks it (a row
--    with a personal property key left is taken again). Other columns (city, country,
--    device, the other properties, client_event_id) are kept. content_created events are
--    exempt: they record authorship (removed by app.erase_user), not audience behaviour.
--    The cutoff is an instant: events before it are anonymized whatever their local day.
-- 2b. The identifiers the daily rollups copied from the events (analytics.user_daily_stats
--    and user_daily_interactions: user_id; analytics.visitor_daily_counts: session ids) of
--    local days wholly before the cutoff get the same keyed hashes, once per day
--    (analytics.pseudonymize_old_rollup_rows; action pseudonymized_rollup_rows, listed only
--    when there were any).
-- 3. The audience rollups' per-visitor rows (visitor days and their device x network
--    combinations, sessions, touch days: private.retain_audience_touch_days) of local days
--    wholly before the cutoff (sessions started before it) are deleted; their per-day aggregates keep their numbers
--    (deleted_visitor_rows, listed only when there were any).
-- 4. The stored insight aggregates (private.insight_aggregates, migrations 0040 and 1120)
--    whose read range starts before the cutoff are deleted (deleted_insight_aggregates,
--    listed only when there were any): the events this run dropped or pseudonymized lie
--    in it. The others stay valid. The run takes the advisory lock that
--    insights.refresh_aggregates and insights.refresh_all_aggregates take in share mode,
--    first: it waits for a refresh of the aggregates in progress, whose results it then
--    sees and deletes, and holds off the next until it commits, so no result is stored
--    from events read before this run.
-- The cutoff never moves back: it is the later of now - p_raw_days (UTC midnight) and the
-- last run's (analytics.retention_state.last_cutoff). A run with more days than an earlier
-- one (90 after a manual 78) keeps the earlier cutoff, since what that run pseudonymized
-- and deleted before it cannot come back, and the readers take every day from the last
-- cutoff on as exact.
-- Finally analytics.retention_state: last_run_at, last_cutoff, and the run appended to the
-- run history (run_cutoffs, run_covered_upto: the cutoff, and the received_at bound below
-- which step 2 pseudonymized), which audience.compute_customers reads.
-- 22023: p_raw_days NULL or outside 1..3650.
create or replace function analytics.apply_retention(p_raw_days integer default 90)
returns table (action text, target text, rows bigint)
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_cutoff     timestamptz;
  v_part       record;
  v_uncovered  boolean;
  v_rows       bigint;
  v_part_rows  bigint;
  v_horizon    timestamptz;
  v_archive    boolean;
  v_rollup     text;
  v_rollups_upto timestamptz;
  v_anonymized bigint := 0;
begin
  if p_raw_days is null or p_raw_days not between 1 and 3650 then
    raise exception 'raw retention of % days is out of range', p_raw_days
      using errcode = '22023', hint = 'Pass 1 to 3650 days (default 90).';
  end if;
  v_cutoff := (pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') - pg_catalog.make_interval(days => p_raw_days))
              at time zone 'UTC';
  -- The cutoff never moves back (see the header): an earlier run with fewer days went further.
  select greatest(v_cutoff, s.last_cutoff) into v_cutoff from analytics.retention_state as s where s.id = 1;

  -- 4's lock first (see the header): the stored insight aggregates' writers take it in share mode.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.insight_aggregates'), 0);

  -- Partitions are created and dropped one session at a time.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('analytics.ensure_partitions'));
  -- 0. Every rollup registered with the engine (private.rollups) first applies what it has
  --    not yet, in dependency order: raw partitions are dropped or archived only once those
  --    rollups reflect them too (v_rollups_upto: the lowest watermark after that).
  for v_rollup in select o.name from private.rollups_in_order() as o order by o.level, o.name
  loop
    perform private.apply_rollup(v_rollup);
  end loop;
  select coalesce(pg_catalog.min(r.watermark), 'infinity') into v_rollups_upto from private.rollups as r;

  select s.archive_partitions into v_archive from analytics.retention_state as s where s.id = 1;
  if v_archive then
    -- Archived rows keep no identifier: pseudonymize every covered event before the
    -- cutoff first (step 2 then finds nothing left in the archived partitions; its count
    -- includes these rows).
    v_anonymized := analytics.anonymize_old_events(v_cutoff);
  end if;

  -- 1. Whole partitions.
  for v_part in
    select b.oid, b.name, b.lower_bound, b.upper_bound
    from (
      select c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) as name,
             m.bounds[1]::timestamptz as lower_bound, m.bounds[2]::timestamptz as upper_bound
      from pg_catalog.pg_inherits as i
      join pg_catalog.pg_class as c on c.oid = i.inhrelid
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
      cross join lateral pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                                                 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') as m (bounds)
      where i.inhparent = 'analytics.events'::pg_catalog.regclass
    ) as b
    where b.upper_bound <= v_cutoff
    order by b.lower_bound
  loop
    execute pg_catalog.format(
      'select exists (select 1 from %s as e
                       join app.organizations as o on o.id = e.org_id
                      where e.received_at >= $1)', v_part.name)
      into v_uncovered using v_rollups_upto;
    if v_uncovered then
      action := 'kept_uncovered_partition'; target := v_part.name; rows := null;
      return next;
      exit;
    end if;
    execute pg_catalog.format('select pg_catalog.count(*) from %s', v_part.name) into v_rows;
    execute pg_catalog.format('alter table analytics.events detach partition %s', v_part.name);
    if v_archive then
      execute pg_catalog.format('alter table %s set schema archive', v_part.name);
      action := 'archived_partition'; target := 'archive.' || pg_catalog.split_part(v_part.name, '.', 2);
    else
      execute pg_catalog.format('drop table %s', v_part.name);
      action := 'dropped_partition'; target := v_part.name;
    end if;
    v_horizon := greatest(v_horizon, v_part.upper_bound);
    rows := v_rows;
    return next;
  end loop;

  if v_horizon is not null then
    update analytics.retention_state as s
       set raw_events_from = greatest(s.raw_events_from, v_horizon)
     where s.id = 1;
  end if;

  -- 2. Pseudonymize the covered events before the cutoff that remain.
  v_rows := v_anonymized + analytics.anonymize_old_events(v_cutoff);
  action := 'anonymized'; target := 'analytics.events'; rows := v_rows;
  return next;
  -- 2b. And the identifiers the daily rollups copied from them.
  v_rows := analytics.pseudonymize_old_rollup_rows(v_cutoff);
  if v_rows > 0 then
    action := 'pseudonymized_rollup_rows'; target := 'analytics.user_daily_stats, user_daily_interactions, visitor_daily_counts';
    rows := v_rows;
    return next;
  end if;

  -- 3. The per-visitor rows of the audience rollups (private.audience_visitor_days,
  --    audience_visitor_day_combos, audience_sessions) carry visitor keys: those of local
  --    days wholly before the cutoff are deleted, as the events' identifiers are replaced.
  --    Their per-day aggregates (audience_day_counts, audience_device_days,
  --    audience_session_prefixes) keep their numbers, like the daily rollups.
  delete from private.audience_visitor_day_combos as c
  using app.organizations as o
  where o.id = c.org_id and c.day < (v_cutoff at time zone o.timezone)::date;
  get diagnostics v_rows = row_count;
  delete from private.audience_visitor_days as d
  using app.organizations as o
  where o.id = d.org_id and d.day < (v_cutoff at time zone o.timezone)::date;
  get diagnostics v_part_rows = row_count;
  v_rows := v_rows + v_part_rows;
  delete from private.audience_sessions as s where s.started_at < v_cutoff;
  get diagnostics v_part_rows = row_count;
  v_rows := v_rows + v_part_rows;
  v_rows := v_rows + private.retain_audience_touch_days(v_cutoff);
  if v_rows > 0 then
    action := 'deleted_visitor_rows'; target := 'private.audience_*'; rows := v_rows;
    return next;
  end if;

  select pg_catalog.count(*) into v_rows
  from analytics.events as e
  join app.organizations as o on o.id = e.org_id
  where e.occurred_at < v_cutoff
    and e.received_at >= v_rollups_upto;
  action := 'waiting_for_rollups'; target := 'analytics.events'; rows := v_rows;
  return next;

  -- 4. Stored insight aggregates whose read range the cutoff reaches.
  with d as (delete from private.insight_aggregates as a where a.comparison_start < v_cutoff returning a.org_id),
       dr as (delete from private.insight_aggregate_rows as r where r.org_id in (select d.org_id from d))  -- no foreign key (1121)
  select pg_catalog.count(*) into v_rows from d;
  if v_rows > 0 then
    action := 'deleted_insight_aggregates'; target := 'private.insight_aggregates'; rows := v_rows;
    return next;
  end if;

  update analytics.retention_state as s
     set last_run_at = pg_catalog.now(), last_cutoff = v_cutoff,
         run_cutoffs = s.run_cutoffs || v_cutoff, run_covered_upto = s.run_covered_upto || v_rollups_upto
   where s.id = 1;
end;
$$;
revoke execute on function analytics.apply_retention(integer) from public, anon, authenticated;
grant execute on function analytics.apply_retention(integer) to service_role;
comment on function analytics.apply_retention(integer) is
  'Retention of raw events: drops whole monthly partitions ending before now - p_raw_days (UTC midnight) once rollups cover them (DETACH + DROP, oldest first), then replaces user_id / visitor_id / session_id of the covered older events still stored by keyed hashes (HMAC-SHA256, key readable by the owner only). then deletes the audience rollups'' per-visitor rows of days before the cutoff and the stored insight aggregates whose range starts before it. Returns (action, target, rows): dropped_partition (archived_partition when retention_state.archive_partitions), kept_uncovered_partition, anonymized, deleted_visitor_rows (when any), waiting_for_rollups, deleted_insight_aggregates (when any). service_role / DBA.';
