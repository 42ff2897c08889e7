-- 0050: incrementally maintained rollups behind the audience dashboard RPCs
-- (public.get_audience_overview, get_audience_acquisition, get_audience_device_network,
-- get_audience_paths), so that a 30-day question reads some thousand pre-aggregated rows
-- instead of every event or every visitor of the period.
--
-- Filled by private.refresh_audience_rollups (`audiencectl refresh`), read by the RPCs
-- through private.audience_* helpers. Schema private: never readable by API roles.
--
-- Distinct counts stay exact without per-visitor scans: every per-visitor row carries the
-- visitor's previous day (in total, with a checkout, on mobile, on desktop, on the device
-- x network combination). The distinct visitors of the local days [f, t) are the rows of
-- those days whose previous day is before f (or none): each visitor has exactly one such
-- row, their first day in the period, so the count is a sum over
-- private.audience_day_counts (rows grouped by day, dimensions and previous day).
--
-- Watermark: private.audience_rollup_watermarks.events_received per organization, an
-- exclusive upper bound on analytics.events.received_at, as in analytics.aggregate_daily:
-- every event received before it is reflected. The RPCs compute the local days of events
-- received since (today, late events; and the day after each, whose first session may
-- continue one of the evening before) from analytics.events and merge them per visitor,
-- so answers never depend on when the refresh last ran. An organization without a
-- watermark is answered entirely from the events.

