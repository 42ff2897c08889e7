-- requires: functions/usage/try_timestamptz.sql
-- requires: functions/usage/price_at.sql
-- requires: functions/usage/request_cost.sql
-- requires: functions/usage/token_reason.sql
-- Validates a batch of model requests for one organization and prices the valid ones:
-- one row per element of p_requests with its 0-based index, its request_id, the reason
-- it is rejected (NULL: valid) and, when valid, the row to store (cost from the
-- effective price at occurred_at, usage.price_at; NULL cost when unpriced).
-- The first failing rule gives the reason:
--   not_an_object; missing: request_id | invalid: request_id (1-128 characters);
--   missing: occurred_at | invalid: occurred_at (RFC 3339) | future: occurred_at (more than
--   5 minutes ahead of p_now) | invalid: occurred_at (before 2000);
--   invalid: user_id (a uuid); too_long: team|project|feature (at most 64 characters);
--   missing: model | unknown_model: provider/model | unknown_model: baseline provider/model;
--   negative_tokens: <kind> | invalid: <kind> (tokens, latency_ms and
--   time_to_first_token_ms must be integers 0..2147483647);
--   invalid: status (ok, error, timeout, cancelled) | invalid: rating (1-5) |
--   invalid: router_confidence (0-1) | invalid: was_routed | invalid: feedback_flag |
--   invalid: metadata (an object).
-- provider and model are both required (missing: provider); defaults: tokens 0, status
-- ok, team/project/feature '', was_routed false, baseline_provider = provider.
-- p_org_id NULL: each element names its own organization in "org_id" (the ingest path,
-- which has checked it: one call for a whole chunk of many organizations, instead of one
-- planned call per organization).
-- Internal (called by public.log_model_requests and the ingest path); service_role.
create or replace function usage.check_request_batch(p_org_id uuid, p_requests jsonb, p_now timestamptz)
returns table (idx integer, request_id text, reason text, request usage.model_requests)
language sql
stable
set search_path = ''
-- No JIT: the many small expressions of a batch made the planner JIT-compile ~480
-- functions per call (seconds, on a busy machine tens of seconds) for 1-1000 rows.
set jit = off
as $$
  with raw as (
    select (e.ord - 1)::integer as idx, e.value as j, pg_catalog.jsonb_typeof(e.value) = 'object' as is_object
    from pg_catalog.jsonb_array_elements(p_requests) with ordinality as e (value, ord)
  ),
  -- Materialized, f and w: inlined, the planner copied the reason expression (three
  -- usage.try_timestamptz calls, sub-plans) into every join filter and column that reads it,
  -- ~10 evaluations a request (5.8 s for 1,000 requests instead of ~0.3 s).
  f as materialized (
    select r.idx, r.j, r.is_object,
           coalesce(p_org_id, case when r.is_object then (r.j ->> 'org_id')::uuid end) as org_id,
           case when r.is_object and pg_catalog.jsonb_typeof(r.j -> 'request_id') in ('string', 'number') then r.j ->> 'request_id' end as request_id,
           case when r.is_object then usage.try_timestamptz(r.j ->> 'occurred_at') end as occurred_at,
           case when r.is_object then r.j ->> 'user_id' end as user_id,
           case when r.is_object then coalesce(r.j ->> 'provider', '') end as provider,
           case when r.is_object then coalesce(r.j ->> 'model', '') end as model,
           case when r.is_object then coalesce(r.j ->> 'baseline_provider', r.j ->> 'provider', '') end as baseline_provider,
           case when r.is_object then r.j ->> 'baseline_model' end as baseline_model,
           case when r.is_object then coalesce(r.j ->> 'status', 'ok') end as status
    from raw as r
  ),
  v as (
    select f.*,
           case
             when not f.is_object then 'not_an_object'
             when f.request_id is null or f.request_id = '' then 'missing: request_id'
             when pg_catalog.char_length(f.request_id) > 128 then 'invalid: request_id'
             when coalesce(f.j ->> 'occurred_at', '') = '' then 'missing: occurred_at'
             when f.occurred_at is null then 'invalid: occurred_at'
             when f.occurred_at > p_now + interval '5 minutes' then 'future: occurred_at'
             when f.occurred_at < timestamptz '2000-01-01 00:00:00+00' then 'invalid: occurred_at'
             when f.user_id is not null and f.user_id !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then 'invalid: user_id'
             when pg_catalog.char_length(f.j ->> 'team') > 64 then 'too_long: team'
             when pg_catalog.char_length(f.j ->> 'project') > 64 then 'too_long: project'
             when pg_catalog.char_length(f.j ->> 'feature') > 64 then 'too_long: feature'
             when f.model = '' then 'missing: model'
             when f.provider = '' then 'missing: provider'
             when not exists (select 1 from usage.models as m where m.provider = f.provider and m.model = f.model)
               then 'unknown_model: ' || f.provider || '/' || f.model
             when f.j ? 'model_requested' and pg_catalog.jsonb_typeof(f.j -> 'model_requested') <> 'null'
                  and not exists (select 1 from usage.models as m where m.model = f.j ->> 'model_requested')
               then 'unknown_model: ' || (f.j ->> 'model_requested')
             when f.baseline_model is not null
                  and not exists (select 1 from usage.models as m where m.provider = f.baseline_provider and m.model = f.baseline_model)
               then 'unknown_model: ' || f.baseline_provider || '/' || f.baseline_model
             else coalesce(usage.token_reason(f.j, 'input_tokens'), usage.token_reason(f.j, 'output_tokens'),
                           usage.token_reason(f.j, 'cached_input_tokens'), usage.token_reason(f.j, 'cache_write_tokens'),
                           usage.token_reason(f.j, 'latency_ms'), usage.token_reason(f.j, 'time_to_first_token_ms'))
           end as early_reason
    from f
  ),
  w as materialized (
    select v.*,
           coalesce(v.early_reason,
             case
               when v.status not in ('ok', 'error', 'timeout', 'cancelled') then 'invalid: status'
               when pg_catalog.jsonb_typeof(v.j -> 'rating') not in ('number', 'null')
                    or (pg_catalog.jsonb_typeof(v.j -> 'rating') = 'number'
                        and (v.j ->> 'rating')::numeric not in (1, 2, 3, 4, 5)) then 'invalid: rating'
               when pg_catalog.jsonb_typeof(v.j -> 'router_confidence') not in ('number', 'null')
                    or (pg_catalog.jsonb_typeof(v.j -> 'router_confidence') = 'number'
                        and (v.j ->> 'router_confidence')::numeric not between 0 and 1) then 'invalid: router_confidence'
               when pg_catalog.jsonb_typeof(v.j -> 'was_routed') not in ('boolean', 'null') then 'invalid: was_routed'
               when pg_catalog.jsonb_typeof(v.j -> 'feedback_flag') not in ('boolean', 'null') then 'invalid: feedback_flag'
               when pg_catalog.jsonb_typeof(v.j -> 'metadata') not in ('object', 'null') then 'invalid: metadata'
             end) as reason
    from v
  )
  select w.idx, w.request_id, w.reason,
         case when w.reason is null then
           row(
             null::bigint, w.org_id, w.request_id, w.occurred_at, p_now,
             w.user_id::uuid,
             coalesce(w.j ->> 'team', ''), coalesce(w.j ->> 'project', ''), coalesce(w.j ->> 'feature', ''),
             w.provider, w.model, w.j ->> 'model_requested',
             coalesce((w.j ->> 'was_routed')::boolean, false),
             (w.j ->> 'router_confidence')::numeric(4, 3),
             case when w.baseline_model is not null then w.baseline_provider end, w.baseline_model,
             t.input_tokens, t.output_tokens, t.cached_input_tokens, t.cache_write_tokens,
             (w.j ->> 'latency_ms')::integer, (w.j ->> 'time_to_first_token_ms')::integer,
             w.status, w.j ->> 'error_type', (w.j ->> 'rating')::smallint,
             coalesce((w.j ->> 'feedback_flag')::boolean, false),
             p.id, usage.request_cost(p, t.input_tokens, t.output_tokens, t.cached_input_tokens, t.cache_write_tokens),
             b.id, usage.request_cost(b, t.input_tokens, t.output_tokens, t.cached_input_tokens, t.cache_write_tokens),
             coalesce(w.j -> 'metadata', '{}'::jsonb)
           )::usage.model_requests
         end
  from w
  cross join lateral (
    select case when w.reason is null then coalesce((w.j ->> 'input_tokens')::integer, 0) end as input_tokens,
           case when w.reason is null then coalesce((w.j ->> 'output_tokens')::integer, 0) end as output_tokens,
           case when w.reason is null then coalesce((w.j ->> 'cached_input_tokens')::integer, 0) end as cached_input_tokens,
           case when w.reason is null then coalesce((w.j ->> 'cache_write_tokens')::integer, 0) end as cache_write_tokens
  ) as t
  left join lateral usage.price_at(w.org_id, w.provider, w.model, w.occurred_at) as p on w.reason is null
  left join lateral usage.price_at(w.org_id, w.baseline_provider, w.baseline_model, w.occurred_at) as b
         on w.reason is null and w.baseline_model is not null
  order by w.idx
$$;
revoke execute on function usage.check_request_batch(uuid, jsonb, timestamptz) from public, anon, authenticated;
grant execute on function usage.check_request_batch(uuid, jsonb, timestamptz) to service_role;
comment on function usage.check_request_batch(uuid, jsonb, timestamptz) is
  'Validates and prices a batch of model requests of one organization: (index, request_id, reason or NULL, row to store). Reasons: see the function header.';
