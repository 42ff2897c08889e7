-- Version of the SQL detector (insights.detect_candidates and its rules); stored with
-- every insight. Bump it when detection changes meaning. Callable by anyone signed in.
create or replace function insights.detector_version()
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select 'sql-1'::text
$$;
revoke execute on function insights.detector_version() from public, anon;
grant execute on function insights.detector_version() to authenticated, service_role;
comment on function insights.detector_version() is 'Version of the SQL insight detector, stored in ai_insights.detector_version.';
