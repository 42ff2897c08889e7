-- requires: functions/app/assert_org_role.sql
-- One organization with its member count and the caller's role in it.
-- Callable by members (viewer or above) and service_role (my_role = 'owner').
create or replace function public.get_organization(p_org_id uuid)
returns table (id uuid, slug text, name text, kind app.org_kind, timezone text, currency text,
               member_count bigint, my_role app.org_role)
language plpgsql stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_role app.org_role;
begin
  v_role := app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"
  return query
    select o.id, o.slug, o.name, o.kind, o.timezone, o.currency::text,
           (select pg_catalog.count(*) from app.memberships m where m.org_id = o.id),
           v_role
    from app.organizations o
    where o.id = p_org_id;
end;
$$;
revoke execute on function public.get_organization(uuid) from public, anon;
grant execute on function public.get_organization(uuid) to authenticated, service_role;
comment on function public.get_organization(uuid) is
  'One organization: id, slug, name, kind, timezone, currency, member_count and the caller''s role (my_role; owner for service_role). Viewer or above; 42501 for anyone else.';
