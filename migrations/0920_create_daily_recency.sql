-- 0920: the recency rollups under the dashboards' distinct-visitor counts.
--
-- A count of distinct visitors over a period [from, to) is the number of visitor-days in
-- the period whose visitor was not active earlier in the period: a visitor-day on day d
-- counts when the visitor's previous active day is before `from` (or does not exist). So
-- each visitor-day needs only its gap, d minus the visitor's previous active day, and a
-- period's distinct visitors are an exact sum over its days of small rows:
--   first-in-period visitors of day d = visitors - returning_visitors[width_bucket(d - from, gaps)]
-- (gaps: the distinct gaps of the day, ascending, at most 366 days, the longest period
-- check_period allows; returning_visitors[i]: the visitors whose gap is at most gaps[i]; no entry
-- when d = from). The dashboard reads a period's ~30 rows per label instead of every
-- visitor-day of it (at 10M events, largest organization: 86,000 visitor rows for 30 days).
-- Both are rollups of rollups (engine, migration 0600) recomputed per day:
-- analytics.org_daily_recency from analytics.visitor_daily_counts, by the attributes of the
-- visitor's day (source, country, device type: the dashboard's breakdowns count each
-- visitor once, with the attributes of their first day in the period, which is exactly
-- that first-in-period visitor-day); analytics.entity_daily_recency from
-- analytics.entity_daily_visitors, for any event about the entity (visitors) and for plays
-- (listeners), with the visitors and listeners seen for the first time ever (lifetime
-- counts). Aggregates without identifiers: erasure keeps their numbers (like
-- analytics.org_daily_stats.visitors). Not readable by API roles.

create table analytics.org_daily_recency (
  org_id     uuid      not null,
  day        date      not null,
  dimension  text      collate "C" not null,
  label      text      collate "C" not null,
  visitors   integer   not null,
  gaps       integer[] not null,
  returning_visitors integer[] not null,
  constraint pk_org_daily_recency primary key (org_id, day, dimension, label),
  constraint fk_org_daily_recency_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_org_daily_recency_dimension check (dimension in ('source', 'country', 'device_type')),
  constraint check_org_daily_recency_arrays check (pg_catalog.cardinality(gaps) = pg_catalog.cardinality(returning_visitors))
);
comment on table analytics.org_daily_recency is
  'Rollup analytics.org_daily_recency (engine, migration 0920; a rollup of analytics.visitor_daily_counts, unit organization-day): per organization, local day, dimension (source, country, device_type) and label (the attribute of the visitor''s day; ''(unknown)'' when none), the visitors of the day and how recently each was active before it. Distinct visitors of any period are exact sums of these rows (see the migration). Not readable by API roles.';
comment on column analytics.org_daily_recency.visitors is 'Visitors (visitor keys other than the nil key) active that day with this label.';
comment on column analytics.org_daily_recency.gaps is
  'The distinct gaps of those visitors (days since their previous active day, any label), ascending, at most 366.';
comment on column analytics.org_daily_recency.returning_visitors is
  'returning_visitors[i]: the visitors whose gap is at most gaps[i] (active again within gaps[i] days).';

alter table analytics.org_daily_recency enable row level security;
create policy all_service_role on analytics.org_daily_recency
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.org_daily_recency is 'Read only through RPCs and by service_role.';
revoke all on table analytics.org_daily_recency from public, anon, authenticated;
grant select, insert, update, delete on table analytics.org_daily_recency to service_role;

create table analytics.entity_daily_recency (
  org_id              uuid      not null,
  entity_id           uuid      not null,
  entity_type         text      collate "C" not null,
  day                 date      not null,
  visitors            integer   not null,
  first_visitors      integer   not null,
  visitor_gaps        integer[] not null,
  returning_visitors  integer[] not null,
  listeners           integer   not null,
  first_listeners     integer   not null,
  listener_gaps       integer[] not null,
  returning_listeners integer[] not null,
  constraint pk_entity_daily_recency primary key (org_id, entity_id, entity_type, day),
  constraint fk_entity_daily_recency_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_entity_daily_recency_visitor_arrays
    check (pg_catalog.cardinality(visitor_gaps) = pg_catalog.cardinality(returning_visitors)),
  constraint check_entity_daily_recency_listener_arrays
    check (pg_catalog.cardinality(listener_gaps) = pg_catalog.cardinality(returning_listeners))
);
create index index_entity_daily_recency_on_org_id_day on analytics.entity_daily_recency (org_id, day);
comment on table analytics.entity_daily_recency is
  'Rollup analytics.entity_daily_recency (engine, migration 0920; a rollup of analytics.entity_daily_visitors, unit entity-day): per organization, entity and local day, its visitors (any event about it) and listeners (a play), how recently each was last seen on the entity, and how many were never seen on it before. Distinct visitors / listeners of any period, and of the whole history, are exact sums of these rows (see the migration). Not readable by API roles.';
comment on column analytics.entity_daily_recency.first_visitors is 'Visitors with no earlier day with an event about the entity (the lifetime distinct visitors are their sum).';
comment on column analytics.entity_daily_recency.visitor_gaps is
  'Distinct gaps (days since the visitor''s previous day with an event about the entity), ascending, at most 366; returning_visitors[i]: the visitors whose gap is at most visitor_gaps[i].';
comment on column analytics.entity_daily_recency.listeners is 'Visitors who played the entity that day (analytics.entity_daily_visitors.played).';
comment on column analytics.entity_daily_recency.listener_gaps is
  'The same for listeners: days since the visitor''s previous day with a play of the entity; returning_listeners[i] likewise.';

alter table analytics.entity_daily_recency enable row level security;
create policy all_service_role on analytics.entity_daily_recency
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.entity_daily_recency is 'Read only through RPCs and by service_role.';
revoke all on table analytics.entity_daily_recency from public, anon, authenticated;
grant select, insert, update, delete on table analytics.entity_daily_recency to service_role;
