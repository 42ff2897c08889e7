-- requires: functions/usage/fetchable_export.sql
-- Step 2 of a usage export at grain day: one row per local day of [from_date, to_date) of a
-- committed request of public.request_usage_export (every day, zeros included), as the
-- request computed them from the raw requests (private.usage_export_days, written with its
-- audit row, migration 1264: a request logged after the export request changes no number):
-- requests; errors (status error or timeout); cost (sum of the priced requests' cost,
-- unrounded, trailing zeros trimmed; 0 with none); unpriced (requests with cost NULL);
-- input, output, cached input and cache write tokens; active_users (distinct non-NULL
-- user_id of the day).
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
begin
  return query
  select d.day, d.requests, d.errors, d.cost, d.unpriced, d.input_tokens, d.output_tokens,
         d.cached_input_tokens, d.cache_write_tokens, d.active_users
  from private.usage_export_days as d
  where d.org_id = v_export.org_id and d.export_id = v_export.id
  order by d.day;
end;
$$;
revoke execute on function public.fetch_usage_export_days(bigint) from public, anon;
grant execute on function public.fetch_usage_export_days(bigint) to authenticated, service_role;
comment on function public.fetch_usage_export_days(bigint) is
  'Step 2 of a usage export at grain day: per local day of a committed public.request_usage_export request (zeros included): requests, errors, cost (unrounded), unpriced, tokens by kind, active users, as computed from the raw requests at the request (kept with its audit row). The requester (analyst+) and service_role; 42501 alike for a missing and another user''s request; 55000 not committed yet, expired, other grain.';
