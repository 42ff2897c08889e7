-- Prepares this session for a bulk load (audiencectl ingest): creates, or empties, the
-- session's temporary tables
--   pg_temp.ingest_staging (line_no bigint not null, raw text not null)  <- COPY lines here
--   pg_temp.ingest_rejects (line_no bigint, reason text)                 <- read rejects here
-- Then: COPY pg_temp.ingest_staging (line_no, raw) FROM STDIN; select * from
-- analytics.ingest_staged(); repeat COPY + ingest_staged per chunk if wanted.
-- SECURITY INVOKER, so that the tables belong to the caller, who COPYs into them.
-- Callable by service_role and DBA sessions (not by API users).
create or replace function analytics.ingest_prepare()
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  if pg_catalog.to_regclass('pg_temp.ingest_staging') is null then
    create temporary table ingest_staging (
      line_no bigint not null,
      raw     text   not null
    );
  end if;
  if pg_catalog.to_regclass('pg_temp.ingest_rejects') is null then
    create temporary table ingest_rejects (
      line_no bigint,
      reason  text
    );
  end if;
  truncate pg_temp.ingest_staging, pg_temp.ingest_rejects;
end;
$$;
revoke execute on function analytics.ingest_prepare() from public, anon, authenticated;
grant execute on function analytics.ingest_prepare() to service_role;
comment on function analytics.ingest_prepare() is
  'Bulk load, step 1: creates or empties this session''s pg_temp.ingest_staging (line_no, raw) for COPY and pg_temp.ingest_rejects (line_no, reason). service_role / DBA.';
