-- 0660: analytics.visitor_daily_counts, the visitor-day rollup under the organization-day
-- rollups of migration 0030.
--
-- The daily rollups of 0030 move onto the rollup engine (migration 0100). Their units are
-- the keys the new events touch: a visitor-day (analytics.visitor_daily_counts), an
-- entity-day (analytics.entity_daily_stats), an entity-day-visitor
-- (analytics.entity_daily_visitors), a user-day (analytics.user_daily_stats), each computed
-- from the raw events of just those keys. The rows per organization-day
-- (analytics.org_daily_stats, analytics.profile_daily_stats) and the visitor sets
-- (analytics.org_daily_visitors) are dependent rollups (depends_on) recomputed from this
-- table's rows of the touched days, never from a whole day of raw events.
--
-- One row per organization, local day and visitor key with a non-bot event that day:
-- counts by event type (the columns of analytics.org_daily_stats and of
-- analytics.profile_daily_stats), the distinct session ids, and the first source, country
-- and device of the day (as analytics.org_daily_visitors). Events without any visitor
-- (neither visitor_id nor user_id: do-not-track) are counted in one row per day under the
-- nil visitor key 00000000-0000-0000-0000-000000000000, which no keyed hash produces in
-- practice (a 128-bit HMAC), so that every event of the day is in exactly one row.
-- visitor_key is pseudonymous (keyed hash, see migration 0030): app.erase_user finds it by
-- (org_id, visitor_key). Not readable by API roles.

create table analytics.visitor_daily_counts (
  org_id            uuid    not null,
  day               date    not null,
  visitor_key       uuid    not null,
  events            integer not null,
  page_views        integer not null,
  profile_views     integer not null,
  plays             integer not null,
  likes             integer not null,
  shares            integer not null,
  comments          integer not null,
  downloads         integer not null,
  follows           integer not null,
  impressions       integer not null,
  link_clicks       integer not null,
  ticket_clicks     integer not null,
  purchases         integer not null,
  tips              integer not null,
  subscribes        integer not null,
  searches          integer not null,
  profile_follows   integer not null,
  event_impressions integer not null,
  reviews           integer not null,
  rating_sum        numeric not null,
  rating_count      integer not null,
  sessions          text[]  collate "C" not null,
  source            text    collate "C" not null,
  country           char(2) collate "C",
  device_type       text    collate "C",
  constraint pk_visitor_daily_counts primary key (org_id, day, visitor_key),
  constraint fk_visitor_daily_counts_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table analytics.visitor_daily_counts is
  'Rollup analytics.visitor_daily_counts (engine, migration 0660): per organization, local day and pseudonymous visitor key (nil uuid: the events without any visitor), the non-bot events by type, the distinct session ids and the first source / country / device of the day. analytics.org_daily_stats, org_daily_visitors and profile_daily_stats are recomputed from it. Not readable by API roles.';
comment on column analytics.visitor_daily_counts.visitor_key is
  'Keyed hash of visitor_id, else ''user:<user_id>'' (as analytics.org_daily_visitors); 00000000-0000-0000-0000-000000000000 for the events with neither.';
comment on column analytics.visitor_daily_counts.ticket_clicks is 'ticket_cta events plus link_click events with link_type ''tickets''.';
comment on column analytics.visitor_daily_counts.profile_follows is
  'follow events with no entity or on an artist / venue entity (analytics.profile_daily_stats.new_followers).';
comment on column analytics.visitor_daily_counts.event_impressions is
  'impression and event_view events on tour_date entities (analytics.profile_daily_stats.event_impressions).';
comment on column analytics.visitor_daily_counts.rating_sum is 'Sum of properties.rating (a number from 1 to 5) of review events; rating_count counts them.';
comment on column analytics.visitor_daily_counts.sessions is 'Distinct session ids of the visitor''s events that day, sorted (an organization-day''s sessions: count(distinct) over its rows).';
comment on column analytics.visitor_daily_counts.source is
  'Source of the first event of the day that carried one (utm_source, else referrer_domain); ''(direct)'' if none did.';

alter table analytics.visitor_daily_counts enable row level security;
create policy all_service_role on analytics.visitor_daily_counts
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.visitor_daily_counts is 'Visitor rows are read only through RPCs and by service_role.';
revoke all on table analytics.visitor_daily_counts from public, anon, authenticated;
grant select, insert, update, delete on table analytics.visitor_daily_counts to service_role;
