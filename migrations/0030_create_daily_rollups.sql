-- 0030: daily rollups of analytics.events, the aggregation watermark, the retention state
-- and the pseudonymization key. Filled by analytics.aggregate_daily (functions/analytics/),
-- read by the dashboard RPCs (public.get_dashboard, get_entity_analytics).
--
-- Days are local days in the organization's time zone (app.organizations.timezone); the
-- day D of an organization covers [D 00:00, D+1 00:00) local time. Bots (is_bot) are
-- excluded from every rollup.
--
-- Distinct visitors. postgresql-hll is not installed on every server, so the rollups do
-- not use it: distinct visitors are kept EXACTLY, as one row per (organization, day,
-- visitor) in analytics.org_daily_visitors and per (organization, entity, day, visitor)
-- in analytics.entity_daily_visitors. A count of distinct visitors over several days is
-- count(distinct visitor_key) over the union of the days' rows, never a sum of daily
-- counts. The per-day `visitors` columns of the stats tables are that day's count only.
--
-- Visitor keys are pseudonymous: visitor_key = the first 16 bytes of
-- HMAC-SHA256(key, '<org_id>:<visitor key text>') as a uuid, where the visitor key text
-- is events.visitor_id, else 'user:<user_id>' (as audience.visitor_key), and the key is
-- private.pseudonymization_key (readable by the owner only). The org id in the message
-- keeps the keys of one person unlinkable across organizations. Events anonymized by
-- analytics.apply_retention carry visitor_id 'anon:<that uuid>', which maps to the same
-- key, so distinct counts are unchanged by anonymization.
--
-- Watermark: analytics.aggregation_watermarks.events_received per organization is an
-- exclusive upper bound on received_at: every event received before it is reflected in
-- the rollups. An incremental run recomputes only the local days of the events received
-- since (a late event recomputes its own day, whatever its age).

-- Event types the rollups read that 0004 does not list. Idempotent.
insert into analytics.event_types (event_type, category, client_loggable, description) values
  ('play_progress',   'engagement', true,
   'Playback progress of a play: properties.position_s (seconds played, number), optional properties.duration_s (number) and properties.completed (true at the end). Sent periodically and at the end of a play.'),
  ('review',          'engagement', true,
   'A review of an artist, venue or show was posted: properties.rating (number 1-5).'),
  ('interested',      'engagement', true,
   'The visitor marked a show (entity_type tour_date) or an item as interesting ("interested" / "going").'),
  ('content_created', 'engagement', false,
   'A signed-in user (user_id) created a content item (entity_id); logged by the back end. Attributes plays received to the creator (analytics.user_daily_stats).')
on conflict (event_type) do nothing;

-- Indexes on analytics.events the aggregation needs ------------------------------------
-- received_at: BRIN (rows arrive in received_at order); finds the events received since
-- the watermark without scanning history. 0010 creates the same index for
-- audience.update_customers; IF NOT EXISTS keeps one.
create index if not exists index_events_on_received_at_brin on analytics.events using brin (received_at);
-- Creator of each content item (content_created events): partial, so it costs nothing
-- for any other event type.
create index index_events_on_org_id_entity_id_content_created
  on analytics.events (org_id, entity_id)
  where event_type = 'content_created';

-- One keyed event: a non-bot event of an organization with its local day and hour and
-- its pseudonymous visitor key. analytics.keyed_event_array() builds the events of a range
-- once; every analytics.compute_* function reads that array, so a recomputation scans
-- and hashes the raw events once instead of once per rollup table.
create type analytics.keyed_event as (
  id          bigint,
  occurred_at timestamptz,
  received_at timestamptz,
  day         date,
  local_hour  integer,
  event_type  text,
  entity_type text,
  entity_id   uuid,
  visitor_key uuid,
  user_id     uuid,
  session_id  text,
  link_type   text,
  source      text,
  country     char(2),
  device_type text,
  position_s  numeric,
  duration_s  numeric,
  completed   boolean,
  rating      numeric
);
comment on type analytics.keyed_event is
  'A non-bot event with its local day, local hour and pseudonymous visitor key, and the few properties the rollups read, already checked and typed (analytics.keyed_events); the input of the analytics.compute_* rollup functions.';

