-- 0010: audience intelligence. Customers (one row per visitor, maintained incrementally by
-- audience.update_customers), do-not-track opt-outs, segments and their export audit log;
-- indexes on analytics.events and audience.subscribers that the incremental customer update
-- and the exports need. The refresh log and the refresh procedure are 0009's
-- (private.refresh_log, private.run_refresh); the materialized views are in views/private/.
--
-- Identity (used by every audience RPC): a visitor is its visitor_id; an event or order
-- that carries no visitor_id but a user_id is keyed 'user:<user_id>'
-- (audience.visitor_key()); rows with neither are not attributed to anybody.
-- Opt-out: a table, not a flag on customers, because an opt-out must exist before (and
-- survive the rebuild of) a customer row, and must hold for visitors who have none.
-- The schema audience itself is created by 0005 (orders, subscribers).

-- Types --------------------------------------------------------------------------------

create type audience.lifecycle_stage as enum ('prospect', 'customer', 'repeat_buyer', 'champion', 'at_risk', 'churned');
comment on type audience.lifecycle_stage is
  'Lifecycle of a customer, first matching rule wins: churned (no activity for 180+ days), at_risk (60+ days), champion (4+ orders or engagement_score >= 80), repeat_buyer (2-3 orders), customer (1 order), prospect (no order).';

create type audience.intent_level as enum ('low', 'medium', 'high');
comment on type audience.intent_level is 'Purchase intent from the propensity score: low 0-3, medium 4-6, high 7-10.';

-- Customers ----------------------------------------------------------------------------

create table audience.customers (
  org_id            uuid                     not null,
  visitor_id        text                     collate "C" not null,
  user_id           uuid,
  first_seen_at     timestamptz              not null,
  last_seen_at      timestamptz              not null,
  first_source      text                     collate "C" not null,
  first_medium      text                     collate "C" not null,
  first_campaign    text                     collate "C" not null,
  last_source       text                     collate "C" not null,
  last_medium       text                     collate "C" not null,
  last_campaign     text                     collate "C" not null,
  device_type       text                     collate "C",
  country           char(2)                  collate "C",
  city              text,
  events_count      bigint                   not null default 0,
  sessions_count    bigint                   not null default 0,
  orders_count      integer                  not null default 0,
  revenue_cents     bigint                   not null default 0,
  aov_cents         bigint,
  first_order_at    timestamptz,
  last_order_at     timestamptz,
  engagement_score  smallint                 not null default 0,
  propensity_score  smallint                 not null default 0,
  intent_level      audience.intent_level    not null default 'low',
  lifecycle_stage   audience.lifecycle_stage not null default 'prospect',
  review_at         timestamptz,
  refreshed_at      timestamptz              not null default pg_catalog.now(),
  constraint pk_customers primary key (org_id, visitor_id),
  constraint fk_customers_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_customers_seen check (last_seen_at >= first_seen_at),
  constraint check_customers_counts check (events_count >= 0 and sessions_count >= 0 and orders_count >= 0 and revenue_cents >= 0),
  constraint check_customers_engagement_score check (engagement_score between 0 and 100),
  constraint check_customers_propensity_score check (propensity_score between 0 and 10)
);
create index index_customers_on_org_id_last_seen_at on audience.customers (org_id, last_seen_at);
create index index_customers_on_org_id_propensity_score on audience.customers (org_id, propensity_score);
create index index_customers_on_org_id_review_at on audience.customers (org_id, review_at) where review_at is not null;
create index index_customers_on_org_id_user_id on audience.customers (org_id, user_id) where user_id is not null;
create index index_customers_on_org_id_visitor_id_buyers on audience.customers (org_id, visitor_id) where orders_count > 0;
comment on table audience.customers is
  'One row per visitor of an organization (key: audience.visitor_key), built from analytics.events (bots excluded) and audience.orders by audience.update_customers (incremental). Visitors who opted out (audience.opt_outs) have no row. Segments filter it.';
comment on column audience.customers.visitor_id is 'Visitor key: analytics.events.visitor_id, or ''user:<user_id>'' for activity that carries only a user id.';
comment on column audience.customers.user_id is 'Signed-in user last seen with this visitor id (NULL when never signed in).';
comment on column audience.customers.first_seen_at is 'First non-bot event or order.';
comment on column audience.customers.last_seen_at is 'Last non-bot event or order: the activity that at_risk / churned are measured from.';
comment on column audience.customers.first_source is
  'First touch: source of the first event (utm_source, else referrer domain, else ''(direct)''); medium and campaign alike (''referral'' / ''(none)'').';
