-- The organizations that organization p_org_id follows, newest first: id, slug, name,
-- kind and when it started following.
-- Callable by members (viewer or above) and service_role. Errors: 42501 not a member.
create or replace function public.get_following(p_org_id uuid)
returns table (org_id uuid, slug text, name text, kind app.org_kind, followed_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"
  return query
  select o.id, o.slug, o.name, o.kind, f.created_at
  from app.organization_follows as f
  join app.organizations as o on o.id = f.followed_org_id
  where f.org_id = p_org_id
  order by f.created_at desc, o.slug;
end;
$$;
revoke execute on function public.get_following(uuid) from public, anon;
grant execute on function public.get_following(uuid) to authenticated, service_role;
comment on function public.get_following(uuid) is
  'Organizations that p_org_id follows (id, slug, name, kind, followed_at), newest first. Members and service_role; 42501 otherwise.';
