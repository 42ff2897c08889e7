-- Seed helpers (audiencectl seed runs every seed/*.sql file in name order, then calls
-- seed.load_demo or seed.scale_*). Only for seeding development and test databases.
create schema if not exists seed;
comment on schema seed is 'Deterministic demo and scale data generators (audiencectl seed). Not used by the application.';
revoke all on schema seed from public;

-- A deterministic uuid for a name: md5 of the name, as a uuid. Same name, same id, on
-- every database: what makes the seeds idempotent.
create or replace function seed.uuid(p_name text)
returns uuid
language sql
immutable
strict
parallel safe
as $$
  select pg_catalog.md5(p_name)::uuid
$$;
comment on function seed.uuid(text) is 'Deterministic uuid of a name: md5(name)::uuid.';

-- A timestamp at local wall-clock time in a time zone: p_day + p_minutes, read in p_tz.
create or replace function seed.local_time(p_tz text, p_day date, p_minutes int)
returns timestamptz
language sql
immutable
strict
parallel safe
as $$
  select (p_day + pg_catalog.make_interval(mins => p_minutes)) at time zone p_tz
$$;
comment on function seed.local_time(text, date, int) is 'The instant at which the clock in time zone p_tz shows p_day + p_minutes.';
