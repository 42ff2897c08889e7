-- Makes organization p_org_id follow organization p_followed_org_id. Idempotent: true
-- when the follow is new, false when it already followed.
-- Callable by admins and owners of p_org_id, and service_role.
-- Errors: 42501 not an admin of p_org_id (hint); 22023 NULL target or following itself;
-- P0002 unknown target organization (so an admin learns whether an id exists: organizations
-- are public profiles to their followers, see get_following).
create or replace function public.follow_organization(p_org_id uuid, p_followed_org_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_rows bigint;
begin
  perform app.assert_org_role(p_org_id, 'admin');   -- raises 42501; NULL is never "allowed"
  if p_followed_org_id is null or p_followed_org_id = p_org_id then
    raise exception 'an organization cannot follow %', coalesce(p_followed_org_id::text, 'NULL')
      using errcode = '22023', hint = 'Pass the id of another organization.';
  end if;
  if not exists (select 1 from app.organizations as o where o.id = p_followed_org_id) then
    raise exception 'organization % does not exist', p_followed_org_id
      using errcode = 'P0002', hint = 'Pass the id of an existing organization.';
  end if;
  insert into app.organization_follows (org_id, followed_org_id, followed_by)
  values (p_org_id, p_followed_org_id, case when app.is_service_session() then null else auth.uid() end)
  on conflict (org_id, followed_org_id) do nothing;
  get diagnostics v_rows = row_count;
  return v_rows = 1;
end;
$$;
revoke execute on function public.follow_organization(uuid, uuid) from public, anon;
grant execute on function public.follow_organization(uuid, uuid) to authenticated, service_role;
comment on function public.follow_organization(uuid, uuid) is
  'Organization p_org_id follows p_followed_org_id; true when new, false when already following. Admins/owners and service_role; 42501 others, 22023 NULL or self, P0002 unknown target.';
