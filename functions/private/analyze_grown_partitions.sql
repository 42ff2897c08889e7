-- Analyzes the monthly partitions of analytics.events and usage.model_requests whose
-- statistics no longer describe them, before the refresh plans its statements over the new
-- rows; returns one row per partition analyzed: its name, the row count its statistics held
-- (pg_class.reltuples: -1 never analyzed) and the rows changed since its last ANALYZE
-- (pg_stat_user_tables.n_mod_since_analyze, as the statistics collector last heard of them).
--
-- A partition is analyzed when at least p_min_rows rows changed since its last ANALYZE and
-- they are more than half the rows its statistics hold (an estimate now off by 1.5x or
-- more), or its statistics were never gathered. Autovacuum analyzes a partition after 50
-- rows + 10 % of it changed, but only on its next pass (a minute or more later, longer when
-- it is busy, never when it is off): a refresh right after a bulk load (`audiencectl ingest`
-- of a day into a month begun yesterday) otherwise plans with the old counts. At 10M
-- events, with the newest partition's statistics holding 574 rows and 55,550 new ones in it,
-- the day's steps were 1.4-7x slower and refresh_audience_rollups took over 60 s instead of
-- 10-15 s (BENCHMARKS.md).
-- ANALYZE (SKIP_LOCKED): a partition being vacuumed or analyzed by someone else is skipped,
-- not waited for. A role that does not own a partition gets PostgreSQL's warning and no
-- analysis (run_refresh runs as the owner / DBA).
-- Called by private.run_refresh (its step private.analyze_grown_partitions); owner / DBA
-- sessions only (no grants).
create or replace function private.analyze_grown_partitions(p_min_rows bigint default 10000)
returns table (partition_name text, rows_before real, rows_changed bigint)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_part record;
begin
  for v_part in
    select pg_catalog.format('%I.%I', n.nspname, c.relname) as name, c.reltuples, s.n_mod_since_analyze
    from pg_catalog.pg_inherits as i
    join pg_catalog.pg_class as c on c.oid = i.inhrelid
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    join pg_catalog.pg_stat_user_tables as s on s.relid = c.oid
    where i.inhparent in (pg_catalog.to_regclass('analytics.events'), pg_catalog.to_regclass('usage.model_requests'))
      and c.relkind = 'r'
      and s.n_mod_since_analyze >= p_min_rows
      and (c.reltuples < 0 or s.n_mod_since_analyze > c.reltuples / 2)
    order by 1
  loop
    execute pg_catalog.format('analyze (skip_locked) %s', v_part.name);
    partition_name := v_part.name;
    rows_before := v_part.reltuples;
    rows_changed := v_part.n_mod_since_analyze;
    return next;
  end loop;
end;
$$;
revoke execute on function private.analyze_grown_partitions(bigint) from public, anon, authenticated;
comment on function private.analyze_grown_partitions(bigint) is
  'ANALYZE (SKIP_LOCKED) of each monthly partition of analytics.events and usage.model_requests with at least p_min_rows rows changed since its last analysis and more than half the rows its statistics hold (or never analyzed); one row per partition analyzed. Run by private.run_refresh before the rollups; owner / DBA.';
