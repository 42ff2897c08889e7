-- requires: functions/private/cohort_retention_rows.sql
-- Weekly retention cohorts of the 52 weeks ending with the week of as_of (weeks from
-- Monday, local time; as_of: the refresh transaction's now(), kept in one marker row,
-- org_id = the nil uuid, as_of set; NULL in every other row, so that REFRESH ...
-- CONCURRENTLY rewrites only the rows that changed): per organization, cohort week (first
-- non-bot event ever) and week offset, the cohort size and the visitors active again in
-- that week (private.cohort_retention_rows: the visitor-days of the rollup
-- analytics.visitor_daily_counts since the last retention cutoff, the raw events before
-- it and today's, so a refresh reads one row per visitor-day rather than every event).
-- private.run_refresh refreshes it after applying the registered rollups; what they have
-- not applied yet comes from their reader, so the rows are those of the events at as_of.
-- Read only by public.get_audience_cohorts, which uses it when as_of falls in the current
-- local week; no privilege for API roles.
-- Re-created WITH NO DATA whenever this file changes (cheap inside the migrate
-- transaction); the next refresh (REFRESH MATERIALIZED VIEW, then CONCURRENTLY once
-- populated, using the unique index below) fills it. Until then get_audience_cohorts
-- computes with private.cohort_retention_rows (private.mv_coverage finds no coverage).
drop materialized view if exists private.mv_cohort_retention;
create materialized view private.mv_cohort_retention as
select null::timestamptz as as_of, r.org_id, r.cohort_week, r.week_offset, r.cohort_size, r.retained_visitors
from private.cohort_retention_rows(array(select o.id from app.organizations as o), 52) as r
union all
-- The marker row: when the view was computed (read by private.mv_coverage).
select pg_catalog.now(), '00000000-0000-0000-0000-000000000000'::uuid, (pg_catalog.now() at time zone 'UTC')::date, -1, 0::bigint, 0::bigint
with no data;
create unique index index_mv_cohort_retention_on_org_id_cohort_week_week_offset
  on private.mv_cohort_retention (org_id, cohort_week, week_offset);
revoke all on table private.mv_cohort_retention from public, anon, authenticated;
comment on materialized view private.mv_cohort_retention is
  'Per organization, weekly cohort (first visit, last 52 weeks at as_of) and week offset: cohort size and retained visitors, from the rollup analytics.visitor_daily_counts (visitor-days since the last retention cutoff) and the raw events before it and of today. Read only through public.get_audience_cohorts; refreshed by private.run_refresh (audiencectl refresh) after the rollups.';
