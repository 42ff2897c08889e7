-- requires: functions/app/user_identities.sql
-- Right of access / portability: everything stored about a user, as one jsonb document:
--   {"user_id", "exported_at", "account": {id, email, created_at, raw_user_meta_data},
--    "tables": {"<schema.table>": [row, ...], ...}}
-- with the same scope as app.erase_user (app.user_data_tables / app.user_identities):
-- rows with the user's id or its keyed hash, rows of no other user of the visitor ids
-- linked to the user by a trusted writer (raw and anonymized; never a visitor id that only
-- the user's own client claimed: anyone signed in can log an event under any visitor id),
-- rows with the user's e-mail, the insight visitor days of the linked visitors, and rows
-- that reference the user in a *_by column; tables without such rows are left out. Rows
-- are exported whole (to_jsonb), except those that only reference the user (a *_by
-- column or another reference to auth.users): their primary key and the referencing
-- columns only (a segment the user created, an upgrade request of someone else they
-- reviewed: not data about them).
-- Callable by service_role (and DBA sessions) for anyone, and by a signed-in user for
-- themselves (p_user_id = auth.uid()). 42501 otherwise; 22023: NULL id; P0002: unknown
-- user.
create or replace function app.export_user_data(p_user_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_ids    record;
  v_table  record;
  v_where  text;
  v_rows   jsonb;
  v_tables jsonb := '{}'::jsonb;
  v_account jsonb;
  v_reference text;
begin
  if not app.is_service_session() and (auth.uid() is null or auth.uid() is distinct from p_user_id) then
    raise exception 'you may only export your own data'
      using errcode = '42501', hint = 'Sign in as the user, or call as service_role.';
  end if;
  if p_user_id is null then
    raise exception 'user id must not be null'
      using errcode = '22023', hint = 'Pass the id of the user (auth.users.id).';
  end if;
  select pg_catalog.jsonb_build_object('id', u.id, 'email', u.email, 'created_at', u.created_at,
                                       'raw_user_meta_data', u.raw_user_meta_data)
  into v_account
  from auth.users as u where u.id = p_user_id;
  if v_account is null then
    raise exception 'user % does not exist', p_user_id
      using errcode = 'P0002', hint = 'Check the user id.';
  end if;

  select * into v_ids from app.user_identities(p_user_id);

  for v_table in select * from app.user_data_tables() as t order by t.table_name loop
    select pg_catalog.string_agg(x.cond, ' or ')
    into v_where
    from (
      select v_table.predicate as cond where v_table.predicate is not null
      union all
      select pg_catalog.format('t.%I = $7', c) from pg_catalog.unnest(v_table.null_columns) as c
    ) as x;
    -- A row that only names the user in a *_by column (or another reference) is not data
    -- about them: its primary key and the referencing columns, not the whole row (a
    -- segment's definition, another user's upgrade request the user reviewed).
    select pg_catalog.format('pg_catalog.jsonb_build_object(%s)',
             pg_catalog.string_agg(pg_catalog.format('%L, t.%I', k.name, k.name), ', ' order by k.ord))
    into v_reference
    from (
      select a.attname::text as name, k.ord
      from pg_catalog.pg_constraint as con
      cross join lateral pg_catalog.unnest(con.conkey) with ordinality as k (attnum, ord)
      join pg_catalog.pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum
      where con.conrelid = v_table.relid and con.contype = 'p'
      union all
      select c, 1000 + r.ord from pg_catalog.unnest(v_table.null_columns) with ordinality as r (c, ord)
    ) as k;
    execute pg_catalog.format(
      'select pg_catalog.jsonb_agg(case when %s then pg_catalog.to_jsonb(t) else %s end) from %s as t where %s',
      coalesce(v_table.predicate, 'false'), coalesce(v_reference, 'pg_catalog.jsonb_build_object()'), v_table.table_name, v_where)
      into v_rows
      using v_ids.user_ids, v_ids.pair_orgs, v_ids.pair_idents, v_ids.key_orgs, v_ids.visitor_keys, v_ids.email, p_user_id;
    if v_rows is not null then
      v_tables := v_tables || pg_catalog.jsonb_build_object(v_table.table_name, v_rows);
    end if;
  end loop;

  -- The insight visitor days of the linked visitors (keyed by a hash of visitor_id, not by a
  -- column user_data_tables() finds; app.erase_user deletes them the same way).
  select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(d) order by d.org_id, d.day)
  into v_rows
  from private.insight_visitor_days as d
  join (select distinct x.org_id, pg_catalog.hashtextextended(x.visitor_id, 0) as vh
        from rows from (pg_catalog.unnest(v_ids.pair_orgs), pg_catalog.unnest(v_ids.pair_idents)) as x (org_id, visitor_id)) as x
    on d.org_id = x.org_id and d.vh = x.vh;
  if v_rows is not null then
    v_tables := v_tables || pg_catalog.jsonb_build_object('private.insight_visitor_days', v_rows);
  end if;

  return pg_catalog.jsonb_build_object('user_id', p_user_id, 'exported_at', pg_catalog.now(),
                                       'account', v_account, 'tables', v_tables);
end;
$$;
revoke execute on function app.export_user_data(uuid) from public, anon;
grant execute on function app.export_user_data(uuid) to authenticated, service_role;
comment on function app.export_user_data(uuid) is
  'Everything stored about a user as jsonb {user_id, exported_at, account, tables: {schema.table: [rows]}} (same scope as app.erase_user). service_role for anyone; a signed-in user for themselves; 42501 otherwise.';
