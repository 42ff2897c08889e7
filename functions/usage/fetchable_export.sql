-- The audit row of a usage export that may be fetched now at grain p_grain, or an error:
-- the request must have been written by public.request_usage_export in an EARLIER, COMMITTED
-- transaction (a row visible to this transaction that it did not write itself was committed,
-- so comparing requested_xact with pg_current_xact_id_if_assigned() is exact), within its
-- window (one hour), by the caller (or any request for service_role), whose role is
-- checked again (analyst or above).
-- Internal helper of public.fetch_usage_export_requests / _days (definers).
-- 42501: not signed in, below analyst, and the same 'usage export <id> does not exist or is
-- not in your organizations' for another user's and a missing request (service_role: P0002
-- for a missing one); 55000: not committed yet, expired, other grain; 22023: NULL id.
create or replace function usage.fetchable_export(p_export_id bigint, p_grain text)
returns usage.exports
language plpgsql
stable
set search_path = ''
as $$
declare
  v_export usage.exports;
  v_owner  uuid;
begin
  if p_export_id is null then
    raise exception 'export id must not be null'
      using errcode = '22023', hint = 'Pass the export_id returned by public.request_usage_export.';
  end if;
  select e.* into v_export from usage.exports as e where e.id = p_export_id;
  -- Only the requester (or service_role) may fetch: anyone else is told what a stranger is.
  v_owner := case when app.is_service_session() or v_export.exported_by = auth.uid() then v_export.org_id end;
  perform app.assert_object_role(v_owner, 'usage export', p_export_id::text, 'analyst');
  if v_export.requested_xact = pg_catalog.pg_current_xact_id_if_assigned() then
    raise exception 'usage export % is not committed yet: its rows are answered only after the transaction that requested it commits', p_export_id
      using errcode = '55000', hint = 'Commit the transaction that called public.request_usage_export, then fetch in a new transaction.';
  end if;
  if v_export.expires_at <= pg_catalog.now() then
    raise exception 'usage export % expired at %', p_export_id, v_export.expires_at
      using errcode = '55000', hint = 'Request the export again with public.request_usage_export.';
  end if;
  if v_export.grain <> p_grain then
    raise exception 'usage export % was requested at grain %, not %', p_export_id, v_export.grain, p_grain
      using errcode = '55000', hint = 'Fetch grain request with public.fetch_usage_export_requests, grain day with public.fetch_usage_export_days.';
  end if;
  return v_export;
end;
$$;
revoke execute on function usage.fetchable_export(bigint, text) from public, anon, authenticated;
comment on function usage.fetchable_export(bigint, text) is
  'The committed, unexpired audit row of usage export p_export_id at grain p_grain for its requester (or service_role); 42501 / 55000 / 22023 otherwise. Internal helper of the usage export fetch functions.';
