-- 0005: tenant-owned source data that dashboards and insights read next to the events.
--
-- Where each table lives:
-- * app: the organization's own catalog, what it publishes: content items (releases,
--   mashups, events, links, products), tour dates, social links.
-- * audience: facts about the organization's audience, people: orders and tips, and
--   notification subscribers (whose contact is personal data).
-- Common rules: every table carries org_id (foreign key to app.organizations, ON DELETE
-- CASCADE) and its primary key is (org_id, id), so that it is keyed and can be
-- distributed by org_id (Citus-ready, see ARCHITECTURE.md) and the key's index serves
-- the foreign key. RLS: members (any role) read their organizations' rows; service_role
-- reads and writes everything; API users write nothing directly (writes come from
-- service_role back ends and later RPCs). anon gets nothing.
-- visitor_id columns use the "C" collation like analytics.events.visitor_id, so that
-- the two can be compared (joins across different collations are an error).

-- Content items -----------------------------------------------------------------------

create table app.content_items (
  id           uuid        not null default pg_catalog.gen_random_uuid(),
  org_id       uuid        not null,
  kind         text        not null,
  title        text        not null,
  external_ref text,
  published_at timestamptz,
  popularity   integer,
  metadata     jsonb       not null default '{}'::jsonb,
  created_at   timestamptz not null default pg_catalog.now(),
  constraint pk_content_items primary key (org_id, id),
  constraint fk_content_items_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint unique_content_items_org_id_kind_external_ref unique (org_id, kind, external_ref),
  constraint check_content_items_kind check (kind in ('release', 'mashup', 'event', 'link', 'product')),
  constraint check_content_items_title check (pg_catalog.btrim(title) <> '' and pg_catalog.char_length(title) <= 300),
  constraint check_content_items_popularity check (popularity between 0 and 100),
  constraint check_content_items_metadata check (pg_catalog.jsonb_typeof(metadata) = 'object')
);
create index index_content_items_on_org_id_kind_published_at
  on app.content_items (org_id, kind, published_at desc);
comment on table app.content_items is
  'What an organization publishes: releases, mashups, events, links and products. analytics.events.entity_id refers to these ids.';
comment on column app.content_items.kind is 'release, mashup, event, link or product.';
comment on column app.content_items.external_ref is
  'Identifier in the source system (e.g. spotify:album:..., a ticketing id, a URL); unique per organization and kind, for idempotent syncs.';
comment on column app.content_items.popularity is 'Popularity score 0-100 as reported by the source (e.g. Spotify popularity).';
comment on column app.content_items.metadata is 'Free-form attributes from the source (JSON object).';

-- Tour dates ---------------------------------------------------------------------------

create table app.tour_dates (
  id            uuid             not null default pg_catalog.gen_random_uuid(),
  org_id        uuid             not null,
  city          text             not null,
  country       char(2)          collate "C" not null,
  latitude      double precision,
  longitude     double precision,
  starts_at     timestamptz      not null,
  venue_name    text,
  ticket_status text             not null default 'on_sale',
  created_at    timestamptz      not null default pg_catalog.now(),
  constraint pk_tour_dates primary key (org_id, id),
  constraint fk_tour_dates_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_tour_dates_city check (pg_catalog.btrim(city) <> ''),
  constraint check_tour_dates_country check (country ~ '^[A-Z][A-Z]$'),
  constraint check_tour_dates_coordinates
    check ((latitude is null) = (longitude is null)
           and latitude between -90 and 90 and longitude between -180 and 180),
  constraint check_tour_dates_ticket_status
    check (ticket_status in ('announced', 'on_sale', 'low_tickets', 'sold_out', 'cancelled', 'postponed'))
);
create index index_tour_dates_on_org_id_starts_at on app.tour_dates (org_id, starts_at);
comment on table app.tour_dates is
  'Shows of an artist or organizer (and shows at a venue): where, when, ticket status. Compared with where the audience is.';
comment on column app.tour_dates.country is 'ISO 3166-1 alpha-2, upper case.';
comment on column app.tour_dates.starts_at is 'Doors or show time (timestamptz; shown in the organization''s time zone).';
comment on column app.tour_dates.ticket_status is 'announced, on_sale, low_tickets, sold_out, cancelled or postponed.';

-- Social links -------------------------------------------------------------------------

create table app.social_links (
  id         uuid        not null default pg_catalog.gen_random_uuid(),
  org_id     uuid        not null,
  platform   text        collate "C" not null,
  url        text        not null,
  is_active  boolean     not null default true,
  created_at timestamptz not null default pg_catalog.now(),
  constraint pk_social_links primary key (org_id, id),
  constraint fk_social_links_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint unique_social_links_org_id_platform_url unique (org_id, platform, url),
  constraint check_social_links_platform check (platform ~ '^[a-z0-9_]+$' and pg_catalog.char_length(platform) <= 32),
  constraint check_social_links_url check (url ~* '^https?://' and pg_catalog.char_length(url) <= 2048)
);
comment on table app.social_links is
  'The organization''s profiles and links on other platforms (spotify, apple_music, instagram, tiktok, youtube, ...).';
comment on column app.social_links.platform is
  'Lower-case platform key, the same vocabulary as analytics.events.platform (spotify, apple_music, instagram, ...).';
comment on column app.social_links.is_active is 'False for links kept for history but no longer shown.';

-- Orders and tips ----------------------------------------------------------------------

create schema audience;
comment on schema audience is
  'The organization''s audience: orders and tips, subscribers, customers, segments, export audit log. Exposed through RLS; personal data only through audited RPCs.';
grant usage on schema audience to authenticated, service_role;

