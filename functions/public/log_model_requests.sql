-- Stores a batch of at most 1,000 model requests of one organization; answers
-- {accepted, duplicates, unpriced, rejected} where rejected is [{index, request_id,
-- reason}] (index: 0-based position in p_requests; reasons: usage.parse_requests).
-- Valid requests are stored even when others of the batch are rejected.
-- Cost: from the effective price at occurred_at (the organization's override, else the
-- public price, as usage.price_at), exact numeric; a model without a price then is stored
-- with cost NULL and counted in unpriced (never 0). Routed requests with a
-- baseline_model also store what the baseline would have cost (baseline_cost).
-- Idempotent: a request whose request_id the organization has stored already (whatever
-- its occurred_at: usage.model_request_ids, migration 1255), or repeated within the batch
-- (the first one wins), is counted in duplicates and not stored. Two calls that store the
-- same request_id at once: the second waits for the first, then counts it as a duplicate
-- (with two different occurred_at the statement is redone once after 23505).
-- Callable by service_role only (the platform's back end).
-- Errors: 42501 caller is not service_role; 22023 p_org_id NULL, p_requests not a JSON
-- array, or more than 1,000 requests; P0002 unknown organization (hint in each).
create or replace function public.log_model_requests(p_org_id uuid, p_requests jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
-- No JIT: the many small expressions of a batch made the planner JIT-compile ~480
-- functions per call (seconds, on a busy machine tens of seconds) for 1-1000 rows.
set jit = off
-- The inlined usage.parse_requests joins 9 relations to the batch: above the default
-- limit of 8 the planner keeps them together and runs them once per request.
set join_collapse_limit = 16
set from_collapse_limit = 16
-- The small tables are hashed; a merge join sorted the whole batch by organization first.
set enable_mergejoin = off
-- One plan for every call: planning the statement (the inlined usage.parse_requests and
-- its constant arrays) took ~10-15 ms a call on this machine, a batch of one request
-- included, and the plan cache kept choosing custom plans. The generic plan serves any
-- batch of 1-1000 requests (the small tables are hashed or probed).
set plan_cache_mode = force_generic_plan
as $$
declare
  v_now      timestamptz := pg_catalog.now();
  v_valid    bigint;
  v_accepted bigint;
  v_unpriced bigint;
  v_rejected jsonb;
  v_attempt  integer;
begin
  if not app.is_service_session() then
    raise exception 'only service_role may log model requests'
      using errcode = '42501', hint = 'Call log_model_requests from the platform back end with the service_role key.';
  end if;
  perform app.assert_org_role(p_org_id, 'owner');            -- 22023 on NULL, P0002 on an unknown organization
  if p_requests is null or pg_catalog.jsonb_typeof(p_requests) <> 'array' then
    raise exception 'p_requests must be a JSON array of request objects'
      using errcode = '22023', hint = 'Send [{"request_id": ..., "occurred_at": ..., "provider": ..., "model": ...}, ...].';
  end if;
  if pg_catalog.jsonb_array_length(p_requests) > 1000 then
    raise exception 'a batch holds at most 1000 requests; this one holds %', pg_catalog.jsonb_array_length(p_requests)
      using errcode = '22023', hint = 'Split the requests into batches of 1000 or fewer.';
  end if;

  -- One statement: usage.parse_requests is inlined (no per-request function call), its
  -- model and price lookups are joins. A request_id stored by a concurrent transaction
  -- under another occurred_at raises 23505 (usage.model_request_ids) once that one
  -- commits: the statement is then redone, and skips it.
  for v_attempt in 1 .. 2 loop
    begin
      with checked as materialized (
        select (p.ord - 1)::integer as idx, p.*
        from (select pg_catalog.array_agg(e.value order by e.ord) as js
              from pg_catalog.jsonb_array_elements(p_requests) with ordinality as e (value, ord)) as b
        cross join lateral usage.parse_requests(b.js, p_org_id, v_now) as p
      ),
      inserted as (
        insert into usage.model_requests (org_id, request_id, occurred_at, received_at, user_id, team, project, feature, provider,
                                          model, model_requested, was_routed, router_confidence, baseline_provider, baseline_model,
                                          input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, latency_ms,
                                          time_to_first_token_ms, status, error_type, rating, feedback_flag, price_id, cost,
                                          baseline_price_id, baseline_cost, metadata)
        select c.org_id, c.request_id, c.occurred_at, c.received_at, c.user_id, c.team, c.project, c.feature, c.provider,
               c.model, c.model_requested, c.was_routed, c.router_confidence, c.baseline_provider, c.baseline_model,
               c.input_tokens, c.output_tokens, c.cached_input_tokens, c.cache_write_tokens, c.latency_ms,
               c.time_to_first_token_ms, c.status, c.error_type, c.rating, c.feedback_flag, c.price_id, c.cost,
               c.baseline_price_id, c.baseline_cost, c.metadata
        from (select c.*, pg_catalog.row_number() over (partition by c.request_id order by c.idx) as nth
              from checked as c
              where c.reason is null) as c
        where c.nth = 1
          and not exists (select 1 from usage.model_request_ids as k where k.org_id = c.org_id and k.request_id = c.request_id)
        order by c.idx
        on conflict (org_id, request_id, occurred_at) do nothing
        returning cost
      )
      select (select pg_catalog.count(*) from inserted),
             (select pg_catalog.count(*) from inserted as i where i.cost is null),
             pg_catalog.count(*) filter (where c.reason is null),
             coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('index', c.idx, 'request_id', c.request_id, 'reason', c.reason)
                                           order by c.idx) filter (where c.reason is not null),
                      '[]'::jsonb)
      into v_accepted, v_unpriced, v_valid, v_rejected
      from checked as c;
      exit;
    exception
      when unique_violation then
        if v_attempt = 2 then
          raise;
        end if;
    end;
  end loop;

  return pg_catalog.jsonb_build_object('accepted', v_accepted, 'duplicates', v_valid - v_accepted,
                                       'unpriced', v_unpriced, 'rejected', v_rejected);
end;
$$;
revoke execute on function public.log_model_requests(uuid, jsonb) from public, anon, authenticated;
grant execute on function public.log_model_requests(uuid, jsonb) to service_role;
comment on function public.log_model_requests(uuid, jsonb) is
  'Stores up to 1000 model requests of one organization (service_role). Returns {"accepted", "duplicates", "unpriced", "rejected": [{"index", "request_id", "reason"}]}; cost from the effective price at occurred_at (NULL when unpriced); idempotent by (org_id, request_id). 42501 not service_role; 22023 bad batch; P0002 unknown organization.';
