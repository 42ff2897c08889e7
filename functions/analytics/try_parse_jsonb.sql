-- The text as jsonb, or NULL when it is not JSON (instead of raising). Used by
-- analytics.ingest_staged for the lines of a file that fail the fast, all-at-once parse.
-- Costs a subtransaction per call: use it only on the slow path.
-- Callable by service_role.
create or replace function analytics.try_parse_jsonb(p_text text)
returns jsonb
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
begin
  return p_text::jsonb;
exception
  when data_exception then
    return null;
end;
$$;
revoke execute on function analytics.try_parse_jsonb(text) from public, anon, authenticated;
grant execute on function analytics.try_parse_jsonb(text) to service_role;
comment on function analytics.try_parse_jsonb(text) is
  'p_text::jsonb, or NULL when p_text is not valid JSON (never raises). Slow path of analytics.ingest_staged.';
