-- audiencectl:no-transaction
-- 1170: the primary keys of private.audience_visitor_days and audience_visitor_day_combos
-- carry the columns of their covering indexes (0052), which are dropped: both were
-- (org_id, visitor_key, day, ...) b-trees next to a primary key on the same columns, so
-- every row that private.refresh_audience_rollups writes went into two indexes of the same
-- order. One index fewer per row: the 772,683 visitor-day rows of 1M events (100
-- organizations) copied into an empty table in key order took 6.6 / 8.9 s with the three
-- indexes and 3.9 / 4.9 s with the two (load 5.7-5.9). Every lookup the covering indexes
-- served (a visitor's rows before or from a day, index-only) is a prefix of the primary
-- key, which now holds the same columns.
-- Each new index is built concurrently, then becomes the primary key (a brief ACCESS
-- EXCLUSIVE lock of the table; no rows are read or written), and the covering index is
-- dropped concurrently. A rerun after a failure resumes at the statement that failed.
create unique index concurrently if not exists index_audience_visitor_days_on_key_including
  on private.audience_visitor_days (org_id, visitor_key, day)
  include (flags, prev_day, prev_checkout_day, prev_mobile_day, prev_desktop_day, next_click_day, source, medium, campaign);
alter table private.audience_visitor_days
  -- squawk-ignore ban-drop-constraint
  drop constraint pk_audience_visitor_days,
  add constraint pk_audience_visitor_days primary key using index index_audience_visitor_days_on_key_including;
drop index concurrently if exists private.index_audience_visitor_days_on_org_id_visitor_key_day_covering;
create unique index concurrently if not exists index_audience_visitor_day_combos_on_key_including
  on private.audience_visitor_day_combos (org_id, visitor_key, day, device_type, network_type)
  include (prev_day);
alter table private.audience_visitor_day_combos
  -- squawk-ignore ban-drop-constraint
  drop constraint pk_audience_visitor_day_combos,
  add constraint pk_audience_visitor_day_combos primary key using index index_audience_visitor_day_combos_on_key_including;
-- (0052's name, truncated to 63 bytes when it was created)
drop index concurrently if exists private.index_audience_visitor_day_combos_on_org_id_visitor_key_day_cov;
