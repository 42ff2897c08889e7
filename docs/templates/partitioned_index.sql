-- audiencectl:no-transaction
-- TEMPLATE (docs/partitioned-indexes.md): an index on a large, busy partitioned table such as
-- analytics.events, built without blocking its writes. Copy to migrations/NNNN_<what>.sql
-- and replace every placeholder:
--   __SCHEMA__   the table's schema                       e.g. analytics
--   __TABLE__    the partitioned table                    e.g. events
--   __INDEX__    the parent index name (<= 63 bytes)      e.g. index_events_on_org_id_session_id
--   __SUFFIX__   each partition's index: <partition, cut to 52 bytes>_<suffix> (<= 10 bytes)
--   __DEFINITION__  what follows ON <table> in CREATE INDEX: columns, INCLUDE, WHERE...
--                e.g. (org_id, session_id) where session_id is not null
-- (For a unique index write CREATE UNIQUE INDEX in both places.)
-- How it works: (1) the index is created ON ONLY the parent: invalid, no partition is read,
-- instant; (2) the query below generates, for every partition that lacks an attached index,
-- DROP INDEX CONCURRENTLY of an INVALID leftover (a build that failed), CREATE INDEX
-- CONCURRENTLY (reads the partition while writes go on) and ALTER INDEX ... ATTACH
-- PARTITION; audiencectl runs each generated row as its own statement (a query whose only
-- column is named audiencectl_statement); (3) the parent is valid once every partition is
-- attached, which the DO block checks. A rerun after a failure builds only what is missing.
-- Partitions created later (ensure_partitions: CREATE TABLE ... LIKE + ATTACH) get the
-- index from the ATTACH.

-- squawk-ignore require-concurrent-index-creation
create index if not exists __INDEX__ on only __SCHEMA__.__TABLE__ __DEFINITION__;

select s.statement as audiencectl_statement
from (
  select p.name, x.n,
         case x.n
           when 1 then pg_catalog.format('drop index concurrently if exists %I.%I', p.schema, p.idx)
           when 2 then pg_catalog.format('create index concurrently if not exists %I on %I.%I ', p.idx, p.schema, p.name)
                       || $definition$__DEFINITION__$definition$
           when 3 then pg_catalog.format('alter index %I.%I attach partition %I.%I', '__SCHEMA__', '__INDEX__', p.schema, p.idx)
         end as statement
  from (
    select ns.nspname::text as schema, c.relname::text as name, pg_catalog.left(c.relname, 52) || '___SUFFIX__' as idx,
           exists (select 1 from pg_catalog.pg_index as i
                   join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
                   where i.indrelid = c.oid and ic.relname = pg_catalog.left(c.relname, 52) || '___SUFFIX__'
                     and not i.indisvalid) as leftover_invalid
    from pg_catalog.pg_inherits as h
    join pg_catalog.pg_class as c on c.oid = h.inhrelid
    join pg_catalog.pg_namespace as ns on ns.oid = c.relnamespace
    where h.inhparent = '__SCHEMA__.__TABLE__'::pg_catalog.regclass
      and not exists (
        select 1 from pg_catalog.pg_inherits as ih
        join pg_catalog.pg_index as pi on pi.indexrelid = ih.inhrelid
        where ih.inhparent = '__SCHEMA__.__INDEX__'::pg_catalog.regclass and pi.indrelid = c.oid)
  ) as p
  cross join (values (1), (2), (3)) as x (n)
  where x.n <> 1 or p.leftover_invalid
) as s
order by s.name, s.n;

do $$
begin
  if not (select i.indisvalid from pg_catalog.pg_index as i
          where i.indexrelid = '__SCHEMA__.__INDEX__'::pg_catalog.regclass) then
    raise exception '__SCHEMA__.__INDEX__ is still invalid: a partition lacks it'
      using errcode = '55000', hint = 'A partition was added while this file ran: rerun migrate, which builds what is missing.';
  end if;
end
$$;
