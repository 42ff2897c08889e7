-- The artist's or venue's profile dashboard of an organization (kind artist or venue) for
-- the local days [p_from, p_to), as jsonb:
--   { "org_id", "profile_kind", "from", "to",
--     "totals": {"profile_views", "new_followers", "total_followers", "event_impressions",
--                "reviews_received", "average_rating", "events_hosted", "active_events"},
--     "daily": [{"date", "profile_views", "new_followers", "total_followers",
--                "reviews_received", "average_rating", "running_average_rating",
--                "events_hosted", "active_events"}]                 every day, in order
--     "event_performance": [{"tour_date_id", "city", "venue_name", "starts_at", "impressions",
--                            "detail_views", "clicks", "ticket_clicks", "click_through_rate_pct",
--                            "ticket_conversion_rate_pct", "reviews", "average_rating"}] }
-- Definitions: profile views, followers, impressions, reviews and ratings as
-- analytics.profile_daily_stats defines them (total_followers: all follows through the end
-- of the period / of the day); average_rating = mean of the 1-5 ratings (two decimals),
-- running_average_rating the mean of the period's ratings up to that day (the rating
-- trend); events_hosted = tour dates of the organization (app.tour_dates) starting that
-- local day / in the period, cancelled ones excluded; active_events = distinct tour dates
-- with an impression, view, click or review that day / in the period
-- (analytics.entity_daily_interactions); event_performance: the 10 tour dates with the
-- most detail views in the period (ties: impressions, then id), rates as in
-- get_entity_analytics' interactions (two decimals, NULL over 0).
-- Profile stats (analytics.profile_daily_stats) and interactions through
-- private.rollup_rows: exact whether or not refresh has run (a late event counts at once).
-- Callable by members (viewer or above) and service_role.
-- Errors: 42501 not a member; 22023 bad period, or an organization that is neither an
-- artist nor a venue (hint: its kind).
create or replace function public.get_profile_dashboard(p_org_id uuid, p_from date, p_to date)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_kind     app.org_kind;
  v_tz       text;
