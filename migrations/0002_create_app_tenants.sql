-- 0002: tenants. Organizations, memberships with ordered roles, the helper functions
-- their policies need (policies are bound to functions when created, so the helpers
-- live here rather than in functions/), RLS, grants and comments.

create schema app;
comment on schema app is
  'Tenants (organizations), memberships and roles, profiles, account types and permissions. Exposed through RLS.';
grant usage on schema app to authenticated, service_role;

-- Types --------------------------------------------------------------------------------

create type app.org_kind as enum ('artist', 'creator', 'venue', 'promoter', 'label', 'brand', 'organizer');
comment on type app.org_kind is 'What an organization is: artist, creator, venue, promoter, label, brand or organizer.';

-- Declared in ascending order of power, so that `role >= 'admin'` compares as intended.
create type app.org_role as enum ('viewer', 'analyst', 'admin', 'owner');
comment on type app.org_role is
  'Role of a member in an organization, in ascending order: viewer < analyst < admin < owner.';

-- Tables -------------------------------------------------------------------------------

create table app.organizations (
  id           uuid        not null default pg_catalog.gen_random_uuid(),
  slug         text        not null,
  name         text        not null,
  kind         app.org_kind not null,
  timezone     text        not null default 'UTC',
  currency     char(3)     not null default 'EUR',
  display_name text,
  genres       text[]      not null default '{}',
  created_at   timestamptz not null default pg_catalog.now(),
  constraint pk_organizations primary key (id),
  constraint unique_organizations_slug unique (slug),
  constraint check_organizations_slug
    check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and pg_catalog.char_length(slug) between 2 and 63),
  constraint check_organizations_name check (pg_catalog.btrim(name) <> ''),
  constraint check_organizations_currency check (currency ~ '^[A-Z]{3}$')
);
comment on table app.organizations is
  'A tenant: an artist, venue, promoter... Every tenant-owned row elsewhere carries its id as org_id.';
comment on column app.organizations.slug is 'URL identifier: lower-case kebab case, 2 to 63 characters, unique.';
comment on column app.organizations.timezone is
  'IANA time zone name (as listed by pg_timezone_names) in which reports are bucketed; checked by trigger check_organizations_timezone.';
comment on column app.organizations.currency is 'ISO 4217 currency code, three upper-case letters.';
comment on column app.organizations.genres is 'Free-form genre tags; empty array when none.';

create table app.memberships (
  org_id     uuid         not null,
  user_id    uuid         not null,
  role       app.org_role not null,
  created_at timestamptz  not null default pg_catalog.now(),
  constraint pk_memberships primary key (org_id, user_id),
  constraint fk_memberships_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_memberships_user_id foreign key (user_id) references auth.users (id) on delete cascade
);
-- fk_memberships_org_id is covered by the primary key, whose leading column is org_id.
create index index_memberships_on_user_id on app.memberships (user_id);
comment on table app.memberships is
  'Who belongs to which organization, with which role. An organization always keeps at least one owner.';
comment on column app.memberships.role is 'viewer < analyst < admin < owner; nobody but service_role grants a role above their own.';

-- Helper functions ---------------------------------------------------------------------

-- Is the caller acting as service_role? True when the JWT role claim is service_role,
-- when the session acts as the role service_role, or when a superuser session carries no
-- JWT claims at all (a DBA, a migration or a cron job connected directly).
-- "Acting as" is the SET ROLE target (GUC `role`), else the login role: unlike
-- current_user it is not changed by SECURITY DEFINER frames, so this answers correctly
-- from inside definer functions. A superuser session that carries claims is judged by
-- its claims. Callable by authenticated and service_role (and by definer functions).
create function app.is_service_session()
returns boolean
language sql stable
set search_path = ''
as $$
  with acting as (
    select case when pg_catalog.current_setting('role') = 'none'
                then session_user::text
                else pg_catalog.current_setting('role') end as role_name
  )
  select coalesce(auth.role() = 'service_role', false)
      or acting.role_name = 'service_role'
      or (auth.uid() is null
          and auth.role() is null
          and exists (select 1 from pg_catalog.pg_roles r where r.rolname = acting.role_name and r.rolsuper))
  from acting
