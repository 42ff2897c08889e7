-- 0003: identity. Per-user profiles with an account type, verification and subscription,
-- and the default permission matrix of each account type. The privileged profile columns
-- (account_type, verified, verification_level, subscription_tier, subscription_expires_at)
-- are changed only by service_role or a platform admin (a user whose own profile has
-- account_type 'admin'); trigger guard_profiles_changes enforces it.

-- Types --------------------------------------------------------------------------------

create type app.account_type as enum
  ('user', 'artist', 'venue', 'admin', 'promoter', 'ad_account', 'venue_manager', 'label', 'media');
comment on type app.account_type is
  'Kind of account a user has; decides its default permissions (app.account_permissions). admin is a platform administrator.';

create type app.verification_level as enum ('none', 'email', 'phone', 'identity', 'business');
comment on type app.verification_level is 'Strongest verification a user has passed, in ascending order.';

create type app.subscription_tier as enum ('free', 'premium', 'professional', 'enterprise');
comment on type app.subscription_tier is 'Paid plan of a user, in ascending order.';

-- Tables -------------------------------------------------------------------------------

create table app.profiles (
  user_id                 uuid                   not null,
  display_name            text,
  avatar_url              text,
  bio                     text,
  account_type            app.account_type       not null default 'user',
  verified                boolean                not null default false,
  verification_level      app.verification_level not null default 'none',
  business_info           jsonb                  not null default '{}',
  subscription_tier       app.subscription_tier  not null default 'free',
  subscription_expires_at timestamptz,
  created_at              timestamptz            not null default pg_catalog.now(),
  updated_at              timestamptz            not null default pg_catalog.now(),
  constraint pk_profiles primary key (user_id),
  constraint fk_profiles_user_id foreign key (user_id) references auth.users (id) on delete cascade,
  constraint check_profiles_business_info check (pg_catalog.jsonb_typeof(business_info) = 'object')
);
comment on table app.profiles is
  'One profile per user: public identity (editable by the user) and account type, verification and subscription (service_role or admins only).';
comment on column app.profiles.account_type is 'Privileged: only service_role or an admin changes it.';
comment on column app.profiles.verified is 'Privileged: only service_role or an admin changes it.';
comment on column app.profiles.verification_level is 'Privileged: only service_role or an admin changes it.';
comment on column app.profiles.subscription_tier is 'Privileged: only service_role or an admin changes it.';
comment on column app.profiles.subscription_expires_at is 'Privileged: only service_role or an admin changes it. NULL: no expiry.';
comment on column app.profiles.business_info is 'Free-form business details (a JSON object), editable by the user.';
comment on column app.profiles.updated_at is 'Set to now() on every update by trigger guard_profiles_changes.';

create table app.account_permissions (
  account_type   app.account_type not null,
  permission_key text             not null,
  granted        boolean          not null,
  constraint pk_account_permissions primary key (account_type, permission_key),
  constraint check_account_permissions_permission_key check (permission_key ~ '^[a-z][a-z0-9_]*$')
);
comment on table app.account_permissions is $$Default permissions of each account type: one row per (account type, permission key), granted or not. Loaded matrix:
user: view_events, create_reviews.
artist: user + manage_artist_profile, view_artist_analytics, create_events.
venue: user + create_events, manage_venue_profile, view_venue_analytics.
venue_manager: venue + manage_promotions.
promoter: user + create_events, manage_promotions, create_campaigns, view_campaign_analytics.
ad_account: view_events, manage_promotions, create_campaigns, target_users, view_campaign_analytics (no create_reviews: advertisers do not review).
label: user + manage_artist_profile, view_artist_analytics, manage_label_roster, create_campaigns, view_campaign_analytics.
media: user + publish_media.
admin: everything, including the admin-only manage_users, view_all_analytics, moderate_content.$$;

-- The matrix: every account type x every key; granted when the key is in the type's list
-- (admin: all of them). Account types are cast to the enum, so a misspelt type fails here;
-- the count check below catches a misspelt key (it would silently grant nothing).
insert into app.account_permissions (account_type, permission_key, granted)
select m.account_type, k.permission_key, m.account_type = 'admin' or k.permission_key = any (m.keys)
from (values
  ('user'::app.account_type, array['view_events', 'create_reviews']),
  ('artist',        array['view_events', 'create_reviews', 'manage_artist_profile', 'view_artist_analytics',
                          'create_events']),
  ('venue',         array['view_events', 'create_reviews', 'create_events', 'manage_venue_profile',
                          'view_venue_analytics']),
  ('venue_manager', array['view_events', 'create_reviews', 'create_events', 'manage_venue_profile',
                          'view_venue_analytics', 'manage_promotions']),
  ('promoter',      array['view_events', 'create_reviews', 'create_events', 'manage_promotions',
                          'create_campaigns', 'view_campaign_analytics']),
  ('ad_account',    array['view_events', 'manage_promotions', 'create_campaigns', 'target_users',
                          'view_campaign_analytics']),
  ('label',         array['view_events', 'create_reviews', 'manage_artist_profile', 'view_artist_analytics',
                          'manage_label_roster', 'create_campaigns', 'view_campaign_analytics']),
  ('media',         array['view_events', 'create_reviews', 'publish_media']),
  ('admin',         array[]::text[])
) as m (account_type, keys)
cross join (values
  ('view_events'), ('create_reviews'), ('manage_artist_profile'), ('view_artist_analytics'), ('create_events'),
  ('manage_venue_profile'), ('view_venue_analytics'), ('manage_promotions'), ('create_campaigns'),
  ('target_users'), ('view_campaign_analytics'), ('manage_users'), ('view_all_analytics'),
  ('moderate_content'), ('manage_label_roster'), ('publish_media')
) as k (permission_key);

