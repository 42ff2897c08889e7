-- The length of a budget period: month 1 month, quarter 3 months, year 1 year.
create or replace function usage.period_interval(p_period text)
returns interval
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_period when 'month' then interval '1 month' when 'quarter' then interval '3 months'
                       when 'year' then interval '1 year' end
$$;
revoke execute on function usage.period_interval(text) from public, anon;
grant execute on function usage.period_interval(text) to authenticated, service_role;
comment on function usage.period_interval(text) is 'Length of a budget period (month, quarter, year).';
