-- requires: functions/private/visitor_day_devices.sql
-- One row per organization, local day in [p_from, p_to), device type and network type
-- ('(unknown)' when not reported): the keys of the visitors with an event on that
-- combination that day (an array: distinct counts over any range stay exact), sessions
-- that started on it, events, and the sum and count of reported page load times.
-- The one definition behind private.mv_device_network and, for the days it does not
-- cover, the RPCs. Internal helper; SQL.
create or replace function private.device_day_rows(p_org_ids uuid[], p_from date, p_to date)
returns table (
  org_id        uuid,
  day           date,
  device_type   text,
  network_type  text,
  visitors      text[],
  sessions      integer,
  events        integer,
  page_load_ms  bigint,
  page_loads    integer
)
language sql
stable
as $$
  select v.org_id, v.day, v.device_type, v.network_type,
         pg_catalog.array_agg(v.visitor_key::text),
         pg_catalog.sum(v.sessions)::integer,
         pg_catalog.sum(v.events)::integer,
         pg_catalog.sum(v.page_load_ms)::bigint,
         pg_catalog.sum(v.page_loads)::integer
  from private.visitor_day_devices(p_org_ids, p_from, p_to) as v
  group by v.org_id, v.day, v.device_type, v.network_type
$$;
revoke execute on function private.device_day_rows(uuid[], date, date) from public, anon, authenticated;
comment on function private.device_day_rows(uuid[], date, date) is
  'Per organization, local day, device type and network type: visitor keys (array), sessions, events, page load sum and count. Source of private.mv_device_network. Internal helper.';
