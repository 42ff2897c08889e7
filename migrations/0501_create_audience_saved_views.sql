-- 0501: saved views of the audience dashboards: a user's named filter, date range,
-- attribution and comparison settings, private to them or shared with their organization.
-- Written only through public.save_audience_view / public.delete_audience_view (definer:
-- the owner is always auth.uid()); read through public.list_audience_views or RLS.

create table audience.saved_views (
  org_id            uuid        not null,
  id                uuid        not null default pg_catalog.gen_random_uuid(),
  user_id           uuid        not null,
  name              text        not null,
  filters           jsonb       not null default '{}'::jsonb,
  range_preset      text,
  range_from        date,
  range_to          date,
  attribution_model text        not null default 'first_touch',
  lookback_days     integer     not null default 30,
  comparison        text        not null default 'previous_period',
  shared            boolean     not null default false,
  created_at        timestamptz not null default pg_catalog.now(),
  updated_at        timestamptz not null default pg_catalog.now(),
  constraint pk_saved_views primary key (org_id, id),
  constraint unique_saved_views_org_id_user_id_name unique (org_id, user_id, name),
  constraint fk_saved_views_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_saved_views_user_id foreign key (user_id) references auth.users (id) on delete cascade,
  constraint check_saved_views_name check (pg_catalog.char_length(pg_catalog.btrim(name)) between 1 and 100),
  constraint check_saved_views_filters check (pg_catalog.jsonb_typeof(filters) = 'object'),
  constraint check_saved_views_range check (
    (range_preset is not null and range_from is null and range_to is null
     and range_preset in ('today', 'last_7_days', 'last_30_days', 'last_90_days', 'this_month', 'previous_month'))
    or (range_preset is null and range_from is not null and range_to > range_from and range_to - range_from <= 366)),
  constraint check_saved_views_attribution_model check (attribution_model in ('first_touch', 'last_touch', 'last_non_direct')),
  constraint check_saved_views_lookback_days check (lookback_days between 0 and 365),
  constraint check_saved_views_comparison check (comparison in ('none', 'previous_period', 'previous_year'))
);
create index index_saved_views_on_user_id on audience.saved_views (user_id);
comment on table audience.saved_views is
  'Saved views of the audience dashboards: per organization and user, a name (unique per user), filters (a JSON object the front end applies), a date range (a preset resolved in the organization''s time zone, or fixed local days [range_from, range_to)), an attribution model and lookback (public.get_audience_attribution), a comparison (none, previous_period, previous_year) and whether it is shared with the organization''s members. Written through public.save_audience_view / delete_audience_view.';
comment on column audience.saved_views.user_id is 'The owner (auth.uid() of whoever saved it); only they change or delete it.';
comment on column audience.saved_views.shared is 'true: every member of the organization sees it (read-only for them); false: only the owner.';

alter table audience.saved_views enable row level security;
create policy select_owner_or_shared on audience.saved_views
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()) and (user_id = (select auth.uid()) or shared));
comment on policy select_owner_or_shared on audience.saved_views is
  'Members read their own views and the views shared in their organizations; writes go through the definer RPCs.';
create policy all_service_role on audience.saved_views
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.saved_views is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';
revoke all on table audience.saved_views from public, anon, authenticated;
grant select on table audience.saved_views to authenticated;
grant select, insert, update, delete on table audience.saved_views to service_role;
