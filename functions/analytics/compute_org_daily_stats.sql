-- requires: functions/analytics/keyed_event_array.sql
-- analytics.org_daily_stats rows of one organization computed from its keyed events of a
-- range of local days (p_events = analytics.keyed_event_array(org, from, to)): the
-- rollup's one definition, used by analytics.recompute_days and by the RPCs for days
-- not rolled up yet.
-- Internal helper: owner only.
create or replace function analytics.compute_org_daily_stats(p_org_id uuid, p_events analytics.keyed_event[])
returns table (org_id uuid, day date, events bigint, page_views bigint, profile_views bigint, plays bigint,
               likes bigint, shares bigint, comments bigint, downloads bigint, follows bigint,
               impressions bigint, link_clicks bigint, ticket_clicks bigint, purchases bigint, tips bigint,
               subscribes bigint, searches bigint, visitors bigint, sessions bigint)
language sql
stable
as $$
  select p_org_id, e.day,
         pg_catalog.count(*),
         pg_catalog.count(*) filter (where e.event_type = 'page_view'),
         pg_catalog.count(*) filter (where e.event_type = 'profile_view'),
         pg_catalog.count(*) filter (where e.event_type = 'play'),
         pg_catalog.count(*) filter (where e.event_type = 'like'),
         pg_catalog.count(*) filter (where e.event_type = 'share'),
         pg_catalog.count(*) filter (where e.event_type = 'comment'),
         pg_catalog.count(*) filter (where e.event_type = 'download'),
         pg_catalog.count(*) filter (where e.event_type = 'follow'),
         pg_catalog.count(*) filter (where e.event_type = 'impression'),
         pg_catalog.count(*) filter (where e.event_type = 'link_click'),
         pg_catalog.count(*) filter (where e.event_type = 'ticket_cta'
                                        or (e.event_type = 'link_click' and e.link_type = 'tickets')),
         pg_catalog.count(*) filter (where e.event_type = 'purchase'),
         pg_catalog.count(*) filter (where e.event_type = 'tip'),
         pg_catalog.count(*) filter (where e.event_type = 'subscribe'),
         pg_catalog.count(*) filter (where e.event_type = 'search'),
         pg_catalog.count(distinct e.visitor_key),
         pg_catalog.count(distinct e.session_id)
  from pg_catalog.unnest(p_events) as e
  group by e.day
$$;
revoke execute on function analytics.compute_org_daily_stats(uuid, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.compute_org_daily_stats(uuid, analytics.keyed_event[]) is
  'analytics.org_daily_stats rows of an organization from its keyed events of a range of local days. Internal helper (owner only).';
