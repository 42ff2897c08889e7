-- 0557: audit of cross-organization reads by platform admins (public.get_admin_overview).
-- Not tenant data: one row per call, written by the RPC itself, read by platform admins.

create table app.admin_access_log (
  id          bigint      not null generated always as identity,
  user_id     uuid        not null,
  function    text        not null,
  arguments   jsonb       not null,
  accessed_at timestamptz not null default pg_catalog.now(),
  constraint pk_admin_access_log primary key (id),
  constraint check_admin_access_log_arguments check (pg_catalog.jsonb_typeof(arguments) = 'object')
);
create index index_admin_access_log_on_user_id_accessed_at on app.admin_access_log (user_id, accessed_at);
comment on table app.admin_access_log is
  'Audit trail of cross-organization analytics read by platform admins (view_all_analytics): who, which RPC, with which arguments, when. Append-only: written by those RPCs (SECURITY DEFINER), never updated; readable by platform admins and service_role.';

alter table app.admin_access_log enable row level security;
create policy select_admins on app.admin_access_log
  for select to authenticated using ((select app.current_user_is_admin()));
comment on policy select_admins on app.admin_access_log is 'Platform admins read the audit trail.';
create policy select_service_role on app.admin_access_log
  for select to service_role using (true);
comment on policy select_service_role on app.admin_access_log is 'service_role reads the audit trail (it writes nothing: the RPCs do).';

revoke all on table app.admin_access_log from public, anon, authenticated, service_role;
grant select on table app.admin_access_log to authenticated, service_role;
