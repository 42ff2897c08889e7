-- The value of one usage rule (usage.thresholds); raises P0002 for an unknown key.
create or replace function usage.threshold(p_key text)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
declare
  v numeric;
begin
  select t.value into v from usage.thresholds as t where t.key = p_key;
  if not found then
    raise exception 'no usage threshold %', p_key using errcode = 'P0002', hint = 'See select key from usage.thresholds.';
  end if;
  return v;
end;
$$;
revoke execute on function usage.threshold(text) from public, anon;
grant execute on function usage.threshold(text) to authenticated, service_role;
comment on function usage.threshold(text) is 'The value of a usage.thresholds rule; P0002 when unknown.';
