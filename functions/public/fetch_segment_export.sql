-- requires: functions/audience/segment_members.sql
-- requires: functions/app/assert_object_role.sql
-- Step 2 of a segment export: the customers the request matched
-- (private.segment_export_members) that the segment still matches now, as they are now
-- (columns of public.materialize_segment; email and phone only when the request included
-- contact details): never more than its audit row counted; one who opted out, was erased
-- or left the segment since is left out. For a request written by
-- public.request_segment_export in an EARLIER, COMMITTED transaction. A row visible to this transaction that it did not write itself was
-- committed, so comparing the request's requested_xact with pg_current_xact_id_if_assigned()
-- is exact: rows never leave with an audit row that a rollback could still erase.
-- Any number of fetches within the window (one hour after the request); each is covered by
-- the committed request. Roles are checked again at the fetch.
-- Callable by the member who requested it (analyst or above, admin or owner for contact
-- details) and service_role (any request).
-- 42501: not signed in, below the role the request needs, and for anyone else the same
-- 'segment export <id> does not exist or is not in your organizations' for a real and a
-- missing request (service_role: P0002 for a missing one or a single-step export);
-- 55000: the request is not committed yet (same transaction), has expired, or its segment
-- was deleted; 22023: NULL id.
create or replace function public.fetch_segment_export(p_export_id bigint)
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
stable
security definer
set search_path = ''
as $$
declare
  v_export audience.segment_exports;
  v_filter jsonb;
  v_owner  uuid;
begin
  if p_export_id is null then
    raise exception 'export id must not be null'
      using errcode = '22023', hint = 'Pass the export_id returned by public.request_segment_export.';
  end if;
  select e.* into v_export
  from audience.segment_exports as e
  where e.id = p_export_id and e.requested_xact is not null;
  -- Only the requester (or service_role) may fetch: anyone else is told what a stranger is.
  v_owner := case when app.is_service_session() or v_export.exported_by = auth.uid() then v_export.org_id end;
  perform app.assert_object_role(v_owner, 'segment export', p_export_id::text,
                                 case when v_export.include_pii then 'admin' else 'analyst' end::app.org_role);
  if v_export.requested_xact = pg_catalog.pg_current_xact_id_if_assigned() then
    raise exception 'segment export % is not committed yet: its rows are answered only after the transaction that requested it commits', p_export_id
      using errcode = '55000', hint = 'Commit the transaction that called public.request_segment_export, then fetch in a new transaction.';
  end if;
  if v_export.expires_at <= pg_catalog.now() then
    raise exception 'segment export % expired at %', p_export_id, v_export.expires_at
      using errcode = '55000', hint = 'Request the export again with public.request_segment_export.';
  end if;
  select s.filter into v_filter
  from audience.segments as s
  where s.org_id = v_export.org_id and s.id = v_export.segment_id;
  if not found then
    raise exception 'the segment of export % was deleted', p_export_id
      using errcode = '55000', hint = 'Nothing to fetch: the audit row stays.';
  end if;
  return query
  select c.* from audience.segment_members(v_export.org_id, v_filter, v_export.include_pii) as c
  where c.visitor_id in (select m.visitor_id from private.segment_export_members as m
                          where m.org_id = v_export.org_id and m.export_id = p_export_id);
end;
$$;
revoke execute on function public.fetch_segment_export(bigint) from public, anon;
grant execute on function public.fetch_segment_export(bigint) to authenticated, service_role;
comment on function public.fetch_segment_export(bigint) is
  'Step 2 of a segment export: the customers of the segment of a committed request of public.request_segment_export (contact details if it asked for them), within one hour of it. 55000 inside the requesting transaction (not committed), after expiry, or when the segment was deleted. The requester (analyst+, admin+ for contact details) and service_role; anyone else gets the same 42501 for a real and a missing request.';
