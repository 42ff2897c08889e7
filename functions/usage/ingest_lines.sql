-- requires: functions/usage/parse_requests.sql
-- requires: functions/analytics/try_parse_jsonb.sql
-- The work of usage.ingest_staged over pg_temp.ingest_staging, in two statements: parses
-- each non-blank line once (p_safe: with analytics.try_parse_jsonb, so that a line that
-- is not JSON becomes 'invalid_json'; otherwise with a plain cast, which raises), gathers
-- the chunk into one jsonb[] (the line numbers alongside), validates and prices it with
-- usage.parse_requests (inlined: the lines flow through it as a set; each names its
-- organization), writes the rejects to pg_temp.ingest_rejects and
-- stores the valid requests: when p_on_conflict, skipping a request_id the organization
-- has stored already (usage.model_request_ids, whatever its occurred_at) and all but the
-- first (in line order) of a request_id repeated in the chunk, with ON CONFLICT DO NOTHING
-- for one a concurrent transaction stores; else with a plain INSERT, which raises 23505 on
-- a request_id already stored or repeated in the chunk. Returns the counts.
-- Internal to usage.ingest_staged (which handles the fast and the slow path); callable by
-- service_role. SECURITY INVOKER: it reads the caller's temporary tables.
create or replace function usage.ingest_lines(p_now timestamptz, p_safe boolean, p_on_conflict boolean)
returns table (accepted bigint, staged bigint, valid bigint, rejected bigint)
language plpgsql
volatile
set search_path = ''
-- No JIT: the estimate for a staging table without statistics crosses jit_above_cost, and
-- compiling the inlined expressions costs seconds a chunk.
set jit = off
-- The inlined usage.parse_requests joins 9 relations to the lines: above the default
-- limit of 8 the planner keeps them together and runs them once per line (index scans)
-- instead of joining them to the whole chunk at once.
set join_collapse_limit = 16
set from_collapse_limit = 16
-- The small tables are hashed; a merge join sorted the whole batch by organization first.
set enable_mergejoin = off
-- The chunk's requests pass through an in-memory tuplestore (the unnest) and the
-- materialized CTE: ~25 MB for 50,000 lines, spilled to disk with the default 4 MB.
set work_mem = '128MB'
as $$
declare
  v_line_nos bigint[];
  v_requests jsonb[];
begin
  -- The chunk's non-blank lines, parsed once; both arrays in the same (scan) order, so that
  -- element n of the one is line n of the other (no sort: the insert sorts by line when
  -- the order matters, with ON CONFLICT).
  select pg_catalog.array_agg(l.line_no),
         pg_catalog.array_agg(case when p_safe then analytics.try_parse_jsonb(l.raw) else l.raw::jsonb end)
  into v_line_nos, v_requests
  from pg_temp.ingest_staging as l
  where pg_catalog.btrim(l.raw) <> '';

  -- Dynamic SQL (the staging tables exist only at run time, and the ON CONFLICT clause);
  -- planned at each call with the arrays as constants ($2, $3), so that the planner knows
  -- how many requests there are and hashes the small tables, not the chunk.
  return query execute pg_catalog.format($sql$
  with checked as materialized (
    select $3[p.ord] as line_no, p.*
    from usage.parse_requests($2, null, $1) as p
  ),
  rejects as (
    insert into pg_temp.ingest_rejects (line_no, reason)
    select c.line_no, c.reason from checked as c where c.reason is not null
    returning 1
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
    from %s as c
    where c.reason is null
    %s
    returning 1
  )
  -- The insert first: in the fast path a request stored already stops it at once.
  select (select pg_catalog.count(*) from inserted),
         (select pg_catalog.count(*) from checked),
         (select pg_catalog.count(*) from checked as c where c.reason is null),
         (select pg_catalog.count(*) from rejects)
  $sql$,
  case when p_on_conflict
       then '(select c.*, pg_catalog.row_number() over (partition by c.org_id, c.request_id order by c.line_no) as nth
              from checked as c where c.reason is null)'
       else 'checked' end,
  case when p_on_conflict
       then 'and c.nth = 1
             and not exists (select 1 from usage.model_request_ids as k where k.org_id = c.org_id and k.request_id = c.request_id)
             order by c.line_no on conflict (org_id, request_id, occurred_at) do nothing'
       else '' end)
  using p_now, v_requests, v_line_nos;
end;
$$;
revoke execute on function usage.ingest_lines(timestamptz, boolean, boolean) from public, anon, authenticated;
grant execute on function usage.ingest_lines(timestamptz, boolean, boolean) to service_role;
comment on function usage.ingest_lines(timestamptz, boolean, boolean) is
  'Internal to usage.ingest_staged: parses, validates and prices (usage.parse_requests) and stores pg_temp.ingest_staging in one statement; p_safe parses with analytics.try_parse_jsonb; p_on_conflict stores with ON CONFLICT DO NOTHING (else a plain INSERT that raises 23505 on a stored or repeated request). service_role / DBA.';
