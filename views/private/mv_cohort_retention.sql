-- requires: functions/private/cohort_retention_rows.sql
-- Weekly retention cohorts of the 52 weeks ending with the week of as_of (weeks from
-- Monday, local time; as_of: the refresh transaction's now(), in one marker row as in
-- private.mv_audience_by_channel): per organization, cohort week (first non-bot event ever) and week
-- offset, the cohort size and the visitors active again in that week
-- (private.cohort_retention_rows). Read only by public.get_audience_cohorts, which uses it
-- when as_of falls in the current local week; no privilege for API roles.
-- Re-created WITH NO DATA whenever this file changes; see mv_audience_by_channel.
drop materialized view if exists private.mv_cohort_retention;
create materialized view private.mv_cohort_retention as
select null::timestamptz as as_of, r.org_id, r.cohort_week, r.week_offset, r.cohort_size, r.retained_visitors
from private.cohort_retention_rows(array(select o.id from app.organizations as o), pg_catalog.now(), 52) as r
union all
-- The marker row: when the view was computed (read by private.mv_coverage).
select pg_catalog.now(), '00000000-0000-0000-0000-000000000000'::uuid, (pg_catalog.now() at time zone 'UTC')::date, -1, 0::bigint, 0::bigint
with no data;
create unique index index_mv_cohort_retention_on_org_id_cohort_week_week_offset
  on private.mv_cohort_retention (org_id, cohort_week, week_offset);
revoke all on table private.mv_cohort_retention from public, anon, authenticated;
comment on materialized view private.mv_cohort_retention is
  'Per organization, weekly cohort (first visit, last 52 weeks at as_of) and week offset: cohort size and retained visitors. Read only through public.get_audience_cohorts; refreshed by private.run_refresh (audiencectl refresh).';
