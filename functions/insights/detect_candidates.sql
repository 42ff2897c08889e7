-- The insight candidates of an organization: one row per insight that passes its
-- thresholds (insights.thresholds), with the numbers that back it (data_snapshot) and a
-- template title, description and action built ONLY from values of that snapshot, written
-- exactly as they appear there (integers, percentages rounded to whole numbers, ratios and
-- rates to one decimal, amounts to two): the generator's validator checks every number of
-- a text against the snapshot. Callable by service_role (audiencectl insights) and members
-- of at least analyst role.
--
-- Period: insights.period_bounds (default the last 30 whole days in the organization's
-- time zone vs the 30 before). Everything is relative to the period end, never to now():
-- "upcoming" shows start at or after it, churn counts its last 7 days, so a fixed period
-- gives a fixed answer. Bots are excluded; cities are (city, country), keyed "City, CC".
-- Halves: b1, b2 split the comparison period, b3, b4 the analysed period (equal lengths).
--
-- Confidence = base (<type>.base_confidence) x min(1, data_points / (required x 1.5)) x
-- consistency, rounded to 2 decimals; consistency 1.0 monotonic, 0.8 noisy, 0.6
-- contradictory (insights.trend_consistency over b1..b4 for changes, insights.
-- halves_consistency over b3, b4 for levels; per type below). Below confidence.min (0.5)
-- nothing is returned; at most candidates.max_per_type (3) rows per type, strongest first.
--
-- Types (data_points / required; consistency):
--   city_growth         link clicks from a city >= city_growth.min_clicks in both periods
--                       (and >= min.previous_clicks_for_growth before), grown by
--                       >= city_growth.min_growth_pct. min(now, before) / min_clicks; trend up.
--   new_market          >= new_market.min_clicks now, < new_market.max_previous_clicks
--                       before. clicks / min_clicks; halves of clicks.
--   declining_market    >= declining_market.min_previous_clicks before, fallen by
--                       >= min_decline_pct. previous clicks / min_previous_clicks; trend down.
--   tour_gap            >= tour_gap.min_fans fans (distinct visitors of the period) in a
--                       city without an upcoming show (not cancelled or postponed), when the
--                       organization has >= min.tour_dates tour dates or >= min.located_audience
--                       located visitors. fans / min_fans; halves of fans.
--   tour_timing         a show (announced, on sale, low tickets) within
--                       tour_timing.max_days_ahead days of the period end in a city with
--                       >= tour_timing.min_fans fans whose link clicks grow as city_growth
--                       requires (its snapshot and wording say how much); days_until counts calendar days in the
--                       organization's time zone from the period end's day (the "today" of
--                       a default period). fans / min_fans; halves of fans.
--   subscriber_surge    new subscribers (audience.subscribers.subscribed_at) >= max(
--                       subscriber_surge.min_new, min.subscribers), grown by >= min_growth_pct
--                       (or from zero). new / that minimum; trend up.
--   subscriber_churn    unsubscribes in the last subscriber_churn.window_days days >= max(
--                       min_unsubscribes, min.subscribers). unsubscribes / that minimum;
--                       1.0 more than the window before, 0.8 not more, 0.6 when new
--                       subscribers of the window outnumber them.
--   release_momentum    the latest release (app.content_items kind 'release'), published in
--                       the period, with >= release_momentum.min_events events about it
--                       since, and more than the previous release had at the same age (its
--                       events from its publication for as long as the latest has been out);
--                       needs two releases. events / min_events; halves since publication.
--   platform_preference music link clicks (link_type 'streaming' or a streaming service's
--                       platform key) >= max(platform_preference.min_clicks, min.link_clicks);
--                       the top platform >= min_ratio x the second. clicks / min_clicks;
--                       1.0 ratio holds in both halves, 0.8 in one, 0.6 in neither.
--   referrer_surge      a short-term surge: events with a referrer domain in the last
--                       referrer_surge.window_days (7) days of the period >= min_visits, grown
--                       by >= min_growth_pct over the 7 days before (or from zero); the row's
--                       comparison period is those 7 days before. visits / min_visits; trend
--                       up over the four half-weeks.  (Periods shorter than 7 days use the
--                       period and the comparison period as the two windows.)
--   tip_hotspot         tips (audience.orders kind 'tip', not refunded, the organization's
--                       currency; each tip once) >= min.tips overall, >= tip_hotspot.
--                       min_city_tips from the city, >= min_share_pct of the amount. city
--                       tips / min_city_tips; 1.0 top city in both halves, 0.8 in one, 0.6 none.
--   engagement_quality  share of engaged visitors (intent >= medium, see event_aggregates)
--                       moved >= min_change_pts, >= min_visitors in both periods.
--                       min(visitors) / min_visitors; trend of the share.
--   peak_activity       >= max(peak_activity.min_events, min.timed_events) events; the peak
--                       hour (local) holds >= min_hour_share_pct. events / that minimum;
--                       1.0 both halves peak within an hour of it, 0.8 one, 0.6 none.
--   capture_rate_change new subscribers per 100 visitors moved >= min_change_pct (relative),
--                       >= min_visitors in both periods, >= min.subscribers new in one of
--                       them and at least one before. min(new now, new before) /
--                       min.subscribers; trend of the rate.
--   device_shift        a device type's share of events moved >= min_change_pts, >=
--                       min_events in both periods (only the largest move). min(events) /
--                       min_events; trend of the share.
create or replace function insights.detect_candidates(
  p_org_id       uuid,
  p_period_start timestamptz default null,
  p_period_end   timestamptz default null)
returns table (insight_type insights.insight_type, category insights.insight_category, subject_key text,
               priority insights.insight_priority, confidence numeric(3,2), data_snapshot jsonb, title text,
               description text, action_suggestion text, period_start timestamptz, period_end timestamptz,
               comparison_start timestamptz, comparison_end timestamptz)
