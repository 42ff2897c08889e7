-- 1040: the audience materialized views from the rollups instead of the raw events.
-- * private.mv_audience_by_channel and mv_device_network were recomputed from 90 days of
--   raw events at every refresh (88 s and 57 s at 10M events, BENCHMARKS.md) and read by
--   nothing since the audience RPCs moved to the audience rollups (private.audience_*,
--   migrations/0050): their readers private.channel_days / device_days and the
--   definitions behind them, private.channel_day_rows / device_day_rows, go with them.
--   Their repeatable files are gone.
-- * private.mv_cohort_retention, read by public.get_audience_cohorts, stays: its
--   repeatable file recreates it from the new private.cohort_retention_rows(uuid[],
--   integer) (the rollup analytics.visitor_daily_counts since the last retention cutoff,
--   raw events before it and of today). The old definition over every raw event,
--   cohort_retention_rows(uuid[], timestamptz, integer), is dropped here, with the view
--   that depends on it; until the next refresh fills the new view, get_audience_cohorts
--   computes its answers (private.mv_coverage finds no coverage), the same numbers.
-- IF EXISTS: on a new database the repeatable files run after the migrations, so none of
-- these exist yet.
drop materialized view if exists private.mv_audience_by_channel;
drop materialized view if exists private.mv_device_network;
drop materialized view if exists private.mv_cohort_retention;
drop function if exists private.channel_days(uuid, date, date);
drop function if exists private.device_days(uuid, date, date);
drop function if exists private.channel_day_rows(uuid[], date, date);
drop function if exists private.device_day_rows(uuid[], date, date);
drop function if exists private.cohort_retention_rows(uuid[], timestamptz, integer);
