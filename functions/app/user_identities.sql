-- requires: functions/app/user_data_tables.sql
-- requires: functions/private/pseudonymize_visitor.sql
-- requires: functions/private/derived_tables.sql
-- Every identifier under which data about a user may be stored, as the parameters of the
-- predicates of app.user_data_tables():
--   user_ids ($1): the user id and, for every organization, its keyed hash as written
--     into anonymized events by analytics.apply_retention;
--   pair_orgs / pair_idents ($2, $3): (org_id, visitor id) pairs linked to the user: the
--     visitor_id of every row that carries the user's id (or its hash) and a visitor_id in
--     a source table with org_id, user_id and visitor_id written by a trusted writer
--     (analytics.events logged by service_role or ingest, not self_logged; audience.orders),
--     plus 'user:<user_id>' in every organization, each also in its anonymized form
--     'anon:<visitor key>'. A visitor id that only the user's own signed-in client named
--     (self_logged events) is not linked: any signed-in user may log an event under any
--     visitor id, and such a claim must not reach another person's rows (their events,
--     customer row, subscription). Derived tables (private.derived_tables(): customers,
--     rollups) are not link sources either: they repeat their sources' pairs, self-logged
--     ones included. The user's own self-logged events are theirs through user_id;
--   key_orgs / visitor_keys ($4, $5): the pseudonymous visitor keys of those pairs (the
--     rollups' visitor sets);
--   email ($6): the user's e-mail address, lower case.
-- Internal helper of app.erase_user and app.export_user_data: owner only.
create or replace function app.user_identities(p_user_id uuid)
returns table (user_ids uuid[], pair_orgs uuid[], pair_idents text[], key_orgs uuid[], visitor_keys uuid[], email text)
language plpgsql
stable
set search_path = ''
set jit = off
as $$
declare
  v_user_ids uuid[];
  v_orgs     uuid[] := '{}';
  v_idents   text[] := '{}';
  v_more_o   uuid[];
  v_more_i   text[];
  v_table    record;
begin
  select array[p_user_id] || coalesce(pg_catalog.array_agg(private.hmac_uuid(k.inner_pad, k.outer_pad,
                                                                              o.id::text || ':user_id:' || p_user_id::text)), '{}')
  into v_user_ids
  from app.organizations as o
  cross join private.pseudonymization_key as k
  where k.id = 1;

  -- Visitor ids seen together with the user id, in rows of trusted writers.
  for v_table in
    select t.table_name,
           case when exists (select 1 from pg_catalog.pg_attribute as a
                              where a.attrelid = t.relid and a.attname = 'self_logged' and not a.attisdropped)
                then ' and not t.self_logged' else '' end as trusted
    from app.user_data_tables() as t
    where t.relid not in (select d.relid from private.derived_tables() as d (relid))
      and exists (select 1 from pg_catalog.pg_attribute as a
                   where a.attrelid = t.relid and a.attname = 'user_id' and not a.attisdropped)
      and exists (select 1 from pg_catalog.pg_attribute as a
                   where a.attrelid = t.relid and a.attname = 'visitor_id' and not a.attisdropped)
      and exists (select 1 from pg_catalog.pg_attribute as a
                   where a.attrelid = t.relid and a.attname = 'org_id' and not a.attisdropped)
  loop
    execute pg_catalog.format(
      'select pg_catalog.array_agg(d.org_id), pg_catalog.array_agg(d.visitor_id::text)
         from (select distinct t.org_id, t.visitor_id from %s as t
                where t.user_id in (select pg_catalog.unnest($1)) and t.visitor_id is not null%s) as d',
      v_table.table_name, v_table.trusted)
      into v_more_o, v_more_i
      using v_user_ids;
    v_orgs := v_orgs || coalesce(v_more_o, '{}');
    v_idents := v_idents || coalesce(v_more_i, '{}');
  end loop;

  return query
  with pairs as (
    select distinct p.o, p.v
    from (
      select x.o, x.v from rows from (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_idents)) as x (o, v)
      union all
      select o.id, 'user:' || p_user_id::text from app.organizations as o
    ) as p
  ),
  keyed as (
    select p.o, p.v, private.pseudonymize_visitor(k.inner_pad, k.outer_pad, p.o, p.v) as key
    from pairs as p cross join private.pseudonymization_key as k
    where k.id = 1
  ),
  all_pairs as (
    select k.o, k.v from keyed as k
    union
    select k.o, 'anon:' || k.key::text from keyed as k
  )
  select v_user_ids,
         (select pg_catalog.array_agg(a.o order by a.o, a.v) from all_pairs as a),
         (select pg_catalog.array_agg(a.v order by a.o, a.v) from all_pairs as a),
         (select pg_catalog.array_agg(k.o order by k.o, k.key) from (select distinct k.o, k.key from keyed as k) as k),
         (select pg_catalog.array_agg(k.key order by k.o, k.key) from (select distinct k.o, k.key from keyed as k) as k),
         (select pg_catalog.lower(u.email) from auth.users as u where u.id = p_user_id);
end;
$$;
revoke execute on function app.user_identities(uuid) from public, anon, authenticated;
comment on function app.user_identities(uuid) is
  'Identifiers of a user''s data (user id and keyed hashes, linked (org, visitor id) pairs in raw and anonymized form, visitor keys, e-mail) for app.erase_user / app.export_user_data. Internal helper (owner only).';
