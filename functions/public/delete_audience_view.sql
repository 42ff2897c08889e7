-- Deletes one of the caller's saved audience views. Returns true when it was deleted.
-- Callable by signed-in members (viewer or above) for their own views; service_role may
-- delete any view of the organization.
-- Errors: 42501 not a member, or someone else's view (hint: only the owner deletes it);
-- P0002 no such view in the organization.
create or replace function public.delete_audience_view(p_org_id uuid, p_view_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_owner uuid;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  select v.user_id into v_owner from audience.saved_views as v where v.org_id = p_org_id and v.id = p_view_id for update;
  if not found then
    raise exception 'saved view % not found', p_view_id using errcode = 'P0002', hint = 'Check the view id and organization.';
  end if;
  if not app.is_service_session() and v_owner is distinct from auth.uid() then
    raise exception 'only its owner can delete saved view %', p_view_id
      using errcode = '42501', hint = 'Ask the owner to delete it or to stop sharing it.';
  end if;
  delete from audience.saved_views as v where v.org_id = p_org_id and v.id = p_view_id;
  return true;
end;
$$;
revoke execute on function public.delete_audience_view(uuid, uuid) from public, anon;
grant execute on function public.delete_audience_view(uuid, uuid) to authenticated, service_role;
comment on function public.delete_audience_view(uuid, uuid) is
  'Deletes one of the caller''s saved audience views (service_role: any of the organization''s). Members (viewer+); 42501 non-members or someone else''s view; P0002 unknown view.';
