-- A signed-in user asks to become an artist or a venue: the business details wait for a
-- platform admin's review (public.review_account_upgrade). Returns the pending request.
-- p_business_info: a JSON object with a non-empty text business_name (other keys such as
-- website, vat_id, address, contact_email are kept as given).
-- Callable by authenticated (about themselves only).
-- Errors: 42501 not signed in (hint: sign in); P0002 no profile yet (hint: create it);
-- 22023 an account type other than artist/venue, a profile that already has it, or
-- business info that is not an object with business_name or is over 16384 bytes; 23505 a request is already
-- pending (hint: wait for its review).
create or replace function public.request_account_upgrade(p_account_type app.account_type, p_business_info jsonb)
returns table (request_id uuid, requested_account_type app.account_type, status app.upgrade_status, created_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid     uuid := auth.uid();
  v_current app.account_type;
begin
  if v_uid is null then
    raise exception 'only a signed-in user may request an account upgrade'
      using errcode = '42501', hint = 'Sign in first.';
  end if;
  select p.account_type into v_current from app.profiles as p where p.user_id = v_uid for update;
  if not found then
    raise exception 'user % has no profile', v_uid
      using errcode = 'P0002', hint = 'Create your profile (app.profiles) before requesting an upgrade.';
  end if;
  if p_account_type is null or p_account_type not in ('artist', 'venue') then
    raise exception 'cannot request account type %', coalesce(p_account_type::text, 'NULL')
      using errcode = '22023', hint = 'Self-service upgrades are to artist or venue; other account types are granted by an administrator.';
  end if;
  if v_current = p_account_type then
    raise exception 'your account is already of type %', p_account_type
      using errcode = '22023', hint = 'Nothing to request.';
  end if;
  if p_business_info is null or pg_catalog.jsonb_typeof(p_business_info) <> 'object'
     or pg_catalog.jsonb_typeof(p_business_info -> 'business_name') is distinct from 'string'
     or pg_catalog.btrim(p_business_info ->> 'business_name') = '' then
    raise exception 'business info must be a JSON object with a non-empty business_name'
      using errcode = '22023', hint = 'e.g. {"business_name": "Club Nord", "website": "https://clubnord.example", "vat_id": "FR123"}';
  end if;
  if pg_catalog.octet_length(p_business_info::text) > 16384 then
    raise exception 'business info has % bytes; at most 16384 are allowed', pg_catalog.octet_length(p_business_info::text)
      using errcode = '22023', hint = 'Send the business details only (name, website, VAT id, address), not documents.';
  end if;
  if exists (select 1 from app.account_upgrade_requests as r where r.user_id = v_uid and r.status = 'pending') then
    raise exception 'an account upgrade request of yours is already pending'
      using errcode = '23505', hint = 'Wait for its review by an administrator.';
  end if;

  return query
  insert into app.account_upgrade_requests as r (user_id, requested_account_type, business_info)
  values (v_uid, p_account_type, p_business_info)
  returning r.id, r.requested_account_type, r.status, r.created_at;
end;
$$;
revoke execute on function public.request_account_upgrade(app.account_type, jsonb) from public, anon;
grant execute on function public.request_account_upgrade(app.account_type, jsonb) to authenticated;
comment on function public.request_account_upgrade(app.account_type, jsonb) is
  'Self-service upgrade to artist or venue: stores the business info as a pending request for an admin''s review. Signed-in users, about themselves; 42501 anon, P0002 no profile, 22023 bad type or business info, 23505 one already pending.';
