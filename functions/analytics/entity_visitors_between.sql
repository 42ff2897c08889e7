-- requires: functions/analytics/raw_from_day.sql
-- requires: functions/analytics/compute_entity_daily_visitors.sql
-- Daily entity visitor sets of one organization for the local days [p_from, p_to):
-- rollup rows (analytics.entity_daily_visitors) for the days before
-- analytics.raw_from_day, computed from raw events
-- (analytics.compute_entity_daily_visitors, the same definition) for the rest. What the
-- dashboard RPCs read.
-- p_entity_id: only that entity (NULL: all).
-- Internal helper: owner only (the definer RPCs call it after their membership check).
create or replace function analytics.entity_visitors_between(p_org_id uuid, p_from date, p_to date,
                                                      p_entity_id uuid default null)
returns table (org_id uuid, entity_type text, entity_id uuid, day date, visitor_key uuid,
               played boolean)
language sql
stable
as $$
  with split as materialized (select analytics.raw_from_day(p_org_id) as raw_from)
  select r.org_id, r.entity_type, r.entity_id, r.day, r.visitor_key, r.played
  from analytics.entity_daily_visitors as r
  where r.org_id = p_org_id
    and (p_entity_id is null or r.entity_id = p_entity_id)
    and r.day >= p_from
    and r.day < least(p_to, (select s.raw_from from split as s))
  union all
  select c.*
  from split as s
  cross join lateral analytics.compute_entity_daily_visitors(
                    p_org_id, analytics.keyed_event_array(p_org_id, greatest(p_from, s.raw_from), p_to)) as c
  where greatest(p_from, s.raw_from) < p_to
    and (p_entity_id is null or c.entity_id = p_entity_id)
$$;
revoke execute on function analytics.entity_visitors_between(uuid, date, date, uuid) from public, anon, authenticated;
comment on function analytics.entity_visitors_between(uuid, date, date, uuid) is
  'Daily entity visitor sets of an organization for local days [p_from, p_to) (one entity, or all when p_entity_id is NULL): rollups for aggregated past days, raw events for the rest. Internal helper (owner only).';
