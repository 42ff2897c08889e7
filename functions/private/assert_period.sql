-- Checks a reporting period [p_from, p_to) of local dates (analytics.check_period: both
-- given and finite, p_to after p_from, at most 366 days). Raises 22023 with a hint otherwise. Internal helper of the
-- audience RPCs (called after the membership check).
create or replace function private.assert_period(p_from date, p_to date)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  perform analytics.check_period(p_from, p_to);  -- the one definition of a valid period
end;
$$;
revoke execute on function private.assert_period(date, date) from public, anon, authenticated;
comment on function private.assert_period(date, date) is
  'Raises 22023 unless [p_from, p_to) is a non-empty finite period of at most 366 days (analytics.check_period). Internal helper.';
