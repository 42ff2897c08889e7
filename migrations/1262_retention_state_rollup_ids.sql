-- 1262: analytics.retention_state.rollup_ids_pseudonymized_before: up to which instant the
-- daily rollups' per-person identifiers (analytics.user_daily_stats.user_id,
-- analytics.user_daily_interactions.user_id, the session ids of
-- analytics.visitor_daily_counts) have been replaced by the keyed hashes that retention
-- writes into the raw events (analytics.pseudonymize_old_rollup_rows, run by
-- analytics.apply_retention). NULL: never, so the next run takes every day before its
-- cutoff once (on a database where retention has run before, the raw identifiers of those
-- days were kept until now). One row; adding a nullable column rewrites nothing.
alter table analytics.retention_state add column rollup_ids_pseudonymized_before timestamptz;
comment on column analytics.retention_state.rollup_ids_pseudonymized_before is
  'The daily rollups'' user ids and session ids of local days wholly before this instant are keyed hashes (analytics.pseudonymize_old_rollup_rows); NULL: not yet.';
