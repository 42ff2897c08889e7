-- requires: functions/private/rollups_in_order.sql
-- Refreshes everything derived, step by step, each step committed on its own and logged
-- in private.refresh_log: partitions ahead, the statistics of partitions that grew since
-- their last ANALYZE (private.analyze_grown_partitions), every registered rollup (private.rollups, via
-- private.apply_rollup) in dependency order, every materialized view in dependency order
-- (CONCURRENTLY when it is populated and has a unique index; with p_views_max_age, the
-- frequent job of `schedule install --every` below an hour, private.mv_cohort_retention only
-- when it is that old or a local week began since: private.refresh_mv_cohort_retention;
-- a run naming it with p_only refreshes it regardless), then the incremental
-- maintenance functions that exist (private.refresh_audience_rollups, audience.update_customers
-- (the customers rollup is applied with the others; this step sweeps after it),
-- then insights.refresh_aggregates for every organization (insights.refresh_all_aggregates); the daily rollups of 0030, once
-- the step analytics.aggregate_daily, are registered rollups since 0661), then the usage steps usage.detect_anomalies and
-- usage.generate_recommendations, and last the retention of raw events (step
-- analytics.apply_retention: analytics.apply_retention_due(90), i.e. 90 days, once per UTC
-- day, after the rollups that must cover what it drops).
-- A failing step is logged with its error and the next steps still run. A step whose run
-- died (server restart, killed client) is marked 'interrupted: ...' by the next run.
-- Overlapping runs do not stack: a second run waits up to p_wait_seconds for the first,
-- then raises 55P03. A running `audiencectl migrate` (exclusive advisory lock) is waited
-- for the same way; while a refresh runs, migrate waits for it.
-- Called by `audiencectl refresh` and by the pg_cron job of `audiencectl schedule install`;
-- owner / DBA sessions only (no grants).
drop procedure if exists private.run_refresh(bigint, text, integer);
create or replace procedure private.run_refresh(
  inout p_run_id bigint default null,
  p_only text default null,
  p_wait_seconds integer default 0,
  p_views_max_age interval default null
)
language plpgsql
-- No `set search_path` clause: a procedure with one cannot COMMIT between steps. It is not
-- SECURITY DEFINER, and every name below is schema-qualified.
as $$
declare
  -- The advisory lock keys audiencectl uses: migrate (exclusive) and refresh.
  v_migrate_key constant bigint := 7022629572271931393;
  v_refresh_key constant bigint := 7022629572271931394;
  v_deadline timestamptz := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => greatest(p_wait_seconds, 0));
  v_step record;
  v_log_id bigint;
  v_started timestamptz;
  v_error text;
  v_steps text[] := '{}';
