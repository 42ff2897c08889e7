-- requires: functions/analytics/keyed_events.sql
-- The keyed events of one organization on the local days [p_from_day, p_to_day) as one
-- array (analytics.keyed_events), built once and handed to every analytics.compute_*
-- function: one scan and one round of keyed hashing per recomputed range, whatever the
-- number of rollup tables. Callers keep ranges short (analytics.aggregate_daily
-- recomputes at most 31 days at a time) so that the array stays small.
-- Internal helper: owner only.
create or replace function analytics.keyed_event_array(p_org_id uuid, p_from_day date, p_to_day date)
returns analytics.keyed_event[]
language plpgsql
stable
set search_path = ''
as $$
begin
  -- plpgsql rather than SQL: its plan (analytics.keyed_events inlined, partitions pruned
  -- at run time) is cached for the session and invalidated by DDL, instead of being
  -- planned again at every call.
  return (select coalesce(pg_catalog.array_agg(row(k.*)::analytics.keyed_event), '{}')
          from analytics.keyed_events(p_org_id, p_from_day, p_to_day) as k);
end;
$$;
revoke execute on function analytics.keyed_event_array(uuid, date, date) from public, anon, authenticated;
comment on function analytics.keyed_event_array(uuid, date, date) is
  'The keyed events of an organization on local days [p_from_day, p_to_day) as an array of analytics.keyed_event. Internal helper (owner only).';
