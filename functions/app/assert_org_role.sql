-- Asserts that the caller holds at least p_min_role in an organization; returns that role.
-- Callable by authenticated and service_role; RPCs call it first (`perform` or `v_role :=`).
--
-- Who passes:
--   * service_role, as 'owner': app.is_service_session(), i.e. the JWT role claim is
--     service_role, or the session acts as service_role (SET ROLE / PostgREST), or it is
--     a superuser session carrying no JWT claims at all (a DBA, migration or cron job
--     connected directly). A superuser session that carries claims is judged by them.
--     An unknown organization raises P0002 for service_role (members get 42501 instead,
--     so that nobody learns which ids exist).
--   * a signed-in member (auth.uid() not null) whose role >= p_min_role.
-- Everyone else gets 42501 with a hint: anon, a caller with role authenticated but no
-- sub claim, non-members, members below p_min_role. NULL is never "allowed":
-- p_org_id or p_min_role NULL raises 22023.
-- SECURITY INVOKER: it needs no privilege of its own (the membership lookup is the
-- definer helper app.org_role_of); inside definer RPCs it runs as their owner.
create or replace function app.assert_org_role(p_org_id uuid, p_min_role app.org_role default 'viewer')
returns app.org_role
language plpgsql stable
set search_path = ''
as $$
declare
  v_role app.org_role;
begin
  if p_org_id is null then
    raise exception 'organization id must not be null'
      using errcode = '22023', hint = 'Pass the id of an organization you belong to.';
  end if;
  if p_min_role is null then
    raise exception 'minimum role must not be null'
      using errcode = '22023', hint = 'Pass viewer, analyst, admin or owner.';
  end if;

  if app.is_service_session() then
    if not exists (select 1 from app.organizations o where o.id = p_org_id) then
      raise exception 'organization % does not exist', p_org_id
        using errcode = 'P0002', hint = 'Check the organization id.';
    end if;
    return 'owner';
  end if;

  if auth.uid() is null then
    raise exception 'not signed in'
      using errcode = '42501', hint = 'Sign in: organization data is only available to its members.';
  end if;

  v_role := app.org_role_of(p_org_id);
  if v_role is null then
    raise exception 'you are not a member of organization %', p_org_id
      using errcode = '42501', hint = 'Ask an admin of the organization to invite you.';
  end if;
  if v_role < p_min_role then
    raise exception 'role % is required in organization %; you are %', p_min_role, p_org_id, v_role
      using errcode = '42501', hint = pg_catalog.format('Ask an admin of the organization for the %s role.', p_min_role);
  end if;
  return v_role;
end;
$$;
revoke execute on function app.assert_org_role(uuid, app.org_role) from public, anon;
grant execute on function app.assert_org_role(uuid, app.org_role) to authenticated, service_role;
comment on function app.assert_org_role(uuid, app.org_role) is
  'Returns the caller''s role in the organization if at least p_min_role (service_role and superuser sessions without JWT claims: owner); raises 42501 otherwise, 22023 on NULL arguments, P0002 for service_role on an unknown organization.';
