-- The last retention cutoff (analytics.retention_state.last_cutoff): raw events that
-- occurred before it have been pseudonymized or dropped, and the per-person derived rows of
-- the days before it deleted, so no new event may occur before it
-- (analytics.parse_event's reason before_retention_cutoff). NULL until retention has run.
-- SECURITY DEFINER (retention_state is readable by service_role only; every ingestion path,
-- analytics.validate_event included, must see the same cutoff), search_path pinned, STABLE.
-- Callable by authenticated and service_role (the cutoff is not tenant data); no errors.
create or replace function analytics.retention_cutoff()
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select r.last_cutoff from analytics.retention_state as r where r.id = 1
$$;
revoke execute on function analytics.retention_cutoff() from public, anon;
grant execute on function analytics.retention_cutoff() to authenticated, service_role;
comment on function analytics.retention_cutoff() is
  'The last retention cutoff (analytics.retention_state.last_cutoff; NULL before the first run): no event may occur before it. Authenticated and service_role.';
