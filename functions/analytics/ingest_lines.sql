-- The work of analytics.ingest_staged, as one statement over pg_temp.ingest_staging:
-- parses each non-blank line (p_safe: with analytics.try_parse_jsonb, a line that is not
-- JSON becomes 'invalid_json'; otherwise with a plain cast, which raises), gives events
-- without client_event_id the key 'line:' || md5(line), validates and maps them with
-- analytics.parse_event, rejects unknown organizations and erased users ('erased_user:
-- user_id', app.erased_users), writes the rejects to
-- pg_temp.ingest_rejects and stores the valid events: with ON CONFLICT DO NOTHING when
-- p_on_conflict, else with a plain INSERT, which raises 23505 on an event already stored
-- or repeated in the chunk. Returns the counts. Internal to ingest_staged (which handles
-- the fast and slow paths); callable by service_role. SECURITY INVOKER: it reads the
-- caller's temporary tables.
drop function if exists analytics.ingest_lines(timestamptz, boolean);
create or replace function analytics.ingest_lines(p_now timestamptz, p_safe boolean, p_on_conflict boolean)
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
  -- temporary tables exist. Dynamic only for the ON CONFLICT clause (the statement is
  -- planned once per chunk either way; $1 = p_now, $2 = p_safe).
  return query execute pg_catalog.format($sql$
  with checked as materialized (
    select x.line_no,
           coalesce(x.reason,
                    case when o.id is null then 'unknown_org: ' || ((x.event_row).org_id)::text end,
                    case when (x.event_row).user_id is not null
                              and exists (select 1 from app.erased_users as u where u.user_id = (x.event_row).user_id)
                           then 'erased_user: user_id' end) as reason,
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
                 case when $2 then analytics.try_parse_jsonb(g.raw) else g.raw::jsonb end as event
          from pg_temp.ingest_staging as g
          where pg_catalog.btrim(g.raw, e' \t\r\n') <> ''
          offset 0
        ) as j
        offset 0
      ) as l
      cross join lateral analytics.parse_event(l.event, $1) as p
      offset 0
    ) as x
    -- A join, not a sub-plan per line (which got a sequential scan of a small
    -- app.organizations: ~8 us per line with 100 organizations).
    left join app.organizations as o on o.id = (x.event_row).org_id
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
    order by c.line_no                      -- the first of two equal events in a chunk wins
    %s
    returning 1
  )
  select (select pg_catalog.count(*) from checked),
         (select pg_catalog.count(*) from checked as c where c.reason is null),
         (select pg_catalog.count(*) from rejects),
         (select pg_catalog.count(*) from inserted)
  $sql$,
  case when p_on_conflict
       then 'on conflict do nothing' else '' end)
  using p_now, p_safe;
end;
$$;
revoke execute on function analytics.ingest_lines(timestamptz, boolean, boolean) from public, anon, authenticated;
grant execute on function analytics.ingest_lines(timestamptz, boolean, boolean) to service_role;
comment on function analytics.ingest_lines(timestamptz, boolean, boolean) is
  'Internal to analytics.ingest_staged: parses, validates (analytics.parse_event) and stores pg_temp.ingest_staging in one statement; p_safe parses with analytics.try_parse_jsonb; p_on_conflict stores with ON CONFLICT DO NOTHING (else a plain INSERT that raises 23505 on a stored or repeated event). service_role / DBA.';
