-- 1110: the derived tables (the registered rollups' targets and the audience rollups of
-- private.refresh_audience_rollups) lose their foreign key to app.organizations. Every row
-- a refresh writes paid a per-row RI check (a key-share lock of its organization's row):
-- 3.9 of 9.0 s of the 772,676 touch rows' from-empty upsert at 1M events, 15-20 % of
-- refresh_audience_rollups from empty (200k events: 15.0 / 16.2 s -> 12.2 / 13.8 s). As for
-- analytics.events and usage.model_requests (0004, 0200), the writers keep the rows
-- consistent: they derive them from raw rows, which ingestion accepts for existing
-- organizations only, and deleting an organization deletes its derived rows through the
-- statement trigger of functions/private/delete_organization_rollups.sql, which waits for
-- a refresh step in progress (advisory lock) instead of the cascade. The raw events of a
-- deleted organization stay (0004); a rebuild from empty that derives rows from them (the
-- customers rollup does not join app.organizations) leaves rows no member can read, like
-- those events, where the foreign key failed the whole step before.
-- Dropping a constraint takes a brief ACCESS EXCLUSIVE lock on each table and SHARE ROW
-- EXCLUSIVE on app.organizations; no rows are read or written. (squawk's ban-drop-constraint:
-- the guarantee these constraints gave is the trigger's now, checked by the contract
-- organization_delete_rollups.)
-- squawk-ignore ban-drop-constraint
alter table private.audience_visitor_days drop constraint fk_audience_visitor_days_org_id;
-- squawk-ignore ban-drop-constraint
alter table private.audience_visitor_day_combos drop constraint fk_audience_visitor_day_combos_org_id;
-- squawk-ignore ban-drop-constraint
alter table private.audience_device_days drop constraint fk_audience_device_days_org_id;
-- squawk-ignore ban-drop-constraint
alter table private.audience_day_counts drop constraint fk_audience_day_counts_org_id;
-- squawk-ignore ban-drop-constraint
alter table private.audience_sessions drop constraint fk_audience_sessions_org_id;
-- squawk-ignore ban-drop-constraint
alter table private.audience_session_prefixes drop constraint fk_audience_session_prefixes_org_id;
-- squawk-ignore ban-drop-constraint
alter table private.audience_touch_days drop constraint fk_audience_touch_days_org_id;
-- squawk-ignore ban-drop-constraint
alter table private.audience_attribution_days drop constraint fk_audience_attribution_days_org_id;
-- squawk-ignore ban-drop-constraint
alter table audience.customers drop constraint fk_customers_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.org_daily_stats drop constraint fk_org_daily_stats_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.org_daily_visitors drop constraint fk_org_daily_visitors_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.org_daily_breakdowns drop constraint fk_org_daily_breakdowns_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.org_daily_recency drop constraint fk_org_daily_recency_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.entity_daily_stats drop constraint fk_entity_daily_stats_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.entity_daily_visitors drop constraint fk_entity_daily_visitors_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.entity_daily_interactions drop constraint fk_entity_daily_interactions_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.entity_daily_funnel drop constraint fk_entity_daily_funnel_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.entity_daily_recency drop constraint fk_entity_daily_recency_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.user_daily_stats drop constraint fk_user_daily_stats_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.user_daily_interactions drop constraint fk_user_daily_interactions_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.profile_daily_stats drop constraint fk_profile_daily_stats_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.search_daily_stats drop constraint fk_search_daily_stats_org_id;
-- squawk-ignore ban-drop-constraint
alter table analytics.visitor_daily_counts drop constraint fk_visitor_daily_counts_org_id;