-- Pseudonymization key -----------------------------------------------------------------
-- One row. Precomputed HMAC pads (64-byte key XOR 0x36 / 0x5c), so that HMAC-SHA256(m) =
-- sha256(outer_pad || sha256(inner_pad || m)) needs no XOR per call. The 32-byte secret
-- comes from two gen_random_uuid() (the server's strong random source; no pgcrypto).

-- Schema private also comes from 0009/0010 (issue 4); created here if absent.
create schema if not exists private;
revoke all on schema private from public;

create table private.pseudonymization_key (
  id         smallint    not null default 1,
  inner_pad  bytea       not null,
  outer_pad  bytea       not null,
  created_at timestamptz not null default pg_catalog.now(),
  constraint pk_pseudonymization_key primary key (id),
  constraint check_pseudonymization_key_id check (id = 1),
  constraint check_pseudonymization_key_pads
    check (pg_catalog.length(inner_pad) = 64 and pg_catalog.length(outer_pad) = 64)
);
comment on table private.pseudonymization_key is
  'The secret of the keyed hash (HMAC-SHA256) that turns visitor and user ids into pseudonymous keys (rollup visitor sets, anonymized events). One row; readable by the owner only (no grant to any API role, not even service_role). Losing or changing it breaks the continuity of distinct-visitor counts and of erasure of anonymized events.';

do $$
declare
  v_key   bytea := pg_catalog.decode(pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '')
                                     || pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''), 'hex')
                   || pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex');
  v_inner bytea := v_key;
  v_outer bytea := v_key;
  i       int;
