-- 0970: a shared source for rollups that read the same rows (the rollup engine, 0100 / 0600).
--
-- The four base daily rollups (visitor_daily_counts, entity_daily_stats,
-- entity_daily_visitors, user_daily_stats) each recompute their touched units from the same
-- read: every event of the touched organization-days with its keyed visitor hash
-- (analytics.touched_day_events). Applied one after another, they read those events four
-- times (at 10M events: 125-215 s each from empty, 1-5 s each after a day).
--
-- A rollup may now name a shared source: a function s(p_org_id uuid, p_after timestamptz,
-- p_upto timestamptz) returning a set, the read its compute function starts from.
-- private.apply_rollup materializes s(null, watermark, bound) once per session, in a
-- temporary table, for the rollups that name it and share that watermark; each of them ends
-- at the same bound, so their watermarks stay together, and while a compute function runs
-- for the apply, the source's reader (e.g. analytics.touched_day_events) returns the
-- materialized rows instead of reading the log again (private.shared_source_memo). Readers
-- (private.<target>_rows, rollup_fresh, rollup_rows) never use it. NULL (every rollup until
-- now) means no shared source. See README "Derived data".
alter table private.rollups add column shared_source text;

comment on column private.rollups.shared_source is
  'A function s(p_org_id uuid, p_after timestamptz, p_upto timestamptz) returning a set that the compute function starts from; apply_rollup reads it once per session for the rollups that name it and share a watermark (migrations/0970). NULL: none.';
