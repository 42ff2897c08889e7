-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/org_day_counts.sql
-- Compute function of the rollup analytics.profile_daily_stats (migration 0030 states the
-- columns), a rollup of the rollup analytics.visitor_daily_counts, for organizations of
-- kind artist or venue only. A day has a row when it has a profile_view, follow or review
-- event or an impression / event_view of a tour_date. The counts of each touched
-- organization-day are summed from its visitor rows (analytics.org_day_counts) when the
-- engine applies it (p_org_id NULL: the visitor rows are stored by then); for a reader (an
-- organization) they are counted over the day's events (analytics.touched_day_events, the
-- visitor rows' own source: the same numbers, without recomputing every visitor row of the
-- day and its keyed hash first: at 10M events with a day not refreshed, 69-71 -> 37 ms for
-- the largest artist);
-- total_followers is the running total of new_followers through the day, so a touched day
-- changes the total of every later day: the result holds, for each touched organization,
-- every day from its first touched day on (the later days from the stored rows, with
-- their totals recomputed). The total before the first touched day is the stored total
-- of the organization's latest earlier day (every apply rewrites the totals from its
-- first touched day on, so the stored totals are running sums); the stored days are read
-- through the primary key from that day on, so a touch of today reads a row or two.
-- plpgsql for its settings: no JIT (the plan of analytics.received_days crossed the JIT
-- threshold: 0.33 s of compilation for a minute of new events at 10M), a custom plan
-- for each call.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_profile_daily_stats(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.profile_daily_stats
language plpgsql
stable
set jit = off
set plan_cache_mode = force_custom_plan
as $$
begin
  return query
  with fresh as materialized (
    -- An apply: the stored visitor rows of the touched days, summed.
    select v.org_id, v.day, o.kind,
           pg_catalog.sum(v.profile_views)::bigint as profile_views,
           pg_catalog.sum(v.profile_follows)::bigint as new_followers,
           pg_catalog.sum(v.event_impressions)::bigint as event_impressions,
           pg_catalog.sum(v.reviews)::bigint as reviews_received,
           pg_catalog.sum(v.rating_sum) as rating_sum,
           pg_catalog.sum(v.rating_count)::bigint as rating_count,
           pg_catalog.sum(v.profile_views + v.follows + v.reviews + v.event_impressions) as relevant
    from analytics.org_day_counts(p_org_id, p_after, p_upto) as v
    join app.organizations as o on o.id = v.org_id and o.kind in ('artist', 'venue')
    where p_org_id is null
    group by v.org_id, v.day, o.kind
    union all
    -- A reader (one organization): the same sums counted over the touched days' events,
    -- which the visitor rows count (analytics.compute_visitor_daily_counts, one row per
    -- visitor of the day), without recomputing those rows and their keyed hashes first.
    select e.org_id, e.day, o.kind,
           (pg_catalog.count(*) filter (where e.event_type = 'profile_view'))::bigint,
           (pg_catalog.count(*) filter (where e.event_type = 'follow'
                                           and (e.entity_type is null or e.entity_type in ('artist', 'venue'))))::bigint,
           (pg_catalog.count(*) filter (where e.event_type in ('impression', 'event_view') and e.entity_type = 'tour_date'))::bigint,
           (pg_catalog.count(*) filter (where e.event_type = 'review'))::bigint,
           coalesce(pg_catalog.sum(e.rating), 0),
           pg_catalog.count(e.rating)::bigint,
           pg_catalog.count(*) filter (where e.event_type in ('profile_view', 'follow', 'review')
                                          or (e.event_type in ('impression', 'event_view') and e.entity_type = 'tour_date'))
    from analytics.touched_day_events(p_org_id, p_after, p_upto, false, false) as e
    join app.organizations as o on o.id = e.org_id and o.kind in ('artist', 'venue')
    where p_org_id is not null
    group by e.org_id, e.day, o.kind
    having pg_catalog.bool_or(e.fresh)
  ),
  firsts as materialized (
    select f.org_id, f.kind, pg_catalog.min(f.day) as first_day from fresh as f group by f.org_id, f.kind
  ),
  days as (
    select f.org_id, f.day, f.kind, f.profile_views, f.new_followers, f.event_impressions, f.reviews_received,
           f.rating_sum, f.rating_count
    from fresh as f
    where f.relevant > 0
    union all
    select s.org_id, s.day, x.kind, s.profile_views, s.new_followers, s.event_impressions, s.reviews_received,
           s.rating_sum, s.rating_count
    from firsts as x
    cross join lateral (
      -- offset 0: a range of the primary key per organization. Pulled up into a join, the
      -- planner (200 estimated firsts) hashed the whole table for one organization: at 10M
      -- with a day not refreshed, 57,245 rows read and hashed, 29 ms of the reader's 76 ms.
      select s.* from analytics.profile_daily_stats as s where s.org_id = x.org_id and s.day >= x.first_day
      offset 0
    ) as s
    where not exists (select 1 from fresh as f where f.org_id = s.org_id and f.day = s.day)
  ),
  priors as (
    select x.org_id,
           coalesce((select s.total_followers from analytics.profile_daily_stats as s
                     where s.org_id = x.org_id and s.day < x.first_day
                     order by s.day desc limit 1), 0) as total_before
    from firsts as x
  )
  select d.org_id, d.day, d.kind, d.profile_views, d.new_followers,
         (x.total_before + pg_catalog.sum(d.new_followers) over (partition by d.org_id order by d.day))::bigint,
         d.event_impressions, d.reviews_received, d.rating_sum, d.rating_count,
         case when d.rating_count > 0 then pg_catalog.round(d.rating_sum / d.rating_count, 2) end   -- the generated average_rating
  from days as d
  join priors as x on x.org_id = d.org_id;
end;
$$;
revoke execute on function analytics.compute_profile_daily_stats(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_profile_daily_stats(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.profile_daily_stats (a rollup of analytics.visitor_daily_counts): the touched artist / venue days and every later day (running follower totals). Internal (owner only).';

select private.register_rollup(
  'analytics.profile_daily_stats', 'analytics.events', 'analytics.profile_daily_stats', 'analytics.compute_profile_daily_stats',
  array['org_id', 'day'], 'day', array['analytics.visitor_daily_counts'],
  'Per artist / venue organization and local day: profile views, followers (new and running total), tour-date impressions, reviews and ratings (migration 0030); from analytics.visitor_daily_counts.');
