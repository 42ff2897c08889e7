-- requires: functions/private/register_rollup.sql
-- The derived tables keyed by organization: every registered rollup's target
-- (private.rollups.target), the audience rollups that private.refresh_audience_rollups
-- maintains (migration 0050) and the stored insight aggregates' rows
-- (private.insight_aggregate_rows; private.insight_aggregates keeps its cascade) and their
-- parts (migration 1140). None has a foreign key to app.organizations (migrations 1110, 1121,
-- 1140); private.delete_organization_rollups
-- deletes a deleted organization's rows from each.
-- Internal helper; SQL; owner only.
create or replace function private.derived_tables()
returns setof regclass
language sql
stable
set search_path = ''
as $$
  select r.target from private.rollups as r
  union
  select t.name::regclass
  from pg_catalog.unnest(array['private.audience_visitor_days', 'private.audience_visitor_day_combos',
                               'private.audience_device_days', 'private.audience_day_counts', 'private.audience_day_recency',
                               'private.audience_sessions', 'private.audience_session_prefixes',
                               'private.insight_aggregate_rows', 'private.insight_aggregate_event_parts',
                               'private.insight_aggregate_visitor_parts', 'private.insight_visitor_days',
                               'private.insight_aggregate_parts_state', 'private.audience_touch_retractions']) as t (name)
$$;
revoke execute on function private.derived_tables() from public, anon, authenticated;
comment on function private.derived_tables() is
  'The derived tables keyed by organization: the registered rollup targets, the audience rollups of private.refresh_audience_rollups, private.insight_aggregate_rows and the insight aggregate parts (no foreign key to app.organizations since migrations 1110, 1121, 1140). Internal helper (owner only).';