language plpgsql
stable
security definer
set search_path = ''
set work_mem = '64MB'
set jit = off
as $$
#variable_conflict use_column
declare
  v_bounds      record;
  v_rules       jsonb;
  v_currency    text;
  v_mid         timestamptz;
  v_churn_start timestamptz;
  v_churn_prev  timestamptz;
  v_days        integer;
  v_window_days integer;
  v_ref_days    integer;
  v_ref_start   timestamptz;
  v_ref_mid     timestamptz;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  select * into v_bounds from insights.period_bounds(p_org_id, p_period_start, p_period_end);
  v_rules := insights.thresholds_json(array[
    'min.previous_clicks_for_growth', 'min.subscribers', 'min.tips', 'min.timed_events', 'min.link_clicks',
    'min.tour_dates', 'min.located_audience',
    'city_growth.min_clicks', 'city_growth.min_growth_pct', 'city_growth.base_confidence',
    'new_market.min_clicks', 'new_market.max_previous_clicks', 'new_market.base_confidence',
    'declining_market.min_previous_clicks', 'declining_market.min_decline_pct', 'declining_market.base_confidence',
    'tour_gap.min_fans', 'tour_gap.base_confidence',
    'tour_timing.min_fans', 'tour_timing.max_days_ahead', 'tour_timing.base_confidence',
    'subscriber_surge.min_new', 'subscriber_surge.min_growth_pct', 'subscriber_surge.base_confidence',
    'subscriber_churn.min_unsubscribes', 'subscriber_churn.window_days', 'subscriber_churn.base_confidence',
    'release_momentum.min_events', 'release_momentum.base_confidence',
    'platform_preference.min_clicks', 'platform_preference.min_ratio', 'platform_preference.base_confidence',
    'referrer_surge.window_days', 'referrer_surge.min_visits', 'referrer_surge.min_growth_pct', 'referrer_surge.base_confidence',
    'tip_hotspot.min_city_tips', 'tip_hotspot.min_share_pct', 'tip_hotspot.base_confidence',
    'engagement_quality.min_visitors', 'engagement_quality.min_change_pts', 'engagement_quality.base_confidence',
    'peak_activity.min_events', 'peak_activity.min_hour_share_pct', 'peak_activity.base_confidence',
    'capture_rate_change.min_visitors', 'capture_rate_change.min_change_pct', 'capture_rate_change.base_confidence',
    'device_shift.min_events', 'device_shift.min_change_pts', 'device_shift.base_confidence',
    'confidence.min', 'candidates.max_per_type']);

  select o.currency into v_currency from app.organizations o where o.id = p_org_id;
  v_days := v_bounds.period_days;
  v_mid := v_bounds.period_start + (v_bounds.period_end - v_bounds.period_start) / 2;
  v_window_days := (v_rules->>'subscriber_churn.window_days')::integer;
  v_churn_start := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => v_window_days))
                   at time zone v_bounds.timezone;
  v_churn_prev := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => 2 * v_window_days))
                  at time zone v_bounds.timezone;
  v_ref_days := (v_rules->>'referrer_surge.window_days')::integer;
  if v_ref_days <= v_days then
    v_ref_start := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => 2 * v_ref_days))
                   at time zone v_bounds.timezone;
    v_ref_mid := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => v_ref_days))
                 at time zone v_bounds.timezone;
  else
    v_ref_days := v_days;
    v_ref_start := v_bounds.comparison_start;
    v_ref_mid := v_bounds.period_start;
  end if;

  return query
  with agg as materialized (
    select *
    from insights.event_aggregates(p_org_id, v_bounds.comparison_start, v_bounds.period_start,
                                   v_bounds.period_end, v_bounds.timezone, v_ref_start, v_ref_mid)
  ),
  -- Places ------------------------------------------------------------------------------
  shows as (
    select t.city, t.country::text as country, t.starts_at, t.ticket_status, t.venue_name
    from app.tour_dates t
    where t.org_id = p_org_id and t.starts_at >= v_bounds.period_end
      and t.ticket_status not in ('cancelled', 'postponed')
  ),
  cities as (
    select a.key1 as city, a.key2 as country, a.key1 || coalesce(', ' || a.key2, '') as key,
           a.clicks_1 as b1, a.clicks_2 as b2, a.clicks_3 as b3, a.clicks_4 as b4,
           a.clicks_3 + a.clicks_4 as clicks, a.clicks_1 + a.clicks_2 as previous_clicks,
           a.visitors_now as fans, a.visitors_3 as fans_h1, a.visitors_4 as fans_h2,
           exists (select 1 from shows s
                   where pg_catalog.lower(s.city) = pg_catalog.lower(a.key1) and s.country = a.key2) as has_upcoming_show
    from agg a
    where a.dim = 'city'
  ),
  tour_context as (
    select (select pg_catalog.count(*) from app.tour_dates t where t.org_id = p_org_id) as tour_dates,
           (select a.located_now from agg a where a.dim = 'all') as located_audience
  ),
  -- Visitors, engagement, devices, time -------------------------------------------------
  visitor_totals as (
    select a.visitors_now as visitors, a.visitors_before as previous_visitors,
           a.engaged_now as engaged, a.engaged_before as previous_engaged,
           a.visitors_1 as v1, a.visitors_2 as v2, a.visitors_3 as v3, a.visitors_4 as v4,
           a.engaged_1 as e1, a.engaged_2 as e2, a.engaged_3 as e3, a.engaged_4 as e4
    from agg a
    where a.dim = 'all'
  ),
  devices as (
    select a.key1 as device_type,
           coalesce(a.events_1, 0) as d1, coalesce(a.events_2, 0) as d2, coalesce(a.events_3, 0) as d3, coalesce(a.events_4, 0) as d4
    from agg a
    where a.dim = 'device' and a.key1 is not null
  ),
  device_totals as (
    select pg_catalog.sum(d.d1) as t1, pg_catalog.sum(d.d2) as t2, pg_catalog.sum(d.d3) as t3, pg_catalog.sum(d.d4) as t4 from devices d
  ),
  hours as (
    select a.hour,
           pg_catalog.sum(coalesce(a.events_3, 0) + coalesce(a.events_4, 0)) as events,
           coalesce(pg_catalog.sum(a.events_3), 0) as h1_events,
           coalesce(pg_catalog.sum(a.events_4), 0) as h2_events
    from agg a
    where a.dim = 'time'
    group by a.hour
    having pg_catalog.sum(coalesce(a.events_3, 0) + coalesce(a.events_4, 0)) > 0
  ),
  weekdays as (
    select a.weekday, pg_catalog.sum(coalesce(a.events_3, 0) + coalesce(a.events_4, 0)) as events
    from agg a
    where a.dim = 'time'
    group by a.weekday
  ),
  peak as (
    select (select pg_catalog.sum(h.events) from hours h) as events,
           (select h.hour from hours h order by h.events desc, h.hour limit 1) as peak_hour,
           (select h.events from hours h order by h.events desc, h.hour limit 1) as peak_events,
           (select h.hour from hours h order by h.h1_events desc, h.hour limit 1) as peak_hour_h1,
           (select h.hour from hours h order by h.h2_events desc, h.hour limit 1) as peak_hour_h2,
           (select w.weekday from weekdays w order by w.events desc, w.weekday limit 1) as peak_weekday,
           (select w.events from weekdays w order by w.events desc, w.weekday limit 1) as peak_weekday_events
  ),
  -- Links and referrers -----------------------------------------------------------------
  music as (
    select a.key1 as platform,
           pg_catalog.sum(coalesce(a.clicks_3, 0) + coalesce(a.clicks_4, 0)) as clicks,
           coalesce(pg_catalog.sum(a.clicks_3), 0) as h1_clicks,
           coalesce(pg_catalog.sum(a.clicks_4), 0) as h2_clicks
    from agg a
    where a.dim = 'platform' and a.key1 is not null
      and (a.key2 = 'streaming'
           or a.key1 in ('spotify', 'apple_music', 'deezer', 'tidal', 'amazon_music', 'youtube_music', 'soundcloud',
                         'audiomack', 'pandora', 'napster', 'anghami', 'boomplay', 'qobuz'))
    group by a.key1
    having pg_catalog.sum(coalesce(a.clicks_3, 0) + coalesce(a.clicks_4, 0)) > 0
  ),
  music_ranked as (
    select m.*, pg_catalog.row_number() over (order by m.clicks desc, m.platform) as rank, pg_catalog.sum(m.clicks) over () as total
    from music m
  ),
  referrers as (
    select a.key1 as domain,
           coalesce(a.recent_1, 0) as b1, coalesce(a.recent_2, 0) as b2, coalesce(a.recent_3, 0) as b3, coalesce(a.recent_4, 0) as b4
    from agg a
    where a.dim = 'referrer' and a.key1 is not null
  ),
  releases as (
    select c.id, c.title, c.published_at,
           coalesce(a.events_1, 0) + coalesce(a.events_2, 0) as events,
           coalesce(a.clicks_1, 0) + coalesce(a.clicks_2, 0) as link_clicks,
           coalesce(a.events_1, 0) as h1_events,
           coalesce(a.events_2, 0) as h2_events
    from app.content_items c
    join agg a on a.dim = 'release' and a.release_id = c.id
    where c.org_id = p_org_id and c.kind = 'release'
      and c.published_at >= v_bounds.period_start and c.published_at < v_bounds.period_end
  ),
  -- The latest release (if published in the period) and the one before it, compared at the
  -- same age: the previous release's events in its first days, as many as the latest has had.
  release_pair as (
    select r.*, p.id as previous_id, p.title as previous_title, p.published_at as previous_published_at,
           (select pg_catalog.count(*) from analytics.events e
            where e.org_id = p_org_id and e.entity_id = p.id and not e.is_bot
              and e.occurred_at >= p.published_at
              and e.occurred_at < p.published_at + (v_bounds.period_end - r.published_at)) as previous_events
    from releases r
    cross join lateral (select c.id, c.title, c.published_at from app.content_items c
                        where c.org_id = p_org_id and c.kind = 'release' and c.published_at < r.published_at
                        order by c.published_at desc, c.id limit 1) p
    where r.published_at = (select pg_catalog.max(c.published_at) from app.content_items c
                            where c.org_id = p_org_id and c.kind = 'release' and c.published_at < v_bounds.period_end)
  ),
  -- Subscribers and tips ----------------------------------------------------------------
  subs as (
    select pg_catalog.count(*) filter (where s.subscribed_at >= v_bounds.comparison_start
                              and s.subscribed_at < v_bounds.comparison_start + (v_bounds.period_start - v_bounds.comparison_start) / 2) as s1,
           pg_catalog.count(*) filter (where s.subscribed_at >= v_bounds.comparison_start + (v_bounds.period_start - v_bounds.comparison_start) / 2
                              and s.subscribed_at < v_bounds.period_start) as s2,
           pg_catalog.count(*) filter (where s.subscribed_at >= v_bounds.period_start and s.subscribed_at < v_mid) as s3,
           pg_catalog.count(*) filter (where s.subscribed_at >= v_mid) as s4,
           pg_catalog.count(*) filter (where s.unsubscribed_at >= v_churn_start and s.unsubscribed_at < v_bounds.period_end) as unsubscribes,
           pg_catalog.count(*) filter (where s.unsubscribed_at >= v_churn_prev and s.unsubscribed_at < v_churn_start) as previous_unsubscribes,
           pg_catalog.count(*) filter (where s.subscribed_at >= v_churn_start) as window_new,
           pg_catalog.count(*) filter (where s.unsubscribed_at is null or s.unsubscribed_at >= v_bounds.period_end) as active
    from audience.subscribers s
    where s.org_id = p_org_id and s.subscribed_at < v_bounds.period_end
  ),
  tips as (
    select o.city, o.country::text as country,
           pg_catalog.count(*) as tips, pg_catalog.sum(o.amount_cents) as cents,
           coalesce(pg_catalog.sum(o.amount_cents) filter (where o.occurred_at < v_mid), 0) as h1_cents,
           coalesce(pg_catalog.sum(o.amount_cents) filter (where o.occurred_at >= v_mid), 0) as h2_cents
    from audience.orders o
    where o.org_id = p_org_id and o.kind = 'tip' and o.refunded_at is null and o.currency = v_currency
      and o.occurred_at >= v_bounds.period_start and o.occurred_at < v_bounds.period_end
    group by o.city, o.country
  ),
  tip_totals as (
    select pg_catalog.sum(t.tips) as tips, pg_catalog.sum(t.cents) as cents,
           (select t2.city || coalesce(', ' || t2.country, '') from tips t2 where t2.city is not null and t2.h1_cents > 0
            order by t2.h1_cents desc, t2.city limit 1) as top_h1,
           (select t2.city || coalesce(', ' || t2.country, '') from tips t2 where t2.city is not null and t2.h2_cents > 0
            order by t2.h2_cents desc, t2.city limit 1) as top_h2
    from tips t
  ),
  -- Candidates: (type, subject, data points, required, consistency, strength, comparison period, snapshot, texts)
  candidates as (
    -- city_growth
    select 'city_growth'::insights.insight_type as kind, c.key as subject,
           least(c.clicks, c.previous_clicks)::numeric as data_points,
           (v_rules->>'city_growth.min_clicks')::numeric as required,
           insights.trend_consistency(c.b1, c.b2, c.b3, c.b4, 1) as consistency,
           (c.clicks - c.previous_clicks)::numeric / c.previous_clicks as strength,
           v_bounds.comparison_start as cmp_start, v_bounds.comparison_end as cmp_end, s.snap,
           pg_catalog.format('%s audience up %s%%', insights.clip(c.city, 40), s.snap->>'growth_pct') as title,
           pg_catalog.format('Link clicks from %s rose from %s to %s (up %s%%) in the last %s days compared with the %s days before.',
                             c.key, s.snap->>'previous_clicks', s.snap->>'clicks', s.snap->>'growth_pct',
                             s.snap->>'period_days', s.snap->>'period_days') as description,
           case when c.has_upcoming_show
                then pg_catalog.format('Promote your upcoming show in %s to this growing audience.', c.city)
                else pg_catalog.format('Consider booking a show or running a local promotion in %s.', c.city) end as action
    from cities c
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'city', c.city, 'country', c.country, 'clicks', c.clicks, 'previous_clicks', c.previous_clicks,
                          'growth_pct', pg_catalog.round((c.clicks - c.previous_clicks) * 100.0 / c.previous_clicks)::integer,
                          'fans', c.fans, 'has_upcoming_show', c.has_upcoming_show, 'period_days', v_days) as snap) s
    where c.clicks >= (v_rules->>'city_growth.min_clicks')::numeric
      and c.previous_clicks >= (v_rules->>'city_growth.min_clicks')::numeric
      and c.previous_clicks >= (v_rules->>'min.previous_clicks_for_growth')::numeric
      and (c.clicks - c.previous_clicks) * 100 >= (v_rules->>'city_growth.min_growth_pct')::numeric * c.previous_clicks

    union all
    -- new_market
    select 'new_market', c.key, c.clicks, (v_rules->>'new_market.min_clicks')::numeric,
           insights.halves_consistency(c.b3, c.b4), c.clicks, v_bounds.comparison_start, v_bounds.comparison_end, s.snap,
           pg_catalog.format('New audience emerging in %s', insights.clip(c.key, 50)),
           pg_catalog.format('Link clicks from %s rose to %s in the last %s days, from %s in the %s days before.',
                             c.key, s.snap->>'clicks', s.snap->>'period_days', s.snap->>'previous_clicks', s.snap->>'period_days'),
           pg_catalog.format('Test a post or ad targeted at %s to grow this new market.', c.city)
    from cities c
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'city', c.city, 'country', c.country, 'clicks', c.clicks, 'previous_clicks', c.previous_clicks,
                          'fans', c.fans, 'period_days', v_days) as snap) s
    where c.clicks >= (v_rules->>'new_market.min_clicks')::numeric
      and c.previous_clicks < (v_rules->>'new_market.max_previous_clicks')::numeric

    union all
    -- declining_market
    select 'declining_market', c.key, c.previous_clicks, (v_rules->>'declining_market.min_previous_clicks')::numeric,
           insights.trend_consistency(c.b1, c.b2, c.b3, c.b4, -1),
           (c.previous_clicks - c.clicks)::numeric / c.previous_clicks, v_bounds.comparison_start, v_bounds.comparison_end, s.snap,
           pg_catalog.format('Fewer clicks from %s (down %s%%)', insights.clip(c.city, 40), s.snap->>'decline_pct'),
           pg_catalog.format('Link clicks from %s fell from %s to %s (down %s%%) in the last %s days compared with the %s days before.',
                             c.key, s.snap->>'previous_clicks', s.snap->>'clicks', s.snap->>'decline_pct',
                             s.snap->>'period_days', s.snap->>'period_days'),
           pg_catalog.format('Re-engage your fans in %s with a local post, a newsletter or a targeted ad.', c.city)
    from cities c
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'city', c.city, 'country', c.country, 'clicks', c.clicks, 'previous_clicks', c.previous_clicks,
                          'decline_pct', pg_catalog.round((c.previous_clicks - c.clicks) * 100.0 / c.previous_clicks)::integer,
                          'period_days', v_days) as snap) s
    where c.previous_clicks >= (v_rules->>'declining_market.min_previous_clicks')::numeric
      and (c.previous_clicks - c.clicks) * 100 >= (v_rules->>'declining_market.min_decline_pct')::numeric * c.previous_clicks

    union all
    -- tour_gap
    select 'tour_gap', c.key, c.fans, (v_rules->>'tour_gap.min_fans')::numeric,
           insights.halves_consistency(c.fans_h1, c.fans_h2), c.fans, null, null, s.snap,
           pg_catalog.format('%s fans in %s, no show planned', s.snap->>'fans', insights.clip(c.city, 40)),
           pg_catalog.format('%s people from %s engaged with you in the last %s days, and you have no upcoming show there.',
                             s.snap->>'fans', c.key, s.snap->>'period_days'),
           pg_catalog.format('Consider booking a show in %s.', c.city)
    from cities c
    cross join tour_context tc
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'city', c.city, 'country', c.country, 'fans', c.fans, 'clicks', c.clicks,
                          'upcoming_shows', 0, 'period_days', v_days) as snap) s
    where c.fans >= (v_rules->>'tour_gap.min_fans')::numeric
      and not c.has_upcoming_show
      and (tc.tour_dates >= (v_rules->>'min.tour_dates')::numeric
           or tc.located_audience >= (v_rules->>'min.located_audience')::numeric)

    union all
    -- tour_timing: the first qualifying show per city whose audience grows (city_growth's rules)
    select 'tour_timing', c.key, c.fans, (v_rules->>'tour_timing.min_fans')::numeric,
           insights.halves_consistency(c.fans_h1, c.fans_h2), -sh.days_until, null, null, s.snap,
           pg_catalog.format('Show in %s %s: %s fans there', insights.clip(c.city, 30),
                             case sh.days_until when 0 then 'today' when 1 then 'tomorrow'
                                  else pg_catalog.format('in %s days', s.snap->>'days_until') end, s.snap->>'fans'),
           pg_catalog.format('%s fans from %s were active in the last %s days, link clicks from there rose %s%% (from %s to %s), and your show there is %s.',
                             s.snap->>'fans', c.key, s.snap->>'period_days', s.snap->>'growth_pct',
                             s.snap->>'previous_clicks', s.snap->>'clicks',
                             case sh.days_until when 0 then 'today' when 1 then 'tomorrow'
                                  else pg_catalog.format('in %s days', s.snap->>'days_until') end),
           case when sh.ticket_status = 'low_tickets'
                then pg_catalog.format('Tickets are running low: tell your audience in %s now.', c.city)
                else pg_catalog.format('Promote the show to your audience in %s now: posts, a newsletter and targeted ads.', c.city) end
    from (select distinct on (pg_catalog.lower(s0.city), s0.country) s0.*,
                 (s0.starts_at at time zone v_bounds.timezone)::date
                 - (v_bounds.period_end at time zone v_bounds.timezone)::date as days_until
          from shows s0
          where s0.ticket_status in ('announced', 'on_sale', 'low_tickets')
            and s0.starts_at < v_bounds.period_end
                               + pg_catalog.make_interval(days => (v_rules->>'tour_timing.max_days_ahead')::integer)
          order by pg_catalog.lower(s0.city), s0.country, s0.starts_at) sh
    join cities c on pg_catalog.lower(c.city) = pg_catalog.lower(sh.city) and c.country = sh.country
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'city', c.city, 'country', c.country, 'fans', c.fans, 'days_until', sh.days_until,
                          'clicks', c.clicks, 'previous_clicks', c.previous_clicks,
                          'growth_pct', pg_catalog.round((c.clicks - c.previous_clicks) * 100.0 / c.previous_clicks)::integer,
                          'ticket_status', sh.ticket_status, 'venue_name', sh.venue_name, 'period_days', v_days) as snap) s
    where c.fans >= (v_rules->>'tour_timing.min_fans')::numeric
      and c.clicks >= (v_rules->>'city_growth.min_clicks')::numeric
      and c.previous_clicks >= (v_rules->>'city_growth.min_clicks')::numeric
      and c.previous_clicks >= (v_rules->>'min.previous_clicks_for_growth')::numeric
      and (c.clicks - c.previous_clicks) * 100 >= (v_rules->>'city_growth.min_growth_pct')::numeric * c.previous_clicks

    union all
    -- subscriber_surge
    select 'subscriber_surge', 'all', (sb.s3 + sb.s4)::numeric,
           greatest((v_rules->>'subscriber_surge.min_new')::numeric, (v_rules->>'min.subscribers')::numeric),
           insights.trend_consistency(sb.s1, sb.s2, sb.s3, sb.s4, 1), (sb.s3 + sb.s4)::numeric, v_bounds.comparison_start, v_bounds.comparison_end, s.snap,
           case when s.snap ? 'growth_pct'
                then pg_catalog.format('Subscribers up %s%%: %s new', s.snap->>'growth_pct', s.snap->>'new_subscribers')
                else pg_catalog.format('%s new subscribers', s.snap->>'new_subscribers') end,
           pg_catalog.format('You gained %s new subscribers in the last %s days, up from %s in the %s days before.',
                             s.snap->>'new_subscribers', s.snap->>'period_days', s.snap->>'previous_new_subscribers',
                             s.snap->>'period_days'),
           'Welcome them with an exclusive update or early access while their interest is fresh.'
    from subs sb
    cross join lateral (select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                          'new_subscribers', sb.s3 + sb.s4, 'previous_new_subscribers', sb.s1 + sb.s2,
                          'growth_pct', case when sb.s1 + sb.s2 > 0
                                             then pg_catalog.round((sb.s3 + sb.s4 - sb.s1 - sb.s2) * 100.0 / (sb.s1 + sb.s2))::integer end,
                          'active_subscribers', sb.active, 'period_days', v_days)) as snap) s
    where sb.s3 + sb.s4 >= greatest((v_rules->>'subscriber_surge.min_new')::numeric, (v_rules->>'min.subscribers')::numeric)
      and (sb.s1 + sb.s2 = 0
           or (sb.s3 + sb.s4 - sb.s1 - sb.s2) * 100 >= (v_rules->>'subscriber_surge.min_growth_pct')::numeric * (sb.s1 + sb.s2))

    union all
    -- subscriber_churn
    select 'subscriber_churn', 'all', sb.unsubscribes::numeric,
           greatest((v_rules->>'subscriber_churn.min_unsubscribes')::numeric, (v_rules->>'min.subscribers')::numeric),
           case when sb.window_new > sb.unsubscribes then 0.6
                when sb.unsubscribes > sb.previous_unsubscribes then 1.0
                else 0.8 end,
           sb.unsubscribes::numeric, null, null, s.snap,
           pg_catalog.format('%s subscribers left in the last %s days', s.snap->>'unsubscribes', s.snap->>'window_days'),
           pg_catalog.format('%s people unsubscribed in the last %s days (%s in the %s days before), against %s new subscribers.',
                             s.snap->>'unsubscribes', s.snap->>'window_days', s.snap->>'previous_unsubscribes',
                             s.snap->>'window_days', s.snap->>'new_subscribers'),
           'Review the frequency and content of your recent messages, and ask leavers why.'
    from subs sb
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'unsubscribes', sb.unsubscribes, 'previous_unsubscribes', sb.previous_unsubscribes,
                          'new_subscribers', sb.window_new, 'active_subscribers', sb.active,
                          'window_days', v_window_days) as snap) s
    where sb.unsubscribes >= greatest((v_rules->>'subscriber_churn.min_unsubscribes')::numeric, (v_rules->>'min.subscribers')::numeric)

    union all
    -- release_momentum: the latest release against the previous one at the same age
    select 'release_momentum', insights.clip(r.title, 200), r.events::numeric, (v_rules->>'release_momentum.min_events')::numeric,
           insights.halves_consistency(r.h1_events, r.h2_events), r.events::numeric, null, null, s.snap,
           pg_catalog.format('"%s" is gaining momentum', insights.clip(r.title, 55)),
           pg_catalog.format('Your release "%s" drew %s interactions (%s link clicks) in its first %s %s, against %s for "%s" at the same age.',
                             insights.clip(r.title, 150), s.snap->>'events', s.snap->>'link_clicks', s.snap->>'days_since_release',
                             case when (s.snap->>'days_since_release')::integer = 1 then 'day' else 'days' end,
                             s.snap->>'previous_events', insights.clip(r.previous_title, 150)),
           'Keep it going: share it again, pitch it to playlists and pin it on your profiles.'
    from release_pair r
    cross join lateral (select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                          'title', r.title, 'events', r.events, 'link_clicks', r.link_clicks,
                          'days_since_release',
                          greatest(1, (v_bounds.period_end at time zone v_bounds.timezone)::date
                                      - (r.published_at at time zone v_bounds.timezone)::date),
                          'published_at', r.published_at,
                          'previous_title', r.previous_title, 'previous_events', r.previous_events,
                          'growth_pct', case when r.previous_events > 0
                                             then pg_catalog.round((r.events - r.previous_events) * 100.0 / r.previous_events)::integer end)) as snap) s
    where r.events >= (v_rules->>'release_momentum.min_events')::numeric
      and r.events > r.previous_events

    union all
    -- platform_preference
    select 'platform_preference', t1.platform, t1.total::numeric,
           greatest((v_rules->>'platform_preference.min_clicks')::numeric, (v_rules->>'min.link_clicks')::numeric),
           case (case when t1.h1_clicks > 0 and t1.h1_clicks >= (v_rules->>'platform_preference.min_ratio')::numeric * t2.h1_clicks then 1 else 0 end
               + case when t1.h2_clicks > 0 and t1.h2_clicks >= (v_rules->>'platform_preference.min_ratio')::numeric * t2.h2_clicks then 1 else 0 end)
             when 2 then 1.0 when 1 then 0.8 else 0.6 end,
           t1.clicks::numeric / t2.clicks, null, null, s.snap,
           pg_catalog.format('%s gets %sx the clicks of %s', insights.platform_label(t1.platform), s.snap->>'ratio',
                             insights.platform_label(t2.platform)),
           pg_catalog.format('%s of your %s music link clicks in the last %s days went to %s (%s%%), against %s for %s.',
                             s.snap->>'top_clicks', s.snap->>'music_clicks', s.snap->>'period_days',
                             insights.platform_label(t1.platform), s.snap->>'top_share_pct', s.snap->>'second_clicks',
                             insights.platform_label(t2.platform)),
           pg_catalog.format('Lead with your %s link in bios, posts and ads.', insights.platform_label(t1.platform))
    from music_ranked t1
    join music_ranked t2 on t2.rank = 2
    cross join lateral (select pg_catalog.round(t1.clicks::numeric / t2.clicks, 1) as r) q
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'top_platform', t1.platform, 'top_clicks', t1.clicks,
                          'second_platform', t2.platform, 'second_clicks', t2.clicks,
                          'ratio', case when q.r = pg_catalog.trunc(q.r) then pg_catalog.to_jsonb(q.r::integer) else pg_catalog.to_jsonb(q.r) end,
                          'top_share_pct', pg_catalog.round(t1.clicks * 100.0 / t1.total)::integer,
                          'music_clicks', t1.total, 'period_days', v_days) as snap) s
    where t1.rank = 1
      and t1.total >= greatest((v_rules->>'platform_preference.min_clicks')::numeric, (v_rules->>'min.link_clicks')::numeric)
      and t2.clicks > 0
      and t1.clicks >= (v_rules->>'platform_preference.min_ratio')::numeric * t2.clicks

    union all
    -- referrer_surge
    select 'referrer_surge', r.domain, (r.b3 + r.b4)::numeric, (v_rules->>'referrer_surge.min_visits')::numeric,
           insights.trend_consistency(r.b1, r.b2, r.b3, r.b4, 1),
           (r.b3 + r.b4 - r.b1 - r.b2)::numeric / greatest(r.b1 + r.b2, 1), v_ref_start, v_ref_mid, s.snap,
           case when s.snap ? 'growth_pct'
                then pg_catalog.format('Traffic from %s up %s%%', insights.clip(r.domain, 40), s.snap->>'growth_pct')
                else pg_catalog.format('New traffic source: %s', insights.clip(r.domain, 50)) end,
           pg_catalog.format('%s referred %s visits in the last %s days, up from %s in the %s days before.',
                             r.domain, s.snap->>'visits', s.snap->>'window_days', s.snap->>'previous_visits', s.snap->>'window_days'),
           pg_catalog.format('Find what drove it (a post, a mention, a feature) and do more of it on %s.', r.domain)
    from referrers r
    cross join lateral (select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                          'referrer_domain', r.domain, 'visits', r.b3 + r.b4, 'previous_visits', r.b1 + r.b2,
                          'growth_pct', case when r.b1 + r.b2 > 0
                                             then pg_catalog.round((r.b3 + r.b4 - r.b1 - r.b2) * 100.0 / (r.b1 + r.b2))::integer end,
                          'window_days', v_ref_days)) as snap) s
    where r.b3 + r.b4 >= (v_rules->>'referrer_surge.min_visits')::numeric
      and (r.b1 + r.b2 = 0
           or (r.b3 + r.b4 - r.b1 - r.b2) * 100 >= (v_rules->>'referrer_surge.min_growth_pct')::numeric * (r.b1 + r.b2))

    union all
    -- tip_hotspot
    select 'tip_hotspot', t.city || coalesce(', ' || t.country, ''), t.tips::numeric,
           (v_rules->>'tip_hotspot.min_city_tips')::numeric,
           case (case when tt.top_h1 = t.city || coalesce(', ' || t.country, '') then 1 else 0 end
               + case when tt.top_h2 = t.city || coalesce(', ' || t.country, '') then 1 else 0 end)
             when 2 then 1.0 when 1 then 0.8 else 0.6 end,
           t.cents::numeric, null, null, s.snap,
           pg_catalog.format('%s brings %s%% of your tips', insights.clip(t.city, 40), s.snap->>'share_pct'),
           pg_catalog.format('Fans in %s sent %s tips worth %s %s in the last %s days, %s%% of your tip revenue.',
                             t.city || coalesce(', ' || t.country, ''), s.snap->>'tips', s.snap->>'amount', s.snap->>'currency',
                             s.snap->>'period_days', s.snap->>'share_pct'),
           pg_catalog.format('Thank your fans in %s, and consider a show, a meet-up or a merch offer there.', t.city)
    from tips t
    cross join tip_totals tt
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'city', t.city, 'country', t.country, 'tips', t.tips,
                          'amount', pg_catalog.round(t.cents / 100.0, 2), 'currency', v_currency,
                          'share_pct', pg_catalog.round(t.cents * 100.0 / tt.cents)::integer,
                          'total_tips', tt.tips, 'total_amount', pg_catalog.round(tt.cents / 100.0, 2),
                          'period_days', v_days) as snap) s
    where t.city is not null
      and tt.tips >= (v_rules->>'min.tips')::numeric
      and t.tips >= (v_rules->>'tip_hotspot.min_city_tips')::numeric
      and t.cents * 100 >= (v_rules->>'tip_hotspot.min_share_pct')::numeric * tt.cents

    union all
    -- engagement_quality
    select 'engagement_quality', 'all', least(vt.visitors, vt.previous_visitors)::numeric,
           (v_rules->>'engagement_quality.min_visitors')::numeric,
           insights.trend_consistency(vt.e1::numeric / nullif(vt.v1, 0), vt.e2::numeric / nullif(vt.v2, 0),
                                      vt.e3::numeric / nullif(vt.v3, 0), vt.e4::numeric / nullif(vt.v4, 0), q.direction),
           pg_catalog.abs(q.change), v_bounds.comparison_start, v_bounds.comparison_end, s.snap,
           pg_catalog.format('%s engaged visitors: %s%% vs %s%%', case when q.direction > 0 then 'More' else 'Fewer' end,
                             s.snap->>'engaged_pct', s.snap->>'previous_engaged_pct'),
           pg_catalog.format('%s%% of your %s visitors in the last %s days did more than look (clicked, played, followed, subscribed or bought), against %s%% in the %s days before.',
                             s.snap->>'engaged_pct', s.snap->>'visitors', s.snap->>'period_days',
                             s.snap->>'previous_engaged_pct', s.snap->>'period_days'),
           case when q.direction > 0
                then 'Keep doing what changed recently: the same kind of posts and links are working.'
                else 'Check your latest posts and landing pages: fewer visitors take action after arriving.' end
    from visitor_totals vt
    cross join lateral (select vt.engaged * 100.0 / nullif(vt.visitors, 0) - vt.previous_engaged * 100.0 / nullif(vt.previous_visitors, 0) as change,
                               case when vt.engaged * vt.previous_visitors >= vt.previous_engaged * vt.visitors then 1 else -1 end as direction) q
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'engaged_pct', pg_catalog.round(vt.engaged * 100.0 / vt.visitors)::integer,
                          'previous_engaged_pct', pg_catalog.round(vt.previous_engaged * 100.0 / vt.previous_visitors)::integer,
                          'change_pts', pg_catalog.abs(pg_catalog.round(vt.engaged * 100.0 / vt.visitors)::integer
                                            - pg_catalog.round(vt.previous_engaged * 100.0 / vt.previous_visitors)::integer),
                          'direction', case when q.direction > 0 then 'up' else 'down' end,
                          'visitors', vt.visitors, 'previous_visitors', vt.previous_visitors,
                          'engaged_visitors', vt.engaged, 'previous_engaged_visitors', vt.previous_engaged,
                          'period_days', v_days) as snap) s
    where vt.visitors >= (v_rules->>'engagement_quality.min_visitors')::numeric
      and vt.previous_visitors >= (v_rules->>'engagement_quality.min_visitors')::numeric
      and pg_catalog.abs(q.change) >= (v_rules->>'engagement_quality.min_change_pts')::numeric

    union all
    -- peak_activity
    select 'peak_activity', 'all', p.events::numeric,
           greatest((v_rules->>'peak_activity.min_events')::numeric, (v_rules->>'min.timed_events')::numeric),
           case (case when least(pg_catalog.abs(p.peak_hour_h1 - p.peak_hour), 24 - pg_catalog.abs(p.peak_hour_h1 - p.peak_hour)) <= 1 then 1 else 0 end
               + case when least(pg_catalog.abs(p.peak_hour_h2 - p.peak_hour), 24 - pg_catalog.abs(p.peak_hour_h2 - p.peak_hour)) <= 1 then 1 else 0 end)
             when 2 then 1.0 when 1 then 0.8 else 0.6 end,
           p.peak_events::numeric / p.events, null, null, s.snap,
           pg_catalog.format('Your fans are most active around %s h on %ss', s.snap->>'peak_hour', s.snap->>'peak_weekday'),
           pg_catalog.format('In the last %s days, %s%% of activity came between %s and %s h (local time), and %s%% on %ss.',
                             s.snap->>'period_days', s.snap->>'peak_hour_share_pct', s.snap->>'peak_hour',
                             s.snap->>'peak_hour_end', s.snap->>'peak_weekday_share_pct', s.snap->>'peak_weekday'),
           pg_catalog.format('Schedule posts and announcements shortly before %s h, especially on %ss.',
                             s.snap->>'peak_hour', s.snap->>'peak_weekday')
    from peak p
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'peak_hour', p.peak_hour, 'peak_hour_end', (p.peak_hour + 1) % 24,
                          'peak_hour_share_pct', pg_catalog.round(p.peak_events * 100.0 / p.events)::integer,
                          'peak_weekday', pg_catalog.to_char(date '2024-01-01' + (p.peak_weekday - 1), 'FMDay'),
                          'peak_weekday_share_pct', pg_catalog.round(p.peak_weekday_events * 100.0 / p.events)::integer,
                          'events', p.events, 'timezone', v_bounds.timezone, 'period_days', v_days) as snap) s
    where p.events >= greatest((v_rules->>'peak_activity.min_events')::numeric, (v_rules->>'min.timed_events')::numeric)
      and p.peak_events * 100 >= (v_rules->>'peak_activity.min_hour_share_pct')::numeric * p.events

    union all
    -- capture_rate_change
    select 'capture_rate_change', 'all', least(sb.s3 + sb.s4, sb.s1 + sb.s2)::numeric, (v_rules->>'min.subscribers')::numeric,
           insights.trend_consistency(sb.s1::numeric / nullif(vt.v1, 0), sb.s2::numeric / nullif(vt.v2, 0),
                                      sb.s3::numeric / nullif(vt.v3, 0), sb.s4::numeric / nullif(vt.v4, 0), q.direction),
           pg_catalog.abs(q.rate - q.previous_rate) / q.previous_rate, v_bounds.comparison_start, v_bounds.comparison_end, s.snap,
           pg_catalog.format('Subscriber capture rate %s: %s%% vs %s%%', case when q.direction > 0 then 'up' else 'down' end,
                             s.snap->>'capture_rate_pct', s.snap->>'previous_capture_rate_pct'),
           pg_catalog.format('%s new subscribers from %s visitors in the last %s days is a capture rate of %s%%, against %s%% in the %s days before.',
                             s.snap->>'new_subscribers', s.snap->>'visitors', s.snap->>'period_days',
                             s.snap->>'capture_rate_pct', s.snap->>'previous_capture_rate_pct', s.snap->>'period_days'),
           case when q.direction > 0
                then 'Keep your sign-up prompt where it is now, and try it on more pages.'
                else 'Check that your sign-up prompt is still visible, especially on mobile.' end
    from subs sb
    cross join visitor_totals vt
    cross join lateral (select (sb.s3 + sb.s4) * 100.0 / nullif(vt.visitors, 0) as rate,
                               (sb.s1 + sb.s2) * 100.0 / nullif(vt.previous_visitors, 0) as previous_rate,
                               case when (sb.s3 + sb.s4) * vt.previous_visitors >= (sb.s1 + sb.s2) * vt.visitors then 1 else -1 end as direction) q
    cross join lateral (select pg_catalog.jsonb_build_object(
                          'capture_rate_pct', pg_catalog.round(q.rate, 1), 'previous_capture_rate_pct', pg_catalog.round(q.previous_rate, 1),
                          'change_pct', pg_catalog.round(pg_catalog.abs(q.rate - q.previous_rate) * 100 / q.previous_rate)::integer,
                          'direction', case when q.direction > 0 then 'up' else 'down' end,
                          'new_subscribers', sb.s3 + sb.s4, 'previous_new_subscribers', sb.s1 + sb.s2,
                          'visitors', vt.visitors, 'previous_visitors', vt.previous_visitors, 'period_days', v_days) as snap) s
    where vt.visitors >= (v_rules->>'capture_rate_change.min_visitors')::numeric
      and vt.previous_visitors >= (v_rules->>'capture_rate_change.min_visitors')::numeric
      and greatest(sb.s3 + sb.s4, sb.s1 + sb.s2) >= (v_rules->>'min.subscribers')::numeric
      and sb.s1 + sb.s2 > 0
      and pg_catalog.abs(q.rate - q.previous_rate) * 100 >= (v_rules->>'capture_rate_change.min_change_pct')::numeric * q.previous_rate

    union all
    -- device_shift: the device type whose share moved most
    select * from (
      select 'device_shift'::insights.insight_type, d.device_type, least(dt.t3 + dt.t4, dt.t1 + dt.t2)::numeric,
             (v_rules->>'device_shift.min_events')::numeric,
             insights.trend_consistency(d.d1 / nullif(dt.t1, 0), d.d2 / nullif(dt.t2, 0), d.d3 / nullif(dt.t3, 0),
                                        d.d4 / nullif(dt.t4, 0), q.direction),
             pg_catalog.abs(q.change), v_bounds.comparison_start, v_bounds.comparison_end, s.snap,
             pg_catalog.format('%s share of activity %s: %s%% vs %s%%', pg_catalog.initcap(d.device_type),
                               case when q.direction > 0 then 'up' else 'down' end, s.snap->>'share_pct', s.snap->>'previous_share_pct'),
             pg_catalog.format('%s devices brought %s%% of your activity in the last %s days, against %s%% in the %s days before.',
                               pg_catalog.initcap(d.device_type), s.snap->>'share_pct', s.snap->>'period_days',
                               s.snap->>'previous_share_pct', s.snap->>'period_days'),
             case when d.device_type = 'mobile' and q.direction > 0
                  then 'Check that your pages, links and checkout work well on phones.'
                  else pg_catalog.format('Check how your pages look and perform on %s devices.', d.device_type) end
      from devices d
      cross join device_totals dt
      cross join lateral (select (d.d3 + d.d4) * 100.0 / nullif(dt.t3 + dt.t4, 0) - (d.d1 + d.d2) * 100.0 / nullif(dt.t1 + dt.t2, 0) as change,
                                 case when (d.d3 + d.d4) * (dt.t1 + dt.t2) >= (d.d1 + d.d2) * (dt.t3 + dt.t4) then 1 else -1 end as direction) q
      cross join lateral (select pg_catalog.jsonb_build_object(
                            'device_type', d.device_type,
                            'share_pct', pg_catalog.round((d.d3 + d.d4) * 100.0 / (dt.t3 + dt.t4))::integer,
                            'previous_share_pct', pg_catalog.round((d.d1 + d.d2) * 100.0 / (dt.t1 + dt.t2))::integer,
                            'change_pts', pg_catalog.abs(pg_catalog.round((d.d3 + d.d4) * 100.0 / (dt.t3 + dt.t4))::integer
                                              - pg_catalog.round((d.d1 + d.d2) * 100.0 / (dt.t1 + dt.t2))::integer),
                            'direction', case when q.direction > 0 then 'up' else 'down' end,
                            'events', dt.t3 + dt.t4, 'previous_events', dt.t1 + dt.t2, 'period_days', v_days) as snap) s
      where dt.t3 + dt.t4 >= (v_rules->>'device_shift.min_events')::numeric
        and dt.t1 + dt.t2 >= (v_rules->>'device_shift.min_events')::numeric
        and pg_catalog.abs(q.change) >= (v_rules->>'device_shift.min_change_pts')::numeric
      order by pg_catalog.abs(q.change) desc, d.device_type
      limit 1
    ) device_shift
  ),
  scored as (
    select c.*,
           insights.confidence((v_rules->>(c.kind::text || '.base_confidence'))::numeric, c.data_points, c.required, c.consistency) as conf
    from candidates c
  ),
  ranked as (
    select s.*, pg_catalog.row_number() over (partition by s.kind order by s.conf desc, s.strength desc, s.subject) as rank
    from scored s
    where s.conf >= (v_rules->>'confidence.min')::numeric
  )
  select r.kind, insights.category_of(r.kind), r.subject, insights.priority_of(r.kind), r.conf, r.snap,
         r.title, r.description, r.action,
         v_bounds.period_start, v_bounds.period_end,
         r.cmp_start, r.cmp_end
  from ranked r
  where r.rank <= (v_rules->>'candidates.max_per_type')::integer
  order by insights.priority_of(r.kind), r.conf desc, r.kind, r.subject;
end;
$$;
revoke execute on function insights.detect_candidates(uuid, timestamptz, timestamptz) from public, anon;
grant execute on function insights.detect_candidates(uuid, timestamptz, timestamptz) to authenticated, service_role;
comment on function insights.detect_candidates(uuid, timestamptz, timestamptz) is
  'Insight candidates of an organization: one row per insight passing its thresholds (insights.thresholds), with confidence = base x min(1, data_points / (required x 1.5)) x consistency (>= 0.5), the numbers behind it (data_snapshot) and template texts built only from them. Default period: last 30 whole days (org time zone) vs the 30 before. Members of analyst role or above and service_role; 42501 otherwise.';
