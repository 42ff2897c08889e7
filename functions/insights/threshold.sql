-- The value of one detection or lifecycle rule of insights.thresholds; raises P0002 when
-- the rule is missing (a renamed key must fail loudly, never silently disable a check).
-- Called by the insights.* functions (they run as their owner); granted to service_role.
create or replace function insights.threshold(p_key text)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
declare
  v_value numeric;
begin
  select t.value into v_value from insights.thresholds t where t.key = p_key;
  if not found then
    raise exception 'insight threshold "%" is missing', p_key
      using errcode = 'P0002', hint = 'insights.thresholds must hold every rule that migration 0020 loads; restore the row.';
  end if;
  return v_value;
end;
$$;
revoke execute on function insights.threshold(text) from public, anon;
grant execute on function insights.threshold(text) to authenticated, service_role;
comment on function insights.threshold(text) is
  'Value of the rule p_key of insights.thresholds; raises P0002 when it is missing.';
