-- Checks a reporting period [p_from, p_to) of local dates: both given, p_to after p_from,
-- at most 366 days; raises 22023 with a hint otherwise. (Same rule as the audience RPCs'
-- private.assert_period.) Internal helper of the dashboard and funnel RPCs, called after
-- their membership check; callable by authenticated and service_role (it reads nothing).
create or replace function analytics.check_period(p_from date, p_to date)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_from is null or p_to is null then
    raise exception 'period start and end must not be null'
      using errcode = '22023', hint = 'Pass p_from and p_to as dates; the period is [p_from, p_to) in the organization''s time zone.';
  end if;
  if p_from = '-infinity'::date or p_to = 'infinity'::date or p_from = 'infinity'::date or p_to = '-infinity'::date then
    raise exception 'period bounds must be finite dates'
      using errcode = '22023', hint = 'Pass calendar dates, not infinity.';
  end if;
  if p_to <= p_from then
    raise exception 'period end % is not after its start %', p_to, p_from
      using errcode = '22023', hint = 'The period is half-open [p_from, p_to): p_to must be at least one day after p_from.';
  end if;
  if p_to - p_from > 366 then
    raise exception 'period of % days is longer than 366 days', p_to - p_from
      using errcode = '22023', hint = 'Ask for at most 366 days at a time.';
  end if;
end;
$$;
revoke execute on function analytics.check_period(date, date) from public, anon;
grant execute on function analytics.check_period(date, date) to authenticated, service_role;
comment on function analytics.check_period(date, date) is
  'Raises 22023 unless [p_from, p_to) is a non-empty finite period of at most 366 days.';
