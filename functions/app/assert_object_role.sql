-- requires: functions/app/assert_org_role.sql
-- Asserts that the caller may act, with at least p_min_role, on an object (segment,
-- experiment, insight, export...) identified by an id, and returns the caller's role in the
-- object's organization. p_org_id is the organization that owns the object, or NULL when
-- no object has that id: the RPC looks the object up first and passes what it found.
-- Existence is never revealed to a stranger: for anyone but service_role, a missing object
-- and an object of an organization the caller does not belong to give the same 42501
-- '<kind> <id> does not exist or is not in your organizations' (no organization id in it).
-- service_role (app.is_service_session()) gets P0002 '<kind> <id> does not exist' for a
-- missing object and passes as owner otherwise. A member below p_min_role gets
-- app.assert_org_role's 42501 (a member may know what exists in the organization).
-- Callable by authenticated and service_role; SECURITY INVOKER (as app.assert_org_role).
-- 22023: NULL p_kind, p_id or p_min_role.
create or replace function app.assert_object_role(
  p_org_id   uuid,
  p_kind     text,
  p_id       text,
  p_min_role app.org_role default 'viewer'
)
returns app.org_role
language plpgsql stable
set search_path = ''
as $$
begin
  if p_kind is null or p_id is null or p_min_role is null then
    raise exception 'object kind, id and minimum role must not be null'
      using errcode = '22023', hint = 'Pass e.g. (v_org_id, ''segment'', p_segment_id::text, ''analyst'').';
  end if;
  if app.is_service_session() then
    if p_org_id is null then
      raise exception '% % does not exist', p_kind, p_id
        using errcode = 'P0002', hint = pg_catalog.format('Check the %s id.', p_kind);
    end if;
    return 'owner';
  end if;
  if p_org_id is null or auth.uid() is null or app.org_role_of(p_org_id) is null then
    raise exception '% % does not exist or is not in your organizations', p_kind, p_id
      using errcode = '42501', hint = pg_catalog.format('Use the id of a %s of an organization you belong to.', p_kind);
  end if;
  return app.assert_org_role(p_org_id, p_min_role);
end;
$$;
revoke execute on function app.assert_object_role(uuid, text, text, app.org_role) from public, anon;
grant execute on function app.assert_object_role(uuid, text, text, app.org_role) to authenticated, service_role;
comment on function app.assert_object_role(uuid, text, text, app.org_role) is
  'Membership check for RPCs that take an object id: p_org_id is the owning organization or NULL (no such object). Strangers get the same 42501 "<kind> <id> does not exist or is not in your organizations" for a missing and for a foreign object (no existence probing); service_role gets P0002 for a missing one; members below p_min_role get assert_org_role''s 42501. Returns the caller''s role.';