begin
  perform app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"
  perform analytics.check_period(p_from, p_to);      -- raises 22023
  select o.kind, o.timezone into v_kind, v_tz from app.organizations as o where o.id = p_org_id;
  if v_kind not in ('artist', 'venue') then
    raise exception 'organization % is a %, not an artist or a venue', p_org_id, v_kind
      using errcode = '22023', hint = 'Profile dashboards exist for organizations of kind artist or venue; use get_dashboard.';
  end if;

  return (
    with rows as materialized (
      select r.* from private.rollup_rows(null::analytics.profile_daily_stats, p_org_id, null::date, p_to) as r
    ),
    p as materialized (
      select r.day, r.profile_views, r.new_followers, r.event_impressions, r.reviews_received, r.rating_sum, r.rating_count
      from rows as r
      where r.day >= p_from
    ),
    followers_before as (
      -- follows of every day before the period
      select coalesce((select pg_catalog.sum(r.new_followers) from rows as r where r.day < p_from), 0) as n
    ),
    i as materialized (
      select x.* from private.rollup_rows(null::analytics.entity_daily_interactions, p_org_id, p_from, p_to) as x
      where x.org_id = p_org_id and x.entity_type = 'tour_date'
    ),
    hosted as (
      select (t.starts_at at time zone v_tz)::date as day, pg_catalog.count(*) as n
      from app.tour_dates as t
      where t.org_id = p_org_id and t.ticket_status <> 'cancelled'
        and t.starts_at >= (p_from::timestamp at time zone v_tz) and t.starts_at < (p_to::timestamp at time zone v_tz)
      group by 1
    ),
    days as (
      select g.day, p.profile_views, p.new_followers, p.reviews_received, p.rating_sum, p.rating_count,
             (select fb.n from followers_before as fb)
               + coalesce(pg_catalog.sum(p.new_followers) over (order by g.day), 0) as total_followers,
             pg_catalog.sum(p.rating_sum) over (order by g.day) as running_sum,
             pg_catalog.sum(p.rating_count) over (order by g.day) as running_count,
             coalesce(h.n, 0) as events_hosted,
             (select pg_catalog.count(distinct x.entity_id) from i as x where x.day = g.day) as active_events
      from (select pg_catalog.generate_series(p_from, p_to - 1, interval '1 day')::date as day) as g
      left join p on p.day = g.day
      left join hosted as h on h.day = g.day
    ),
    perf as (
      select x.entity_id, pg_catalog.sum(x.impressions) as impressions, pg_catalog.sum(x.detail_views) as detail_views,
             pg_catalog.sum(x.clicks) as clicks, pg_catalog.sum(x.ticket_clicks) as ticket_clicks,
             pg_catalog.sum(x.reviews) as reviews, pg_catalog.sum(x.rating_sum) as rating_sum, pg_catalog.sum(x.rating_count) as rating_count
      from i as x
      group by x.entity_id
      order by 3 desc, 2 desc, 1
      limit 10
    )
    select pg_catalog.jsonb_build_object(
      'org_id', p_org_id, 'profile_kind', v_kind, 'from', p_from, 'to', p_to,
      'totals', (select pg_catalog.jsonb_build_object(
                   'profile_views', coalesce(pg_catalog.sum(d.profile_views), 0),
                   'new_followers', coalesce(pg_catalog.sum(d.new_followers), 0),
                   'total_followers', (select d2.total_followers from days as d2 order by d2.day desc limit 1),
                   'event_impressions', (select coalesce(pg_catalog.sum(q.event_impressions), 0) from p as q),
                   'reviews_received', coalesce(pg_catalog.sum(d.reviews_received), 0),
                   'average_rating', case when pg_catalog.sum(d.rating_count) > 0
                                          then pg_catalog.round(pg_catalog.sum(d.rating_sum) / pg_catalog.sum(d.rating_count), 2) end,
                   'events_hosted', coalesce(pg_catalog.sum(d.events_hosted), 0),
                   'active_events', (select pg_catalog.count(distinct x.entity_id) from i as x))
                 from days as d),
      'daily', (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                  'date', d.day, 'profile_views', coalesce(d.profile_views, 0), 'new_followers', coalesce(d.new_followers, 0),
                  'total_followers', d.total_followers, 'reviews_received', coalesce(d.reviews_received, 0),
                  'average_rating', case when d.rating_count > 0 then pg_catalog.round(d.rating_sum / d.rating_count, 2) end,
                  'running_average_rating', case when d.running_count > 0 then pg_catalog.round(d.running_sum / d.running_count, 2) end,
                  'events_hosted', d.events_hosted, 'active_events', d.active_events) order by d.day)
                from days as d),
      'event_performance', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                  'tour_date_id', f.entity_id, 'city', t.city, 'venue_name', t.venue_name, 'starts_at', t.starts_at,
                  'impressions', f.impressions, 'detail_views', f.detail_views, 'clicks', f.clicks, 'ticket_clicks', f.ticket_clicks,
                  'click_through_rate_pct', case when f.impressions > 0 then pg_catalog.round(100.0 * f.clicks / f.impressions, 2) end,
                  'ticket_conversion_rate_pct', case when f.detail_views > 0 then pg_catalog.round(100.0 * f.ticket_clicks / f.detail_views, 2) end,
                  'reviews', f.reviews,
                  'average_rating', case when f.rating_count > 0 then pg_catalog.round(f.rating_sum / f.rating_count, 2) end)
                  order by f.detail_views desc, f.impressions desc, f.entity_id), '[]'::jsonb)
                from perf as f
                left join app.tour_dates as t on t.org_id = p_org_id and t.id = f.entity_id))
  );
end;
$$;
revoke execute on function public.get_profile_dashboard(uuid, date, date) from public, anon;
grant execute on function public.get_profile_dashboard(uuid, date, date) to authenticated, service_role;
comment on function public.get_profile_dashboard(uuid, date, date) is
  'Artist / venue profile dashboard for local days [p_from, p_to): profile views, followers (new and total), rating trend (daily and running average), events hosted and active, and the performance of its top 10 tour dates (impressions, views, clicks, ticket clicks, rates, reviews). Members and service_role; 42501 otherwise; 22023 bad period or an organization of another kind.';
