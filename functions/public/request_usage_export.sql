-- requires: functions/private/assert_period.sql
-- Step 1 of a usage export: writes its audit row in usage.exports (who = auth.uid(), when,
-- organization, local days [p_from, p_to) of the organization's time zone, grain, the
-- rows the export answers now) and answers its id, the row count and the end of the fetch
-- window (one hour). The CALLER MUST COMMIT before step 2 (public.fetch_usage_export_requests
-- for grain 'request', public.fetch_usage_export_days for grain 'day') answers any row: a
-- rollback can never erase the audit of rows that left the database.
-- Rows: grain request = the organization's model requests with occurred_at in the period;
-- grain day = every local day of the period (zeros included).
-- With p_include_insights the export also answers the stored anomalies and recommendations
-- of the period (public.fetch_usage_export_insights; recorded in the audit row).
-- Callable by analysts and above, and service_role.
-- 42501: not signed in, not a member or below analyst; 22023: bad period (analytics.check_period:
-- both dates, p_to after p_from, at most 366 days), unknown grain.
drop function if exists public.request_usage_export(uuid, date, date, text);
create or replace function public.request_usage_export(p_org_id uuid, p_from date, p_to date, p_grain text default 'request',
                                                       p_include_insights boolean default false)
returns table (export_id bigint, row_count bigint, expires_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_tz      text;
  v_rows    bigint;
  v_id      bigint;
  v_expires timestamptz := pg_catalog.now() + interval '1 hour';
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  perform private.assert_period(p_from, p_to);
  if p_grain is null or p_grain not in ('request', 'day') then
    raise exception 'unknown grain %', coalesce(p_grain, 'NULL')
      using errcode = '22023', hint = 'Use request (one row per model request) or day (one row per local day).';
  end if;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  if p_grain = 'day' then
    v_rows := p_to - p_from;
  else
    select pg_catalog.count(*) into v_rows
    from usage.model_requests as r
    where r.org_id = p_org_id
      and r.occurred_at >= p_from::timestamp at time zone v_tz
      and r.occurred_at < p_to::timestamp at time zone v_tz;
  end if;
  insert into usage.exports as e (org_id, exported_by, from_date, to_date, grain, row_count, requested_xact, expires_at,
                                  include_insights)
  values (p_org_id, auth.uid(), p_from, p_to, p_grain, v_rows, pg_catalog.pg_current_xact_id(), v_expires,
          coalesce(p_include_insights, false))
  returning e.id into v_id;
  return query select v_id, v_rows, v_expires;
end;
$$;
revoke execute on function public.request_usage_export(uuid, date, date, text, boolean) from public, anon;
grant execute on function public.request_usage_export(uuid, date, date, text, boolean) to authenticated, service_role;
comment on function public.request_usage_export(uuid, date, date, text, boolean) is
  'Step 1 of a usage export: writes the audit row (usage.exports: who, when, organization, local days [p_from, p_to), grain request or day, rows now, whether stored insights are included) and returns (export_id, row_count, expires_at = now + 1 hour). Commit, then fetch with public.fetch_usage_export_requests or public.fetch_usage_export_days. Analysts and above, service_role; 42501; 22023 bad period or grain.';