comment on column audience.customers.last_source is 'Last touch: source of the most recent event that carried utm_source or a referrer; ''(direct)'' if none did.';
comment on column audience.customers.device_type is 'Device type of the most recent event that reported one.';
comment on column audience.customers.sessions_count is 'Sessions: runs of events with gaps under 30 minutes.';
comment on column audience.customers.orders_count is 'Orders: rows of audience.orders (purchases, tips, subscription payments) not refunded.';
comment on column audience.customers.revenue_cents is 'Lifetime value: sum of amount_cents of the orders not refunded (a refunded order counts zero).';
comment on column audience.customers.aov_cents is 'Average order value: revenue_cents / orders_count, rounded; NULL without orders.';
comment on column audience.customers.engagement_score is
  'Lifetime engagement 0-100: least(100, 5 x sessions + 2 x engaged events (play, like, share, comment, follow, subscribe, download)).';
comment on column audience.customers.propensity_score is
  'Propensity 0-10 as of refreshed_at (audience.propensity_scores: +3 ticket CTA, +4 checkout started, +1 repeat visitor, -2 slow network, +3 past purchaser, clamped). public.calculate_propensity_score computes it live.';
comment on column audience.customers.review_at is
  'When the row goes stale without new activity (a scoring signal leaves its 30-day window, or 60/180 days of inactivity); update_customers re-evaluates rows whose review_at has passed.';
comment on column audience.customers.refreshed_at is 'When update_customers last recomputed the row.';

-- Opt-outs -----------------------------------------------------------------------------

create table audience.opt_outs (
  org_id       uuid        not null,
  visitor_id   text        collate "C" not null,
  opted_out_at timestamptz not null default pg_catalog.now(),
  source       text        not null default 'api',
  constraint pk_opt_outs primary key (org_id, visitor_id),
  constraint fk_opt_outs_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_opt_outs_source check (source in ('api', 'do_not_track', 'user_request', 'support'))
);
comment on table audience.opt_outs is
  'Do-not-track: visitors (visitor key as in audience.customers) who opted out of profiling. They never appear in a segment, an export or a lead list, and update_customers deletes and no longer builds their customer row. Aggregate dashboards still count their anonymous events. Written by service_role back ends.';
comment on column audience.opt_outs.source is 'How the opt-out arrived: api, do_not_track (browser signal), user_request or support.';

-- Segments -----------------------------------------------------------------------------

create table audience.segments (
  id                uuid        not null default pg_catalog.gen_random_uuid(),
  org_id            uuid        not null,
  name              text        not null,
  description       text,
  filter            jsonb       not null default '[]'::jsonb,
  size_estimate     bigint,
  size_estimated_at timestamptz,
  export_count      integer     not null default 0,
  last_exported_at  timestamptz,
  created_by        uuid,
  created_at        timestamptz not null default pg_catalog.now(),
  updated_at        timestamptz not null default pg_catalog.now(),
  constraint pk_segments primary key (org_id, id),
  constraint unique_segments_id unique (id),
  constraint unique_segments_org_id_name unique (org_id, name),
  constraint fk_segments_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_segments_created_by foreign key (created_by) references auth.users (id) on delete set null,
  constraint check_segments_name check (pg_catalog.btrim(name) <> '' and pg_catalog.char_length(name) <= 200),
  constraint check_segments_filter check (pg_catalog.jsonb_typeof(filter) = 'array'),
  constraint check_segments_export_count check (export_count >= 0)
);
create index index_segments_on_created_by on audience.segments (created_by);
comment on table audience.segments is
  'Saved audience segments: a filter over audience.customers (JSON array of {field, op, value} conditions, all of which must hold; fields and operators are whitelisted by audience.compile_segment_filter). Created with public.create_segment, exported with public.materialize_segment.';
comment on column audience.segments.filter is 'JSON array of conditions; see audience.compile_segment_filter for the allowed fields and operators.';
comment on column audience.segments.size_estimate is 'Matching customers (opted-out visitors excluded) when size_estimated_at was taken.';
comment on column audience.segments.export_count is 'Number of materializations (exports) so far; each is in audience.segment_exports.';

create table audience.segment_exports (
  id          bigint      not null generated always as identity,
  org_id      uuid        not null,
  segment_id  uuid,
  exported_by uuid,
  exported_at timestamptz not null default pg_catalog.now(),
  row_count   bigint      not null,
  include_pii boolean     not null,
  purpose     text        not null,
  constraint pk_segment_exports primary key (org_id, id),
  constraint fk_segment_exports_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_segment_exports_org_id_segment_id foreign key (org_id, segment_id)
    references audience.segments (org_id, id) on delete set null (segment_id),
  constraint check_segment_exports_row_count check (row_count >= 0),
  constraint check_segment_exports_purpose check (pg_catalog.char_length(pg_catalog.btrim(purpose)) between 3 and 500)
);
create index index_segment_exports_on_org_id_segment_id_exported_at
  on audience.segment_exports (org_id, segment_id, exported_at);
comment on table audience.segment_exports is
  'Audit log of segment materializations: who, when, which segment, how many rows, whether contact details were included, and why. Written by public.materialize_segment in the same transaction as the export; never updated.';
