-- requires: functions/private/channel_day_rows.sql
-- Daily acquisition by channel for the last 90 complete local days: one row per
-- organization, local day and source / medium / campaign (the channel of each visitor's
-- first event that day), with the keys of those visitors and what each did that day
-- (flags: clicked, ticket CTA, checkout, mobile, desktop) as parallel arrays, sessions,
-- events and page views (private.channel_day_rows). Arrays rather than daily counts, so that distinct visitors
-- over any range are exact (counted over the union of the days' keys, never summed).
-- Days: [local date of as_of - 90, local date of as_of), where as_of is the refresh
-- transaction's now(), kept in one marker row (org_id = the nil uuid, as_of set; NULL in
-- every other row, so that REFRESH ... CONCURRENTLY rewrites only the rows that changed).
-- Read only by public.get_audience_overview / get_audience_acquisition (through
-- private.channel_days); no privilege for API roles.
-- Re-created WITH NO DATA whenever this file changes (cheap inside the migrate
-- transaction); the next refresh (private.run_refresh: REFRESH MATERIALIZED VIEW, then
-- CONCURRENTLY once populated, using the unique index below) fills it. Until then the
-- RPCs compute from analytics.events (private.mv_coverage finds no coverage).
drop materialized view if exists private.mv_audience_by_channel;
create materialized view private.mv_audience_by_channel as
select null::timestamptz as as_of, d.org_id, d.day, d.source, d.medium, d.campaign,
       d.visitors, d.flags, d.sessions, d.events, d.page_views
from private.channel_day_rows(
  array(select o.id from app.organizations as o),
  (pg_catalog.now() at time zone 'UTC')::date - 91,
  (pg_catalog.now() at time zone 'UTC')::date + 2) as d
join app.organizations as o on o.id = d.org_id
where d.day >= (pg_catalog.now() at time zone o.timezone)::date - 90
  and d.day < (pg_catalog.now() at time zone o.timezone)::date
union all
-- The marker row: when the view was computed (read by private.mv_coverage).
select pg_catalog.now(), '00000000-0000-0000-0000-000000000000'::uuid, (pg_catalog.now() at time zone 'UTC')::date,
       '(as_of)', '(as_of)', '(as_of)', '{}'::text[], '{}'::smallint[], 0, 0, 0
with no data;
create unique index index_mv_audience_by_channel_on_org_id_day_channel
  on private.mv_audience_by_channel (org_id, day, source, medium, campaign);
revoke all on table private.mv_audience_by_channel from public, anon, authenticated;
comment on materialized view private.mv_audience_by_channel is
  'Per organization, local day (last 90 complete days at as_of) and first-touch channel of the day: visitor keys and flags (1 clicked, 2 ticket CTA, 4 checkout, 8 mobile, 16 desktop), sessions, events, page views. Read only through the audience RPCs; refreshed by private.run_refresh (audiencectl refresh).';
