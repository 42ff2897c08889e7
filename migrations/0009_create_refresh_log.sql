-- The refresh run log: one row per step of every refresh (audiencectl refresh, or the
-- nightly pg_cron job), with its duration and error. Schema private: never readable by
-- API roles; materialized views live here too.
create schema if not exists private;
comment on schema private is 'Materialized views and helpers that must never be read directly by API roles; read through RPCs.';
revoke all on schema private from public;

create table private.refresh_log (
  id bigint generated always as identity primary key,
  run_id bigint not null,
  step text not null,
  started_at timestamptz not null default pg_catalog.clock_timestamp(),
  finished_at timestamptz,
  duration_ms integer,
  error text,
  constraint check_refresh_log_finished check (finished_at is null or finished_at >= started_at)
);
create index index_refresh_log_on_run_id on private.refresh_log (run_id);
create index index_refresh_log_on_started_at on private.refresh_log using brin (started_at);
create sequence private.refresh_run_id;
comment on table private.refresh_log is 'One row per refresh step: run, step, start, finish, duration and error (NULL when it succeeded).';
