-- requires: functions/usage/check_request_batch.sql
-- requires: functions/analytics/try_parse_jsonb.sql
-- Bulk load of model requests (audiencectl ingest --kind model-requests): validates and
-- stores the lines COPYed into pg_temp.ingest_staging (analytics.ingest_prepare creates
-- it) and answers how many lines were staged, stored (accepted), already stored
-- (duplicates) and rejected. Each line is one request object as public.log_model_requests
-- takes it, plus "org_id". Per line the same validation and pricing
-- (usage.check_request_batch, cost from the effective price at occurred_at), plus:
-- 'invalid_json' (not JSON), 'not_an_object', 'missing: org_id' / 'invalid: org_id',
-- 'unknown_org: <id>'; blank lines are ignored. Idempotent by (org_id, request_id,
-- occurred_at): a rerun stores nothing new. Afterwards pg_temp.ingest_rejects holds
-- (line_no, reason) of this call's rejected lines and pg_temp.ingest_staging is empty.
-- Callable by service_role and DBA sessions; SECURITY INVOKER (the caller's temp tables).
create or replace function usage.ingest_staged()
returns table (staged bigint, accepted bigint, duplicates bigint, rejected bigint)
language plpgsql
volatile
set search_path = ''
set jit = off
as $$
declare
  v_now      timestamptz := pg_catalog.now();
  v_staged   bigint;
  v_valid    bigint;
  v_rejected bigint;
  v_accepted bigint;
begin
  if pg_catalog.to_regclass('pg_temp.ingest_staging') is null
     or pg_catalog.to_regclass('pg_temp.ingest_rejects') is null then
    raise exception 'no staging table in this session'
      using errcode = '55000', hint = 'Call analytics.ingest_prepare() first, then COPY pg_temp.ingest_staging (line_no, raw) FROM STDIN.';
  end if;
  truncate pg_temp.ingest_rejects;

  with lines as materialized (
    select s.line_no, analytics.try_parse_jsonb(s.raw) as j
    from pg_temp.ingest_staging as s
    where pg_catalog.btrim(s.raw) <> ''
  ),
  framed as (
    select l.line_no, l.j,
           case when l.j is null then 'invalid_json'
                when pg_catalog.jsonb_typeof(l.j) <> 'object' then 'not_an_object'
                when coalesce(l.j ->> 'org_id', '') = '' then 'missing: org_id'
                when (l.j ->> 'org_id') !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then 'invalid: org_id'
                when not exists (select 1 from app.organizations as o where o.id = (l.j ->> 'org_id')::uuid)
                  then 'unknown_org: ' || (l.j ->> 'org_id') end as reason
    from lines as l
  ),
  -- All valid lines in ONE call of the checks (each names its organization): one call per
  -- organization was planned anew each time (~30 ms; 1,000 organizations in a chunk cost
  -- 30 s before a row was checked).
  batch as (
    select pg_catalog.array_agg(f.line_no order by f.line_no) as line_nos,
           pg_catalog.jsonb_agg(f.j order by f.line_no) as requests
    from framed as f where f.reason is null
  ),
  checked as materialized (
    select b.line_nos[c.idx + 1] as line_no, c.reason, c.request
    from batch as b
    cross join lateral usage.check_request_batch(null, b.requests, v_now) as c
  ),
  inserted as (
    insert into usage.model_requests overriding user value
    select (c.request).* from checked as c where c.reason is null
    order by c.line_no
    on conflict (org_id, request_id, occurred_at) do nothing
    returning 1
  ),
  rejects as (
    insert into pg_temp.ingest_rejects (line_no, reason)
    select f.line_no, f.reason from framed as f where f.reason is not null
    union all
    select c.line_no, c.reason from checked as c where c.reason is not null
    returning 1
  )
  select (select pg_catalog.count(*) from lines), (select pg_catalog.count(*) from inserted),
         (select pg_catalog.count(*) from checked as c where c.reason is null), (select pg_catalog.count(*) from rejects)
  into v_staged, v_accepted, v_valid, v_rejected;

  truncate pg_temp.ingest_staging;
  return query select v_staged, v_accepted, v_valid - v_accepted, v_rejected;
end;
$$;
revoke execute on function usage.ingest_staged() from public, anon, authenticated;
grant execute on function usage.ingest_staged() to service_role;
comment on function usage.ingest_staged() is
  'Bulk load of model requests, step 2: validates and prices (usage.check_request_batch) and stores the lines of pg_temp.ingest_staging; returns (staged, accepted, duplicates, rejected); rejects (line_no, reason) in pg_temp.ingest_rejects; idempotent. service_role / DBA.';
