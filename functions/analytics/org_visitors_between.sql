-- requires: functions/analytics/compute_org_daily_visitors.sql
-- Daily visitor sets of one organization for the local days [p_from, p_to): the rollup
-- rows (analytics.org_daily_visitors) of the days before p_raw_from, and for the days
-- from p_raw_from on the rows computed from p_raw_events
-- (analytics.compute_org_daily_visitors, the same definition), where p_raw_from =
-- analytics.raw_from_day(org) and p_raw_events = analytics.keyed_event_array(org,
-- p_raw_from, <end>) are built once by the calling RPC and shared by all its reads.
-- Internal helper: owner only (the definer RPCs call it after their membership check).
create or replace function analytics.org_visitors_between(p_org_id uuid, p_from date, p_to date, p_raw_from date,
                                                          p_raw_events analytics.keyed_event[])
returns table (org_id uuid, day date, visitor_key uuid, source text, country char(2),
               device_type text, events integer)
language sql
stable
as $$
  select r.org_id, r.day, r.visitor_key, r.source, r.country, r.device_type, r.events
  from analytics.org_daily_visitors as r
  where r.org_id = p_org_id
    and r.day >= p_from
    and r.day < least(p_to, p_raw_from)
  union all
  select c.*
  from analytics.compute_org_daily_visitors(p_org_id, p_raw_events) as c
  where c.day >= greatest(p_from, p_raw_from)
    and c.day < p_to
$$;
revoke execute on function analytics.org_visitors_between(uuid, date, date, date, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.org_visitors_between(uuid, date, date, date, analytics.keyed_event[]) is
  'Daily visitor sets of an organization for local days [p_from, p_to): rollups before p_raw_from, computed from the given raw keyed events from p_raw_from on. Internal helper (owner only).';
