-- 1257: no API role holds TRIGGER, REFERENCES or TRUNCATE on any table. `grant all ... to
-- service_role` (0002, 0003, 0004, 0200, 0201, 0550, 0553, 0730, 0801, 1001, 1160) gave
-- service_role TRIGGER too: it could create a trigger on app.profiles or usage.* whose
-- function (in pg_temp) then ran as the owner, a superuser, at the owner's next write
-- (a refresh, an erasure, a migration). REFERENCES let a role's own tables hold foreign keys
-- to ours (and so block our deletes); TRUNCATE empties a table past its row-level security.
-- None of the three is used by an API role: service_role keeps SELECT, INSERT, UPDATE and
-- DELETE. `audiencectl verify` checks this from now on (api_role_privileges).
-- Catalog changes only: REVOKE takes no lock that waits for rows.
do $$
declare
  v_table regclass;
  v_role  text;
begin
  for v_table, v_role in
    select c.oid::regclass, r.rolname
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    cross join pg_catalog.pg_roles as r
    where r.rolname in ('anon', 'authenticated', 'service_role')
      and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
      and n.nspname !~ '^pg_'
      and pg_catalog.has_table_privilege(r.rolname, c.oid, 'trigger, references, truncate')
  loop
    execute pg_catalog.format('revoke trigger, references, truncate on table %s from %I', v_table, v_role);
  end loop;
end;
$$;
