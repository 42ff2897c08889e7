-- requires: functions/private/refresh_plan.sql
-- requires: functions/private/begin_refresh.sql
-- requires: functions/private/run_refresh_step.sql
-- Refreshes everything derived, step by step, each step committed on its own and logged
-- in private.refresh_log (private.run_refresh_step), in the order of private.refresh_plan:
-- partitions ahead, the statistics of partitions that grew since their last ANALYZE, every
-- registered rollup in dependency order with the audience rollups and the insight
-- aggregates (insights.refresh_aggregates, every organization), every materialized view
-- in dependency order (CONCURRENTLY when it is populated and has a unique index; with
-- p_views_max_age, the frequent job of `schedule install --every` below an hour,
-- private.mv_cohort_retention only when it is that old or a local week began since:
-- private.refresh_mv_cohort_retention; a run naming it with p_only refreshes it regardless),
-- the KPI benchmarks and the customers' sweep, the usage steps usage.detect_anomalies and
-- usage.generate_recommendations,
-- and last the retention of raw events (analytics.apply_retention_due(90), once per UTC
-- day, after the rollups that must cover what it drops). The steps of a group of the plan
-- run in name order here; `audiencectl refresh --jobs N` runs them at once, in N sessions.
-- A failing step is logged with its error and the next steps still run. A step whose run
-- died (server restart, killed client) is marked 'interrupted: ...' by the next run.
-- Overlapping runs do not stack: a second run waits up to p_wait_seconds for the first,
-- then raises 55P03. A running `audiencectl migrate` (exclusive advisory lock) is waited
-- for the same way; while a refresh runs, migrate waits for it (private.begin_refresh).
-- 22023: p_only names no step.
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
  v_step record;
  v_steps integer := 0;
begin
  p_run_id := coalesce(p_run_id, pg_catalog.nextval('private.refresh_run_id'));
  perform private.begin_refresh(p_run_id, p_wait_seconds);
  for v_step in
    select p.step, p.sql from private.refresh_plan(p_views_max_age, p_only) as p order by p.phase, p.level, p.step
  loop
    v_steps := v_steps + 1;
    call private.run_refresh_step(p_run_id, v_step.step, v_step.sql);
  end loop;
  perform private.end_refresh(p_run_id);
  if p_only is not null and v_steps = 0 then
    raise exception 'no refresh step is named %', p_only
      using errcode = '22023', hint = 'name a registered rollup or a materialized view (schema.name), analytics.ensure_partitions, private.analyze_grown_partitions, audience.update_customers, private.refresh_audience_rollups, private.refresh_kpi_benchmarks, insights.refresh_aggregates, usage.detect_anomalies or usage.generate_recommendations';
  end if;
end;
$$;
revoke execute on procedure private.run_refresh(bigint, text, integer, interval) from public;
comment on procedure private.run_refresh(bigint, text, integer, interval) is
  'Refreshes partitions, materialized views (dependency order, concurrently when possible) and incremental aggregates in the order of private.refresh_plan; logs each step in private.refresh_log.';