$$;
revoke execute on function app.is_service_session() from public, anon;
grant execute on function app.is_service_session() to authenticated, service_role;
comment on function app.is_service_session() is
  'True when the caller acts as service_role (JWT role claim or SET ROLE) or is a superuser session without JWT claims (DBA/cron).';

-- The calling user's role in one organization, NULL when not a member or not signed in.
-- SECURITY DEFINER so that policies on memberships can use it without recursing.
-- Callable by authenticated and service_role.
create function app.org_role_of(p_org_id uuid)
returns app.org_role
language sql stable
security definer
set search_path = ''
as $$
  select m.role
  from app.memberships m
  where m.org_id = p_org_id
    and m.user_id = auth.uid()
$$;
revoke execute on function app.org_role_of(uuid) from public, anon;
grant execute on function app.org_role_of(uuid) to authenticated, service_role;
comment on function app.org_role_of(uuid) is
  'Role of the calling user (auth.uid()) in the organization; NULL when not a member or not signed in. Policy helper.';

-- The organizations in which the calling user holds at least p_min_role (NULL matches
-- nothing). SECURITY DEFINER so that policies can use it without recursing.
-- Callable by authenticated and service_role; use as `org_id in (select app.current_user_org_ids())`.
create function app.current_user_org_ids(p_min_role app.org_role default 'viewer')
returns setof uuid
language sql stable
security definer
set search_path = ''
as $$
  select m.org_id
  from app.memberships m
  where m.user_id = auth.uid()
    and m.role >= p_min_role
$$;
revoke execute on function app.current_user_org_ids(app.org_role) from public, anon;
grant execute on function app.current_user_org_ids(app.org_role) to authenticated, service_role;
comment on function app.current_user_org_ids(app.org_role) is
  'Ids of the organizations where the calling user holds at least the given role (default viewer). Policy helper.';

-- Triggers -----------------------------------------------------------------------------

-- Rejects a time zone PostgreSQL does not know by its full name. A trigger rather than a
-- CHECK: a CHECK may not query a table (pg_timezone_names) unless the helper lies about
-- being immutable, and it would raise 23514; this raises 22023 with a hint.
create function app.check_organization_timezone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = new.timezone) then
    raise exception 'unknown time zone "%"', new.timezone
      using errcode = '22023',
            hint = 'Use an IANA name listed in pg_timezone_names, e.g. ''UTC'' or ''Europe/Paris'' (names are case-sensitive).';
  end if;
  return new;
end;
$$;
comment on function app.check_organization_timezone() is
  'Trigger: organizations.timezone must be a name in pg_timezone_names (22023 otherwise).';

create trigger check_organizations_timezone
  before insert or update of timezone on app.organizations
  for each row execute function app.check_organization_timezone();
comment on trigger check_organizations_timezone on app.organizations is
  'Validates the time zone name against pg_timezone_names; raises 22023.';

-- Guards membership changes.
-- 1. Role ceiling (42501), for signed-in users who are not service_role: nobody grants a
--    role above their own, nor changes or removes a member whose role is above their own.
--    Sessions without a JWT subject are either trusted roles with direct table
--    privileges (superuser, the auth service deleting a user) or are refused by RLS.
-- 2. Last owner (23514), for everyone: an organization keeps at least one owner, unless
--    the organization itself is being deleted (cascade). The organization row is locked
--    first so that two concurrent removals of two owners cannot both succeed
--    (READ COMMITTED, the default isolation level).
-- SECURITY DEFINER: counts owners and reads the caller's role regardless of RLS.
create function app.guard_membership_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_org_id      uuid := case when tg_op = 'DELETE' then old.org_id else new.org_id end;
  v_caller_role app.org_role;
