-- requires: functions/analytics/apply_retention.sql
-- The scheduled retention: analytics.apply_retention(p_raw_days) once per UTC day. Raw
-- events are kept 90 days by default (the documented horizon: README, "Retention"); the
-- cutoff (today's UTC midnight - p_raw_days days) moves once a day, so when a run of this
-- UTC day already reached it (analytics.retention_state: last_run_at today, last_cutoff at
-- or after it) this does nothing and returns no row: `refresh` can run every minute without
-- rescanning old events. Events that arrive late for days before the cutoff are anonymized
-- by the next day's run. A last_cutoff later than today's (a manual run with fewer days)
-- is kept by apply_retention, which runs once a day with it.
-- Called by private.run_refresh (its last step, "analytics.apply_retention"), hence by the
-- pg_cron job of `audiencectl schedule install`; service_role and DBA sessions.
-- 22023: p_raw_days NULL or outside 1..3650 (analytics.apply_retention).
create or replace function analytics.apply_retention_due(p_raw_days integer default 90)
returns table (action text, target text, rows bigint)
language plpgsql
volatile
set search_path = ''
as $$
begin
  if exists (select 1 from analytics.retention_state as s
             where s.id = 1
               and s.last_cutoff >= (pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC')
                                     - pg_catalog.make_interval(days => p_raw_days)) at time zone 'UTC'
               and s.last_run_at >= pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC') then
    return;
  end if;
  return query select * from analytics.apply_retention(p_raw_days);
end;
$$;
revoke execute on function analytics.apply_retention_due(integer) from public, anon, authenticated;
grant execute on function analytics.apply_retention_due(integer) to service_role;
comment on function analytics.apply_retention_due(integer) is
  'analytics.apply_retention(p_raw_days, default 90 days) unless a run of this UTC day already reached today''s cutoff (once per UTC day); the last step of private.run_refresh. service_role / DBA.';
