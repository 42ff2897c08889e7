-- requires: functions/audience/segment_members.sql
-- requires: functions/app/assert_object_role.sql
-- Step 1 of a segment export: writes its audit row in audience.segment_exports (who =
-- auth.uid(), when, segment, the number of customers the segment matches now, include_pii,
-- purpose), keeps those customers' visitor ids (private.segment_export_members: the fetch
-- answers these only, so never more rows than audited) and answers its id, the row count
-- and the end of the fetch window (one hour).
-- The CALLER MUST COMMIT before step 2 (public.fetch_segment_export) answers any row: so a
-- rollback can never erase the audit of rows that left the database.
-- Callable by members (analyst or above; admin or owner when p_include_pii) and
-- service_role. Contact details (e-mail, phone of active subscriptions) only for admin,
-- owner, service_role. A purpose of 3 to 500 characters is required.
-- 42501: not signed in, below analyst, PII below admin, and for a stranger the same
-- 'segment <id> does not exist or is not in your organizations' for a real and a missing
-- segment (service_role gets P0002 for a missing one); 22023: NULL segment id or
-- include_pii, missing purpose.
create or replace function public.request_segment_export(
  p_segment_id  uuid,
  p_include_pii boolean,
  p_purpose     text
)
returns table (export_id bigint, row_count bigint, expires_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_org_id  uuid;
  v_filter  jsonb;
  v_role    app.org_role;
  v_rows    bigint;
  v_id      bigint;
  v_expires timestamptz := pg_catalog.now() + interval '1 hour';
begin
  if p_segment_id is null then
    raise exception 'segment id must not be null'
      using errcode = '22023', hint = 'Pass the id returned by public.create_segment.';
  end if;
  select s.org_id, s.filter into v_org_id, v_filter
  from audience.segments as s
  where s.id = p_segment_id;
  v_role := app.assert_object_role(v_org_id, 'segment', p_segment_id::text, 'analyst');
  if p_include_pii is null then
    raise exception 'include_pii must not be null'
      using errcode = '22023', hint = 'Pass false (no contact details) or true (admins and owners only).';
  end if;
  if p_include_pii and v_role < 'admin' then
    raise exception 'contact details require the admin role; you are %', v_role
      using errcode = '42501', hint = 'Request with p_include_pii => false, or ask an admin or owner to export contact details.';
  end if;
  if p_purpose is null or pg_catalog.char_length(pg_catalog.btrim(p_purpose)) not between 3 and 500 then
    raise exception 'a purpose of 3 to 500 characters is required'
      using errcode = '22023', hint = 'Say why the export is made, e.g. ''Berlin show presale e-mail''; it is kept in the audit log.';
  end if;

  insert into audience.segment_exports as e
    (org_id, segment_id, exported_by, row_count, include_pii, purpose, requested_xact, expires_at)
  values (v_org_id, p_segment_id, auth.uid(), 0, p_include_pii, pg_catalog.btrim(p_purpose),
          pg_catalog.pg_current_xact_id(), v_expires)
  returning e.id into v_id;
  -- The customers matched now: the fetch answers these and no others (1263).
  delete from private.segment_export_members as m
  using audience.segment_exports as x
  where m.org_id = v_org_id and x.org_id = m.org_id and x.id = m.export_id and x.expires_at <= pg_catalog.now();
  insert into private.segment_export_members (org_id, export_id, visitor_id)
  select distinct v_org_id, v_id, c.visitor_id from audience.segment_members(v_org_id, v_filter, false) as c;
  get diagnostics v_rows = row_count;
  update audience.segment_exports as e set row_count = v_rows where e.id = v_id;
  update audience.segments as s
  set export_count = s.export_count + 1,
      last_exported_at = pg_catalog.now(),
      size_estimate = v_rows,
      size_estimated_at = pg_catalog.now(),
      updated_at = pg_catalog.now()
  where s.org_id = v_org_id and s.id = p_segment_id;
  return query select v_id, v_rows, v_expires;
end;
$$;
revoke execute on function public.request_segment_export(uuid, boolean, text) from public, anon;
grant execute on function public.request_segment_export(uuid, boolean, text) to authenticated, service_role;
comment on function public.request_segment_export(uuid, boolean, text) is
  'Step 1 of a segment export: writes the audit row (audience.segment_exports: who, when, segment, row count now, include_pii, purpose) and returns (export_id, row_count, expires_at = now + 1 hour). Commit, then call public.fetch_segment_export(export_id). Analyst+ (admin+ for contact details) and service_role; 42501 also for a stranger, alike for a real and a missing segment; 22023 bad arguments.';
