-- requires: functions/usage/fetchable_export.sql
-- Step 2 of a usage export at grain day: one row per local day of [from_date, to_date) of a
-- committed request of public.request_usage_export (every day, zeros included), computed
-- from the raw requests (exact, whatever the rollups' watermarks): requests; errors (status
-- error or timeout); cost (sum of the priced requests' cost, unrounded, trailing zeros trimmed; 0 with none);
-- unpriced (requests with cost NULL); input, output, cached input and cache write tokens;
-- active_users (distinct non-NULL user_id of the day).
-- Callable by the requester (analyst or above) and service_role (any request).
-- Errors: those of usage.fetchable_export: 42501 (alike for a missing request and another
-- user's), 55000 not committed yet / expired / requested at grain request, 22023 NULL id.
create or replace function public.fetch_usage_export_days(p_export_id bigint)
returns table (
  day date, requests bigint, errors bigint, cost numeric, unpriced bigint, input_tokens bigint,
  output_tokens bigint, cached_input_tokens bigint, cache_write_tokens bigint, active_users bigint
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_export usage.exports := usage.fetchable_export(p_export_id, 'day');
  v_tz     text;
begin
  select o.timezone into v_tz from app.organizations as o where o.id = v_export.org_id;
  return query
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
    where r.org_id = v_export.org_id
      and r.occurred_at >= v_export.from_date::timestamp at time zone v_tz
      and r.occurred_at < v_export.to_date::timestamp at time zone v_tz
    group by 1
  )
  select d::date, coalesce(a.requests, 0), coalesce(a.errors, 0), coalesce(a.cost, 0), coalesce(a.unpriced, 0),
         coalesce(a.input_tokens, 0), coalesce(a.output_tokens, 0), coalesce(a.cached_input_tokens, 0),
         coalesce(a.cache_write_tokens, 0), coalesce(a.active_users, 0)
  from pg_catalog.generate_series(v_export.from_date::timestamp, (v_export.to_date - 1)::timestamp, interval '1 day') as d
  left join a on a.day = d::date
  order by 1;
end;
$$;
revoke execute on function public.fetch_usage_export_days(bigint) from public, anon;
grant execute on function public.fetch_usage_export_days(bigint) to authenticated, service_role;
comment on function public.fetch_usage_export_days(bigint) is
  'Step 2 of a usage export at grain day: per local day of a committed public.request_usage_export request (zeros included): requests, errors, cost (unrounded), unpriced, tokens by kind, active users, from the raw requests. The requester (analyst+) and service_role; 42501 alike for a missing and another user''s request; 55000 not committed yet, expired, other grain.';