do $$
declare
  v_rows    bigint;
  v_granted bigint;
begin
  select pg_catalog.count(*), pg_catalog.count(*) filter (where granted)
  into v_rows, v_granted
  from app.account_permissions;
  -- 9 account types x 16 keys; granted: 2+5+5+6+6+5+7+3 listed above + 16 for admin.
  if v_rows <> 144 or v_granted <> 55 then
    raise exception 'account_permissions matrix has % rows, % granted; expected 144 and 55', v_rows, v_granted
      using errcode = '23514', hint = 'A permission key in the lists is misspelt or an account type is missing.';
  end if;
end $$;

-- Helper functions ---------------------------------------------------------------------

-- Is the calling user a platform admin (their own profile has account_type 'admin')?
-- SECURITY DEFINER so that policies on profiles can use it without recursing.
-- Callable by authenticated and service_role.
create function app.current_user_is_admin()
returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1
                 from app.profiles p
                 where p.user_id = auth.uid()
                   and p.account_type = 'admin')
$$;
revoke execute on function app.current_user_is_admin() from public, anon;
grant execute on function app.current_user_is_admin() to authenticated, service_role;
comment on function app.current_user_is_admin() is
  'True when the calling user''s own profile has account_type admin. Policy helper.';

-- Triggers -----------------------------------------------------------------------------

-- Before each update of a profile: refuses (42501, naming the column) a change of a
-- privileged column unless the session is service_role (app.is_service_session(): JWT
-- role or SET ROLE service_role, or a superuser without JWT claims) or the caller is a
-- platform admin; then stamps updated_at. user_id and created_at are not updatable by
-- the API roles at all (column grants). SECURITY DEFINER: works for any role allowed to
-- update the table, whatever its EXECUTE privileges on the helpers.
create function app.guard_profile_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_column text;
begin
  v_column := case
    when new.account_type            is distinct from old.account_type            then 'account_type'
    when new.verified                is distinct from old.verified                then 'verified'
    when new.verification_level      is distinct from old.verification_level      then 'verification_level'
    when new.subscription_tier       is distinct from old.subscription_tier       then 'subscription_tier'
    when new.subscription_expires_at is distinct from old.subscription_expires_at then 'subscription_expires_at'
  end;
  if v_column is not null and not app.is_service_session() and not app.current_user_is_admin() then
    raise exception 'only service_role or an admin may change profiles.%', v_column
      using errcode = '42501',
            hint = pg_catalog.format('You may edit display_name, avatar_url, bio and business_info; ask an administrator to change %s.', v_column);
  end if;
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
revoke execute on function app.guard_profile_changes() from public, anon;
comment on function app.guard_profile_changes() is
  'Trigger: privileged profile columns change only for service_role or admins (42501 naming the column); stamps updated_at.';

create trigger guard_profiles_changes
  before update on app.profiles
  for each row execute function app.guard_profile_changes();
comment on trigger guard_profiles_changes on app.profiles is
  'Protects account_type, verified, verification_level, subscription_tier, subscription_expires_at; sets updated_at.';

-- Row-level security -------------------------------------------------------------------

alter table app.profiles enable row level security;

create policy select_own on app.profiles
  for select to authenticated
  using (user_id = (select auth.uid()));
comment on policy select_own on app.profiles is 'A user sees their own profile.';

create policy select_admins on app.profiles
  for select to authenticated
  using ((select app.current_user_is_admin()));
comment on policy select_admins on app.profiles is 'Platform admins see every profile.';

create policy insert_own on app.profiles
  for insert to authenticated
  with check (user_id = (select auth.uid()));
comment on policy insert_own on app.profiles is
  'A user creates their own profile only. The privileged columns are not insertable by authenticated (column grants), so they take their defaults.';

create policy update_own on app.profiles
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
comment on policy update_own on app.profiles is
  'A user updates their own profile (privileged columns: trigger guard_profiles_changes).';

create policy update_admins on app.profiles
  for update to authenticated
  using ((select app.current_user_is_admin()))
  with check ((select app.current_user_is_admin()));
comment on policy update_admins on app.profiles is 'Platform admins update every profile, privileged columns included.';

create policy all_service_role on app.profiles
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.profiles is
  'service_role reads and writes every profile (it also has BYPASSRLS; explicit for clarity).';

alter table app.account_permissions enable row level security;

create policy select_authenticated on app.account_permissions
  for select to authenticated
  using (true);
comment on policy select_authenticated on app.account_permissions is 'Every signed-in user reads the permission matrix.';

create policy all_service_role on app.account_permissions
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.account_permissions is 'Only service_role changes the permission matrix.';

-- Grants -------------------------------------------------------------------------------
-- authenticated: insert only the user-editable columns (privileged ones keep their
-- defaults); update the editable and privileged columns (the trigger decides who may
-- change the privileged ones); never user_id, created_at, updated_at. anon: nothing.

revoke all on table app.profiles, app.account_permissions from public, anon;
grant select on table app.profiles to authenticated;
grant insert (user_id, display_name, avatar_url, bio, business_info) on table app.profiles to authenticated;
grant update (display_name, avatar_url, bio, business_info,
              account_type, verified, verification_level, subscription_tier, subscription_expires_at)
  on table app.profiles to authenticated;
grant select on table app.account_permissions to authenticated;
grant all on table app.profiles, app.account_permissions to service_role;
