-- requires: functions/private/sessionized_events.sql
-- One row per organization, local day in [p_from, p_to), device type, network type and
-- visitor ('(unknown)' when not reported): sessions that started on that combination
-- that day, events, and the sum and count of reported page load times. Grouped per
-- combination by private.device_day_rows. Internal helper; SQL.
create or replace function private.visitor_day_devices(p_org_ids uuid[], p_from date, p_to date)
returns table (
  org_id          uuid,
  day             date,
  device_type     text,
  network_type    text,
  visitor_key     text,
  sessions        integer,
  events          integer,
  page_load_ms    bigint,
  page_loads      integer
)
language sql
stable
as $$
  select s.org_id, s.day, s.device_type, s.network_type, s.visitor_key,
         (pg_catalog.count(*) filter (where s.session_start))::integer,
         pg_catalog.count(*)::integer,
         coalesce(pg_catalog.sum(s.page_load_ms), 0)::bigint,
         pg_catalog.count(s.page_load_ms)::integer
  from private.sessionized_events(p_org_ids, p_from, p_to) as s
  group by s.org_id, s.day, s.device_type, s.network_type, s.visitor_key
$$;
revoke execute on function private.visitor_day_devices(uuid[], date, date) from public, anon, authenticated;
comment on function private.visitor_day_devices(uuid[], date, date) is
  'Per organization, local day, device type, network type and visitor: sessions started, events, page load sum and count. Internal helper of private.device_day_rows.';
