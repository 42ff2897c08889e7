-- Segment exports in two steps, so that contact details never leave without a committed
-- audit row (issue 14, item 3). public.request_segment_export writes the audit row and
-- answers its id; public.fetch_segment_export answers the rows only in a later transaction
-- than the one that wrote the row, i.e. once that row is committed: rolling back the
-- transaction that received the rows cannot erase the audit.
-- requested_xact: the (top-level) transaction that wrote the request; the fetch compares it
-- with its own. expires_at: the fetch window. Both NULL on single-step rows written by
-- public.materialize_segment (no contact details), which cannot be fetched.
-- Nullable columns without defaults: a catalog change only, no table rewrite.
alter table audience.segment_exports add column requested_xact xid8;
alter table audience.segment_exports add column expires_at timestamptz;
comment on column audience.segment_exports.requested_xact is
  'Transaction (pg_current_xact_id) that wrote the request (public.request_segment_export); public.fetch_segment_export refuses to answer inside it. NULL: a single-step export by public.materialize_segment (no contact details).';
comment on column audience.segment_exports.expires_at is
  'End of the window in which public.fetch_segment_export answers the rows of this request (one hour after it); NULL for single-step exports.';
comment on table audience.segment_exports is
  'Audit log of segment exports: who, when, which segment, how many rows, whether contact details were included, and why. Contact details are exported in two steps: public.request_segment_export writes this row, the caller commits, and only then does public.fetch_segment_export answer the rows (a rollback of the fetch cannot erase the audit). Exports without contact details may be single-step (public.materialize_segment, audited in the same transaction). Never updated.';
comment on policy select_service_role on audience.segment_exports is
  'service_role reads the audit log; rows are written only by public.request_segment_export and public.materialize_segment (definers) and never changed.';
