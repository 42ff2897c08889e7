-- audiencectl:no-transaction
-- The idempotency key of analytics.events scoped by writer (see 0431): unique
-- (org_id, writer, client_event_id, occurred_at) where writer = user_id for self-logged
-- events (the nil uuid for a signed-in caller's do-not-track event, which keeps no user_id:
-- never NULL, so never the trusted writer's key) and NULL (one shared "trusted" writer:
-- NULLS NOT DISTINCT) otherwise. It replaces
-- index_events_on_org_id_client_event_id_occurred_at (0004).
-- Lock-safe on a large, busy table (docs/partitioned-indexes.md): the index is created ON
-- ONLY the parent (invalid, instant), built CONCURRENTLY on each partition (writes go on)
-- and attached; the parent becomes valid when the last partition is attached. Rerunnable:
-- the generating query builds only what is missing and drops an INVALID leftover of a
-- failed build first. Writers are never wrong in between: public.log_events and ingest use
-- ON CONFLICT DO NOTHING without a target, so either index arbitrates (any duplicate under
-- the new key is one under the old key too).

-- squawk-ignore require-concurrent-index-creation
create unique index if not exists index_events_on_org_id_writer_client_event_id_occurred_at
  on only analytics.events (org_id, (case when self_logged then coalesce(user_id, '00000000-0000-0000-0000-000000000000'::uuid) end), client_event_id, occurred_at)
  nulls not distinct
  where client_event_id is not null;

select s.statement as audiencectl_statement
from (
  select p.relid, p.name, x.n,
         case x.n
           when 1 then pg_catalog.format('drop index concurrently if exists analytics.%I', p.idx)
           when 2 then pg_catalog.format(
             'create unique index concurrently if not exists %I on analytics.%I '
             '(org_id, (case when self_logged then coalesce(user_id, ''00000000-0000-0000-0000-000000000000''::uuid) end), client_event_id, occurred_at) nulls not distinct '
             'where client_event_id is not null', p.idx, p.name)
           when 3 then pg_catalog.format(
             'alter index analytics.index_events_on_org_id_writer_client_event_id_occurred_at attach partition analytics.%I',
             p.idx)
         end as statement,
         p.leftover_invalid
  from (
    select c.oid as relid, c.relname::text as name, pg_catalog.left(c.relname, 52) || '_writer_key' as idx,
           exists (select 1 from pg_catalog.pg_index as i
                   join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
                   where i.indrelid = c.oid and ic.relname = pg_catalog.left(c.relname, 52) || '_writer_key' and not i.indisvalid) as leftover_invalid
    from pg_catalog.pg_inherits as h
    join pg_catalog.pg_class as c on c.oid = h.inhrelid
    where h.inhparent = 'analytics.events'::pg_catalog.regclass
      -- partitions whose index is not attached yet
      and not exists (
        select 1 from pg_catalog.pg_inherits as ih
        join pg_catalog.pg_index as pi on pi.indexrelid = ih.inhrelid
        where ih.inhparent = 'analytics.index_events_on_org_id_writer_client_event_id_occurred_at'::pg_catalog.regclass
          and pi.indrelid = c.oid)
  ) as p
  cross join (values (1), (2), (3)) as x (n)
  where x.n <> 1 or p.leftover_invalid
) as s
order by s.name, s.n;

do $$
begin
  if not (select i.indisvalid from pg_catalog.pg_index as i
          where i.indexrelid = 'analytics.index_events_on_org_id_writer_client_event_id_occurred_at'::pg_catalog.regclass) then
    raise exception 'index_events_on_org_id_writer_client_event_id_occurred_at is still invalid: a partition lacks it'
      using errcode = '55000', hint = 'A partition was added while this file ran: rerun migrate, which builds what is missing.';
  end if;
end
$$;

-- A partitioned index cannot be dropped CONCURRENTLY; dropping it reads nothing (a brief
-- ACCESS EXCLUSIVE lock on the table and its partitions, under lock_timeout with retries).
-- squawk-ignore require-concurrent-index-deletion
drop index if exists analytics.index_events_on_org_id_client_event_id_occurred_at;
