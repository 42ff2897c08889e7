-- Makes organization p_org_id stop following p_followed_org_id: true when it did follow
-- (the row is deleted), false when it did not.
-- Callable by admins and owners of p_org_id, and service_role.
-- Errors: 42501 not an admin of p_org_id (hint).
create or replace function public.unfollow_organization(p_org_id uuid, p_followed_org_id uuid)
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
  delete from app.organization_follows as f
  where f.org_id = p_org_id and f.followed_org_id = p_followed_org_id;
  get diagnostics v_rows = row_count;
  return v_rows = 1;
end;
$$;
revoke execute on function public.unfollow_organization(uuid, uuid) from public, anon;
grant execute on function public.unfollow_organization(uuid, uuid) to authenticated, service_role;
comment on function public.unfollow_organization(uuid, uuid) is
  'Organization p_org_id stops following p_followed_org_id; true when it did follow. Admins/owners and service_role; 42501 others.';
