-- 0553: organizations following other organizations (an artist follows venues, a venue
-- follows promoters...): the "following" count of the dashboard. Written only by
-- public.follow_organization / public.unfollow_organization; an unfollow deletes the row
-- (no history is kept).

create table app.organization_follows (
  org_id          uuid        not null,
  followed_org_id uuid        not null,
  followed_by     uuid,
  created_at      timestamptz not null default pg_catalog.now(),
  constraint pk_organization_follows primary key (org_id, followed_org_id),
  constraint fk_organization_follows_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_organization_follows_followed_org_id foreign key (followed_org_id) references app.organizations (id) on delete cascade,
  constraint check_organization_follows_not_self check (org_id <> followed_org_id)
);
create index index_organization_follows_on_followed_org_id on app.organization_follows (followed_org_id);
comment on table app.organization_follows is
  'Organization org_id follows organization followed_org_id (one row while it does). Read by members of org_id; written by public.follow_organization / unfollow_organization.';
comment on column app.organization_follows.followed_by is 'The member who made the organization follow (NULL for service_role). No foreign key: the row outlives that account.';

alter table app.organization_follows enable row level security;

create policy select_members on app.organization_follows
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on app.organization_follows is 'Members (any role) see whom their organization follows.';

create policy all_service_role on app.organization_follows
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.organization_follows is
  'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

revoke all on table app.organization_follows from public, anon, authenticated;
grant select on table app.organization_follows to authenticated;
grant all on table app.organization_follows to service_role;
