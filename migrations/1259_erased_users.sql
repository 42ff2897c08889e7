-- 1259: the ids of erased users, so that an erasure stays done. After app.erase_user, a late
-- event or model request of the erased user (a retry queue, a back end that had not heard
-- yet) was stored again, rebuilt the user's customer row and user_daily_stats at the next
-- refresh, and could not be erased any more: erase_user answered P0002 (no auth.users
-- row). app.erased_users keeps the user id (and nothing else about them: a suppression
-- list) with the time of the erasure. Ingestion (log_events, log_model_requests, both
-- `audiencectl ingest` kinds) rejects rows of such a user id ('erased_user: user_id'), and
-- erase_user accepts an erased id again (it removes whatever a writer stored meanwhile).
-- RLS; service_role reads it (its bulk loads are SECURITY INVOKER); only the owner writes.
create table app.erased_users (
  user_id   uuid        not null,
  erased_at timestamptz not null default pg_catalog.now(),
  constraint pk_erased_users primary key (user_id)
);
comment on table app.erased_users is
  'Ids of users erased by app.erase_user (the id and the time only: a suppression list). Ingestion rejects their rows (erased_user: user_id); erase_user may run again for them. Migration 1259.';
alter table app.erased_users enable row level security;
create policy select_service_role on app.erased_users for select to service_role using (true);
comment on policy select_service_role on app.erased_users is 'The bulk loads (SECURITY INVOKER) reject rows of erased users.';
revoke all on table app.erased_users from public, anon, authenticated, service_role;
grant select on table app.erased_users to service_role;
