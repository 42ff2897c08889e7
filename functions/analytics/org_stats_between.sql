-- requires: functions/analytics/raw_from_day.sql
-- requires: functions/analytics/compute_org_daily_stats.sql
-- Daily organization stats of one organization for the local days [p_from, p_to): rollup
-- rows (analytics.org_daily_stats) for the days before analytics.raw_from_day, computed
-- from raw events (analytics.compute_org_daily_stats, the same definition) for the rest.
-- What the dashboard RPCs read.
-- Internal helper: owner only (the definer RPCs call it after their membership check).
create or replace function analytics.org_stats_between(p_org_id uuid, p_from date, p_to date)
returns table (org_id uuid, day date, events bigint, page_views bigint, profile_views bigint,
               plays bigint, likes bigint, shares bigint, comments bigint, downloads bigint,
               follows bigint, impressions bigint, link_clicks bigint, ticket_clicks bigint,
               purchases bigint, tips bigint, subscribes bigint, searches bigint, visitors bigint,
               sessions bigint)
language sql
stable
as $$
  with split as materialized (select analytics.raw_from_day(p_org_id) as raw_from)
  select r.org_id, r.day, r.events, r.page_views, r.profile_views, r.plays, r.likes, r.shares,
         r.comments, r.downloads, r.follows, r.impressions, r.link_clicks, r.ticket_clicks,
         r.purchases, r.tips, r.subscribes, r.searches, r.visitors, r.sessions
  from analytics.org_daily_stats as r
  where r.org_id = p_org_id
    and r.day >= p_from
    and r.day < least(p_to, (select s.raw_from from split as s))
  union all
  select c.*
  from split as s
  cross join lateral analytics.compute_org_daily_stats(
                    p_org_id, analytics.keyed_event_array(p_org_id, greatest(p_from, s.raw_from), p_to)) as c
  where greatest(p_from, s.raw_from) < p_to
$$;
revoke execute on function analytics.org_stats_between(uuid, date, date) from public, anon, authenticated;
comment on function analytics.org_stats_between(uuid, date, date) is
  'Daily organization stats of an organization for local days [p_from, p_to): rollups for aggregated past days, raw events for the rest. Internal helper (owner only).';
