-- A platform admin (or service_role) approves or rejects a pending account upgrade.
-- Approve: the profile gets the requested account_type, verification_level 'business'
-- (the highest level) and the request's business_info merged over its own (request keys
-- win); its permissions follow
-- from app.account_permissions at once. Reject: the profile is unchanged. Either way the
-- request records the decision, the note, who (the admin's user id; NULL for
-- service_role) and when. Returns the decided request.
-- Callable by authenticated platform admins (app.current_user_is_admin()) and service_role.
-- The merged business_info must fit the profile's limit (16384 bytes of JSON text,
-- check_profiles_business_info_size, migration 1260) even though each part fits on its own:
-- approval checks the merged size first.
-- Errors: 42501 anyone else (hint: admins only); 22023 p_approve NULL; P0002 unknown
-- request; 55000 a request that is not pending (hint: already decided); 54000 approving
-- would make the profile's business_info larger than 16384 bytes (the sizes only, never
-- the contents; hint: reject, or have the user shrink the profile's business_info first).
create or replace function public.review_account_upgrade(p_request_id uuid, p_approve boolean, p_note text default null)
returns table (request_id uuid, user_id uuid, requested_account_type app.account_type, status app.upgrade_status,
               reviewed_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_req    app.account_upgrade_requests;
  v_merged integer;
  v_own    integer;
begin
  if not app.is_service_session() and not app.current_user_is_admin() then
    raise exception 'only a platform admin may review account upgrades'
      using errcode = '42501', hint = 'Ask a platform administrator.';
  end if;
  if p_approve is null then
    raise exception 'p_approve must be true (approve) or false (reject)'
      using errcode = '22023', hint = 'Pass true or false.';
  end if;
  select r.* into v_req from app.account_upgrade_requests as r where r.id = p_request_id for update;
  if not found then
    raise exception 'account upgrade request % does not exist', p_request_id
      using errcode = 'P0002', hint = 'List pending requests in app.account_upgrade_requests.';
  end if;
  if v_req.status <> 'pending' then
    raise exception 'account upgrade request % is already %', p_request_id, v_req.status
      using errcode = '55000', hint = 'A decided request cannot be reviewed again; the user may send a new one.';
  end if;

  if p_approve then
    -- Each part fits the limit on its own; their merge may not (the constraint would fail
    -- with 23514 and the whole profile row in its detail). The row is locked: the size
    -- checked is the size written.
    select pg_catalog.octet_length((p.business_info || v_req.business_info)::text),
           pg_catalog.octet_length(p.business_info::text)
      into v_merged, v_own
      from app.profiles as p
     where p.user_id = v_req.user_id
       for update;
    if v_merged > 16384 then
      raise exception 'approving account upgrade request % would make the profile''s business info % bytes; at most 16384 are allowed', p_request_id, v_merged
        using errcode = '54000',
              detail = pg_catalog.format('The profile has %s bytes of business info, the request %s; the request''s keys are merged over the profile''s.',
                                         v_own, pg_catalog.octet_length(v_req.business_info::text)),
              hint = 'A profile holds at most 16384 bytes of business info (JSON text): reject the request (the user may send a smaller one), or have the user shrink the business_info of their profile first, then approve.';
    end if;
    update app.profiles as p
       set account_type = v_req.requested_account_type,
           verification_level = 'business',
           business_info = p.business_info || v_req.business_info
     where p.user_id = v_req.user_id;
  end if;

  return query
  update app.account_upgrade_requests as r
     set status = case when p_approve then 'approved' else 'rejected' end::app.upgrade_status,
         review_note = p_note,
         reviewed_by = case when app.is_service_session() then null else auth.uid() end,
         reviewed_at = pg_catalog.now()
   where r.id = p_request_id
  returning r.id, r.user_id, r.requested_account_type, r.status, r.reviewed_at;
end;
$$;
revoke execute on function public.review_account_upgrade(uuid, boolean, text) from public, anon;
grant execute on function public.review_account_upgrade(uuid, boolean, text) to authenticated, service_role;
comment on function public.review_account_upgrade(uuid, boolean, text) is
  'Approve (profile becomes the requested artist/venue, verification_level business, business_info merged) or reject a pending account upgrade, with a note. Platform admins and service_role; 42501 others, 22023 NULL decision, P0002 unknown request, 55000 not pending, 54000 merged business_info over 16384 bytes.';
