-- requires: functions/private/device_day_rows.sql
-- requires: functions/private/mv_coverage.sql
-- The rows of private.device_day_rows for one organization and the local days
-- [p_from, p_to): from private.mv_device_network for the days it covers (see
-- private.mv_coverage), computed from analytics.events for the other days. Both paths
-- run the same definition. Internal helper of the RPCs.
create or replace function private.device_days(p_org_id uuid, p_from date, p_to date)
returns table (
  day           date,
  device_type   text,
  network_type  text,
  visitors      text[],
  sessions      integer,
  events        integer,
  page_load_ms  bigint,
  page_loads    integer
)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_from_day date;
  v_to_day   date;
begin
  select c.from_day, c.to_day into v_from_day, v_to_day
  from private.mv_coverage('mv_device_network', p_org_id) as c;

  if v_to_day is null or v_to_day <= p_from or v_from_day >= p_to then
    return query
      select d.day, d.device_type, d.network_type, d.visitors, d.sessions, d.events, d.page_load_ms, d.page_loads
      from private.device_day_rows(array[p_org_id], p_from, p_to) as d;
    return;
  end if;

  return query
    select m.day, m.device_type, m.network_type, m.visitors, m.sessions, m.events, m.page_load_ms, m.page_loads
    from private.mv_device_network as m
    where m.org_id = p_org_id
      and m.day >= greatest(p_from, v_from_day)
      and m.day < least(p_to, v_to_day)
    union all
    select d.day, d.device_type, d.network_type, d.visitors, d.sessions, d.events, d.page_load_ms, d.page_loads
    from private.device_day_rows(array[p_org_id], p_from, least(p_to, v_from_day)) as d
    union all
    select d.day, d.device_type, d.network_type, d.visitors, d.sessions, d.events, d.page_load_ms, d.page_loads
    from private.device_day_rows(array[p_org_id], greatest(p_from, v_to_day), p_to) as d;
end;
$$;
revoke execute on function private.device_days(uuid, date, date) from public, anon, authenticated;
comment on function private.device_days(uuid, date, date) is
  'Day x device x network rows (visitor key array, sessions, events, page load sum and count) of one organization for local days [p_from, p_to): from private.mv_device_network where it covers them, from analytics.events otherwise. Internal helper.';
