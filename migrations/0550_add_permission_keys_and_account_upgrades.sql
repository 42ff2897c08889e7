-- 0550: the permission keys the spec lists that 0003 does not load, and self-service
-- account upgrades (a user asks to become an artist or a venue, with business details; a
-- platform admin approves or rejects).

-- Permission keys ------------------------------------------------------------------------
-- Nine keys x every account type (admin: all granted). Who gets what:
--   like_events, comment, follow_artists: every account type that reviews (user, artist,
--     venue, venue_manager, promoter, label, media); not ad_account.
--   claim_events (claim a listed show as one's own), view_event_analytics, manage_events:
--     artist, venue, venue_manager, promoter (manage_events: venue, venue_manager, promoter).
--   manage_reviews (answer and flag reviews of one's own shows): artist, venue, venue_manager.
--   manage_ads, view_ad_analytics: promoter, ad_account.
insert into app.account_permissions (account_type, permission_key, granted)
select t.account_type, k.permission_key, t.account_type = 'admin' or t.account_type = any (k.types)
from (select pg_catalog.unnest(pg_catalog.enum_range(null::app.account_type)) as account_type) as t
cross join (values
  ('like_events',          array['user', 'artist', 'venue', 'venue_manager', 'promoter', 'label', 'media']::app.account_type[]),
  ('comment',              array['user', 'artist', 'venue', 'venue_manager', 'promoter', 'label', 'media']::app.account_type[]),
  ('follow_artists',       array['user', 'artist', 'venue', 'venue_manager', 'promoter', 'label', 'media']::app.account_type[]),
  ('claim_events',         array['artist', 'venue', 'venue_manager', 'promoter']::app.account_type[]),
  ('view_event_analytics', array['artist', 'venue', 'venue_manager', 'promoter']::app.account_type[]),
  ('manage_events',        array['venue', 'venue_manager', 'promoter']::app.account_type[]),
  ('manage_reviews',       array['artist', 'venue', 'venue_manager']::app.account_type[]),
  ('manage_ads',           array['promoter', 'ad_account']::app.account_type[]),
  ('view_ad_analytics',    array['promoter', 'ad_account']::app.account_type[])
) as k (permission_key, types)
on conflict (account_type, permission_key) do nothing;

do $$
declare
  v_rows    bigint;
  v_granted bigint;
begin
  select pg_catalog.count(*), pg_catalog.count(*) filter (where granted)
  into v_rows, v_granted
  from app.account_permissions;
  -- 9 account types x 25 keys; granted: 55 (0003) + 3 x 7 + 4 + 4 + 3 + 3 + 2 + 2 + 9 (admin).
  if v_rows <> 225 or v_granted <> 103 then
    raise exception 'account_permissions matrix has % rows, % granted; expected 225 and 103', v_rows, v_granted
      using errcode = '23514', hint = 'A permission key is misspelt or an account type is missing.';
  end if;
end $$;

comment on table app.account_permissions is $$Default permissions of each account type: one row per (account type, permission key), granted or not. Loaded matrix (0003, 0550):
user: view_events, create_reviews, like_events, comment, follow_artists.
artist: user + manage_artist_profile, view_artist_analytics, create_events, claim_events, view_event_analytics, manage_reviews.
venue: user + create_events, manage_venue_profile, view_venue_analytics, claim_events, view_event_analytics, manage_events, manage_reviews.
venue_manager: venue + manage_promotions.
promoter: user + create_events, manage_promotions, create_campaigns, view_campaign_analytics, claim_events, view_event_analytics, manage_events, manage_ads, view_ad_analytics.
ad_account: view_events, manage_promotions, create_campaigns, target_users, view_campaign_analytics, manage_ads, view_ad_analytics (no create_reviews, like_events, comment, follow_artists: advertisers do not take part).
label: user + manage_artist_profile, view_artist_analytics, manage_label_roster, create_campaigns, view_campaign_analytics.
media: user + publish_media.
admin: everything, including the admin-only manage_users, view_all_analytics, moderate_content.$$;

-- Account upgrade requests ---------------------------------------------------------------

create type app.upgrade_status as enum ('pending', 'approved', 'rejected');
comment on type app.upgrade_status is 'State of an account upgrade request: pending until an admin approves or rejects it.';

create table app.account_upgrade_requests (
  id                     uuid               not null default pg_catalog.gen_random_uuid(),
  user_id                uuid               not null,
  requested_account_type app.account_type   not null,
  business_info          jsonb              not null,
  status                 app.upgrade_status not null default 'pending',
  review_note            text,
  reviewed_by            uuid,
  reviewed_at            timestamptz,
  created_at             timestamptz        not null default pg_catalog.now(),
  constraint pk_account_upgrade_requests primary key (id),
  constraint fk_account_upgrade_requests_user_id foreign key (user_id) references app.profiles (user_id) on delete cascade,
  constraint check_account_upgrade_requests_type check (requested_account_type in ('artist', 'venue')),
  constraint check_account_upgrade_requests_business_info check (pg_catalog.jsonb_typeof(business_info) = 'object'),
  constraint check_account_upgrade_requests_reviewed
    check ((status = 'pending') = (reviewed_at is null))
);
-- At most one pending request per user; also the index behind fk_account_upgrade_requests_user_id.
create unique index index_account_upgrade_requests_on_user_id_pending
  on app.account_upgrade_requests (user_id) where status = 'pending';
create index index_account_upgrade_requests_on_user_id on app.account_upgrade_requests (user_id);
create index index_account_upgrade_requests_on_status_created_at
  on app.account_upgrade_requests (status, created_at);
comment on table app.account_upgrade_requests is
  'Self-service upgrades to an artist or venue account: the user''s business details wait here (pending) until a platform admin approves (the profile''s account_type and business_info change, verification_level becomes business) or rejects them. Written only by public.request_account_upgrade and public.review_account_upgrade. Not tenant data (a user''s own request, like app.profiles).';
comment on column app.account_upgrade_requests.business_info is
  'Business details as sent: a JSON object with at least business_name (non-empty text); other keys (website, vat_id, address, contact_email) are kept as given.';
comment on column app.account_upgrade_requests.reviewed_by is 'The admin who approved or rejected it (NULL for service_role or while pending). No foreign key: reviews outlive admin accounts.';

alter table app.account_upgrade_requests enable row level security;

create policy select_own on app.account_upgrade_requests
  for select to authenticated
  using (user_id = (select auth.uid()));
comment on policy select_own on app.account_upgrade_requests is 'A user sees their own upgrade requests.';

create policy select_admins on app.account_upgrade_requests
  for select to authenticated
  using ((select app.current_user_is_admin()));
comment on policy select_admins on app.account_upgrade_requests is 'Platform admins see every request (the review queue).';

create policy all_service_role on app.account_upgrade_requests
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.account_upgrade_requests is
  'service_role reads and writes every request (it also has BYPASSRLS; explicit for clarity).';

revoke all on table app.account_upgrade_requests from public, anon, authenticated;
grant select on table app.account_upgrade_requests to authenticated;
grant all on table app.account_upgrade_requests to service_role;
