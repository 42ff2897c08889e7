-- requires: functions/analytics/raw_from_day.sql
-- requires: functions/analytics/compute_org_daily_visitors.sql
-- Daily visitor sets of one organization for the local days [p_from, p_to): rollup rows
-- (analytics.org_daily_visitors) for the days before analytics.raw_from_day, computed
-- from raw events (analytics.compute_org_daily_visitors, the same definition) for the
-- rest. What the dashboard RPCs read.
-- Internal helper: owner only (the definer RPCs call it after their membership check).
create or replace function analytics.org_visitors_between(p_org_id uuid, p_from date, p_to date)
returns table (org_id uuid, day date, visitor_key uuid, source text, country char(2),
               device_type text, events integer)
language sql
stable
as $$
  with split as materialized (select analytics.raw_from_day(p_org_id) as raw_from)
  select r.org_id, r.day, r.visitor_key, r.source, r.country, r.device_type, r.events
  from analytics.org_daily_visitors as r
  where r.org_id = p_org_id
    and r.day >= p_from
    and r.day < least(p_to, (select s.raw_from from split as s))
  union all
  select c.*
  from split as s
  cross join lateral analytics.compute_org_daily_visitors(
                    p_org_id, analytics.keyed_event_array(p_org_id, greatest(p_from, s.raw_from), p_to)) as c
  where greatest(p_from, s.raw_from) < p_to
$$;
revoke execute on function analytics.org_visitors_between(uuid, date, date) from public, anon, authenticated;
comment on function analytics.org_visitors_between(uuid, date, date) is
  'Daily visitor sets of an organization for local days [p_from, p_to): rollups for aggregated past days, raw events for the rest. Internal helper (owner only).';
