-- 0661: the daily rollups of migration 0030 are maintained by the rollup engine
-- (migration 0100; compute functions in functions/analytics/compute_*.sql, registered
-- there; analytics.visitor_daily_counts of 0660 under the organization-day rows) and read
-- through private.rollup_rows. Their former maintenance path goes: analytics.aggregate_daily
-- (and its plan-name wrappers aggregate_daily_analytics / aggregate_mashup_stats), its
-- per-organization watermark table analytics.aggregation_watermarks and
-- analytics.reset_aggregation, the whole-day recomputation analytics.recompute_days, the
-- keyed-event arrays it shared with the dashboard RPCs (analytics.keyed_event_array,
-- analytics.keyed_events, type analytics.keyed_event), the array compute functions and the
-- readers' hand-written merges of rollups and raw days (analytics.*_between,
-- analytics.raw_from_day). A full rebuild is private.reset_rollup + private.apply_rollup.
--
-- The engine's first apply of the rollups of 0030 recomputes every unit from the raw
-- events (the same statement as every later run); the rows 0030's path stored stay until
-- then and are replaced key by key (apply writes only rows that changed).

drop function if exists analytics.aggregate_daily_analytics(date);
drop function if exists analytics.aggregate_mashup_stats(date);
drop function if exists analytics.aggregate_daily(uuid, date);
drop function if exists analytics.reset_aggregation(uuid);
drop function if exists analytics.recompute_days(uuid, date, date);
drop function if exists analytics.org_stats_between(uuid, date, date, date, analytics.keyed_event[]);
drop function if exists analytics.org_visitors_between(uuid, date, date, date, analytics.keyed_event[]);
drop function if exists analytics.entity_stats_between(uuid, date, date, date, analytics.keyed_event[], uuid);
drop function if exists analytics.entity_visitors_between(uuid, date, date, date, analytics.keyed_event[], uuid);
drop function if exists analytics.compute_org_daily_stats(uuid, analytics.keyed_event[]);
drop function if exists analytics.compute_org_daily_visitors(uuid, analytics.keyed_event[]);
drop function if exists analytics.compute_entity_daily_stats(uuid, analytics.keyed_event[]);
drop function if exists analytics.compute_entity_daily_visitors(uuid, analytics.keyed_event[]);
drop function if exists analytics.compute_user_daily_stats(uuid, analytics.keyed_event[]);
drop function if exists analytics.compute_profile_daily_stats(uuid, date, analytics.keyed_event[]);
drop function if exists analytics.keyed_event_array(uuid, date, date);
drop function if exists analytics.keyed_events(uuid, date, date);
drop function if exists analytics.raw_from_day(uuid);
-- The row type of the dropped keyed-event arrays; no column, function or client uses it.
-- squawk-ignore ban-drop-type
drop type if exists analytics.keyed_event;
drop table if exists analytics.aggregation_watermarks;
