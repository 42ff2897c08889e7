-- requires: functions/audience/segment_members.sql
-- requires: functions/app/assert_object_role.sql
-- The customers a saved segment matches now, WITHOUT contact details, for a campaign
-- export in one step, and the audit row of that export (audience.segment_exports: who,
-- when, segment, row count, purpose) written in the same transaction.
-- Contact details (e-mail, phone) never leave this way: a rollback would erase the audit
-- row of rows already received. They are exported in two steps, public.request_segment_export
-- (commits the audit row) then public.fetch_segment_export; p_include_pii true here is
-- refused (55000) with that hint.
-- Callable by members (analyst or above) and service_role. A purpose (3 to 500
-- characters) is required. Visitors who opted out (audience.opt_outs) never appear.
-- Ordered by visitor_id; columns as audience.segment_members (email, phone NULL).
-- 42501: not signed in / below analyst, and for a stranger the same
-- 'segment <id> does not exist or is not in your organizations' whether or not the
-- segment exists (no existence probing; service_role gets P0002 for a missing one);
-- 22023: NULL segment id or include_pii, missing purpose; 55000: include_pii true.
create or replace function public.materialize_segment(
  p_segment_id  uuid,
  p_include_pii boolean default false,
  p_purpose     text    default null
)
returns table (
  visitor_id       text,
  user_id          uuid,
  lifecycle_stage  audience.lifecycle_stage,
  intent_level     audience.intent_level,
  propensity_score smallint,
  engagement_score smallint,
  orders_count     integer,
  revenue_cents    bigint,
  first_source     text,
  last_source      text,
  device_type      text,
  country          text,
  city             text,
  first_seen_at    timestamptz,
  last_seen_at     timestamptz,
  email            text,
  phone            text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_org_id uuid;
  v_filter jsonb;
  v_rows   bigint;
begin
  if p_segment_id is null then
    raise exception 'segment id must not be null'
      using errcode = '22023', hint = 'Pass the id returned by public.create_segment.';
  end if;
  select s.org_id, s.filter into v_org_id, v_filter
  from audience.segments as s
  where s.id = p_segment_id;
  perform app.assert_object_role(v_org_id, 'segment', p_segment_id::text, 'analyst');
  if p_include_pii is null then
    raise exception 'include_pii must not be null'
      using errcode = '22023', hint = 'Pass false; contact details are exported with public.request_segment_export and public.fetch_segment_export.';
  end if;
  if p_include_pii then
    raise exception 'contact details are not exported in one step: the audit row must be committed before they leave'
      using errcode = '55000',
            hint = 'Call public.request_segment_export(segment, true, purpose), commit, then public.fetch_segment_export(export_id) in a new transaction.';
  end if;
  if p_purpose is null or pg_catalog.char_length(pg_catalog.btrim(p_purpose)) not between 3 and 500 then
    raise exception 'a purpose of 3 to 500 characters is required'
      using errcode = '22023', hint = 'Say why the export is made, e.g. ''Berlin show presale e-mail''; it is kept in the audit log.';
  end if;

  return query select * from audience.segment_members(v_org_id, v_filter, false);
  get diagnostics v_rows = row_count;

  insert into audience.segment_exports (org_id, segment_id, exported_by, row_count, include_pii, purpose)
  values (v_org_id, p_segment_id, auth.uid(), v_rows, false, pg_catalog.btrim(p_purpose));
  update audience.segments as s
  set export_count = s.export_count + 1,
      last_exported_at = pg_catalog.now(),
      size_estimate = v_rows,
      size_estimated_at = pg_catalog.now(),
      updated_at = pg_catalog.now()
  where s.org_id = v_org_id and s.id = p_segment_id;
end;
$$;
revoke execute on function public.materialize_segment(uuid, boolean, text) from public, anon;
grant execute on function public.materialize_segment(uuid, boolean, text) to authenticated, service_role;
comment on function public.materialize_segment(uuid, boolean, text) is
  'Rows (customers) of a saved segment without contact details, for a one-step export audited in audience.segment_exports in the same transaction (who, when, row count, purpose). Contact details only through public.request_segment_export + public.fetch_segment_export (p_include_pii true: 55000). A purpose is required (22023); opted-out visitors never appear. Members (analyst+) and service_role; strangers get the same 42501 for a real and a missing segment (service_role: P0002).';
