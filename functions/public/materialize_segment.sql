-- requires: functions/audience/compile_segment_filter.sql
-- The customers a saved segment matches now, for a campaign export, and the audit row of
-- that export (audience.segment_exports: who, when, segment, row count, include_pii,
-- purpose) written in the same transaction: if the caller's transaction rolls back, the
-- export and its audit row both vanish; the rows cannot be had without the audit.
-- Callable by members (analyst or above) and service_role.
-- Contact details (email, phone: the visitor's active subscriptions in
-- audience.subscribers) only when p_include_pii is true AND the caller is admin, owner
-- or service_role; an analyst or viewer asking for them is refused (42501), never
-- silently served without. A purpose (3 to 500 characters) is required. Visitors who
-- opted out (audience.opt_outs) never appear. Ordered by visitor_id.
-- 42501: not a member / below analyst / PII below admin; 22023: NULL segment id or
-- include_pii, missing purpose; P0002: no such segment.
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
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_org_id uuid;
  v_filter jsonb;
  v_role   app.org_role;
  v_rows   bigint;
begin
  if p_segment_id is null then
    raise exception 'segment id must not be null'
      using errcode = '22023', hint = 'Pass the id returned by public.create_segment.';
  end if;
  select s.org_id, s.filter into v_org_id, v_filter
  from audience.segments as s
  where s.id = p_segment_id;
  if not found then
    raise exception 'segment % does not exist', p_segment_id
      using errcode = 'P0002', hint = 'Pass the id returned by public.create_segment.';
  end if;

  v_role := app.assert_org_role(v_org_id, 'analyst');
  if p_include_pii is null then
    raise exception 'include_pii must not be null'
      using errcode = '22023', hint = 'Pass false (no contact details) or true (admins and owners only).';
  end if;
  if p_include_pii and v_role < 'admin' then
    raise exception 'contact details require the admin role; you are %', v_role
      using errcode = '42501', hint = 'Call with p_include_pii => false, or ask an admin or owner to export contact details.';
  end if;
  if p_purpose is null or pg_catalog.char_length(pg_catalog.btrim(p_purpose)) not between 3 and 500 then
    raise exception 'a purpose of 3 to 500 characters is required'
      using errcode = '22023', hint = 'Say why the export is made, e.g. ''Berlin show presale e-mail''; it is kept in the audit log.';
  end if;

  return query execute pg_catalog.format(
    'select c.visitor_id::text, c.user_id, c.lifecycle_stage, c.intent_level, c.propensity_score, c.engagement_score,
            c.orders_count, c.revenue_cents, c.first_source::text, c.last_source::text, c.device_type::text,
            c.country::text, c.city, c.first_seen_at, c.last_seen_at, ct.email, ct.phone
     from audience.customers as c
     left join lateral (
       select pg_catalog.min(sb.contact) filter (where sb.channel = ''email'') as email,
              pg_catalog.min(sb.contact) filter (where sb.channel = ''sms'') as phone
       from audience.subscribers as sb
       where $3
         and sb.org_id = c.org_id
         and sb.visitor_id = c.visitor_id
         and sb.unsubscribed_at is null
     ) as ct on true
     where c.org_id = $2
       and not exists (select 1 from audience.opt_outs as x where x.org_id = c.org_id and x.visitor_id = c.visitor_id)
       and %s
     order by c.visitor_id', audience.compile_segment_filter(v_filter))
    using v_filter, v_org_id, p_include_pii;
  get diagnostics v_rows = row_count;

  insert into audience.segment_exports (org_id, segment_id, exported_by, row_count, include_pii, purpose)
  values (v_org_id, p_segment_id, auth.uid(), v_rows, p_include_pii, pg_catalog.btrim(p_purpose));
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
  'Rows (customers) of a saved segment for an export, audited in audience.segment_exports in the same transaction (who, when, row count, include_pii, purpose). Contact details (email, phone of active subscriptions) only with p_include_pii and admin/owner/service_role (42501 otherwise); a purpose is required (22023); opted-out visitors never appear. Members (analyst+) and service_role; P0002 unknown segment.';
