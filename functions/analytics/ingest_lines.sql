-- The work of analytics.ingest_staged, as one statement over pg_temp.ingest_staging:
-- parses each non-blank line (p_safe: with analytics.try_parse_jsonb, a line that is not
-- JSON becomes 'invalid_json'; otherwise with a plain cast, which raises), gives events
-- without client_event_id the key 'line:' || md5(line), validates and maps them with
-- analytics.parse_event, rejects unknown organizations, writes the rejects to
-- pg_temp.ingest_rejects and stores the valid events (ON CONFLICT DO NOTHING). Returns
-- the counts. Internal to ingest_staged (which handles the fast/slow path); callable by
-- service_role. SECURITY INVOKER: it reads the caller's temporary tables.
create or replace function analytics.ingest_lines(p_now timestamptz, p_safe boolean)
returns table (staged bigint, valid bigint, rejected bigint, accepted bigint)
language plpgsql
volatile
set search_path = ''
-- No JIT: the estimate for a staging table without statistics crosses jit_above_cost, and
-- compiling the inlined analytics.parse_event took 4 s of every 50,000-line chunk.
set jit = off
as $$
begin
  -- PL/pgSQL, not SQL: a SQL body would be checked at creation, before the session's
  -- temporary tables exist.
  return query
  with checked as materialized (
    select x.line_no,
           coalesce(x.reason,
                    case when not exists (select 1 from app.organizations as o where o.id = (x.event_row).org_id)
                         then 'unknown_org: ' || ((x.event_row).org_id)::text end) as reason,
           x.event_row
    from (
      select l.line_no,
             case when l.event is null then 'invalid_json' else p.reason end as reason,
             p.event as event_row
      from (
        select j.line_no,
               case when pg_catalog.jsonb_typeof(j.event) = 'object' and coalesce(j.event ->> 'client_event_id', '') = ''
                    then j.event || pg_catalog.jsonb_build_object('client_event_id', 'line:' || pg_catalog.md5(j.raw))
                    else j.event end as event
        from (
          select g.line_no, g.raw,
                 case when p_safe then analytics.try_parse_jsonb(g.raw) else g.raw::jsonb end as event
          from pg_temp.ingest_staging as g
          where pg_catalog.btrim(g.raw, e' \t\r\n') <> ''
          offset 0
        ) as j
        offset 0
      ) as l
      cross join lateral analytics.parse_event(l.event, p_now) as p
      offset 0
    ) as x
  ),
  rejects as (
    insert into pg_temp.ingest_rejects (line_no, reason)
    select c.line_no, c.reason
    from checked as c
    where c.reason is not null
    returning 1
  ),
  inserted as (
    insert into analytics.events overriding user value
    select (c.event_row).*
    from checked as c
    where c.reason is null
    on conflict (org_id, client_event_id, occurred_at) where client_event_id is not null do nothing
    returning 1
  )
  select (select pg_catalog.count(*) from checked),
         (select pg_catalog.count(*) from checked as c where c.reason is null),
         (select pg_catalog.count(*) from rejects),
         (select pg_catalog.count(*) from inserted);
end;
$$;
revoke execute on function analytics.ingest_lines(timestamptz, boolean) from public, anon, authenticated;
grant execute on function analytics.ingest_lines(timestamptz, boolean) to service_role;
comment on function analytics.ingest_lines(timestamptz, boolean) is
  'Internal to analytics.ingest_staged: parses, validates (analytics.parse_event) and stores pg_temp.ingest_staging in one statement; p_safe parses with analytics.try_parse_jsonb. service_role / DBA.';
