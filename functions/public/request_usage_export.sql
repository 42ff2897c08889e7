-- requires: functions/private/assert_period.sql
-- Step 1 of a usage export: writes its audit row in usage.exports (who = auth.uid(), when,
-- organization, local days [p_from, p_to) of the organization's time zone, grain, the
-- rows the export answers now) and answers its id, the row count and the end of the fetch
-- window (one hour). The CALLER MUST COMMIT before step 2 (public.fetch_usage_export_requests
-- for grain 'request', public.fetch_usage_export_days for grain 'day') answers any row: a
-- rollback can never erase the audit of rows that left the database.
-- Rows: grain request = the organization's model requests with occurred_at in the period;
-- grain day = every local day of the period (zeros included).
-- What the audit row counts is kept with it, in the same statement (migration 1264), and is
-- all that a fetch answers: grain request, the requests' keys and user ids
-- (private.usage_export_requests; the fetch answers those requests as they are then, never
-- a request logged later); grain day, the day rows as they are now (private.usage_export_days).
-- The organization's rows of expired requests are deleted first.
-- With p_include_insights the export also answers the stored anomalies and recommendations
-- of the period (public.fetch_usage_export_insights; recorded in the audit row), as they are
-- at the request: kept in private.usage_export_insights in this transaction (migration 1266).
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
  -- Snapshots of expired requests of the organization: nothing fetches them any more (1264).
  delete from private.usage_export_requests as k
  using usage.exports as x
  where k.org_id = p_org_id and x.org_id = k.org_id and x.id = k.export_id and x.expires_at <= pg_catalog.now();
  delete from private.usage_export_days as k
  using usage.exports as x
  where k.org_id = p_org_id and x.org_id = k.org_id and x.id = k.export_id and x.expires_at <= pg_catalog.now();
  delete from private.usage_export_insights as k
  using usage.exports as x
  where k.org_id = p_org_id and x.org_id = k.org_id and x.id = k.export_id and x.expires_at <= pg_catalog.now();
  -- The audit row and what it counts, in one statement (one snapshot of usage.model_requests):
  -- the fetch answers these rows and no others (1264).
  if p_grain = 'day' then
    with a as (
      select (r.occurred_at at time zone v_tz)::date as day,
             pg_catalog.count(*) as requests,
             pg_catalog.count(*) filter (where r.status in ('error', 'timeout')) as errors,
             pg_catalog.trim_scale(coalesce(pg_catalog.sum(r.cost), 0)) as cost,
             pg_catalog.count(*) filter (where r.cost is null) as unpriced,
             pg_catalog.sum(r.input_tokens)::bigint as input_tokens,
             pg_catalog.sum(r.output_tokens)::bigint as output_tokens,
             pg_catalog.sum(r.cached_input_tokens)::bigint as cached_input_tokens,
             pg_catalog.sum(r.cache_write_tokens)::bigint as cache_write_tokens,
             pg_catalog.count(distinct r.user_id) as active_users
      from usage.model_requests as r
      where r.org_id = p_org_id
        and r.occurred_at >= p_from::timestamp at time zone v_tz
        and r.occurred_at < p_to::timestamp at time zone v_tz
      group by 1
    ),
    d as materialized (
      select g::date as day, coalesce(a.requests, 0) as requests, coalesce(a.errors, 0) as errors,
             coalesce(a.cost, 0) as cost, coalesce(a.unpriced, 0) as unpriced,
             coalesce(a.input_tokens, 0) as input_tokens, coalesce(a.output_tokens, 0) as output_tokens,
             coalesce(a.cached_input_tokens, 0) as cached_input_tokens,
             coalesce(a.cache_write_tokens, 0) as cache_write_tokens, coalesce(a.active_users, 0) as active_users
      from pg_catalog.generate_series(p_from::timestamp, (p_to - 1)::timestamp, interval '1 day') as g
      left join a on a.day = g::date
    ),
    e as (
      insert into usage.exports as e (org_id, exported_by, from_date, to_date, grain, row_count, requested_xact, expires_at,
                                      include_insights)
      select p_org_id, auth.uid(), p_from, p_to, p_grain, (select pg_catalog.count(*) from d), pg_catalog.pg_current_xact_id(),
             v_expires, coalesce(p_include_insights, false)
      returning e.id, e.row_count
    ),
    s as (
      insert into private.usage_export_days as s
        (org_id, export_id, day, requests, errors, cost, unpriced, input_tokens, output_tokens, cached_input_tokens,
         cache_write_tokens, active_users)
      select p_org_id, e.id, d.day, d.requests, d.errors, d.cost, d.unpriced, d.input_tokens, d.output_tokens,
             d.cached_input_tokens, d.cache_write_tokens, d.active_users
      from e cross join d
    )
    select e.id, e.row_count into v_id, v_rows from e;
  else
    with k as materialized (
      select r.request_id, r.occurred_at, r.user_id
      from usage.model_requests as r
      where r.org_id = p_org_id
        and r.occurred_at >= p_from::timestamp at time zone v_tz
        and r.occurred_at < p_to::timestamp at time zone v_tz
    ),
    e as (
      insert into usage.exports as e (org_id, exported_by, from_date, to_date, grain, row_count, requested_xact, expires_at,
                                      include_insights)
      select p_org_id, auth.uid(), p_from, p_to, p_grain, (select pg_catalog.count(*) from k), pg_catalog.pg_current_xact_id(),
             v_expires, coalesce(p_include_insights, false)
      returning e.id, e.row_count
    ),
    s as (
      insert into private.usage_export_requests as s (org_id, export_id, request_id, occurred_at, user_id)
      select p_org_id, e.id, k.request_id, k.occurred_at, k.user_id
      from e cross join k
    )
    select e.id, e.row_count into v_id, v_rows from e;
  end if;
  -- The insights it answers, as they are now (1266): the period's anomalies (bucket_start in
  -- its local days) and the recommendations open now or created in the period.
  if p_include_insights then
    insert into private.usage_export_insights as s
      (org_id, export_id, record, id, kind, scope, bucket_start, severity, status, title, value,
       estimated_monthly_saving, evidence)
    select p_org_id, v_id, 'anomaly', a.id, a.metric, a.scope, a.bucket_start, a.severity, a.status, null, a.value, null,
           a.evidence || pg_catalog.jsonb_build_object('median', a.median, 'mad', a.mad, 'z_score', a.z_score)
    from usage.anomalies as a
    where a.org_id = p_org_id
      and a.bucket_start >= p_from::timestamp at time zone v_tz
      and a.bucket_start < p_to::timestamp at time zone v_tz
    union all
    select p_org_id, v_id, 'recommendation', r.id, r.kind, null, null, null, r.status, r.title, null,
           r.estimated_monthly_saving, r.evidence
    from usage.recommendations as r
    where r.org_id = p_org_id
      and (r.status = 'open'
           or (r.created_at >= p_from::timestamp at time zone v_tz
               and r.created_at < p_to::timestamp at time zone v_tz));
  end if;
  return query select v_id, v_rows, v_expires;
end;
$$;
revoke execute on function public.request_usage_export(uuid, date, date, text, boolean) from public, anon;
grant execute on function public.request_usage_export(uuid, date, date, text, boolean) to authenticated, service_role;
comment on function public.request_usage_export(uuid, date, date, text, boolean) is
  'Step 1 of a usage export: writes the audit row (usage.exports: who, when, organization, local days [p_from, p_to), grain request or day, rows now, whether stored insights are included), keeps what it counted (the requests'' keys, or the day rows, and with insights the anomalies and recommendations as they are: the fetch answers those only) and returns (export_id, row_count, expires_at = now + 1 hour). Commit, then fetch with public.fetch_usage_export_requests or public.fetch_usage_export_days. Analysts and above, service_role; 42501; 22023 bad period or grain.';
