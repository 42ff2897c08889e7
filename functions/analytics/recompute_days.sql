-- requires: functions/analytics/keyed_event_array.sql
-- requires: functions/analytics/compute_org_daily_stats.sql
-- requires: functions/analytics/compute_org_daily_visitors.sql
-- requires: functions/analytics/compute_entity_daily_stats.sql
-- requires: functions/analytics/compute_entity_daily_visitors.sql
-- requires: functions/analytics/compute_user_daily_stats.sql
-- requires: functions/analytics/compute_profile_daily_stats.sql
-- Recomputes every daily rollup of one organization for the local days
-- [p_from_day, p_to_day) from the raw events: rows that changed are updated
-- (ON CONFLICT ... DO UPDATE ... WHERE the values differ, so an unchanged row is not
-- rewritten), new rows inserted, rows of those days that no longer have events deleted;
-- then the running total_followers of later days is brought up to date. Returns the
-- number of rows inserted, updated or deleted (0 when the rollups already matched).
-- Internal step of analytics.aggregate_daily (which serializes runs per organization);
-- owner only.
create or replace function analytics.recompute_days(p_org_id uuid, p_from_day date, p_to_day date)
returns bigint
language plpgsql
volatile
set search_path = ''
set jit = off
as $$
declare
  v_rows    bigint;
  v_changed bigint := 0;
  v_events  analytics.keyed_event[];
