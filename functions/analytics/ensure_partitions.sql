-- requires: functions/private/ensure_monthly_partitions.sql
-- Creates the missing monthly partitions of analytics.events, from p_months_back months
-- before the current month (UTC) to p_months_ahead months after it; returns how many it
-- created. Idempotent; safe to run concurrently (serialized by an advisory lock).
-- Callable by service_role (audiencectl migrate / refresh / seed) and DBA sessions.
--
-- Each partition analytics.events_pYYYY_MM holds one UTC month; how it is built without
-- blocking writers of other months: private.ensure_monthly_partitions, shared with
-- usage.model_requests.
-- It then calls usage.ensure_partitions with the same arguments (the monthly partitions
-- of usage.model_requests), so that every caller of this one path keeps both tables'
-- months; the number returned counts analytics.events partitions only.
create or replace function analytics.ensure_partitions(p_months_ahead int default 3, p_months_back int default 1)
returns int
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_created int;
begin
  v_created := private.ensure_monthly_partitions('analytics.events', p_months_ahead, p_months_back);
  -- The same months for the other partitioned log (migration 0200); its count is its own.
  if pg_catalog.to_regprocedure('usage.ensure_partitions(integer, integer)') is not null then
    perform usage.ensure_partitions(p_months_ahead, p_months_back);
  end if;
  return v_created;
end;
$$;
revoke execute on function analytics.ensure_partitions(int, int) from public, anon, authenticated;
grant execute on function analytics.ensure_partitions(int, int) to service_role;
comment on function analytics.ensure_partitions(int, int) is
  'Creates the missing monthly partitions of analytics.events (UTC months, from p_months_back before the current month to p_months_ahead after it), moving rows of those months out of the DEFAULT partition; returns the number created. Idempotent. service_role / DBA.';