create table private.audience_rollup_watermarks (
  org_id          uuid        not null,
  events_received timestamptz not null,
  refreshed_at    timestamptz not null default pg_catalog.now(),
  constraint pk_audience_rollup_watermarks primary key (org_id),
  constraint fk_audience_rollup_watermarks_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table private.audience_rollup_watermarks is
  'Per organization: every event received (analytics.events.received_at) before events_received is reflected in the audience rollups (private.audience_*). Written only by private.refresh_audience_rollups; no row: the RPCs read analytics.events only, the next refresh builds the organization in full.';

-- One row per organization, local day and visitor (bots excluded).
create table private.audience_visitor_days (
  org_id            uuid     not null,
  day               date     not null,
  visitor_key       text     collate "C" not null,
  source            text     not null,
  medium            text     not null,
  campaign          text     not null,
  sessions          integer  not null,
  flags             smallint not null,
  prev_day          date,
  prev_checkout_day date,
  prev_mobile_day   date,
  prev_desktop_day  date,
  next_click_day    date,
  constraint pk_audience_visitor_days primary key (org_id, visitor_key, day),
  constraint fk_audience_visitor_days_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_audience_visitor_days_on_org_id_day on private.audience_visitor_days (org_id, day);
comment on table private.audience_visitor_days is
  'Per organization, local day and visitor key (private.visitor_day_channels): first channel of the day, sessions started, flags (1 clicked, 2 ticket CTA, 4 checkout, 8 mobile, 16 desktop), the visitor''s previous day in total / with a checkout / on mobile / on desktop (NULL: none) and the first day from this one on with a click. Maintained by private.refresh_audience_rollups.';

-- One row per organization, local day, visitor and device x network combination.
create table private.audience_visitor_day_combos (
  org_id       uuid not null,
  day          date not null,
  visitor_key  text collate "C" not null,
  device_type  text not null,
  network_type text not null,
  prev_day     date,
  constraint pk_audience_visitor_day_combos primary key (org_id, visitor_key, day, device_type, network_type),
  constraint fk_audience_visitor_day_combos_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_audience_visitor_day_combos_on_org_id_day on private.audience_visitor_day_combos (org_id, day);
comment on table private.audience_visitor_day_combos is
  'Per organization, local day, visitor key and device x network type used that day (''(unknown)'' when absent), with the visitor''s previous day on that combination. Maintained by private.refresh_audience_rollups.';

-- Additive per-day sums by device x network (sessions also give the overview's total).
create table private.audience_device_days (
  org_id       uuid    not null,
  day          date    not null,
  device_type  text    not null,
  network_type text    not null,
  sessions     integer not null,
  events       integer not null,
  page_load_ms bigint  not null,
  page_loads   integer not null,
  constraint pk_audience_device_days primary key (org_id, day, device_type, network_type),
  constraint fk_audience_device_days_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table private.audience_device_days is
  'Per organization, local day and device x network type: sessions started, events, page load sum and count (private.device_day_rows without the visitor keys). Maintained by private.refresh_audience_rollups.';

-- Visitor rows grouped by what the distinct counts need.
--   measure 'all':      every visitor-day, prev_day
--   measure 'checkout': visitor-days with a checkout, prev_checkout_day
--   measure 'mobile' / 'desktop': with that device type, prev_mobile_day / prev_desktop_day
--   measure 'channel':  every visitor-day by its channel (dim1..3 = source, medium,
--                       campaign), prev_day and next_click_day
--   measure 'combo':    audience_visitor_day_combos (dim1, dim2 = device, network), prev_day
create table private.audience_day_counts (
  org_id    uuid    not null,
  day       date    not null,
  measure   text    not null,
  dim1      text    not null default '',
  dim2      text    not null default '',
  dim3      text    not null default '',
  prev_day  date,
  next_day  date,
  visitors  integer not null,
  constraint fk_audience_day_counts_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_audience_day_counts_measure check (measure in ('all', 'checkout', 'mobile', 'desktop', 'channel', 'combo'))
);
create index index_audience_day_counts_on_org_id_measure_day on private.audience_day_counts (org_id, measure, day);
comment on table private.audience_day_counts is
  'Per organization, local day, measure (all, checkout, mobile, desktop, channel, combo), dimensions, previous day and (channel) next click day: how many visitor rows. Distinct visitors of [f, t) = sum where day in [f, t) and prev_day < f or NULL. Derived from private.audience_visitor_days / audience_visitor_day_combos by private.refresh_audience_rollups.';

-- One row per session (a visitor's run of non-bot events without a 30-minute gap).
create table private.audience_sessions (
  org_id        uuid          not null,
  visitor_key   text          collate "C" not null,
  started_at    timestamptz   not null,
  ended_at      timestamptz   not null,
  day           date          not null,
  steps         text[]        not null,
  step_at       timestamptz[] not null,
  step_count    integer       not null,
  purchase_step integer,
  purchased_at  timestamptz,
  constraint pk_audience_sessions primary key (org_id, visitor_key, started_at),
  constraint fk_audience_sessions_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_audience_sessions_on_org_id_started_at_purchased
  on private.audience_sessions (org_id, started_at) where purchased_at is not null;
create index index_audience_sessions_on_org_id_day on private.audience_sessions (org_id, day);
comment on table private.audience_sessions is
  'Per organization and visitor key, each session: first and last event, local day of its start, its first 10 steps (event types, consecutive repeats collapsed) and when each began, the number of steps, the position and time of its first purchase. Maintained by private.refresh_audience_rollups; read by public.get_audience_paths.';

-- How many sessions of a day begin with each step sequence (every prefix of 0 to 9 steps;
-- the empty one counts every session).
create table private.audience_session_prefixes (
  org_id   uuid    not null,
  prefix   text[]  not null,
  day      date    not null,
  sessions integer not null,
  constraint pk_audience_session_prefixes primary key (org_id, prefix, day),
  constraint fk_audience_session_prefixes_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_audience_session_prefixes_on_org_id_day on private.audience_session_prefixes (org_id, day);
comment on table private.audience_session_prefixes is
  'Per organization, step sequence of 0 to 9 steps (the empty one: every session) and local day: sessions started that day whose first steps are that sequence (the denominators of get_audience_paths'' conversion_pct). Derived from private.audience_sessions by private.refresh_audience_rollups.';

revoke all on table private.audience_rollup_watermarks, private.audience_visitor_days, private.audience_visitor_day_combos,
  private.audience_device_days, private.audience_day_counts, private.audience_sessions, private.audience_session_prefixes
  from public, anon, authenticated;
