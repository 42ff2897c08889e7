-- 0040: a per-organization store of insights.event_aggregates for the organization's
-- default insight period (the last 30 local days against the 30 before), filled by
-- insights.refresh_aggregates from analytics.aggregate_daily (so `audiencectl refresh`
-- keeps it current) and read by insights.event_aggregates instead of scanning ~330k raw
-- events of the largest scale organization (~1.8 s -> a few ms per snapshot / detection).
--
-- Exactness: a stored result is used only when it provably equals a fresh computation:
-- the same bucket boundaries (all nine timestamps, as computed in the caller's session),
-- the same releases in the period (a fingerprint of their ids and publication times), the
-- same retention run, the organization's aggregation watermark still at or after
-- complete_before, and no event of the organization with occurred_at in the read range
-- received at or after complete_before (a late event). Otherwise the raw events are read
-- (insights.event_aggregates_raw), so results never depend on refresh having run. Raw
-- events are append-only except for analytics.apply_retention (checked); anything else
-- that deletes or rewrites events must call analytics.reset_aggregation, which also
-- invalidates these rows (no watermark).

create table private.insight_aggregates (
  org_id            uuid        not null,
  comparison_start  timestamptz not null,
  comparison_mid    timestamptz not null,
  period_start      timestamptz not null,
  period_mid        timestamptz not null,
  period_end        timestamptz not null,
  timezone          text        not null,
  window_start      timestamptz not null,
  window_before_mid timestamptz not null,
  window_mid        timestamptz not null,
  window_after_mid  timestamptz not null,
  releases          text        not null,
  retention_run_at  timestamptz,
  complete_before   timestamptz not null,
  computed_at       timestamptz not null default pg_catalog.now(),
  duration_ms       integer     not null,
  constraint pk_insight_aggregates primary key (org_id),
  constraint fk_insight_aggregates_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table private.insight_aggregates is
  'One row per organization: the bucket boundaries and validity of the stored insights.event_aggregates result (private.insight_aggregate_rows) of its default insight period. Written by insights.refresh_aggregates (from analytics.aggregate_daily); read by insights.event_aggregates. Never readable by API roles.';
comment on column private.insight_aggregates.releases is
  'md5 of the ids and publication epochs of the releases (app.content_items kind release) published in the period when computed; a change invalidates the row.';
comment on column private.insight_aggregates.retention_run_at is
  'analytics.retention_state.last_run_at when computed; a later retention run (which may rewrite or drop events) invalidates the row.';
comment on column private.insight_aggregates.complete_before is
  'Every event received before it is reflected; valid while no event with occurred_at in [comparison_start, period_end) was received at or after it and the aggregation watermark is not earlier.';

create table private.insight_aggregate_rows (
  org_id          uuid   not null,
  dim             text   not null,
  key1            text,
  key2            text,
  release_id      uuid,
  weekday         integer,
  hour            integer,
  events_1        bigint, events_2 bigint, events_3 bigint, events_4 bigint,
  clicks_1        bigint, clicks_2 bigint, clicks_3 bigint, clicks_4 bigint,
  visitors_1      bigint, visitors_2 bigint, visitors_3 bigint, visitors_4 bigint,
  visitors_now    bigint, visitors_before bigint,
  engaged_1       bigint, engaged_2 bigint, engaged_3 bigint, engaged_4 bigint,
  engaged_now     bigint, engaged_before bigint,
  high_now        bigint, high_before bigint, medium_now bigint, medium_before bigint, located_now bigint,
  recent_1        bigint, recent_2 bigint, recent_3 bigint, recent_4 bigint,
  constraint fk_insight_aggregate_rows_org_id foreign key (org_id)
    references private.insight_aggregates (org_id) on delete cascade
);
create index index_insight_aggregate_rows_on_org_id on private.insight_aggregate_rows (org_id);
comment on table private.insight_aggregate_rows is
  'The rows of insights.event_aggregates for the period described by private.insight_aggregates (same organization). Never readable by API roles.';

revoke all on table private.insight_aggregates, private.insight_aggregate_rows from public, anon, authenticated, service_role;
