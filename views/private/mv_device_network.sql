-- requires: functions/private/device_day_rows.sql
-- Daily device x network for the last 90 complete local days: one row per organization,
-- local day, device type and network type, with the keys of its visitors (an array, so
-- that distinct visitors and buyers over any range are exact), sessions started, events
-- and page load sum / count (private.device_day_rows). Days and the as_of marker row as
-- in private.mv_audience_by_channel. Read only by public.get_audience_device_network
-- (through private.device_days); no privilege for API roles.
-- Re-created WITH NO DATA whenever this file changes; see mv_audience_by_channel.
drop materialized view if exists private.mv_device_network;
create materialized view private.mv_device_network as
select null::timestamptz as as_of, d.org_id, d.day, d.device_type, d.network_type,
       d.visitors, d.sessions, d.events, d.page_load_ms, d.page_loads
from private.device_day_rows(
  array(select o.id from app.organizations as o),
  (pg_catalog.now() at time zone 'UTC')::date - 91,
  (pg_catalog.now() at time zone 'UTC')::date + 2) as d
join app.organizations as o on o.id = d.org_id
where d.day >= (pg_catalog.now() at time zone o.timezone)::date - 90
  and d.day < (pg_catalog.now() at time zone o.timezone)::date
union all
-- The marker row: when the view was computed (read by private.mv_coverage).
select pg_catalog.now(), '00000000-0000-0000-0000-000000000000'::uuid, (pg_catalog.now() at time zone 'UTC')::date,
       '(as_of)', '(as_of)', '{}'::text[], 0, 0, 0, 0
with no data;
create unique index index_mv_device_network_on_org_id_day_device_type_network_type
  on private.mv_device_network (org_id, day, device_type, network_type);
revoke all on table private.mv_device_network from public, anon, authenticated;
comment on materialized view private.mv_device_network is
  'Per organization, local day (last 90 complete days at as_of), device type and network type: visitor keys, sessions, events, page load sum and count. Read only through the audience RPCs; refreshed by private.run_refresh (audiencectl refresh).';
