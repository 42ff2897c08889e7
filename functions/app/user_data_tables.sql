-- Where data about a user can be stored: every table of the schemas app, analytics,
-- audience, insights, experiments, usage and private (the internal per-visitor rollups;
-- partitioned parents, not their partitions) with a
-- column that identifies a person, and the predicate that selects the rows of one person.
-- Discovered from the catalog at each call, so tables added by later migrations are
-- covered without touching app.erase_user / app.export_user_data. Rules:
--   user_id uuid                         user_id in $1 (the user id and its keyed hashes)
--   org_id + visitor_id text             (org_id, visitor_id) in the pairs $2/$3, and when
--                                        the table has user_id: a row of no user (a shared
--                                        device's rows of another user are theirs)
--   org_id + subject text                (org_id, subject) in the pairs $2/$3
--   org_id + visitor_key text            (org_id, visitor_key) in the pairs $2/$3 (the
--                                        audience rollups key visitors as audience.visitor_key)
--   org_id + visitor_key uuid            (org_id, visitor_key) in the pairs $4/$5
--   email or contact text                lower(column) = $6 (the user's e-mail)
--   dimension text + key text            dimension = 'user' and key = a user id of $1 as
--                                        text (usage.dimension_days: a user's rows)
--   scope text + scope_value text        scope = 'user' and scope_value = a user id of $1
--                                        as text (usage.budgets: a budget of one user;
--                                        its alerts go with it)
--   a uuid column ending in _by, or any other uuid column with a foreign key to
--   auth.users: the reference ($7 = the user id); it is set to NULL (the row is kept)
--                                        -> null_columns
--   user_id of an audit trail that outlives accounts (app.admin_access_log, migration
--   1265): a reference like exported_by of the export audits (set to NULL, the row is
--   kept), not the row's owner -> null_columns, no predicate
-- level orders tables children first: a table referenced (by a foreign key) by another
-- listed table comes after it, so that deletes are counted where they happen rather
-- than vanish in cascades.
-- JIT off: this catalog query is estimated expensive and JIT compilation took seconds.
-- Internal helper of app.erase_user and app.export_user_data: owner only.
create or replace function app.user_data_tables()
returns table (relid oid, table_name text, predicate text, null_columns text[], level integer)
language sql
stable
set jit = off
as $$
  with recursive tabs as (
    select c.oid, n.nspname, c.relname
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    where n.nspname in ('app', 'analytics', 'audience', 'insights', 'experiments', 'usage', 'private', 'archive')
      and c.relkind in ('r', 'p')
      and not c.relispartition
      -- the suppression list of erased ids: written by app.erase_user after the erasure
      and c.oid is distinct from pg_catalog.to_regclass('app.erased_users')
  ),
  audits as (
    -- audit trails whose user_id names who acted, kept when that user is erased (1265)
    select pg_catalog.to_regclass('app.admin_access_log')::oid as oid
  ),
  cols as (
    select a.attrelid as oid, a.attname::text as name, a.atttypid::pg_catalog.regtype::text as type, a.attnotnull as not_null
    from pg_catalog.pg_attribute as a
    where a.attrelid in (select t.oid from tabs as t) and a.attnum > 0 and not a.attisdropped
  ),
  refs as (
    -- uuid columns other than user_id referencing auth.users.
    select con.conrelid as oid, a.attname::text as name
    from pg_catalog.pg_constraint as con
    join pg_catalog.pg_attribute as a on a.attrelid = con.conrelid and a.attnum = con.conkey[1]
    where con.contype = 'f' and con.confrelid = 'auth.users'::pg_catalog.regclass
      and pg_catalog.cardinality(con.conkey) = 1 and a.attname <> 'user_id'
  ),
  per_table as (
    select t.oid, pg_catalog.format('%I.%I', t.nspname, t.relname) as table_name,
           pg_catalog.array_to_string(pg_catalog.array_remove(array[
             case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'user_id' and c.type = 'uuid')
                   and t.oid not in (select a.oid from audits as a where a.oid is not null)
                  then 't.user_id in (select pg_catalog.unnest($1))' end,
             case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'org_id' and c.type = 'uuid')
                   and exists (select 1 from cols as c where c.oid = t.oid and c.name = 'visitor_id' and c.type = 'text')
                  then '(t.org_id, t.visitor_id) in (select p.o, p.v collate "C" from rows from (pg_catalog.unnest($2), pg_catalog.unnest($3)) as p (o, v))'
                       || case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'user_id' and c.type = 'uuid')
                               then ' and t.user_id is null' else '' end end,
             case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'org_id' and c.type = 'uuid')
                   and exists (select 1 from cols as c where c.oid = t.oid and c.name = 'subject' and c.type = 'text')
                  then '(t.org_id, t.subject) in (select p.o, p.v collate "C" from rows from (pg_catalog.unnest($2), pg_catalog.unnest($3)) as p (o, v))' end,
             case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'org_id' and c.type = 'uuid')
                   and exists (select 1 from cols as c where c.oid = t.oid and c.name = 'visitor_key' and c.type = 'text')
                  then '(t.org_id, t.visitor_key) in (select p.o, p.v collate "C" from rows from (pg_catalog.unnest($2), pg_catalog.unnest($3)) as p (o, v))' end,
             case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'org_id' and c.type = 'uuid')
                   and exists (select 1 from cols as c where c.oid = t.oid and c.name = 'visitor_key' and c.type = 'uuid')
                  then '(t.org_id, t.visitor_key) in (select p.o, p.k from rows from (pg_catalog.unnest($4), pg_catalog.unnest($5)) as p (o, k))' end,
             case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'dimension' and c.type = 'text')
                   and exists (select 1 from cols as c where c.oid = t.oid and c.name = 'key' and c.type = 'text')
                  then '(t.dimension = ''user'' and t.key in (select u::text collate "C" from pg_catalog.unnest($1) as u))' end,
             case when exists (select 1 from cols as c where c.oid = t.oid and c.name = 'scope' and c.type = 'text')
                   and exists (select 1 from cols as c where c.oid = t.oid and c.name = 'scope_value' and c.type = 'text')
                  then '(t.scope = ''user'' and t.scope_value in (select u::text collate "C" from pg_catalog.unnest($1) as u))' end,
             (select pg_catalog.string_agg(pg_catalog.format('pg_catalog.lower(t.%I) = $6', c.name), ' or ' order by c.name)
                from cols as c where c.oid = t.oid and c.name in ('email', 'contact') and c.type = 'text')
           ]::text[], null), ' or ') as predicate,
           array(select c.name from cols as c
                  where c.oid = t.oid and c.type = 'uuid' and not c.not_null
                    and ((c.name <> 'user_id'
                          and (c.name like '%\_by' or exists (select 1 from refs as r where r.oid = t.oid and r.name = c.name)))
                         or (c.name = 'user_id' and t.oid in (select a.oid from audits as a where a.oid is not null)))
                  order by c.name) as null_columns
    from tabs as t
  ),
  listed as (
    select p.* from per_table as p where p.predicate <> '' or pg_catalog.cardinality(p.null_columns) > 0
  ),
  edges as (
    -- child references parent, both listed
    select distinct con.conrelid as child, con.confrelid as parent
    from pg_catalog.pg_constraint as con
    where con.contype = 'f' and con.conrelid in (select l.oid from listed as l)
      and con.confrelid in (select l.oid from listed as l) and con.conrelid <> con.confrelid
  ),
  depth as (
    select l.oid, 0 as level from listed as l
    union all
    select e.parent, d.level + 1 from depth as d join edges as e on e.child = d.oid where d.level < 16
  )
  select l.oid, l.table_name, nullif(l.predicate, ''), l.null_columns,
         (select pg_catalog.max(d.level) from depth as d where d.oid = l.oid)
  from listed as l
  order by 5, 2
$$;
revoke execute on function app.user_data_tables() from public, anon, authenticated;
comment on function app.user_data_tables() is
  'Tables that can hold data about a person (catalog-driven: user_id, org_id+visitor_id, org_id+subject, org_id+visitor_key (text or uuid), dimension+key and scope+scope_value of ''user'', email/contact, *_by and other references to auth.users, user_id of app.admin_access_log), with the predicate selecting one person''s rows, children first. Internal helper of app.erase_user / app.export_user_data.';
