-- 1264: a usage export answers exactly what its audit row counted, as segment exports do
-- since 1263. The request (public.request_usage_export) counted the model requests of the
-- period then, but each fetch (public.fetch_usage_export_requests / _days) read
-- usage.model_requests again: a late request of the period logged between the two made an
-- audit row of 1 request export 2 (and changed the numbers of a day export).
-- The request now keeps, in the statement that writes its audit row:
--   grain request: private.usage_export_requests, the keys (request_id, occurred_at) of the
--     requests it counted, with their user_id; a fetch answers these requests only, as they
--     are at the fetch (one erased or deleted since is left out: never more than audited);
--   grain day: private.usage_export_days, the day rows as they were (every local day of the
--     period; counts and sums only, no identifier); a fetch answers them as stored.
-- Rows of expired requests are deleted by the next request of the organization; the rows of
-- an export go with its audit row (foreign key, ON DELETE CASCADE: an organization's
-- deletion). Erasure finds private.usage_export_requests by user_id (app.user_data_tables);
-- the day rows are aggregates without identifier and keep their numbers, like
-- usage.org_days. Internal: no API role reads them. New, empty tables: no lock on a table
-- in use beyond the foreign key's brief one on usage.exports.
create table private.usage_export_requests (
  org_id      uuid        not null,
  export_id   bigint      not null,
  request_id  text        collate "C" not null,
  occurred_at timestamptz not null,
  user_id     uuid,
  constraint pk_usage_export_requests primary key (org_id, export_id, request_id),
  constraint fk_usage_export_requests_export foreign key (org_id, export_id)
    references usage.exports (org_id, id) on delete cascade
);
comment on table private.usage_export_requests is
  'The model requests (keys, with their user_id) each usage export request at grain request counted, written with its audit row; public.fetch_usage_export_requests answers only these (migration 1264).';

create table private.usage_export_days (
  org_id              uuid    not null,
  export_id           bigint  not null,
  day                 date    not null,
  requests            bigint  not null,
  errors              bigint  not null,
  cost                numeric not null,
  unpriced            bigint  not null,
  input_tokens        bigint  not null,
  output_tokens       bigint  not null,
  cached_input_tokens bigint  not null,
  cache_write_tokens  bigint  not null,
  active_users        bigint  not null,
  constraint pk_usage_export_days primary key (org_id, export_id, day),
  constraint fk_usage_export_days_export foreign key (org_id, export_id)
    references usage.exports (org_id, id) on delete cascade
);
comment on table private.usage_export_days is
  'The day rows of each usage export request at grain day as they were at the request (no identifier), written with its audit row; public.fetch_usage_export_days answers these (migration 1264).';

revoke all on table private.usage_export_requests, private.usage_export_days from public;