comment on column audience.segment_exports.segment_id is 'The exported segment; set to NULL (the audit row stays) when the segment is deleted.';
comment on column audience.segment_exports.exported_by is 'auth.uid() of the caller; NULL for service_role / DBA sessions. No foreign key: the audit outlives accounts.';
comment on column audience.segment_exports.include_pii is 'True when contact details (e-mail, phone) were returned.';
comment on column audience.segment_exports.purpose is 'Why the export was made, as given by the caller (required).';

-- Incremental update watermarks ---------------------------------------------------------

create table audience.customer_watermarks (
  org_id          uuid        not null,
  events_received timestamptz not null,
  updated_at      timestamptz not null default pg_catalog.now(),
  constraint pk_customer_watermarks primary key (org_id),
  constraint fk_customer_watermarks_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table audience.customer_watermarks is
  'Per organization: events received (analytics.events.received_at) before events_received are reflected in audience.customers. Written only by audience.update_customers. Delete an organization''s row to make the next update rebuild all its customers (e.g. after loading events whose received_at lies in the past, as the seeds do).';
comment on column audience.customer_watermarks.events_received is
  'Exclusive upper bound of the received_at values already processed; chosen no later than the start of the oldest transaction still running, so that no event committed later is skipped.';

-- Indexes on analytics.events needed by the incremental update --------------------------
-- received_at: BRIN (rows arrive in received_at order, so a few pages per partition);
-- finds the events received since the last update without scanning history.
-- user_id of events without visitor_id: partial, so it costs nothing for the usual
-- events; serves the 'user:<id>' visitor keys.
create index if not exists index_events_on_received_at_brin on analytics.events using brin (received_at);
create index index_events_on_org_id_user_id_without_visitor_id
  on analytics.events (org_id, user_id, occurred_at)
  where visitor_id is null and user_id is not null;
-- Intent signals (ticket_cta, checkout_started: about 2.5 % of events): partial, so it
-- costs nothing for other events; lets get_high_intent_visitors find the few visitors who
-- can reach a high score without scoring everyone active.
create index index_events_on_org_id_occurred_at_intent_signals
  on analytics.events (org_id, occurred_at)
  where event_type in ('ticket_cta', 'checkout_started');
-- Contacts of a visitor (materialize_segment with contact details).
create index index_subscribers_on_org_id_visitor_id on audience.subscribers (org_id, visitor_id)
  where visitor_id is not null;

-- Row-level security -------------------------------------------------------------------

alter table audience.customers enable row level security;
create policy select_analysts on audience.customers
  for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on audience.customers is
  'Analysts, admins and owners read their organizations'' customers (pseudonymous visitor profiles; no contact details here).';
create policy all_service_role on audience.customers
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.customers is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table audience.opt_outs enable row level security;
create policy select_admins on audience.opt_outs
  for select to authenticated
  using (org_id in (select app.current_user_org_ids('admin')));
comment on policy select_admins on audience.opt_outs is 'Admins and owners see who opted out of their organization''s profiling.';
create policy all_service_role on audience.opt_outs
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.opt_outs is 'service_role records opt-outs (it also has BYPASSRLS; explicit for clarity).';

alter table audience.segments enable row level security;
create policy select_members on audience.segments
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on audience.segments is 'Members (any role) read their organizations'' segment definitions; they are created through public.create_segment.';
create policy all_service_role on audience.segments
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.segments is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table audience.segment_exports enable row level security;
create policy select_admins on audience.segment_exports
  for select to authenticated
  using (org_id in (select app.current_user_org_ids('admin')));
comment on policy select_admins on audience.segment_exports is 'Admins and owners read their organizations'' export audit log.';
create policy select_service_role on audience.segment_exports
  for select to service_role
  using (true);
comment on policy select_service_role on audience.segment_exports is
  'service_role reads the audit log; rows are written only by public.materialize_segment (definer) and never changed.';

alter table audience.customer_watermarks enable row level security;
create policy all_service_role on audience.customer_watermarks
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.customer_watermarks is 'Only service_role (and audience.update_customers) reads or writes the watermarks.';

-- Grants -------------------------------------------------------------------------------

revoke all on table audience.customers, audience.opt_outs, audience.segments, audience.segment_exports,
  audience.customer_watermarks from public, anon, authenticated;
grant select on table audience.customers, audience.opt_outs, audience.segments, audience.segment_exports to authenticated;
grant select, insert, update, delete on table audience.customers, audience.opt_outs, audience.segments,
  audience.customer_watermarks to service_role;
grant select on table audience.segment_exports to service_role;

-- Schema private -----------------------------------------------------------------------
-- Holds the materialized views of views/private/ (no RLS possible): never granted to anon
-- or authenticated, read only through SECURITY DEFINER RPCs that check membership first.
-- 0009 (refresh log) creates it; created here too if absent.
create schema if not exists private;
revoke all on schema private from public;
