-- Every rule of insights.thresholds as one jsonb object {key: value}, after checking that
-- each key in p_required is present (P0002 otherwise). Detection loads the rules once per
-- call with this. Called by the insights.* functions; granted to service_role.
create or replace function insights.thresholds_json(p_required text[] default '{}')
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_rules   jsonb;
  v_missing text[];
begin
  select coalesce(pg_catalog.jsonb_object_agg(t.key, t.value), '{}'::jsonb) into v_rules from insights.thresholds t;
  select pg_catalog.array_agg(r.key order by r.key) into v_missing
  from pg_catalog.unnest(p_required) as r (key)
  where not v_rules ? r.key;
  if v_missing is not null then
    raise exception 'insight thresholds % are missing', v_missing
      using errcode = 'P0002', hint = 'insights.thresholds must hold every rule that migration 0020 loads; restore the rows.';
  end if;
  return v_rules;
end;
$$;
revoke execute on function insights.thresholds_json(text[]) from public, anon;
grant execute on function insights.thresholds_json(text[]) to authenticated, service_role;
comment on function insights.thresholds_json(text[]) is
  'All rules of insights.thresholds as {key: value}; raises P0002 when a key of p_required is missing.';
