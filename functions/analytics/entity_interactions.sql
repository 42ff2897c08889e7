-- requires: functions/analytics/compute_entity_daily_interactions.sql
-- One entity's interaction figures for local days [p_from, p_to) of an organization,
-- from the rollup analytics.entity_daily_interactions (exact: its inlined reader, filtered on the entity's key):
--   { "timed_views", "average_view_seconds", "median_view_seconds",
--     "impressions", "clicks", "click_through_rate_pct", "ticket_clicks", "detail_views",
--     "ticket_conversion_rate_pct", "reviews", "average_rating",
--     "daily": [{"date", "timed_views", "average_view_seconds", "median_view_seconds",
--                "click_through_rate_pct", "ticket_conversion_rate_pct"}] }  every day, in order
-- Definitions: a timed view is an event_view / page_view / profile_view with
-- properties.duration_seconds (analytics.view_seconds); average = total / timed views
-- (one decimal), median = the exact median of the durations (one decimal; the mean of the
-- two middle ones for an even count); click_through_rate_pct = clicks (link_click,
-- search_result_click) / impressions x 100, ticket_conversion_rate_pct = ticket clicks /
-- detail views (event_view) x 100, both two decimals; average_rating = mean of the 1-5
-- ratings of review events, two decimals. NULL where the denominator is 0.
-- Internal helper of public.get_entity_analytics, which checks membership first; owner only.
create or replace function analytics.entity_interactions(p_org_id uuid, p_entity_id uuid, p_from date, p_to date)
returns jsonb
language sql
stable
set search_path = ''
as $$
  with r as materialized (
    select x.* from private.entity_daily_interactions_rows(p_org_id, p_from, p_to) as x
    where x.entity_id = p_entity_id
  ),
  per_day as (
    select r.day, pg_catalog.sum(r.timed_views) as timed_views, pg_catalog.sum(r.view_seconds) as view_seconds,
           pg_catalog.sum(r.impressions) as impressions, pg_catalog.sum(r.clicks) as clicks,
           pg_catalog.sum(r.ticket_clicks) as ticket_clicks, pg_catalog.sum(r.detail_views) as detail_views,
           (select pg_catalog.percentile_cont(0.5) within group (order by d)
              from r as r2, pg_catalog.unnest(r2.view_durations) as d where r2.day = r.day) as median
    from r group by r.day
  ),
  total as (
    select coalesce(pg_catalog.sum(r.timed_views), 0) as timed_views, pg_catalog.sum(r.view_seconds) as view_seconds,
           coalesce(pg_catalog.sum(r.impressions), 0) as impressions, coalesce(pg_catalog.sum(r.clicks), 0) as clicks,
           coalesce(pg_catalog.sum(r.ticket_clicks), 0) as ticket_clicks, coalesce(pg_catalog.sum(r.detail_views), 0) as detail_views,
           coalesce(pg_catalog.sum(r.reviews), 0) as reviews, pg_catalog.sum(r.rating_sum) as rating_sum,
           coalesce(pg_catalog.sum(r.rating_count), 0) as rating_count,
           (select pg_catalog.percentile_cont(0.5) within group (order by d)
              from r as r2, pg_catalog.unnest(r2.view_durations) as d) as median
    from r
  )
  select pg_catalog.jsonb_build_object(
    'timed_views', t.timed_views,
    'average_view_seconds', case when t.timed_views > 0 then pg_catalog.round(t.view_seconds / t.timed_views, 1) end,
    'median_view_seconds', pg_catalog.round(t.median::numeric, 1),
    'impressions', t.impressions,
    'clicks', t.clicks,
    'click_through_rate_pct', case when t.impressions > 0 then pg_catalog.round(100.0 * t.clicks / t.impressions, 2) end,
    'ticket_clicks', t.ticket_clicks,
    'detail_views', t.detail_views,
    'ticket_conversion_rate_pct', case when t.detail_views > 0 then pg_catalog.round(100.0 * t.ticket_clicks / t.detail_views, 2) end,
    'reviews', t.reviews,
    'average_rating', case when t.rating_count > 0 then pg_catalog.round(t.rating_sum / t.rating_count, 2) end,
    'daily', (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'date', g.day,
                'timed_views', coalesce(d.timed_views, 0),
                'average_view_seconds', case when d.timed_views > 0 then pg_catalog.round(d.view_seconds / d.timed_views, 1) end,
                'median_view_seconds', pg_catalog.round(d.median::numeric, 1),
                'click_through_rate_pct', case when d.impressions > 0 then pg_catalog.round(100.0 * d.clicks / d.impressions, 2) end,
                'ticket_conversion_rate_pct', case when d.detail_views > 0 then pg_catalog.round(100.0 * d.ticket_clicks / d.detail_views, 2) end)
                order by g.day)
              from (select pg_catalog.generate_series(p_from, p_to - 1, interval '1 day')::date as day) as g
              left join per_day as d on d.day = g.day))
  from total as t
$$;
revoke execute on function analytics.entity_interactions(uuid, uuid, date, date) from public, anon, authenticated;
comment on function analytics.entity_interactions(uuid, uuid, date, date) is
  'One entity''s view duration (timed views, average and median seconds), click-through and ticket conversion rates, reviews and average rating for local days [p_from, p_to), with a daily series. Internal helper of public.get_entity_analytics (owner only).';