begin
  while not pg_catalog.pg_try_advisory_lock(v_refresh_key) loop
    if pg_catalog.clock_timestamp() >= v_deadline then
      raise exception 'another refresh is running'
        using errcode = '55P03', hint = 'wait for it to finish, or pass a longer wait (audiencectl refresh --wait SECONDS)';
    end if;
    perform pg_catalog.pg_sleep(0.2);
  end loop;
  while not pg_catalog.pg_try_advisory_lock_shared(v_migrate_key) loop
    if pg_catalog.clock_timestamp() >= v_deadline + interval '60 seconds' then
      perform pg_catalog.pg_advisory_unlock(v_refresh_key);
      raise exception 'audiencectl migrate has been running for over a minute; refresh gave up waiting'
        using errcode = '55P03', hint = 'run refresh again when the migration has finished';
    end if;
    perform pg_catalog.pg_sleep(0.2);
  end loop;

  p_run_id := coalesce(p_run_id, pg_catalog.nextval('private.refresh_run_id'));
  -- A step left without finished_at and error belongs to a dead run (every live run holds
  -- the refresh lock): its session ended mid-step (server restart, killed client), or its
  -- statement was cancelled (pg_cancel_backend, a timeout), which no handler sees.
  update private.refresh_log
     set error = 'interrupted: the step did not finish (its session ended, or its statement was cancelled)'
   where finished_at is null and error is null and run_id <> p_run_id;

  -- The plan: partitions, then materialized views deepest-dependency last, then maintenance.
  for v_step in
    with recursive views as (
      select c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) as name,
             c.relispopulated as populated,
             exists (select 1 from pg_catalog.pg_index i
                      where i.indrelid = c.oid and i.indisunique and i.indisvalid and i.indpred is null
                        and not 0 = any (i.indkey::int2[])) as has_unique
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'm'
         and not exists (select 1 from pg_catalog.pg_depend d where d.objid = c.oid and d.deptype = 'e')
    ), edges as (
      -- view v reads materialized view u
      select distinct r.ev_class as v, d.refobjid as u
        from pg_catalog.pg_rewrite r
        join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = r.oid
       where r.ev_class in (select oid from views) and d.refobjid in (select oid from views) and d.refobjid <> r.ev_class
    ), depth as (
      select v.oid, 0 as level from views v
      union all
      select e.v, d.level + 1 from edges e join depth d on d.oid = e.u where d.level < 32
    )
    select 0 as phase, 0 as level, 'analytics.ensure_partitions' as name, 'select analytics.ensure_partitions(3)' as sql
     where pg_catalog.to_regproc('analytics.ensure_partitions') is not null
    union all
    -- statistics of the partitions that grew since their last ANALYZE, before anything plans over them
    select 0, 1, 'private.analyze_grown_partitions', 'select pg_catalog.count(*) from private.analyze_grown_partitions()'
     where pg_catalog.to_regproc('private.analyze_grown_partitions') is not null
    union all
    -- registered rollups (private.rollups): each after the ones it depends on
    select 1, o.level, o.name, pg_catalog.format('select private.apply_rollup(%L)', o.name)
      from private.rollups_in_order() as o
    union all
    select 1, 100 + l.level, v.name,
           -- the cohorts view: once per p_views_max_age (and local week), unless named alone
           case when v.name = 'private.mv_cohort_retention' and p_views_max_age is not null and p_only is null
                     and pg_catalog.to_regproc('private.refresh_mv_cohort_retention') is not null
                then pg_catalog.format('select private.refresh_mv_cohort_retention(%L::interval)', p_views_max_age)
                when v.populated and v.has_unique
                then 'refresh materialized view concurrently ' || v.name
                else 'refresh materialized view ' || v.name end
      from views v join (select oid, max(level) as level from depth group by oid) l on l.oid = v.oid
    union all
    select 2, 0, 'audience.update_customers', 'select audience.update_customers()'
     where pg_catalog.to_regproc('audience.update_customers') is not null
    union all
    select 2, -1, 'private.refresh_audience_rollups', 'select pg_catalog.count(*) from private.refresh_audience_rollups()'
     where pg_catalog.to_regproc('private.refresh_audience_rollups') is not null
    union all
    -- After the rollups (same phase and level; by name): KPI benchmarks, once a UTC day.
    select 2, -1, 'private.refresh_kpi_benchmarks', 'select private.refresh_kpi_benchmarks()'
     where pg_catalog.to_regproc('private.refresh_kpi_benchmarks') is not null
    union all
    select 4, 0, 'insights.refresh_aggregates',
           'select pg_catalog.count(*) from insights.refresh_all_aggregates()'
     where pg_catalog.to_regproc('insights.refresh_all_aggregates') is not null
    union all
    -- usage: anomalies of the complete hours of the last 2 days, recommendations of the
    -- organizations with requests in the last 30 days (both idempotent)
    select 4, 1, 'usage.detect_anomalies',
           'select usage.detect_anomalies(null, pg_catalog.date_trunc(''hour'', pg_catalog.now()) - interval ''2 days'', pg_catalog.date_trunc(''hour'', pg_catalog.now()))'
     where pg_catalog.to_regproc('usage.detect_anomalies') is not null
    union all
    select 4, 2, 'usage.generate_recommendations',
           'select pg_catalog.count(*) from app.organizations as o, usage.generate_recommendations(o.id, (pg_catalog.now() at time zone o.timezone)::date) as r '
           'where exists (select 1 from usage.model_requests as q where q.org_id = o.id and q.occurred_at >= pg_catalog.now() - interval ''30 days'')'
     where pg_catalog.to_regproc('usage.generate_recommendations') is not null
    union all
    select 5, 0, 'analytics.apply_retention', 'select pg_catalog.count(*) from analytics.apply_retention_due(90)'
     where pg_catalog.to_regproc('analytics.apply_retention_due') is not null
    order by 1, 2, 3
  loop
    if p_only is not null and v_step.name <> p_only then
      continue;
    end if;
    v_steps := v_steps || v_step.name::text;
    v_started := pg_catalog.clock_timestamp();
    insert into private.refresh_log (run_id, step, started_at) values (p_run_id, v_step.name, v_started)
      returning id into v_log_id;
    commit;
    raise notice 'refresh run % step %: started', p_run_id, v_step.name;  -- names the step if the connection is lost
    v_error := null;
    begin
      execute v_step.sql;
    exception when others then
      v_error := sqlstate || ': ' || sqlerrm;
    end;
    update private.refresh_log
       set finished_at = pg_catalog.clock_timestamp(),
           duration_ms = (extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::integer,
           error = v_error
     where id = v_log_id;
    commit;
  end loop;

  perform pg_catalog.pg_advisory_unlock_shared(v_migrate_key);
  perform pg_catalog.pg_advisory_unlock(v_refresh_key);
  if p_only is not null and pg_catalog.cardinality(v_steps) = 0 then
    raise exception 'no refresh step is named %', p_only
      using errcode = '22023', hint = 'name a registered rollup or a materialized view (schema.name), analytics.ensure_partitions, audience.update_customers, private.refresh_audience_rollups, private.refresh_kpi_benchmarks, insights.refresh_aggregates, usage.detect_anomalies or usage.generate_recommendations';
  end if;
end;
$$;
revoke execute on procedure private.run_refresh(bigint, text, integer, interval) from public;
comment on procedure private.run_refresh(bigint, text, integer, interval) is
  'Refreshes partitions, materialized views (dependency order, concurrently when possible) and incremental aggregates; logs each step in private.refresh_log.';
