-- requires: functions/analytics/compute_entity_daily_stats.sql
-- Daily entity stats of one organization for the local days [p_from, p_to): the rollup
-- rows (analytics.entity_daily_stats) of the days before p_raw_from, and for the days
-- from p_raw_from on the rows computed from p_raw_events
-- (analytics.compute_entity_daily_stats, the same definition), where p_raw_from =
-- analytics.raw_from_day(org) and p_raw_events = analytics.keyed_event_array(org,
-- p_raw_from, <end>) are built once by the calling RPC and shared by all its reads.
-- p_entity_id: only that entity (NULL: all).
-- Internal helper: owner only (the definer RPCs call it after their membership check).
create or replace function analytics.entity_stats_between(p_org_id uuid, p_from date, p_to date, p_raw_from date,
                                                          p_raw_events analytics.keyed_event[],
                                                          p_entity_id uuid default null)
returns table (org_id uuid, entity_type text, entity_id uuid, day date, events bigint, plays bigint,
               unique_plays bigint, likes bigint, shares bigint, comments bigint, downloads bigint,
               impressions bigint, clicks bigint, ticket_clicks bigint, interested bigint,
               visitors bigint, listens bigint, completions bigint, reached_30s bigint,
               reached_60s bigint, reached_120s bigint, watch_seconds numeric,
               activity_by_hour integer[])
language sql
stable
as $$
  select r.org_id, r.entity_type, r.entity_id, r.day, r.events, r.plays, r.unique_plays, r.likes,
         r.shares, r.comments, r.downloads, r.impressions, r.clicks, r.ticket_clicks, r.interested,
         r.visitors, r.listens, r.completions, r.reached_30s, r.reached_60s, r.reached_120s,
         r.watch_seconds, r.activity_by_hour
  from analytics.entity_daily_stats as r
  where r.org_id = p_org_id
    and (p_entity_id is null or r.entity_id = p_entity_id)
    and r.day >= p_from
    and r.day < least(p_to, p_raw_from)
  union all
  select c.*
  from analytics.compute_entity_daily_stats(p_org_id, p_raw_events) as c
  where c.day >= greatest(p_from, p_raw_from)
    and c.day < p_to
    and (p_entity_id is null or c.entity_id = p_entity_id)
$$;
revoke execute on function analytics.entity_stats_between(uuid, date, date, date, analytics.keyed_event[], uuid) from public, anon, authenticated;
comment on function analytics.entity_stats_between(uuid, date, date, date, analytics.keyed_event[], uuid) is
  'Daily entity stats of an organization for local days [p_from, p_to) (one entity, or all): rollups before p_raw_from, computed from the given raw keyed events from p_raw_from on. Internal helper (owner only).';
