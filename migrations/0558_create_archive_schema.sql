-- 0558: retention archive. With analytics.retention_state.archive_partitions on,
-- analytics.apply_retention moves each monthly partition of analytics.events that it would
-- drop into schema archive instead (its identifiers pseudonymized first, as for every raw
-- event kept past the retention period), where it stays until a DBA exports or drops it.
-- Schema archive is not exposed: no API role has any privilege in it.

create schema if not exists archive;
comment on schema archive is
  'Archived raw-event partitions (archive.events_pYYYY_MM), moved here by analytics.apply_retention instead of being dropped when analytics.retention_state.archive_partitions is on; identifiers pseudonymized. Owner / DBA only; app.erase_user and app.export_user_data cover it.';
revoke all on schema archive from public;

alter table analytics.retention_state
  add column archive_partitions boolean not null default false;
comment on column analytics.retention_state.archive_partitions is
  'false (default): partitions past the retention period are dropped. true: they are pseudonymized and moved to schema archive (ALTER TABLE ... SET SCHEMA, no copy). Set by a DBA: update analytics.retention_state set archive_partitions = true.';
