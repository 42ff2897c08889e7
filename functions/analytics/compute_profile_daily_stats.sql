-- requires: functions/analytics/keyed_event_array.sql
-- analytics.profile_daily_stats rows of one organization from its keyed events of the
-- local days from p_from_day on (p_events); no rows unless the organization is of
-- kind artist or venue. total_followers = the new_followers of the rolled-up days before
-- p_from_day plus the running sum within the range. Ratings: properties.rating when it
-- is a number from 1 to 5 (anything else is ignored).
-- Internal helper: owner only.
create or replace function analytics.compute_profile_daily_stats(p_org_id uuid, p_from_day date, p_events analytics.keyed_event[])
returns table (org_id uuid, day date, profile_kind app.org_kind, profile_views bigint, new_followers bigint,
               total_followers bigint, event_impressions bigint, reviews_received bigint, rating_sum numeric,
               rating_count bigint)
language sql
stable
as $$
  with org as (
    select o.kind from app.organizations as o where o.id = p_org_id and o.kind in ('artist', 'venue')
  ),
  daily as (
    select e.day,
           pg_catalog.count(*) filter (where e.event_type = 'profile_view') as profile_views,
           pg_catalog.count(*) filter (where e.event_type = 'follow'
                                          and (e.entity_type is null or e.entity_type in ('artist', 'venue'))) as new_followers,
           pg_catalog.count(*) filter (where e.event_type in ('impression', 'event_view')
                                          and e.entity_type = 'tour_date') as event_impressions,
           pg_catalog.count(*) filter (where e.event_type = 'review') as reviews_received,
           coalesce(pg_catalog.sum(e.rating), 0) as rating_sum,
           pg_catalog.count(e.rating) as rating_count
    from pg_catalog.unnest(p_events) as e
    where exists (select 1 from org)
    group by e.day
    having pg_catalog.count(*) filter (where e.event_type in ('profile_view', 'follow', 'review')
                                          or (e.event_type in ('impression', 'event_view') and e.entity_type = 'tour_date')) > 0
  )
  select p_org_id, d.day, (select org.kind from org), d.profile_views, d.new_followers,
         (select coalesce(pg_catalog.sum(s.new_followers), 0)
            from analytics.profile_daily_stats as s
           where s.org_id = p_org_id and s.day < p_from_day)::bigint
         + pg_catalog.sum(d.new_followers) over (order by d.day)::bigint,
         d.event_impressions, d.reviews_received, d.rating_sum, d.rating_count
  from daily as d
$$;
revoke execute on function analytics.compute_profile_daily_stats(uuid, date, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.compute_profile_daily_stats(uuid, date, analytics.keyed_event[]) is
  'analytics.profile_daily_stats rows of an organization (kind artist or venue) from its keyed events of a range of local days. Internal helper (owner only).';
