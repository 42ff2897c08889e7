-- requires: views/private/mv_cohort_retention.sql
-- requires: functions/private/mv_cohort_retention_due.sql
-- The refresh step of private.mv_cohort_retention: refreshes the view (CONCURRENTLY once
-- populated, through its unique index) when private.mv_cohort_retention_due says so for
-- its as_of (the marker row) at now() with p_max_age, or when p_force; keeps it otherwise.
-- So a refresh every minute recomputes it at most once per p_max_age (default 1 hour), plus
-- once after each local week start (in any organization's time zone), instead of at every
-- run (8-20 s at 10M events, BENCHMARKS.md "Refresh every minute"); public.get_audience_cohorts
-- answers from it with numbers as of its as_of (at most p_max_age old while refresh runs at
-- least that often). Returns 'refreshed' or 'kept'.
-- Called by private.run_refresh (p_force when the run names this step alone:
-- `audiencectl refresh --only private.mv_cohort_retention`). Owner / DBA sessions only.
-- Errors: 22023 from private.mv_cohort_retention_due for a NULL or non-positive p_max_age.
create or replace function private.refresh_mv_cohort_retention(p_force boolean default false,
                                                               p_max_age interval default interval '1 hour')
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
  if v_populated then
    select m.as_of into v_as_of
    from private.mv_cohort_retention as m
    where m.org_id = '00000000-0000-0000-0000-000000000000'::uuid;
  end if;
  if not private.mv_cohort_retention_due(v_as_of, pg_catalog.now(), p_max_age) and not coalesce(p_force, false) then
    return 'kept';
  end if;
  if v_populated then
    refresh materialized view concurrently private.mv_cohort_retention;
  else
    refresh materialized view private.mv_cohort_retention;
  end if;
  return 'refreshed';
end;
$$;
revoke execute on function private.refresh_mv_cohort_retention(boolean, interval) from public, anon, authenticated;
comment on function private.refresh_mv_cohort_retention(boolean, interval) is
  'Refresh step of private.mv_cohort_retention: refreshes it when never computed, p_max_age (1 hour) old, or a new local week began since (private.mv_cohort_retention_due), or when p_force; keeps it otherwise. Returns refreshed / kept. Owner only.';
