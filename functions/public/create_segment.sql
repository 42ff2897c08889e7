-- requires: functions/audience/compile_segment_filter.sql
-- Saves a segment of an organization's customers: a name, an optional description and a
-- filter (JSON array of conditions, see audience.compile_segment_filter); returns its id
-- and the number of customers it matches now (also stored as size_estimate).
-- Callable by members (analyst or above) and service_role; created_by = auth.uid().
-- 42501: not a member / below analyst; 22023: empty or too long name (1 to 200
-- characters), a description over 2000 characters, invalid filter; 23505: the organization already has a segment of that
-- name.
create or replace function public.create_segment(
  p_org_id      uuid,
  p_name        text,
  p_filter      jsonb,
  p_description text default null
)
returns table (segment_id uuid, size_estimate bigint)
language plpgsql
volatile
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_id    uuid;
  v_count bigint;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  if p_name is null or pg_catalog.btrim(p_name) = '' or pg_catalog.char_length(pg_catalog.btrim(p_name)) > 200 then
    raise exception 'segment name must have 1 to 200 characters'
      using errcode = '22023', hint = 'Pass a non-empty p_name of at most 200 characters, unique in the organization.';
  end if;
  if pg_catalog.char_length(p_description) > 2000 then
    raise exception 'segment description has % characters; at most 2000 are allowed', pg_catalog.char_length(p_description)
      using errcode = '22023', hint = 'Shorten p_description to 2000 characters or fewer.';
  end if;
  v_count := public.preview_segment(p_org_id, p_filter);   -- validates the filter (22023)

  begin
    insert into audience.segments (org_id, name, description, filter, size_estimate, size_estimated_at, created_by)
    values (p_org_id, pg_catalog.btrim(p_name), p_description, p_filter, v_count, pg_catalog.now(), auth.uid())
    returning id into v_id;
  exception when unique_violation then
    raise exception 'a segment named "%" already exists in this organization', pg_catalog.btrim(p_name)
      using errcode = '23505', hint = 'Choose another name.';
  end;
  return query select v_id, v_count;
end;
$$;
revoke execute on function public.create_segment(uuid, text, jsonb, text) from public, anon;
grant execute on function public.create_segment(uuid, text, jsonb, text) to authenticated, service_role;
comment on function public.create_segment(uuid, text, jsonb, text) is
  'Saves a named segment (filter: JSON array of whitelisted {field, op, value} conditions, see audience.compile_segment_filter) and returns (segment_id, size_estimate = customers matching now, opted-out excluded). Members (analyst+) and service_role; 42501 otherwise, 22023 bad name or filter, 23505 duplicate name.';
