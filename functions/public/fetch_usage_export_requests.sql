-- requires: functions/usage/fetchable_export.sql
-- Step 2 of a usage export at grain request: one row per model request that a committed
-- request of public.request_usage_export counted (private.usage_export_requests: the
-- organization's requests with occurred_at in the local days [from_date, to_date) when it
-- was requested, migration 1264), as it is now, ordered by occurred_at, then request_id:
-- never more rows than the audit row counted; a request logged after the export request
-- is not answered, one erased or deleted since is left out. Columns are those of usage.model_requests (cost and baseline_cost unrounded, trailing zeros trimmed,
-- NULL when unpriced) plus day, the local date of occurred_at. Meant to be streamed:
-- `copy (select * from public.fetch_usage_export_requests(id)) to stdout` (audiencectl
-- export usage); the rows are never held by the client.
-- Callable by the requester (analyst or above) and service_role (any request).
-- Errors: those of usage.fetchable_export: 42501 (alike for a missing request and another
-- user's), 55000 not committed yet / expired / requested at grain day, 22023 NULL id.
create or replace function public.fetch_usage_export_requests(p_export_id bigint)
returns table (
  request_id text, day date, occurred_at timestamptz, received_at timestamptz, user_id uuid,
  team text, project text, feature text, provider text, model text, model_requested text,
  was_routed boolean, router_confidence numeric, baseline_provider text, baseline_model text,
  input_tokens integer, output_tokens integer, cached_input_tokens integer, cache_write_tokens integer,
  latency_ms integer, time_to_first_token_ms integer, status text, error_type text, rating smallint,
  feedback_flag boolean, price_id bigint, cost numeric, baseline_cost numeric, metadata jsonb
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_export usage.exports := usage.fetchable_export(p_export_id, 'request');
  v_tz     text;
begin
  select o.timezone into v_tz from app.organizations as o where o.id = v_export.org_id;
  return query
  select r.request_id::text, (r.occurred_at at time zone v_tz)::date, r.occurred_at, r.received_at, r.user_id,
         r.team::text, r.project::text, r.feature::text, r.provider::text, r.model::text, r.model_requested::text,
         r.was_routed, r.router_confidence, r.baseline_provider::text, r.baseline_model::text,
         r.input_tokens, r.output_tokens, r.cached_input_tokens, r.cache_write_tokens,
         r.latency_ms, r.time_to_first_token_ms, r.status::text, r.error_type, r.rating,
         r.feedback_flag, r.price_id, pg_catalog.trim_scale(r.cost), pg_catalog.trim_scale(r.baseline_cost), r.metadata
  from private.usage_export_requests as k
  join usage.model_requests as r
    on r.org_id = k.org_id and r.request_id = k.request_id and r.occurred_at = k.occurred_at
  where k.org_id = v_export.org_id and k.export_id = v_export.id
    and r.org_id = v_export.org_id
    and r.occurred_at >= v_export.from_date::timestamp at time zone v_tz
    and r.occurred_at < v_export.to_date::timestamp at time zone v_tz
  order by r.occurred_at, r.request_id;
end;
$$;
revoke execute on function public.fetch_usage_export_requests(bigint) from public, anon;
grant execute on function public.fetch_usage_export_requests(bigint) to authenticated, service_role;
comment on function public.fetch_usage_export_requests(bigint) is
  'Step 2 of a usage export at grain request: the model requests that a committed public.request_usage_export request counted (kept with its audit row; as they are now, never one logged later) (columns of usage.model_requests plus the local day), ordered by occurred_at, request_id. The requester (analyst+) and service_role; 42501 alike for a missing and another user''s request; 55000 not committed yet, expired, other grain.';