begin
  -- Lock the organization; when it is gone, this is its cascade delete: allow.
  perform 1 from app.organizations o where o.id = v_org_id for no key update;
  if not found then
    return case when tg_op = 'DELETE' then old else new end;
  end if;

  if auth.uid() is not null and not app.is_service_session() then
    v_caller_role := app.org_role_of(v_org_id);
    if v_caller_role is null then
      raise exception 'you are not a member of organization %', v_org_id
        using errcode = '42501', hint = 'Only admins and owners of an organization manage its members.';
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.role > v_caller_role then
      raise exception 'cannot grant role % above your own role %', new.role, v_caller_role
        using errcode = '42501', hint = 'Ask an owner of the organization to grant this role.';
    end if;
    if tg_op in ('UPDATE', 'DELETE') and old.role > v_caller_role then
      raise exception 'cannot change or remove a member whose role % is above your own role %', old.role, v_caller_role
        using errcode = '42501', hint = 'Ask an owner of the organization to do it.';
    end if;
  end if;

  if old.role = 'owner'                                        -- old is NULL on INSERT
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and not exists (select 1
                     from app.memberships m
                     where m.org_id = old.org_id
                       and m.role = 'owner'
                       and m.user_id <> old.user_id) then
    raise exception 'organization % must keep at least one owner', old.org_id
      using errcode = '23514', hint = 'Make another member owner first, or delete the organization.';
  end if;

  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
revoke execute on function app.guard_membership_changes() from public, anon;
comment on function app.guard_membership_changes() is
  'Trigger: role ceiling for signed-in users (42501) and at least one owner per organization (23514).';

create trigger guard_memberships_changes
  before insert or update or delete on app.memberships
  for each row execute function app.guard_membership_changes();
comment on trigger guard_memberships_changes on app.memberships is
  'Role ceiling (42501) and last-owner protection (23514); see app.guard_membership_changes().';

-- Row-level security -------------------------------------------------------------------

alter table app.organizations enable row level security;

create policy select_members on app.organizations
  for select to authenticated
  using (id in (select app.current_user_org_ids()));
comment on policy select_members on app.organizations is 'Members (any role) see their organizations.';

create policy update_admins on app.organizations
  for update to authenticated
  using (id in (select app.current_user_org_ids('admin')))
  with check (id in (select app.current_user_org_ids('admin')));
comment on policy update_admins on app.organizations is 'Admins and owners update their organization.';

create policy all_service_role on app.organizations
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.organizations is
  'service_role reads and writes every organization (it also has BYPASSRLS; explicit for clarity).';

alter table app.memberships enable row level security;

create policy select_members on app.memberships
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on app.memberships is 'Members see all memberships of their organizations.';

create policy insert_admins on app.memberships
  for insert to authenticated
  with check (org_id in (select app.current_user_org_ids('admin')));
comment on policy insert_admins on app.memberships is
  'Admins and owners add members (never above their own role: trigger guard_memberships_changes).';

create policy update_admins on app.memberships
  for update to authenticated
  using (org_id in (select app.current_user_org_ids('admin')))
  with check (org_id in (select app.current_user_org_ids('admin')));
comment on policy update_admins on app.memberships is
  'Admins and owners change roles (within their own role: trigger guard_memberships_changes).';

create policy delete_admins on app.memberships
  for delete to authenticated
  using (org_id in (select app.current_user_org_ids('admin')));
comment on policy delete_admins on app.memberships is
  'Admins and owners remove members (not above their own role; never the last owner).';

create policy delete_self on app.memberships
  for delete to authenticated
  using (user_id = (select auth.uid()));
comment on policy delete_self on app.memberships is 'Any member may leave an organization (unless they are its last owner).';

create policy all_service_role on app.memberships
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.memberships is
  'service_role reads and writes every membership (it also has BYPASSRLS; explicit for clarity).';

-- Grants -------------------------------------------------------------------------------
-- authenticated: what the policies allow, column by column for updates; anon: nothing.
-- Organizations are created by service_role (or a future RPC), not by plain users.

revoke all on table app.organizations, app.memberships from public, anon;
grant select on table app.organizations to authenticated;
grant update (slug, name, kind, timezone, currency, display_name, genres) on table app.organizations to authenticated;
grant select, delete on table app.memberships to authenticated;
grant insert (org_id, user_id, role) on table app.memberships to authenticated;
grant update (role) on table app.memberships to authenticated;
grant all on table app.organizations, app.memberships to service_role;
