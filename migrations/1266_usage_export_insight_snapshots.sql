-- 1266: a usage export's insights are what they were at its request, like its rows (1264).
-- public.fetch_usage_export_insights read usage.anomalies and usage.recommendations at each
-- fetch: a status changed, an anomaly detected or a recommendation created between the
-- request and the fetch changed what the export answered, so the export mixed two points
-- in time (its rows as of the request, its insights as of the fetch) and two fetches of one
-- export could differ.
-- The request (public.request_usage_export with p_include_insights) now keeps, in its
-- transaction, the anomalies and recommendations the export answers, as they are then;
-- a fetch answers these. Rows of expired requests are deleted by the next request of the
-- organization; an export's rows go with its audit row (ON DELETE CASCADE). They carry no
-- identifier of a person (scopes are "org" or a model; evidence holds counts and sums), as
-- usage.anomalies and usage.recommendations. Internal: no API role reads them. A new, empty
-- table: no lock on a table in use beyond the foreign key's brief one on usage.exports.
create table private.usage_export_insights (
  org_id                   uuid        not null,
  export_id                bigint      not null,
  record                   text        collate "C" not null,
  id                       bigint      not null,
  kind                     text        collate "C" not null,
  scope                    text        collate "C",
  bucket_start             timestamptz,
  severity                 text        collate "C",
  status                   text        collate "C" not null,
  title                    text,
  value                    numeric,
  estimated_monthly_saving numeric,
  evidence                 jsonb       not null,
  constraint pk_usage_export_insights primary key (org_id, export_id, record, id),
  constraint fk_usage_export_insights_export foreign key (org_id, export_id)
    references usage.exports (org_id, id) on delete cascade,
  constraint check_usage_export_insights_record check (record in ('anomaly', 'recommendation'))
);
comment on table private.usage_export_insights is
  'The anomalies and recommendations each usage export requested with insights answers, as they were at the request; public.fetch_usage_export_insights answers these (migration 1266).';

revoke all on table private.usage_export_insights from public;
