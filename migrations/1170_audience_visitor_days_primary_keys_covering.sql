-- audiencectl:no-transaction
-- 1170: the primary keys of private.audience_visitor_days and audience_visitor_day_combos
-- carry the columns of their covering indexes (0052), which are dropped: both were
-- (org_id, visitor_key, day, ...) b-trees next to a primary key on the same columns, so
-- every row that private.refresh_audience_rollups writes went into two indexes of the same
-- order. One index fewer per row (at 1M events, 100 organizations: 86 MB less index, and
-- refresh_audience_rollups after a day of new events 8% faster by this alone, medians of
-- 16 runs; BENCHMARKS.md). Every lookup the covering indexes served (a visitor's rows
-- before or from a day, index-only) is a prefix of the primary key, which now holds the
-- same columns.
-- Lock-safe: each new index is built CONCURRENTLY (writes go on), then becomes the primary
-- key (a brief ACCESS EXCLUSIVE lock of the table, under lock_timeout with retries: the old
-- key's index is dropped, no row is read or written; the key columns are NOT NULL
-- already), and the covering index is dropped concurrently. At 1M events (388,109 and
-- 451,420 rows) the file ran in 1.0 s; the two swaps held their locks 18.5 and 24.8 ms.
-- Rerunnable (as 0432): the generating query skips a table whose primary key already
-- carries INCLUDE columns, and drops an INVALID leftover of a failed concurrent build
-- before building it again (a CREATE INDEX CONCURRENTLY that timed out waiting for an old
-- snapshot leaves one; its retry within the run skips it and the swap fails: the next
-- run rebuilds it); a valid index left by a run that stopped before the swap is used.

select s.statement as audiencectl_statement
from (
  select t.name, x.n,
         case x.n
           when 1 then pg_catalog.format('drop index concurrently if exists private.%I', t.idx)
           when 2 then pg_catalog.format(
             'create unique index concurrently if not exists %I on private.%I (%s) include (%s)',
             t.idx, t.name, t.keys, t.included)
           when 3 then pg_catalog.format(
             'alter table private.%I drop constraint %I, add constraint %I primary key using index %I',
             t.name, t.pk, t.pk, t.idx)
         end as statement,
         exists (select 1 from pg_catalog.pg_index as i
                 join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
                 where ic.relnamespace = 'private'::pg_catalog.regnamespace and ic.relname = t.idx
                   and not i.indisvalid) as leftover_invalid
  from (values
    ('audience_visitor_days', 'pk_audience_visitor_days', 'index_audience_visitor_days_on_key_including',
     'org_id, visitor_key, day',
     'flags, prev_day, prev_checkout_day, prev_mobile_day, prev_desktop_day, next_click_day, source, medium, campaign'),
    ('audience_visitor_day_combos', 'pk_audience_visitor_day_combos', 'index_audience_visitor_day_combos_on_key_including',
     'org_id, visitor_key, day, device_type, network_type',
     'prev_day')
  ) as t (name, pk, idx, keys, included)
  cross join (values (1), (2), (3)) as x (n)
  -- tables whose primary key does not carry the covering columns yet
  where not exists (
    select 1 from pg_catalog.pg_constraint as c
    join pg_catalog.pg_index as i on i.indexrelid = c.conindid
    where c.conrelid = pg_catalog.format('private.%I', t.name)::pg_catalog.regclass and c.conname = t.pk
      and i.indnatts > i.indnkeyatts)
) as s
where s.n <> 1 or s.leftover_invalid
order by s.name desc, s.n;

drop index concurrently if exists private.index_audience_visitor_days_on_org_id_visitor_key_day_covering;
-- (0052's name, truncated to 63 bytes when it was created)
drop index concurrently if exists private.index_audience_visitor_day_combos_on_org_id_visitor_key_day_cov;
