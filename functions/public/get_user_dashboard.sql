-- requires: functions/analytics/compute_user_daily_stats.sql
-- requires: functions/analytics/compute_user_daily_interactions.sql
-- A user's own dashboard in one organization for the local days [p_from, p_to), from
-- analytics.user_daily_stats (what the user did and received) and
-- analytics.user_daily_interactions (view duration, social and feed actions), as jsonb:
--   { "org_id", "user_id", "from", "to",
--     "totals": {"plays", "plays_received", "followers_gained", "items_created",
--                "events_viewed", "events_clicked", "events_interested", "ticket_links_clicked",
--                "reviews", "searches", "sessions", "time_spent_seconds",
--                "avg_session_duration_seconds", "reviews_liked", "reviews_commented",
--                "friends_added", "messages_sent", "shares_sent", "tab_changes", "load_mores",
--                "max_scroll_depth_pct", "timed_views", "average_view_seconds", "median_view_seconds"},
--     "daily": [{"date", "plays", "events_viewed", "sessions", "time_spent_seconds",
--                "avg_session_duration_seconds", "messages_sent", "shares_sent",
--                "friends_added", "timed_views", "average_view_seconds"}] }   every day, in order
-- Definitions: sums over the days (sessions: per-day distinct session ids, summed);
-- avg_session_duration_seconds = time_spent_seconds / sessions (one decimal; NULL without
-- sessions); average_view_seconds = view seconds / timed views and median_view_seconds
-- the exact median of the durations (one decimal); max_scroll_depth_pct the highest of the
-- days. user_daily_stats and user_daily_interactions through their inlinable readers
-- (private.<target>_rows): exact whether or not refresh has run (a late event counts at
-- once); the user filter reaches the stored rows' primary key (org_id, user_id, day).
-- Who may call: a signed-in user about themselves (p_user_id NULL or their own id: no
-- membership needed, an end user's stats are their own); analysts or above of the
-- organization and service_role about any user (p_user_id).
-- A user who opted out of the organization's profiling (audience.opt_outs, key
-- 'user:<id>'): NULL for anyone but the user.
-- Errors: 42501 anon, or another user's stats without the analyst role; 22023 bad period.
create or replace function public.get_user_dashboard(p_org_id uuid, p_from date, p_to date, p_user_id uuid default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_user     uuid := coalesce(p_user_id, auth.uid());
begin
  if v_user is null or v_user is distinct from auth.uid() then
    perform app.assert_org_role(p_org_id, 'analyst');   -- raises 42501 (anon, non-analysts)
    if v_user is null then
      raise exception 'a user id is needed' using errcode = '22023', hint = 'Pass p_user_id (service_role has no user of its own).';
    end if;
  end if;
  perform analytics.check_period(p_from, p_to);        -- raises 22023
  -- A user who opted out of the organization's profiling is nobody else's to look at.
  if v_user is distinct from auth.uid()
     and exists (select 1 from audience.opt_outs as x where x.org_id = p_org_id and x.visitor_id = 'user:' || v_user::text) then
    return null;
  end if;

  return (
    with s as materialized (
      select r.day, r.plays, r.plays_received, r.followers_gained, r.items_created, r.events_viewed, r.events_clicked,
             r.events_interested, r.ticket_links_clicked, r.reviews, r.searches, r.sessions, r.time_spent_seconds
      from private.user_daily_stats_rows(p_org_id, p_from, p_to) as r
      where r.user_id = v_user
    ),
    i as materialized (
      select x.* from private.user_daily_interactions_rows(p_org_id, p_from, p_to) as x
      where x.user_id = v_user
    ),
    days as (
      select g.day, s.plays, s.events_viewed, s.sessions, s.time_spent_seconds, i.messages_sent, i.shares_sent,
             i.friends_added, i.timed_views, i.view_seconds
      from (select pg_catalog.generate_series(p_from, p_to - 1, interval '1 day')::date as day) as g
      left join s on s.day = g.day
      left join i on i.day = g.day
    ),
    st as (
      select coalesce(pg_catalog.sum(s.plays), 0) as plays, coalesce(pg_catalog.sum(s.plays_received), 0) as plays_received,
             coalesce(pg_catalog.sum(s.followers_gained), 0) as followers_gained, coalesce(pg_catalog.sum(s.items_created), 0) as items_created,
             coalesce(pg_catalog.sum(s.events_viewed), 0) as events_viewed, coalesce(pg_catalog.sum(s.events_clicked), 0) as events_clicked,
             coalesce(pg_catalog.sum(s.events_interested), 0) as events_interested,
             coalesce(pg_catalog.sum(s.ticket_links_clicked), 0) as ticket_links_clicked, coalesce(pg_catalog.sum(s.reviews), 0) as reviews,
             coalesce(pg_catalog.sum(s.searches), 0) as searches, coalesce(pg_catalog.sum(s.sessions), 0) as sessions,
             coalesce(pg_catalog.sum(s.time_spent_seconds), 0) as time_spent_seconds
      from s
    ),
    it as (
      select coalesce(pg_catalog.sum(i.reviews_liked), 0) as reviews_liked, coalesce(pg_catalog.sum(i.reviews_commented), 0) as reviews_commented,
             coalesce(pg_catalog.sum(i.friends_added), 0) as friends_added, coalesce(pg_catalog.sum(i.messages_sent), 0) as messages_sent,
             coalesce(pg_catalog.sum(i.shares_sent), 0) as shares_sent, coalesce(pg_catalog.sum(i.tab_changes), 0) as tab_changes,
             coalesce(pg_catalog.sum(i.load_mores), 0) as load_mores, pg_catalog.max(i.max_scroll_depth_pct) as max_scroll_depth_pct,
             coalesce(pg_catalog.sum(i.timed_views), 0) as timed_views, pg_catalog.sum(i.view_seconds) as view_seconds,
             (select pg_catalog.percentile_cont(0.5) within group (order by d) from i as i2, pg_catalog.unnest(i2.view_durations) as d) as median
      from i
    )
    select pg_catalog.jsonb_build_object(
      'org_id', p_org_id, 'user_id', v_user, 'from', p_from, 'to', p_to,
      'totals', pg_catalog.to_jsonb(st) || pg_catalog.jsonb_build_object(
          'avg_session_duration_seconds', case when st.sessions > 0 then pg_catalog.round(st.time_spent_seconds / st.sessions, 1) end,
          'reviews_liked', it.reviews_liked, 'reviews_commented', it.reviews_commented, 'friends_added', it.friends_added,
          'messages_sent', it.messages_sent, 'shares_sent', it.shares_sent, 'tab_changes', it.tab_changes,
          'load_mores', it.load_mores, 'max_scroll_depth_pct', it.max_scroll_depth_pct, 'timed_views', it.timed_views,
          'average_view_seconds', case when it.timed_views > 0 then pg_catalog.round(it.view_seconds / it.timed_views, 1) end,
          'median_view_seconds', pg_catalog.round(it.median::numeric, 1)),
      'daily', (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                  'date', d.day, 'plays', coalesce(d.plays, 0), 'events_viewed', coalesce(d.events_viewed, 0),
                  'sessions', coalesce(d.sessions, 0), 'time_spent_seconds', coalesce(d.time_spent_seconds, 0),
                  'avg_session_duration_seconds', case when d.sessions > 0 then pg_catalog.round(d.time_spent_seconds / d.sessions, 1) end,
                  'messages_sent', coalesce(d.messages_sent, 0), 'shares_sent', coalesce(d.shares_sent, 0),
                  'friends_added', coalesce(d.friends_added, 0), 'timed_views', coalesce(d.timed_views, 0),
                  'average_view_seconds', case when d.timed_views > 0 then pg_catalog.round(d.view_seconds / d.timed_views, 1) end)
                  order by d.day) from days as d))
    from st cross join it
  );
end;
$$;
revoke execute on function public.get_user_dashboard(uuid, date, date, uuid) from public, anon;
grant execute on function public.get_user_dashboard(uuid, date, date, uuid) to authenticated, service_role;
comment on function public.get_user_dashboard(uuid, date, date, uuid) is
  'A user''s dashboard in an organization for local days [p_from, p_to): totals and daily series of user_daily_stats and user_daily_interactions (avg session duration, view duration, social and feed actions). A user about themselves; analysts or above and service_role about anyone; 42501 otherwise; 22023 bad period.';
