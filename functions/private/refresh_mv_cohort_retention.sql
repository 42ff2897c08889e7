-- requires: views/private/mv_cohort_retention.sql
-- requires: functions/private/mv_cohort_retention_due.sql
-- The refresh step of private.mv_cohort_retention. With p_max_age NULL (a `refresh` run, the
-- nightly job): refreshes the view, CONCURRENTLY once populated (through its unique index).
-- With p_max_age (the frequent job of `schedule install --every` below an hour, or
-- `refresh --views-max-age`): refreshes it only when private.mv_cohort_retention_due says so
-- for its as_of (the marker row) at now(): never computed, p_max_age old, or a local week
-- began since; keeps it otherwise. So a refresh every minute recomputes the cohorts of every
-- organization at most once per p_max_age plus once after each local week start, instead of
-- at every run (8-20 s at 10M events). public.get_audience_cohorts answers from the view with
-- its numbers as of as_of: after a run without p_max_age, as of that run.
-- Returns 'refreshed' or 'kept'.
-- Called by private.run_refresh. Owner / DBA sessions only.
-- Errors: 22023 from private.mv_cohort_retention_due for a non-positive p_max_age.
create or replace function private.refresh_mv_cohort_retention(p_max_age interval default null)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_populated boolean;
  v_as_of     timestamptz;
begin
  select c.relispopulated into v_populated
  from pg_catalog.pg_class as c
  where c.oid = 'private.mv_cohort_retention'::pg_catalog.regclass;
  if p_max_age is not null then
    if v_populated then
      select m.as_of into v_as_of
      from private.mv_cohort_retention as m
      where m.org_id = '00000000-0000-0000-0000-000000000000'::uuid;
    end if;
    if not private.mv_cohort_retention_due(v_as_of, pg_catalog.now(), p_max_age) then
      return 'kept';
    end if;
  end if;
  if v_populated then
    refresh materialized view concurrently private.mv_cohort_retention;
  else
    refresh materialized view private.mv_cohort_retention;
  end if;
  return 'refreshed';
end;
$$;
revoke execute on function private.refresh_mv_cohort_retention(interval) from public, anon, authenticated;
comment on function private.refresh_mv_cohort_retention(interval) is
  'Refresh step of private.mv_cohort_retention: always with p_max_age NULL; with p_max_age only when never computed, p_max_age old, or a new local week began since (private.mv_cohort_retention_due). Returns refreshed / kept. Owner only.';