begin
  -- The range's events, scanned and keyed once for all six rollups. Called in a FROM
  -- clause on purpose: as a plain expression plpgsql would keep the SQL function's plan
  -- for the whole transaction, stale once a partition is detached (apply_retention).
  select a.events into v_events
  from analytics.keyed_event_array(p_org_id, p_from_day, p_to_day) as a (events);

  -- analytics.org_daily_stats
  with fresh as materialized (
    select * from analytics.compute_org_daily_stats(p_org_id, v_events)
  ),
  removed as (
    delete from analytics.org_daily_stats as t
    where t.org_id = p_org_id and t.day >= p_from_day and t.day < p_to_day
      and not exists (select 1 from fresh as f where f.day = t.day)
    returning 1
  ),
  written as (
    insert into analytics.org_daily_stats as t (org_id, day, events, page_views, profile_views,
          plays, likes, shares, comments, downloads, follows, impressions, link_clicks,
          ticket_clicks, purchases, tips, subscribes, searches, visitors, sessions)
    select org_id, day, events, page_views, profile_views, plays, likes, shares, comments, downloads,
          follows, impressions, link_clicks, ticket_clicks, purchases, tips, subscribes, searches,
          visitors, sessions from fresh
    on conflict (org_id, day) do update set
        events = excluded.events,
        page_views = excluded.page_views,
        profile_views = excluded.profile_views,
        plays = excluded.plays,
        likes = excluded.likes,
        shares = excluded.shares,
        comments = excluded.comments,
        downloads = excluded.downloads,
        follows = excluded.follows,
        impressions = excluded.impressions,
        link_clicks = excluded.link_clicks,
        ticket_clicks = excluded.ticket_clicks,
        purchases = excluded.purchases,
        tips = excluded.tips,
        subscribes = excluded.subscribes,
        searches = excluded.searches,
        visitors = excluded.visitors,
        sessions = excluded.sessions
      where (t.events, t.page_views, t.profile_views, t.plays, t.likes, t.shares, t.comments,
            t.downloads, t.follows, t.impressions, t.link_clicks, t.ticket_clicks, t.purchases,
            t.tips, t.subscribes, t.searches, t.visitors,
            t.sessions) is distinct from (excluded.events, excluded.page_views,
            excluded.profile_views, excluded.plays, excluded.likes, excluded.shares,
            excluded.comments, excluded.downloads, excluded.follows, excluded.impressions,
            excluded.link_clicks, excluded.ticket_clicks, excluded.purchases, excluded.tips,
            excluded.subscribes, excluded.searches, excluded.visitors, excluded.sessions)
    returning 1
  )
  select (select pg_catalog.count(*) from written) + (select pg_catalog.count(*) from removed)
  into v_rows;
  v_changed := v_changed + v_rows;

  -- analytics.org_daily_visitors
  with fresh as materialized (
    select * from analytics.compute_org_daily_visitors(p_org_id, v_events)
  ),
  removed as (
    delete from analytics.org_daily_visitors as t
    where t.org_id = p_org_id and t.day >= p_from_day and t.day < p_to_day
      and not exists (select 1 from fresh as f where f.day = t.day and f.visitor_key = t.visitor_key)
    returning 1
  ),
  written as (
    insert into analytics.org_daily_visitors as t (org_id, day, visitor_key, source, country,
          device_type, events)
    select org_id, day, visitor_key, source, country, device_type, events from fresh
    on conflict (org_id, day, visitor_key) do update set
        source = excluded.source,
        country = excluded.country,
        device_type = excluded.device_type,
        events = excluded.events
      where (t.source, t.country, t.device_type, t.events) is distinct from (excluded.source,
            excluded.country, excluded.device_type, excluded.events)
    returning 1
  )
  select (select pg_catalog.count(*) from written) + (select pg_catalog.count(*) from removed)
  into v_rows;
  v_changed := v_changed + v_rows;

  -- analytics.entity_daily_stats
  with fresh as materialized (
    select * from analytics.compute_entity_daily_stats(p_org_id, v_events)
  ),
  removed as (
    delete from analytics.entity_daily_stats as t
    where t.org_id = p_org_id and t.day >= p_from_day and t.day < p_to_day
      and not exists (select 1 from fresh as f where f.entity_type = t.entity_type and f.entity_id = t.entity_id and f.day = t.day)
    returning 1
  ),
  written as (
    insert into analytics.entity_daily_stats as t (org_id, entity_type, entity_id, day, events,
          plays, unique_plays, likes, shares, comments, downloads, impressions, clicks,
          ticket_clicks, interested, visitors, listens, completions, reached_30s, reached_60s,
          reached_120s, watch_seconds, activity_by_hour)
    select org_id, entity_type, entity_id, day, events, plays, unique_plays, likes, shares, comments,
          downloads, impressions, clicks, ticket_clicks, interested, visitors, listens, completions,
          reached_30s, reached_60s, reached_120s, watch_seconds, activity_by_hour from fresh
    on conflict (org_id, entity_id, entity_type, day) do update set
        events = excluded.events,
        plays = excluded.plays,
        unique_plays = excluded.unique_plays,
        likes = excluded.likes,
        shares = excluded.shares,
        comments = excluded.comments,
        downloads = excluded.downloads,
        impressions = excluded.impressions,
        clicks = excluded.clicks,
        ticket_clicks = excluded.ticket_clicks,
        interested = excluded.interested,
        visitors = excluded.visitors,
        listens = excluded.listens,
        completions = excluded.completions,
        reached_30s = excluded.reached_30s,
        reached_60s = excluded.reached_60s,
        reached_120s = excluded.reached_120s,
        watch_seconds = excluded.watch_seconds,
        activity_by_hour = excluded.activity_by_hour
      where (t.events, t.plays, t.unique_plays, t.likes, t.shares, t.comments, t.downloads,
            t.impressions, t.clicks, t.ticket_clicks, t.interested, t.visitors, t.listens,
            t.completions, t.reached_30s, t.reached_60s, t.reached_120s, t.watch_seconds,
            t.activity_by_hour) is distinct from (excluded.events, excluded.plays,
            excluded.unique_plays, excluded.likes, excluded.shares, excluded.comments,
            excluded.downloads, excluded.impressions, excluded.clicks, excluded.ticket_clicks,
            excluded.interested, excluded.visitors, excluded.listens, excluded.completions,
            excluded.reached_30s, excluded.reached_60s, excluded.reached_120s,
            excluded.watch_seconds, excluded.activity_by_hour)
    returning 1
  )
  select (select pg_catalog.count(*) from written) + (select pg_catalog.count(*) from removed)
  into v_rows;
  v_changed := v_changed + v_rows;

  -- analytics.entity_daily_visitors
  with fresh as materialized (
    select * from analytics.compute_entity_daily_visitors(p_org_id, v_events)
  ),
  removed as (
    delete from analytics.entity_daily_visitors as t
    where t.org_id = p_org_id and t.day >= p_from_day and t.day < p_to_day
      and not exists (select 1 from fresh as f where f.entity_type = t.entity_type and f.entity_id = t.entity_id and f.day = t.day and f.visitor_key = t.visitor_key)
    returning 1
  ),
  written as (
    insert into analytics.entity_daily_visitors as t (org_id, entity_type, entity_id, day,
          visitor_key, played)
    select org_id, entity_type, entity_id, day, visitor_key, played from fresh
    on conflict (org_id, entity_id, entity_type, day, visitor_key) do update set
        played = excluded.played
      where (t.played) is distinct from (excluded.played)
    returning 1
  )
  select (select pg_catalog.count(*) from written) + (select pg_catalog.count(*) from removed)
  into v_rows;
  v_changed := v_changed + v_rows;

  -- analytics.user_daily_stats
  with fresh as materialized (
    select * from analytics.compute_user_daily_stats(p_org_id, v_events)
  ),
  removed as (
    delete from analytics.user_daily_stats as t
    where t.org_id = p_org_id and t.day >= p_from_day and t.day < p_to_day
      and not exists (select 1 from fresh as f where f.user_id = t.user_id and f.day = t.day)
    returning 1
  ),
  written as (
    insert into analytics.user_daily_stats as t (org_id, user_id, day, items_created, plays,
          plays_received, followers_gained, events_viewed, events_clicked, events_interested,
          ticket_links_clicked, reviews, searches, sessions, time_spent_seconds)
    select org_id, user_id, day, items_created, plays, plays_received, followers_gained,
          events_viewed, events_clicked, events_interested, ticket_links_clicked, reviews, searches,
          sessions, time_spent_seconds from fresh
    on conflict (org_id, user_id, day) do update set
        items_created = excluded.items_created,
        plays = excluded.plays,
        plays_received = excluded.plays_received,
        followers_gained = excluded.followers_gained,
        events_viewed = excluded.events_viewed,
        events_clicked = excluded.events_clicked,
        events_interested = excluded.events_interested,
        ticket_links_clicked = excluded.ticket_links_clicked,
        reviews = excluded.reviews,
        searches = excluded.searches,
        sessions = excluded.sessions,
        time_spent_seconds = excluded.time_spent_seconds
      where (t.items_created, t.plays, t.plays_received, t.followers_gained, t.events_viewed,
            t.events_clicked, t.events_interested, t.ticket_links_clicked, t.reviews, t.searches,
            t.sessions, t.time_spent_seconds) is distinct from (excluded.items_created,
            excluded.plays, excluded.plays_received, excluded.followers_gained,
            excluded.events_viewed, excluded.events_clicked, excluded.events_interested,
            excluded.ticket_links_clicked, excluded.reviews, excluded.searches, excluded.sessions,
            excluded.time_spent_seconds)
    returning 1
  )
  select (select pg_catalog.count(*) from written) + (select pg_catalog.count(*) from removed)
  into v_rows;
  v_changed := v_changed + v_rows;

  -- analytics.profile_daily_stats
  with fresh as materialized (
    select * from analytics.compute_profile_daily_stats(p_org_id, p_from_day, v_events)
  ),
  removed as (
    delete from analytics.profile_daily_stats as t
    where t.org_id = p_org_id and t.day >= p_from_day and t.day < p_to_day
      and not exists (select 1 from fresh as f where f.day = t.day)
    returning 1
  ),
  written as (
    insert into analytics.profile_daily_stats as t (org_id, day, profile_kind, profile_views,
          new_followers, total_followers, event_impressions, reviews_received, rating_sum,
          rating_count)
    select org_id, day, profile_kind, profile_views, new_followers, total_followers,
          event_impressions, reviews_received, rating_sum, rating_count from fresh
    on conflict (org_id, day) do update set
        profile_kind = excluded.profile_kind,
        profile_views = excluded.profile_views,
        new_followers = excluded.new_followers,
        total_followers = excluded.total_followers,
        event_impressions = excluded.event_impressions,
        reviews_received = excluded.reviews_received,
        rating_sum = excluded.rating_sum,
        rating_count = excluded.rating_count
      where (t.profile_kind, t.profile_views, t.new_followers, t.total_followers,
            t.event_impressions, t.reviews_received, t.rating_sum,
            t.rating_count) is distinct from (excluded.profile_kind, excluded.profile_views,
            excluded.new_followers, excluded.total_followers, excluded.event_impressions,
            excluded.reviews_received, excluded.rating_sum, excluded.rating_count)
    returning 1
  )
  select (select pg_catalog.count(*) from written) + (select pg_catalog.count(*) from removed)
  into v_rows;
  v_changed := v_changed + v_rows;

  -- Running follower totals of the days after the range (and of the range, if a row
  -- before it changed since).
  with totals as (
    select s.day, (pg_catalog.sum(s.new_followers) over (order by s.day))::bigint as total_followers
    from analytics.profile_daily_stats as s
    where s.org_id = p_org_id
  )
  update analytics.profile_daily_stats as t
     set total_followers = x.total_followers
    from totals as x
   where t.org_id = p_org_id and t.day = x.day and t.total_followers <> x.total_followers;
  get diagnostics v_rows = row_count;
  v_changed := v_changed + v_rows;

  return v_changed;
end;
$$;
revoke execute on function analytics.recompute_days(uuid, date, date) from public, anon, authenticated;
comment on function analytics.recompute_days(uuid, date, date) is
  'Recomputes all daily rollups of an organization for local days [p_from_day,
        p_to_day) (idempotent upserts,
        deletes of vanished rows); returns rows changed. Internal step of analytics.aggregate_daily (owner only).';