begin
  for i in 0 .. 63 loop
    v_inner := pg_catalog.set_byte(v_inner, i, pg_catalog.get_byte(v_key, i) # 54);   -- 0x36
    v_outer := pg_catalog.set_byte(v_outer, i, pg_catalog.get_byte(v_key, i) # 92);   -- 0x5c
  end loop;
  insert into private.pseudonymization_key (id, inner_pad, outer_pad) values (1, v_inner, v_outer);
end $$;

alter table private.pseudonymization_key enable row level security;
revoke all on table private.pseudonymization_key from public, anon, authenticated, service_role;

-- Watermarks ---------------------------------------------------------------------------

create table analytics.aggregation_watermarks (
  org_id          uuid        not null,
  events_received timestamptz not null,
  aggregated_at   timestamptz not null default pg_catalog.now(),
  constraint pk_aggregation_watermarks primary key (org_id),
  constraint fk_aggregation_watermarks_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table analytics.aggregation_watermarks is
  'Per organization: every event received (analytics.events.received_at) before events_received is reflected in the daily rollups. Written only by analytics.aggregate_daily; an organization without a row is aggregated in full on the next run (analytics.reset_aggregation deletes rows to force that).';
comment on column analytics.aggregation_watermarks.events_received is
  'Exclusive upper bound of the received_at values aggregated; never later than the start of the oldest transaction still running when the run began, so that no event committed later is skipped.';
comment on column analytics.aggregation_watermarks.aggregated_at is 'When the last incremental run for the organization finished.';

-- Organization daily stats ---------------------------------------------------------------

create table analytics.org_daily_stats (
  org_id        uuid   not null,
  day           date   not null,
  events        bigint not null default 0,
  page_views    bigint not null default 0,
  profile_views bigint not null default 0,
  plays         bigint not null default 0,
  likes         bigint not null default 0,
  shares        bigint not null default 0,
  comments      bigint not null default 0,
  downloads     bigint not null default 0,
  follows       bigint not null default 0,
  impressions   bigint not null default 0,
  link_clicks   bigint not null default 0,
  ticket_clicks bigint not null default 0,
  purchases     bigint not null default 0,
  tips          bigint not null default 0,
  subscribes    bigint not null default 0,
  searches      bigint not null default 0,
  visitors      bigint not null default 0,
  sessions      bigint not null default 0,
  constraint pk_org_daily_stats primary key (org_id, day),
  constraint fk_org_daily_stats_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table analytics.org_daily_stats is
  'One row per organization and local day with at least one non-bot event: counts of events by type. Additive over days except visitors and sessions (that day only; distinct visitors over several days come from analytics.org_daily_visitors). Maintained by analytics.aggregate_daily.';
comment on column analytics.org_daily_stats.follows is 'follow events (no unfollow event type exists, so each follow is a new follower).';
comment on column analytics.org_daily_stats.ticket_clicks is 'ticket_cta events plus link_click events with link_type ''tickets''.';
comment on column analytics.org_daily_stats.visitors is 'Distinct visitor keys of that day (not additive across days).';
comment on column analytics.org_daily_stats.sessions is 'Distinct session ids of that day.';

create table analytics.org_daily_visitors (
  org_id      uuid    not null,
  day         date    not null,
  visitor_key uuid    not null,
  source      text    collate "C" not null,
  country     char(2) collate "C",
  device_type text    collate "C",
  events      integer not null,
  constraint pk_org_daily_visitors primary key (org_id, day, visitor_key),
  constraint fk_org_daily_visitors_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table analytics.org_daily_visitors is
  'Exact distinct-visitor sets: one row per organization, local day and visitor with a non-bot event that day. visitor_key is pseudonymous (keyed hash, see migration 0030). Distinct visitors over a range = count(distinct visitor_key) over its days. Not readable by API roles; read through RPCs.';
comment on column analytics.org_daily_visitors.source is
  'Source of the visitor''s first event of the day that carried one (utm_source, else referrer_domain); ''(direct)'' if none did.';
comment on column analytics.org_daily_visitors.country is 'Country of the visitor''s first event of the day that reported one.';
comment on column analytics.org_daily_visitors.device_type is 'Device type of the visitor''s first event of the day that reported one.';

-- Entity daily stats ---------------------------------------------------------------------

create table analytics.entity_daily_stats (
  org_id           uuid      not null,
  entity_type      text      collate "C" not null,
  entity_id        uuid      not null,
  day              date      not null,
  events           bigint    not null default 0,
  plays            bigint    not null default 0,
  unique_plays     bigint    not null default 0,
  likes            bigint    not null default 0,
  shares           bigint    not null default 0,
  comments         bigint    not null default 0,
  downloads        bigint    not null default 0,
  impressions      bigint    not null default 0,
  clicks           bigint    not null default 0,
  ticket_clicks    bigint    not null default 0,
  interested       bigint    not null default 0,
  visitors         bigint    not null default 0,
  listens          bigint    not null default 0,
  completions      bigint    not null default 0,
  reached_30s      bigint    not null default 0,
  reached_60s      bigint    not null default 0,
  reached_120s     bigint    not null default 0,
  watch_seconds    numeric   not null default 0,
  activity_by_hour integer[] not null,
  average_watch_seconds numeric generated always as
    (case when listens > 0 then pg_catalog.round(watch_seconds / listens, 1) end) stored,
  constraint pk_entity_daily_stats primary key (org_id, entity_id, entity_type, day),
  constraint fk_entity_daily_stats_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_entity_daily_stats_activity_by_hour check (pg_catalog.cardinality(activity_by_hour) = 24)
);
-- The key leads with entity_id (ids are uuids; the type rarely differs) so that one
-- entity's history is a prefix scan; dashboards scan a period of all entities by day.
create index index_entity_daily_stats_on_org_id_day on analytics.entity_daily_stats (org_id, day);
comment on table analytics.entity_daily_stats is
  'One row per organization, entity (events.entity_type / entity_id; ''unknown'' when the type is missing) and local day with at least one non-bot event about it. Generalises the plan''s mashup_daily_stats and analytics_event_daily. Additive over days except unique_plays and visitors (distinct over several days: analytics.entity_daily_visitors). Maintained by analytics.aggregate_daily.';
comment on column analytics.entity_daily_stats.unique_plays is 'Distinct visitors who played the entity that day.';
comment on column analytics.entity_daily_stats.clicks is 'link_click events on the entity.';
comment on column analytics.entity_daily_stats.ticket_clicks is 'ticket_cta events plus link_click events with link_type ''tickets''.';
comment on column analytics.entity_daily_stats.interested is 'interested events.';
comment on column analytics.entity_daily_stats.listens is
  'Listens: distinct (visitor, session) pairs with at least one play_progress event on the entity that day (a listen without session id: one per visitor and day).';
comment on column analytics.entity_daily_stats.watch_seconds is 'Sum over listens of the listen''s highest position_s (seconds played).';
comment on column analytics.entity_daily_stats.completions is 'Listens that completed: properties.completed = true, or position_s >= duration_s.';
comment on column analytics.entity_daily_stats.reached_30s is 'Listens whose highest position_s is at least 30 (likewise reached_60s, reached_120s): drop-off points.';
comment on column analytics.entity_daily_stats.activity_by_hour is
  'Non-bot events on the entity per local hour of the day, 24 entries (index 1 = 00:00-00:59). Summed element-wise for peak hours.';
comment on column analytics.entity_daily_stats.average_watch_seconds is 'watch_seconds / listens, one decimal; NULL without listens.';

create table analytics.entity_daily_visitors (
  org_id      uuid not null,
  entity_type text collate "C" not null,
  entity_id   uuid not null,
  day         date not null,
  visitor_key uuid not null,
  played      boolean not null,
  constraint pk_entity_daily_visitors primary key (org_id, entity_id, entity_type, day, visitor_key),
  constraint fk_entity_daily_visitors_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_entity_daily_visitors_on_org_id_day on analytics.entity_daily_visitors (org_id, day);
comment on table analytics.entity_daily_visitors is
  'Exact distinct-visitor sets per entity: one row per organization, entity, local day and visitor with a non-bot event about the entity that day (played: one of them was a play). Distinct visitors over a range = count(distinct visitor_key). Not readable by API roles.';

-- User daily stats -----------------------------------------------------------------------

create table analytics.user_daily_stats (
  org_id               uuid    not null,
  user_id              uuid    not null,
  day                  date    not null,
  items_created        bigint  not null default 0,
  plays                bigint  not null default 0,
  plays_received       bigint  not null default 0,
  followers_gained     bigint  not null default 0,
  events_viewed        bigint  not null default 0,
  events_clicked       bigint  not null default 0,
  events_interested    bigint  not null default 0,
  ticket_links_clicked bigint  not null default 0,
  reviews              bigint  not null default 0,
  searches             bigint  not null default 0,
  sessions             bigint  not null default 0,
  time_spent_seconds   numeric not null default 0,
  constraint pk_user_daily_stats primary key (org_id, user_id, day),
  constraint fk_user_daily_stats_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_user_daily_stats_on_user_id on analytics.user_daily_stats (user_id);
comment on table analytics.user_daily_stats is
  'One row per organization, signed-in user and local day with activity by or about the user (the plan''s analytics_user_daily). Done by the user (events.user_id): plays, events_viewed (event_view), events_clicked (link_click on a tour_date), events_interested (interested), ticket_links_clicked, reviews, searches, sessions, time_spent_seconds, items_created (content_created). Received: plays_received (plays by others on items the user created), followers_gained (follow events on entity_type ''user'' = the user). No foreign key to auth.users: app.erase_user removes the rows.';
comment on column analytics.user_daily_stats.time_spent_seconds is
  'Sum over the user''s sessions of the day of (last event - first event) within the day; events without session id count nothing.';

-- Artist / venue daily stats -------------------------------------------------------------

create table analytics.profile_daily_stats (
  org_id            uuid         not null,
  day               date         not null,
  profile_kind      app.org_kind not null,
  profile_views     bigint       not null default 0,
  new_followers     bigint       not null default 0,
  total_followers   bigint       not null default 0,
  event_impressions bigint       not null default 0,
  reviews_received  bigint       not null default 0,
  rating_sum        numeric      not null default 0,
  rating_count      bigint       not null default 0,
  average_rating    numeric      generated always as
    (case when rating_count > 0 then pg_catalog.round(rating_sum / rating_count, 2) end) stored,
  constraint pk_profile_daily_stats primary key (org_id, day),
  constraint fk_profile_daily_stats_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_profile_daily_stats_profile_kind check (profile_kind in ('artist', 'venue'))
);
comment on table analytics.profile_daily_stats is
  'Artist and venue stats: one row per local day with activity, only for organizations of kind artist or venue (the organization is the artist or venue). profile_views (profile_view), new_followers (follow events on the profile: no entity, or entity_type artist/venue), total_followers (all new_followers up to and including the day), event_impressions (impression and event_view on tour_date entities), reviews_received (review), ratings (properties.rating 1-5).';
comment on column analytics.profile_daily_stats.total_followers is
  'Running total of new_followers through this day; recomputed for every later day whenever a day is recomputed.';

-- Retention state -------------------------------------------------------------------------

create table analytics.retention_state (
  id               smallint    not null default 1,
  raw_events_from  timestamptz,
  last_run_at      timestamptz,
  last_cutoff      timestamptz,
  constraint pk_retention_state primary key (id),
  constraint check_retention_state_id check (id = 1)
);
insert into analytics.retention_state (id) values (1);
comment on table analytics.retention_state is
  'One row, written by analytics.apply_retention. raw_events_from: raw events before it were dropped (whole partitions); analytics.aggregate_daily never recomputes a local day that starts before it, so rollups of dropped days stay as they were.';

-- Row-level security ------------------------------------------------------------------------

alter table analytics.aggregation_watermarks enable row level security;
create policy all_service_role on analytics.aggregation_watermarks
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.aggregation_watermarks is 'Only service_role (and the aggregation) reads or writes watermarks.';

alter table analytics.org_daily_stats enable row level security;
create policy select_members on analytics.org_daily_stats
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on analytics.org_daily_stats is 'Members (any role) read their organizations'' daily stats.';
create policy all_service_role on analytics.org_daily_stats
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.org_daily_stats is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table analytics.org_daily_visitors enable row level security;
create policy all_service_role on analytics.org_daily_visitors
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.org_daily_visitors is 'Visitor sets are read only through RPCs and by service_role.';

alter table analytics.entity_daily_stats enable row level security;
create policy select_members on analytics.entity_daily_stats
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on analytics.entity_daily_stats is 'Members (any role) read their organizations'' entity stats.';
create policy all_service_role on analytics.entity_daily_stats
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.entity_daily_stats is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table analytics.entity_daily_visitors enable row level security;
create policy all_service_role on analytics.entity_daily_visitors
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.entity_daily_visitors is 'Visitor sets are read only through RPCs and by service_role.';

alter table analytics.user_daily_stats enable row level security;
create policy select_own on analytics.user_daily_stats
  for select to authenticated
  using (user_id = (select auth.uid()));
comment on policy select_own on analytics.user_daily_stats is 'A user reads their own daily stats, in every organization.';
create policy select_analysts on analytics.user_daily_stats
  for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on analytics.user_daily_stats is 'Analysts, admins and owners read the per-user stats of their organizations.';
create policy all_service_role on analytics.user_daily_stats
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.user_daily_stats is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table analytics.profile_daily_stats enable row level security;
create policy select_members on analytics.profile_daily_stats
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on analytics.profile_daily_stats is 'Members (any role) read their organization''s artist / venue stats.';
create policy all_service_role on analytics.profile_daily_stats
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.profile_daily_stats is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table analytics.retention_state enable row level security;
create policy all_service_role on analytics.retention_state
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.retention_state is 'Only service_role (and analytics.apply_retention) reads or writes the retention state.';

-- Grants ----------------------------------------------------------------------------------

revoke all on table analytics.aggregation_watermarks, analytics.org_daily_stats, analytics.org_daily_visitors,
  analytics.entity_daily_stats, analytics.entity_daily_visitors, analytics.user_daily_stats,
  analytics.profile_daily_stats, analytics.retention_state
  from public, anon, authenticated;
grant select on table analytics.org_daily_stats, analytics.entity_daily_stats, analytics.user_daily_stats,
  analytics.profile_daily_stats to authenticated;
grant select, insert, update, delete on table analytics.aggregation_watermarks, analytics.org_daily_stats,
  analytics.org_daily_visitors, analytics.entity_daily_stats, analytics.entity_daily_visitors,
  analytics.user_daily_stats, analytics.profile_daily_stats, analytics.retention_state
  to service_role;
