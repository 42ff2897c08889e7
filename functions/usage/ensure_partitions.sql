-- requires: functions/private/ensure_monthly_partitions.sql
-- Creates the missing monthly partitions of usage.model_requests, from p_months_back
-- months before the current month (UTC) to p_months_ahead months after it; returns how
-- many it created. Idempotent. analytics.ensure_partitions calls it, and both are built by
-- private.ensure_monthly_partitions (one partition-maintenance path for both logs):
-- usage.model_requests_pYYYY_MM holds one UTC month, RLS enabled, no privilege for the
-- API roles (reached only through the parent).
-- Callable by service_role and DBA sessions.
create or replace function usage.ensure_partitions(p_months_ahead int default 3, p_months_back int default 1)
returns int
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return private.ensure_monthly_partitions('usage.model_requests', p_months_ahead, p_months_back);
end;
$$;
revoke execute on function usage.ensure_partitions(int, int) from public, anon, authenticated;
grant execute on function usage.ensure_partitions(int, int) to service_role;
comment on function usage.ensure_partitions(int, int) is
  'Creates the missing monthly partitions of usage.model_requests (UTC months, from p_months_back before the current month to p_months_ahead after it), moving rows of those months out of the DEFAULT partition; returns the number created. Idempotent; called by analytics.ensure_partitions. service_role / DBA.';
