-- requires: functions/usage/ingest_lines.sql
-- Bulk load of model requests (audiencectl ingest --kind model-requests): validates and
-- stores the lines COPYed into pg_temp.ingest_staging (analytics.ingest_prepare creates
-- it) and answers how many lines were staged, stored (accepted), already stored
-- (duplicates) and rejected. Each line is one request object as public.log_model_requests
-- takes it, plus "org_id". Per line the same validation and pricing
-- (usage.parse_requests, cost from the effective price at occurred_at), plus:
-- 'invalid_json' (not JSON), 'not_an_object', 'missing: org_id' / 'invalid: org_id',
-- 'unknown_org: <id>'; blank lines are ignored. Idempotent by (org_id, request_id), as
-- log_model_requests (a request_id stored already, whatever its occurred_at, or repeated in
-- the file: the first line wins, the others count as duplicates): a rerun stores nothing
-- new. A request_id stored at the same moment by another session under another
-- occurred_at fails the chunk with 23505 (nothing of it stored); a rerun skips it. Afterwards pg_temp.ingest_rejects holds
-- (line_no, reason) of this call's rejected lines and pg_temp.ingest_staging is empty.
-- Set-based: usage.ingest_lines parses the chunk, then one statement validates, prices,
-- records rejects and stores. It first parses with a plain cast and stores with a plain INSERT;
-- only if some line is not JSON, or some request is stored already or repeated in the
-- chunk, is the statement redone, with ON CONFLICT DO NOTHING (and the non-raising parser
-- analytics.try_parse_jsonb when a line is not JSON).
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

  -- Fast path: parse every line with a plain cast and store with a plain INSERT (cheaper
  -- than ON CONFLICT, and no sort). A line that is not JSON raises a data_exception, a
  -- request already stored or repeated in the chunk a unique_violation; either undoes
  -- this block (nothing stored), and the chunk is redone with ON CONFLICT DO NOTHING
  -- (which counts such requests as duplicates), and with the non-raising parser
  -- (analytics.try_parse_jsonb) once a line is known not to be JSON.
  begin
    select c.staged, c.valid, c.rejected, c.accepted
    into v_staged, v_valid, v_rejected, v_accepted
    from usage.ingest_lines(v_now, false, false) as c;
  exception
    when unique_violation then
      begin
        select c.staged, c.valid, c.rejected, c.accepted
        into v_staged, v_valid, v_rejected, v_accepted
        from usage.ingest_lines(v_now, false, true) as c;
      exception
        when data_exception then
          select c.staged, c.valid, c.rejected, c.accepted
          into v_staged, v_valid, v_rejected, v_accepted
          from usage.ingest_lines(v_now, true, true) as c;
      end;
    when data_exception then
      select c.staged, c.valid, c.rejected, c.accepted
      into v_staged, v_valid, v_rejected, v_accepted
      from usage.ingest_lines(v_now, true, true) as c;
  end;

  truncate pg_temp.ingest_staging;
  return query select v_staged, v_accepted, v_valid - v_accepted, v_rejected;
end;
$$;
revoke execute on function usage.ingest_staged() from public, anon, authenticated;
grant execute on function usage.ingest_staged() to service_role;
comment on function usage.ingest_staged() is
  'Bulk load of model requests, step 2: validates and prices (usage.parse_requests) and stores the lines of pg_temp.ingest_staging; returns (staged, accepted, duplicates, rejected); rejects (line_no, reason) in pg_temp.ingest_rejects; idempotent. service_role / DBA.';
