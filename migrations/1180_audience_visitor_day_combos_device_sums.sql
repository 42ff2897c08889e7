-- 1180: each row of private.audience_visitor_day_combos (a visitor's device x network type on
-- a local day) carries that visitor's share of the day's device sums (sessions started,
-- events, page load milliseconds and page loads there), the additive parts of
-- private.audience_device_days (issue 11: the unit of recomputation is a visitor-day, not an
-- organization-day). private.refresh_audience_rollups then recomputes only the visitor-days
-- that new events touch and moves the device sums by the difference between the touched
-- visitors' old and new shares, instead of recomputing every visitor of those days from the
-- events (the largest organization of the 10M seed: 2,062 visitors recomputed for a minute of
-- new events).
-- Nullable and without a default: adding them rewrites nothing and locks the table only for
-- the catalog change. Rows written before this migration have NULL shares; an organization
-- whose touched visitor-days include such a row recomputes those days whole, as before, and
-- so fills them in (no backfill pass).
alter table private.audience_visitor_day_combos
  add column sessions     integer,
  add column events       integer,
  add column page_load_ms bigint,
  add column page_loads   integer;
comment on column private.audience_visitor_day_combos.events is
  'The visitor''s non-bot events that local day on this device x network type (with sessions, page_load_ms and page_loads: the visitor''s share of private.audience_device_days). NULL on rows written before migration 1180.';
-- When a refresh recomputes per visitor: while the touched visitor-days are at most this
-- percentage of the stored visitor-days of their days (a day of new events touches most
-- visitors of its days; recomputing those days whole is then cheaper).
insert into private.audience_settings (name, value, description) values
  ('per_visitor_max_pct', 50,
   'private.refresh_audience_rollups recomputes only the touched visitor-days of an organization while they are at most this percentage of the stored visitor-days of their days; above it, those days whole.')
on conflict (name) do nothing;
