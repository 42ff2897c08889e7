-- Does a user's account type grant a permission (app.account_permissions)?
-- False for unknown users (no profile) and unknown keys. Callable by authenticated, about
-- themselves only (42501 otherwise, unless platform admin), and by service_role.
create or replace function app.user_has_permission(p_user_id uuid, p_permission_key text)
returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  if not app.is_service_session()
     and p_user_id is distinct from auth.uid()
     and not app.current_user_is_admin() then
    raise exception 'you may only check your own permissions'
      using errcode = '42501',
            hint = case when auth.uid() is null then 'Sign in first.'
                        else 'Pass your own user id (auth.uid()); only admins and service_role ask about others.' end;
  end if;

  return coalesce((select ap.granted
                   from app.profiles p
                   join app.account_permissions ap
                     on ap.account_type = p.account_type
                    and ap.permission_key = p_permission_key
                   where p.user_id = p_user_id),
                  false);
end;
$$;
revoke execute on function app.user_has_permission(uuid, text) from public, anon;
grant execute on function app.user_has_permission(uuid, text) to authenticated, service_role;
comment on function app.user_has_permission(uuid, text) is
  'True when the user''s profile account type grants the permission key; false for unknown users or keys. Only about oneself, unless admin or service_role (42501).';
