-- requires: functions/analytics/compute_org_daily_stats.sql
-- Daily organization stats of one organization for the local days [p_from, p_to): the
-- rollup rows (analytics.org_daily_stats) of the days before p_raw_from, and for the
-- days from p_raw_from on the rows computed from p_raw_events
-- (analytics.compute_org_daily_stats, the same definition), where p_raw_from =
-- analytics.raw_from_day(org) and p_raw_events = analytics.keyed_event_array(org,
-- p_raw_from, <end>) are built once by the calling RPC and shared by all its reads.
-- Internal helper: owner only (the definer RPCs call it after their membership check).
create or replace function analytics.org_stats_between(p_org_id uuid, p_from date, p_to date, p_raw_from date,
                                                       p_raw_events analytics.keyed_event[])
returns table (org_id uuid, day date, events bigint, page_views bigint, profile_views bigint,
               plays bigint, likes bigint, shares bigint, comments bigint, downloads bigint,
               follows bigint, impressions bigint, link_clicks bigint, ticket_clicks bigint,
               purchases bigint, tips bigint, subscribes bigint, searches bigint, visitors bigint,
               sessions bigint)
language sql
stable
as $$
  select r.org_id, r.day, r.events, r.page_views, r.profile_views, r.plays, r.likes, r.shares,
         r.comments, r.downloads, r.follows, r.impressions, r.link_clicks, r.ticket_clicks,
         r.purchases, r.tips, r.subscribes, r.searches, r.visitors, r.sessions
  from analytics.org_daily_stats as r
  where r.org_id = p_org_id
    and r.day >= p_from
    and r.day < least(p_to, p_raw_from)
  union all
  select c.*
  from analytics.compute_org_daily_stats(p_org_id, p_raw_events) as c
  where c.day >= greatest(p_from, p_raw_from)
    and c.day < p_to
$$;
revoke execute on function analytics.org_stats_between(uuid, date, date, date, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.org_stats_between(uuid, date, date, date, analytics.keyed_event[]) is
  'Daily organization stats of an organization for local days [p_from, p_to): rollups before p_raw_from, computed from the given raw keyed events from p_raw_from on. Internal helper (owner only).';
