-- requires: functions/analytics/raw_from_day.sql
-- requires: functions/analytics/compute_entity_daily_stats.sql
-- Daily entity stats of one organization for the local days [p_from, p_to): rollup rows
-- (analytics.entity_daily_stats) for the days before analytics.raw_from_day, computed
-- from raw events (analytics.compute_entity_daily_stats, the same definition) for the
-- rest. What the dashboard RPCs read.
-- p_entity_id: only that entity (NULL: all).
-- Internal helper: owner only (the definer RPCs call it after their membership check).
create or replace function analytics.entity_stats_between(p_org_id uuid, p_from date, p_to date,
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
  with split as materialized (select analytics.raw_from_day(p_org_id) as raw_from)
  select r.org_id, r.entity_type, r.entity_id, r.day, r.events, r.plays, r.unique_plays, r.likes,
         r.shares, r.comments, r.downloads, r.impressions, r.clicks, r.ticket_clicks, r.interested,
         r.visitors, r.listens, r.completions, r.reached_30s, r.reached_60s, r.reached_120s,
         r.watch_seconds, r.activity_by_hour
  from analytics.entity_daily_stats as r
  where r.org_id = p_org_id
    and (p_entity_id is null or r.entity_id = p_entity_id)
    and r.day >= p_from
    and r.day < least(p_to, (select s.raw_from from split as s))
  union all
  select c.*
  from split as s
  cross join lateral analytics.compute_entity_daily_stats(
                    p_org_id, analytics.keyed_event_array(p_org_id, greatest(p_from, s.raw_from), p_to)) as c
  where greatest(p_from, s.raw_from) < p_to
    and (p_entity_id is null or c.entity_id = p_entity_id)
$$;
revoke execute on function analytics.entity_stats_between(uuid, date, date, uuid) from public, anon, authenticated;
comment on function analytics.entity_stats_between(uuid, date, date, uuid) is
  'Daily entity stats of an organization for local days [p_from, p_to) (one entity, or all when p_entity_id is NULL): rollups for aggregated past days, raw events for the rest. Internal helper (owner only).';
