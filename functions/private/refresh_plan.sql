-- requires: functions/private/rollups_in_order.sql
-- The steps of a refresh, in groups run one after the other: (phase, level) ascending;
-- within a group, by step name when one session runs them (private.run_refresh), at once
-- when several do (`audiencectl refresh --jobs N`). So the steps of one group never depend
-- on each other: none reads what another of its group writes.
--   phase 0: partitions ahead (level 0), then the statistics of the partitions that grew
--     (level 1: private.analyze_grown_partitions);
--   phase 1: every registered rollup (private.rollups, applied by private.apply_rollup) at
--     its dependency level (private.rollups_in_order), the audience rollups
--     (private.refresh_audience_rollups) and the insight aggregates
--     (insights.refresh_aggregates: insights.refresh_all_aggregates) at level 0 (both read
--     raw events and their own tables only); then each
--     materialized view at level 100 + its depth (a view reading another comes after it):
--     CONCURRENTLY when it is populated and has a unique index; with p_views_max_age and no
--     p_only, private.mv_cohort_retention through private.refresh_mv_cohort_retention (only
--     when that old or a local week began since);
--   phase 2: private.refresh_kpi_benchmarks (level -1, reads the audience rollups), then
--     audience.update_customers (level 0: the sweep after the customers rollup);
--   phase 4: usage.detect_anomalies (the complete hours of the last 2 days), then
--     usage.generate_recommendations (organizations with requests in the last 30 days);
--   phase 5: analytics.apply_retention (analytics.apply_retention_due(90): 90 days, once per
--     UTC day, after every rollup that must cover what it drops).
-- A step whose function does not exist (an older schema) is left out. p_only: that step
-- alone (none when no step has that name). sql: the statement that runs the step.
-- Called by private.run_refresh and `audiencectl refresh`; owner / DBA sessions only.
create or replace function private.refresh_plan(p_views_max_age interval default null, p_only text default null)
returns table (phase integer, level integer, step text, sql text)
language sql
stable
set search_path = ''
as $$
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
  select p.phase, p.level, p.step, p.sql
  from (
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
    -- the audience rollups: from raw events only, beside the level-0 registered rollups
    select 1, 0, 'private.refresh_audience_rollups', 'select pg_catalog.count(*) from private.refresh_audience_rollups()'
     where pg_catalog.to_regproc('private.refresh_audience_rollups') is not null
    union all
    -- After the audience rollups (it reads them): KPI benchmarks, once a UTC day.
    select 2, -1, 'private.refresh_kpi_benchmarks', 'select private.refresh_kpi_benchmarks()'
     where pg_catalog.to_regproc('private.refresh_kpi_benchmarks') is not null
    union all
    -- the insight aggregates: from raw events and their own tables only, beside the level-0 rollups
    select 1, 0, 'insights.refresh_aggregates',
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
  ) as p (phase, level, step, sql)
  where p_only is null or p.step = p_only
$$;
revoke execute on function private.refresh_plan(interval, text) from public, anon, authenticated;
comment on function private.refresh_plan(interval, text) is
  'The steps of a refresh: (phase, level) groups run in order, the steps of a group independent of each other; the statement of each. Read by private.run_refresh and audiencectl refresh --jobs. Owner / DBA.';
