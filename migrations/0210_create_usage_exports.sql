-- Audit log of usage exports (issue 12 "Export", issue 14 item 3): who exported which
-- organization's model requests, for which local days and at which grain. Written by
-- public.request_usage_export (step 1, committed by the caller); the rows are answered
-- only by public.fetch_usage_export_requests / _days in a LATER transaction (step 2), so a
-- rollback can never erase the audit of rows that left the database. Never updated.
create table usage.exports (
  id             bigint      not null generated always as identity,
  org_id         uuid        not null,
  exported_by    uuid,
  requested_at   timestamptz not null default pg_catalog.now(),
  from_date      date        not null,
  to_date        date        not null,
  grain          text        collate "C" not null,
  row_count      bigint      not null,
  requested_xact xid8        not null,
  expires_at     timestamptz not null,
  constraint pk_exports primary key (org_id, id),
  constraint fk_exports_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_exports_grain check (grain in ('request', 'day')),
  constraint check_exports_period check (to_date > from_date),
  constraint check_exports_row_count check (row_count >= 0)
);
comment on table usage.exports is
  'Audit log of usage exports (audiencectl export usage): who, when, which organization, local days [from_date, to_date), grain, rows at request time. Written by public.request_usage_export; the caller commits it before public.fetch_usage_export_requests / public.fetch_usage_export_days answer any row. Never updated.';
comment on column usage.exports.exported_by is 'auth.uid() of the caller; NULL for service_role / DBA sessions. No foreign key: the audit outlives accounts.';
comment on column usage.exports.grain is 'request (one row per model request) or day (one row per local day of the organization).';
comment on column usage.exports.row_count is 'Rows the export answered when it was requested (requests, or days of the period).';
comment on column usage.exports.requested_xact is 'Transaction (pg_current_xact_id) that wrote the request; the fetch functions refuse to answer inside it.';
comment on column usage.exports.expires_at is 'End of the window in which the fetch functions answer this request (one hour after it).';

alter table usage.exports enable row level security;
create policy select_admins on usage.exports for select to authenticated
  using (org_id in (select app.current_user_org_ids('admin')));
comment on policy select_admins on usage.exports is 'Admins and owners read their organizations'' usage export audit log.';
create policy select_service_role on usage.exports for select to service_role using (true);
comment on policy select_service_role on usage.exports is
  'service_role reads the audit log; rows are written only by public.request_usage_export (definer) and never changed.';
revoke all on table usage.exports from public, anon, authenticated, service_role;
grant select on table usage.exports to authenticated, service_role;
