-- requires: functions/audience/visitor_key.sql
-- Who may record or withdraw an opt-out of visitor key p_key in organization p_org_id:
-- service_role and the organization's admins / owners (any key), or a signed-in user for
-- their own key 'user:<auth.uid()>' (membership not required). Raises 22023 for an empty
-- or over-long (> 128 bytes) key, P0002 for an unknown organization, 42501 otherwise.
-- Internal helper of public.record_opt_out and public.withdraw_opt_out (runs with their rights).
create or replace function private.assert_opt_out_caller(p_org_id uuid, p_key text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_key is null or p_key = '' or pg_catalog.octet_length(p_key) > 128 then
    raise exception 'visitor key must have 1 to 128 bytes'
      using errcode = '22023', hint = 'Pass the visitor_id (or ''user:<user id>''); signed-in users may pass NULL for themselves.';
  end if;
  if auth.uid() is not null and not app.is_service_session() and p_key = audience.visitor_key(null, auth.uid()) then
    if not exists (select 1 from app.organizations as o where o.id = p_org_id) then
      raise exception 'organization % does not exist', p_org_id using errcode = 'P0002', hint = 'Check the organization id.';
    end if;
    return;
  end if;
  perform app.assert_org_role(p_org_id, 'admin');
end;
$$;
revoke execute on function private.assert_opt_out_caller(uuid, text) from public, anon, authenticated;
comment on function private.assert_opt_out_caller(uuid, text) is
  'Raises unless the caller may record / withdraw an opt-out of p_key in p_org_id (service_role, admins, or the signed-in user for their own key); 22023 bad key, P0002 unknown organization, 42501 otherwise. Internal helper.';
