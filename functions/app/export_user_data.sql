-- requires: functions/app/user_identities.sql
-- Right of access / portability: everything stored about a user, as one jsonb document:
--   {"user_id", "exported_at", "account": {id, email, created_at, raw_user_meta_data},
--    "tables": {"<schema.table>": [row, ...], ...}}
-- with the same scope as app.erase_user (app.user_data_tables / app.user_identities):
-- rows with the user's id or its keyed hash, rows of no other user of the visitor ids
-- linked to the user by a trusted writer (raw and anonymized; never a visitor id that only
-- the user's own client claimed: anyone signed in can log an event under any visitor id),
-- rows with the user's e-mail, and rows that reference the user in a *_by
-- column; tables without such rows are left out. Rows are exported whole (to_jsonb).
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
    execute pg_catalog.format('select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(t)) from %s as t where %s',
                              v_table.table_name, v_where)
      into v_rows
      using v_ids.user_ids, v_ids.pair_orgs, v_ids.pair_idents, v_ids.key_orgs, v_ids.visitor_keys, v_ids.email, p_user_id;
    if v_rows is not null then
      v_tables := v_tables || pg_catalog.jsonb_build_object(v_table.table_name, v_rows);
    end if;
  end loop;

  return pg_catalog.jsonb_build_object('user_id', p_user_id, 'exported_at', pg_catalog.now(),
                                       'account', v_account, 'tables', v_tables);
end;
$$;
revoke execute on function app.export_user_data(uuid) from public, anon;
grant execute on function app.export_user_data(uuid) to authenticated, service_role;
comment on function app.export_user_data(uuid) is
  'Everything stored about a user as jsonb {user_id, exported_at, account, tables: {schema.table: [rows]}} (same scope as app.erase_user). service_role for anyone; a signed-in user for themselves; 42501 otherwise.';
