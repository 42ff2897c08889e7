-- 1265: the audit trail of platform admins' cross-organization reads outlives their accounts,
-- as the export audits do (audience.segment_exports.exported_by, usage.exports.exported_by):
-- app.erase_user deleted an erased admin's rows of app.admin_access_log (its user_id was
-- taken for data about the admin), so erasing an admin erased the record of what they read.
-- user_id may now be NULL: erasure sets it to NULL and keeps the row (what was read, with
-- which arguments, when); app.user_data_tables lists it as a reference, not as the row's
-- owner. Dropping NOT NULL changes the catalog only (no scan, a brief lock). A reader of the
-- trail (platform admins, service_role) now meets NULL for an erased admin, as it does in
-- the export audits: the point of the change, hence the squawk-ignore.
-- squawk-ignore ban-drop-not-null
alter table app.admin_access_log alter column user_id drop not null;
comment on column app.admin_access_log.user_id is
  'auth.uid() of the platform admin who called the RPC; set to NULL when that user is erased (app.erase_user keeps the row). No foreign key: the audit outlives accounts.';
comment on table app.admin_access_log is
  'Audit trail of cross-organization analytics read by platform admins (view_all_analytics): who, which RPC, with which arguments, when. Append-only: written by those RPCs (SECURITY DEFINER), never updated, except that erasing the admin sets user_id to NULL and keeps the row (migration 1265); readable by platform admins and service_role.';
