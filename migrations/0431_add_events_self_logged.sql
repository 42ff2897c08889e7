-- Idempotency keys scoped by writer (issue 14, item 4). Until now the key was
-- (org_id, client_event_id, occurred_at) for every writer, so any signed-in user (members
-- need not be: fans log events about themselves) could log an event with a guessed key
-- and time, and the organization's own purchase with that key was then dropped as a
-- duplicate. The key becomes (org_id, writer, client_event_id, occurred_at), the writer
-- being the signed-in user for events a user logged about themselves through
-- public.log_events (user_id is then forced to auth.uid()) and "trusted" for every other
-- path (service_role, ingest, seeds). self_logged records which: the index of 0432 keys on
-- (case when self_logged then coalesce(user_id, nil uuid) end).
-- A NOT NULL column with a constant default: PostgreSQL 11+ stores the default in the
-- catalog, no table rewrite (a brief ACCESS EXCLUSIVE lock, under the migrator's
-- lock_timeout with retries).
alter table analytics.events add column self_logged boolean not null default false;
comment on column analytics.events.self_logged is
  'True when a signed-in user logged the event about themselves through public.log_events (user_id = that user = the writer); false for trusted writers (service_role, ingest, seeds). Part of the idempotency key: one writer never collides with another''s client_event_id.';
comment on column analytics.events.client_event_id is
  'Client-generated idempotency key (up to 128 characters). An event resent by the same writer with the same org_id, client_event_id and occurred_at is stored once; writers are the signed-in user (self_logged) or the trusted back end (service_role, ingest, seeds), and never collide with each other.';
