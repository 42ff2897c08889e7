-- 0001: Supabase-compatible `auth` shim and API roles.
--
-- On a real Supabase database every object below already exists (owned by
-- supabase_auth_admin, with Supabase's own grants): each one is therefore created
-- only where absent, guarded by to_regnamespace/to_regclass/to_regprocedure, and its
-- grants are issued in the same branch. Existing objects and their grants are left
-- exactly as they are (we may not even own them there).
--
-- Roles are cluster-wide and several databases of one cluster may run this file at
-- the same moment: a role created concurrently by another session surfaces either as
-- duplicate_object (it was committed before our check) or as unique_violation on
-- pg_authid (it was committed while we waited), so both are swallowed.
-- Creating service_role with BYPASSRLS needs a superuser (as it does on Supabase).
--
-- No pgcrypto: gen_random_uuid() is built in since PostgreSQL 13.

-- API roles (Supabase conventions): NOLOGIN; PostgREST's authenticator switches to them.
do $$
begin
  create role anon nologin noinherit;
exception when duplicate_object or unique_violation then null;
end $$;

do $$
begin
  create role authenticated nologin noinherit;
exception when duplicate_object or unique_violation then null;
end $$;

do $$
begin
  create role service_role nologin noinherit bypassrls;
exception when duplicate_object or unique_violation then null;
end $$;

-- Schema auth.
do $$
begin
  if pg_catalog.to_regnamespace('auth') is null then
    execute 'create schema auth';
    execute $sql$comment on schema auth is
      'Supabase-compatible identity shim (created by audience-db only where Supabase is absent): users and JWT-claim accessors.'$sql$;
    execute 'grant usage on schema auth to anon, authenticated, service_role';
  end if;
end $$;

-- auth.users: the subset of Supabase's table that audience-db references.
-- No privileges for the API roles (as on Supabase): foreign keys to it are checked
-- as the table owner, and app code reads identities through auth.uid().
do $$
begin
  if pg_catalog.to_regclass('auth.users') is null then
    execute $sql$
      create table auth.users (
        id                 uuid        not null default pg_catalog.gen_random_uuid(),
        email              text,
        raw_user_meta_data jsonb,
        created_at         timestamptz not null default pg_catalog.now(),
        constraint pk_users primary key (id)
      )
    $sql$;
    execute $sql$comment on table auth.users is
      'Shim of Supabase auth.users: one row per identity; id is the JWT sub claim. Not readable by anon/authenticated.'$sql$;
  end if;
end $$;

-- auth.uid(): the JWT subject, or NULL when there is none (absent or empty claim).
-- Reads the legacy per-claim GUC first, as Supabase does. A sub that is not a uuid
-- raises 22P02 (fails closed). Invoker, STABLE, no SET clause so that the planner may
-- inline it; names are qualified instead.
do $$
begin
  if pg_catalog.to_regprocedure('auth.uid()') is null then
    execute $sql$
      create function auth.uid() returns uuid
      language sql stable
      as $body$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
          nullif(nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')
        )::uuid
      $body$
    $sql$;
    execute $sql$comment on function auth.uid() is
      'JWT subject (request.jwt.claim.sub, else request.jwt.claims->>''sub'') as uuid; NULL when absent or empty.'$sql$;
    execute 'grant execute on function auth.uid() to anon, authenticated, service_role';
  end if;
end $$;

-- auth.jwt(): all claims as jsonb. Choice: NULL when no claims are set (what
-- Supabase's own auth.jwt() returns), not '{}'; `auth.jwt() ->> 'x'` is NULL either way,
-- and `auth.jwt() is null` means "no JWT at all" (e.g. a DBA or cron session).
do $$
begin
  if pg_catalog.to_regprocedure('auth.jwt()') is null then
    execute $sql$
      create function auth.jwt() returns jsonb
      language sql stable
      as $body$
        select nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb
      $body$
    $sql$;
    execute $sql$comment on function auth.jwt() is
      'All JWT claims (request.jwt.claims) as jsonb; NULL when no claims are set, as on Supabase.'$sql$;
    execute 'grant execute on function auth.jwt() to anon, authenticated, service_role';
  end if;
end $$;

-- auth.role(): the JWT role claim (anon, authenticated, service_role), NULL when absent.
do $$
begin
  if pg_catalog.to_regprocedure('auth.role()') is null then
    execute $sql$
      create function auth.role() returns text
      language sql stable
      as $body$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
          nullif(nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role', '')
        )::text
      $body$
    $sql$;
    execute $sql$comment on function auth.role() is
      'JWT role claim (request.jwt.claim.role, else request.jwt.claims->>''role''); NULL when absent or empty.'$sql$;
    execute 'grant execute on function auth.role() to anon, authenticated, service_role';
  end if;
end $$;
