-- Each profile the caller may see with the permission keys its account type grants.
-- security_invoker: the caller's own RLS on app.profiles applies (a user sees their own
-- row, platform admins every row, service_role all); nothing is widened by the view.
-- permissions: the granted keys of app.account_permissions for the account type, sorted.
create or replace view app.profiles_with_permissions
with (security_invoker = true)
as
select p.user_id, p.display_name, p.avatar_url, p.account_type, p.verified, p.verification_level,
       p.business_info, p.subscription_tier, p.subscription_expires_at, p.created_at, p.updated_at,
       coalesce((select pg_catalog.array_agg(ap.permission_key order by ap.permission_key)
                   from app.account_permissions as ap
                  where ap.account_type = p.account_type and ap.granted), '{}'::text[]) as permissions
from app.profiles as p;
revoke all on app.profiles_with_permissions from public, anon;
grant select on app.profiles_with_permissions to authenticated, service_role;
comment on view app.profiles_with_permissions is
  'Profiles with the sorted permission keys their account type grants (app.account_permissions). security_invoker: the reader''s RLS on app.profiles applies (own profile; admins all).';
