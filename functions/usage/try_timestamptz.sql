-- An RFC 3339 date-time (seconds required, optional fraction, Z or a +hh:mm offset) as a
-- timestamptz; NULL for anything else (an invalid date such as 2026-02-30 included).
-- The exact, slow check of usage.parse_requests (the cast in an exception block enters a
-- subtransaction): used there only for values its plain checks do not accept.
-- Callable by service_role (it reads nothing).
create or replace function usage.try_timestamptz(p_text text)
returns timestamptz
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_text is null
     or p_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$' then
    return null;
  end if;
  return p_text::timestamptz;
exception when others then
  return null;
end;
$$;
revoke execute on function usage.try_timestamptz(text) from public, anon, authenticated;
grant execute on function usage.try_timestamptz(text) to service_role;
comment on function usage.try_timestamptz(text) is
  'RFC 3339 date-time text as timestamptz, NULL when it is not one (wrong shape or impossible date).';