create table audience.orders (
  id              uuid        not null default pg_catalog.gen_random_uuid(),
  org_id          uuid        not null,
  kind            text        not null,
  visitor_id      text        collate "C",
  user_id         uuid,
  content_item_id uuid,
  amount_cents    bigint      not null,
  currency        char(3)     collate "C" not null,
  city            text,
  country         char(2)     collate "C",
  occurred_at     timestamptz not null,
  refunded_at     timestamptz,
  external_ref    text,
  created_at      timestamptz not null default pg_catalog.now(),
  constraint pk_orders primary key (org_id, id),
  constraint fk_orders_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_orders_content_item_id foreign key (org_id, content_item_id)
    references app.content_items (org_id, id) on delete set null (content_item_id),
  constraint unique_orders_org_id_external_ref unique (org_id, external_ref),
  constraint check_orders_kind check (kind in ('purchase', 'tip', 'subscription')),
  constraint check_orders_amount_cents check (amount_cents > 0),
  constraint check_orders_currency check (currency ~ '^[A-Z][A-Z][A-Z]$'),
  constraint check_orders_country check (country ~ '^[A-Z][A-Z]$'),
  constraint check_orders_refunded_at check (refunded_at >= occurred_at)
);
create index index_orders_on_org_id_occurred_at on audience.orders (org_id, occurred_at);
create index index_orders_on_org_id_visitor_id on audience.orders (org_id, visitor_id);
create index index_orders_on_org_id_content_item_id on audience.orders (org_id, content_item_id);
comment on table audience.orders is
  'Money from the audience: purchases, tips and subscription payments, one row per payment; a refund sets refunded_at (the amount then counts as zero).';
comment on column audience.orders.kind is 'purchase, tip or subscription (one row per subscription payment).';
comment on column audience.orders.visitor_id is 'The buyer''s visitor id, as in analytics.events (lifetime value per visitor).';
comment on column audience.orders.content_item_id is 'What was bought (product, release, event ticket), when known.';
comment on column audience.orders.amount_cents is 'Amount in minor units of currency, positive.';
comment on column audience.orders.refunded_at is 'When the payment was refunded in full; NULL when it was not.';
comment on column audience.orders.external_ref is 'Payment provider id; unique per organization, for idempotent syncs.';

-- Subscribers --------------------------------------------------------------------------

create table audience.subscribers (
  id              uuid        not null default pg_catalog.gen_random_uuid(),
  org_id          uuid        not null,
  channel         text        not null,
  contact         text        not null,
  visitor_id      text        collate "C",
  city            text,
  country_code    char(2)     collate "C",
  subscribed_at   timestamptz not null default pg_catalog.now(),
  unsubscribed_at timestamptz,
  created_at      timestamptz not null default pg_catalog.now(),
  constraint pk_subscribers primary key (org_id, id),
  constraint fk_subscribers_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint unique_subscribers_org_id_channel_contact unique (org_id, channel, contact),
  constraint check_subscribers_channel check (channel in ('email', 'sms', 'push')),
  constraint check_subscribers_contact check (pg_catalog.btrim(contact) <> '' and pg_catalog.char_length(contact) <= 320),
  constraint check_subscribers_country_code check (country_code ~ '^[A-Z][A-Z]$'),
  constraint check_subscribers_unsubscribed_at check (unsubscribed_at >= subscribed_at)
);
create index index_subscribers_on_org_id_subscribed_at on audience.subscribers (org_id, subscribed_at);
comment on table audience.subscribers is
  'Notification subscriptions (email, sms, push) of the audience. contact is personal data: API users cannot select it (column privileges) and no view exposes it.';
comment on column audience.subscribers.channel is 'email, sms or push.';
comment on column audience.subscribers.contact is
  'PII: e-mail address, phone number or push token. Not readable by authenticated (column privileges); only service_role and audited export RPCs read it. Keep it out of every view.';
comment on column audience.subscribers.unsubscribed_at is 'When the subscription ended; NULL while active.';

-- Row-level security -------------------------------------------------------------------

alter table app.content_items enable row level security;
create policy select_members on app.content_items
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on app.content_items is 'Members (any role) read their organizations'' content items.';
create policy all_service_role on app.content_items
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.content_items is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table app.tour_dates enable row level security;
create policy select_members on app.tour_dates
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on app.tour_dates is 'Members (any role) read their organizations'' tour dates.';
create policy all_service_role on app.tour_dates
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.tour_dates is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table app.social_links enable row level security;
create policy select_members on app.social_links
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on app.social_links is 'Members (any role) read their organizations'' social links.';
create policy all_service_role on app.social_links
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on app.social_links is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table audience.orders enable row level security;
create policy select_members on audience.orders
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on audience.orders is 'Members (any role) read their organizations'' orders and tips.';
create policy all_service_role on audience.orders
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.orders is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table audience.subscribers enable row level security;
create policy select_members on audience.subscribers
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on audience.subscribers is
  'Members (any role) read their organizations'' subscribers, without contact (column privileges).';
create policy all_service_role on audience.subscribers
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.subscribers is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

-- Grants -------------------------------------------------------------------------------

revoke all on table app.content_items, app.tour_dates, app.social_links, audience.orders, audience.subscribers
  from public, anon;
grant select on table app.content_items, app.tour_dates, app.social_links, audience.orders to authenticated;
-- Every column but contact.
grant select (id, org_id, channel, visitor_id, city, country_code, subscribed_at, unsubscribed_at, created_at)
  on table audience.subscribers to authenticated;
grant select, insert, update, delete
  on table app.content_items, app.tour_dates, app.social_links, audience.orders, audience.subscribers
  to service_role;
