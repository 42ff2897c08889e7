-- requires: functions/private/derived_tables.sql
-- Deletes the derived rows of deleted organizations: a statement trigger AFTER DELETE on
-- app.organizations (the deleted rows as the transition table deleted_organizations). The
-- derived tables carry no foreign key to app.organizations (migration 1110: a per-row check
-- on every row a refresh writes); this is their ON DELETE CASCADE. Tables:
-- private.derived_tables() (every registered rollup's target and the audience rollups).
-- Against a refresh in progress: takes the advisory lock keyed
-- hashtext('private.delete_organization_rollups') exclusively; private.apply_rollup and
-- private.refresh_audience_rollups take it in share mode for their transaction. So the
-- deletion waits for a refresh step that may be writing the organization's rows, and a step
-- that starts later waits for the deletion to commit; it derives rows only from raw rows
-- received since its watermark, which ingestion accepts for existing organizations only (a
-- rebuild from empty is the exception migration 1110 describes).
-- Raw rows (analytics.events, usage.model_requests) stay, as before 1110: nobody can read
-- them once the organization is gone.
-- SECURITY DEFINER (the owner deletes from the private tables; the trigger runs for
-- whoever may delete an organization), search_path pinned. Not callable directly (a trigger
-- function); no errors of its own.
create or replace function private.delete_organization_rollups()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_target regclass;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('private.delete_organization_rollups'), 0);
  for v_target in select d from private.derived_tables() as d loop
    execute pg_catalog.format('delete from %s as t where t.org_id in (select d.id from deleted_organizations as d)', v_target);
  end loop;
  return null;
end;
$$;
revoke execute on function private.delete_organization_rollups() from public, anon, authenticated;
comment on function private.delete_organization_rollups() is
  'Trigger (AFTER DELETE, per statement, on app.organizations): deletes the deleted organizations'' rows from every registered rollup target and the audience rollups (no foreign keys there since migration 1110), after any refresh step in progress (advisory lock shared by private.apply_rollup and private.refresh_audience_rollups).';

create or replace trigger delete_organization_rollups
  after delete on app.organizations
  referencing old table as deleted_organizations
  for each statement execute function private.delete_organization_rollups();
comment on trigger delete_organization_rollups on app.organizations is
  'Deletes the derived rows of the deleted organizations (private.delete_organization_rollups).';
