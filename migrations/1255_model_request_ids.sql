-- 1255: a request id is unique per organization, whatever its occurred_at. The issue asks
-- for "request id (idempotency key, unique per org)"; usage.model_requests is partitioned
-- by month on occurred_at, so its unique index (0200) had to hold occurred_at, and a back
-- end that resent a request with a re-stamped occurred_at (a retry after a timeout) stored
-- it twice, counted twice in cost, tokens and requests.
-- usage.model_request_ids holds one row per stored (org_id, request_id): the global unique
-- index a partitioned table cannot have. Statement-level triggers on the partitioned
-- table keep it equal to the stored requests, whoever writes them (the two ingestion
-- paths, seeds, a DBA's INSERT or COPY): after INSERT the new rows' ids are added (a
-- second row with a stored id raises 23505 pk_model_request_ids); after DELETE (erasure,
-- a DBA's cleanup) the deleted rows' ids are removed, so that the request can be logged
-- again; after TRUNCATE of usage.model_requests the table is emptied. The ingestion paths
-- skip ids already stored (counted as duplicates) before inserting. org_id, request_id and
-- occurred_at of a stored request cannot change (22023): re-log it instead. Writes straight
-- into a partition (not through usage.model_requests) bypass the statement triggers, as
-- they bypass the API; nothing in audience-db does that.
-- The ids stored before this migration are added by 1256, in its own transaction, so that
-- the triggers' lock here is held for milliseconds, not for the backfill.
-- SECURITY DEFINER trigger function (any writer keeps the ids; only service_role may read
-- the table, for the bulk load; no API role writes it), search_path pinned. Cost: BENCHMARKS.md.
create table usage.model_request_ids (
  org_id      uuid        not null,
  request_id  text        collate "C" not null,
  occurred_at timestamptz not null,
  constraint pk_model_request_ids primary key (org_id, request_id)
);
comment on table usage.model_request_ids is
  'One row per stored (org_id, request_id) of usage.model_requests, with its occurred_at: the per-organization unique key that a table partitioned by occurred_at cannot hold. Kept by triggers on usage.model_requests (migration 1255); internal: service_role reads it (the bulk load), no API role writes it.';
alter table usage.model_request_ids enable row level security;
create policy select_service_role on usage.model_request_ids for select to service_role using (true);
comment on policy select_service_role on usage.model_request_ids is 'The bulk load (usage.ingest_lines, SECURITY INVOKER) skips the ids stored already.';
revoke all on table usage.model_request_ids from public, anon, authenticated, service_role;
grant select on table usage.model_request_ids to service_role;

create function usage.sync_model_request_ids()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into usage.model_request_ids (org_id, request_id, occurred_at)
    select n.org_id, n.request_id, n.occurred_at from new_requests as n;
  elsif tg_op = 'DELETE' then
    delete from usage.model_request_ids as k
    using old_requests as o
    where k.org_id = o.org_id and k.request_id = o.request_id and k.occurred_at = o.occurred_at;
  elsif tg_op = 'TRUNCATE' then
    truncate usage.model_request_ids;
  elsif (new.org_id, new.request_id, new.occurred_at) is distinct from (old.org_id, old.request_id, old.occurred_at) then
    raise exception 'the org_id, request_id and occurred_at of a stored model request cannot change (request %)', old.request_id
      using errcode = '22023', hint = 'Delete the request and log it again with its new values.';
  else
    return new;                                   -- the row-level BEFORE UPDATE: the update goes ahead
  end if;
  return null;
end;
$$;
revoke execute on function usage.sync_model_request_ids() from public, anon, authenticated, service_role;
comment on function usage.sync_model_request_ids() is
  'Trigger: keeps usage.model_request_ids equal to the stored (org_id, request_id) of usage.model_requests (insert, delete, truncate); refuses (22023) a change of a stored request''s org_id, request_id or occurred_at (migration 1255).';

comment on column usage.model_requests.request_id is
  'The platform''s request id: idempotency key, unique per organization whatever the occurred_at (usage.model_request_ids, migration 1255).';

create trigger model_request_ids_inserted after insert on usage.model_requests
  referencing new table as new_requests
  for each statement execute function usage.sync_model_request_ids();
create trigger model_request_ids_deleted after delete on usage.model_requests
  referencing old table as old_requests
  for each statement execute function usage.sync_model_request_ids();
create trigger model_request_ids_truncated after truncate on usage.model_requests
  for each statement execute function usage.sync_model_request_ids();
create trigger model_request_key_unchanged before update of org_id, request_id, occurred_at on usage.model_requests
  for each row execute function usage.sync_model_request_ids();
comment on trigger model_request_ids_inserted on usage.model_requests is 'Adds the new requests'' ids to usage.model_request_ids (23505 when one is stored already).';
comment on trigger model_request_ids_deleted on usage.model_requests is 'Removes the deleted requests'' ids from usage.model_request_ids.';
comment on trigger model_request_ids_truncated on usage.model_requests is 'Empties usage.model_request_ids.';
comment on trigger model_request_key_unchanged on usage.model_requests is 'Refuses (22023) a change of a stored request''s org_id, request_id or occurred_at.';
