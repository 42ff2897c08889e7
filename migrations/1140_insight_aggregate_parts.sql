-- 1140: the insight aggregates maintained from their parts (issue 11): when an
-- organization's local day changes, its default insight period slides by a day, and
-- insights.refresh_all_aggregates recomputed its 60 days of raw events (BENCHMARKS.md,
-- "Insight aggregates of small organizations on a generic plan...": 18.4-18.9 s of a day's
-- refresh at 10M events / 1,000 organizations). Every number of insights.event_aggregates_raw
-- is a sum over events (counts per bucket and dimension) or over visitors (distinct
-- visitors, engaged / high / medium intent, located, city fans: one indicator per visitor),
-- so the stored result changes by the contribution of the events that change bucket (the
-- slices between the old and the new boundaries, and the events received since) and of the
-- visitors who have a day in such a slice or a new event. These tables hold the sums those
-- contributions are added to, and the per-visitor days they are read from.
--
-- private.insight_aggregate_event_parts: per organization, the additive rows of
--   event_aggregates_raw's grouping sets (dim 'all' (b), 'platform' (b, key1 platform,
--   key2 link_type), 'referrer' (b, w, key1 referrer domain), 'device' (b, key1 device type),
--   'time' (b, local weekday, hour; b 3 and 4 only), 'release' (release_id, release_half),
--   'city' (b, key1 city, key2 country)): events and clicks. A row exists iff events > 0, as
--   a grouping-set row does.
-- private.insight_aggregate_visitor_parts: per organization, the visitor counts: kinds v1..v4,
--   e1..e4, v_now, v_before, e_now, e_before, high_now, high_before, medium_now,
--   medium_before, located_now (city and country NULL), and per (city, country) cv1..cv4,
--   fans_now, fans_before.
-- private.insight_visitor_days: per organization, visitor (64-bit hash of visitor_id, as
--   event_aggregates_raw counts them), local day (in private.insight_aggregate_parts_state's
--   time zone), city and country: the highest intent of the visitor's non-bot events there
--   (3 high, 2 medium, 1 low). Kept from the organization's comparison start on (today's
--   days included: they enter the period at the next local midnight).
-- private.insight_aggregate_parts_state: per organization, the time zone of its visitor days
--   and the safe bound (private.received_upper_bound) its parts and visitor days are complete
--   before: every non-bot event received before it, none received at or after it. The parts
--   are used only while this bound equals private.insight_aggregates.complete_before.
--
-- None has a foreign key (as 1110, 1121): the writer deletes an organization's rows before
-- rebuilding them, private.delete_organization_rollups deletes a deleted organization's rows
-- (private.derived_tables). Never readable by API roles.

create table private.insight_aggregate_event_parts (
  org_id       uuid     not null,
  dim          text     not null,
  b            smallint,
  w            smallint,
  key1         text,
  key2         text,
  release_id   uuid,
  release_half smallint,
  weekday      smallint,
  hour         smallint,
  events       bigint   not null,
  clicks       bigint   not null
);
create unique index index_insight_aggregate_event_parts_on_key on private.insight_aggregate_event_parts
  (org_id, dim, b, w, key1, key2, release_id, release_half, weekday, hour) nulls not distinct;
comment on table private.insight_aggregate_event_parts is
  'Additive parts (events, clicks per bucket and dimension) of an organization''s stored insight aggregates, maintained by insights.refresh_all_aggregates (migration 1140). Never readable by API roles.';

create table private.insight_aggregate_visitor_parts (
  org_id  uuid   not null,
  kind    text   not null,
  city    text,
  country text,
  n       bigint not null
);
create unique index index_insight_aggregate_visitor_parts_on_key on private.insight_aggregate_visitor_parts
  (org_id, kind, city, country) nulls not distinct;
comment on table private.insight_aggregate_visitor_parts is
  'Visitor counts (distinct visitors, engaged, intent, located, per-city visitors and fans) of an organization''s stored insight aggregates, maintained by insights.refresh_all_aggregates (migration 1140). Never readable by API roles.';

create table private.insight_visitor_days (
  org_id  uuid     not null,
  vh      bigint   not null,
  day     date     not null,
  city    text,
  country text,
  intent  smallint not null
);
create unique index index_insight_visitor_days_on_key on private.insight_visitor_days
  (org_id, vh, day, city, country) nulls not distinct;
comment on table private.insight_visitor_days is
  'Per organization, visitor hash (hashtextextended(visitor_id, 0)), local day, city and country: the highest intent of the visitor''s non-bot events. Read by insights.refresh_all_aggregates for the visitors whose contribution to the insight aggregates changes (migration 1140). Never readable by API roles.';

create table private.insight_aggregate_parts_state (
  org_id          uuid        not null,
  timezone        text        not null,
  complete_before timestamptz not null,
  constraint pk_insight_aggregate_parts_state primary key (org_id)
);
comment on table private.insight_aggregate_parts_state is
  'Per organization: the time zone of its insight visitor days and the safe bound its insight aggregate parts are complete before (migration 1140). Never readable by API roles.';

revoke all on table private.insight_aggregate_event_parts, private.insight_aggregate_visitor_parts,
  private.insight_visitor_days, private.insight_aggregate_parts_state
  from public, anon, authenticated, service_role;
