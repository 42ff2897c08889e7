-- requires: functions/insights/aggregate_bounds.sql
-- The metric snapshot of an organization, as jsonb: what the insight generator shows the
-- LLM next to the candidates. Aggregates only (counts, sums, percentages, names of
-- cities, platforms, domains, releases, venues), never raw events or personal data.
-- Callable by service_role (audiencectl insights) and members of at least analyst role.
--
-- Period: insights.period_bounds (default the last 30 whole days in the organization's
-- time zone against the 30 before). Bots excluded. Cities are keyed by (city, country), so
-- Paris FR and Paris US stay apart; their "key" is "City, CC". Every list holds at most 15
-- entries. Percentages are rounded to whole numbers, rates to one decimal; amounts are in
-- the organization's currency (other currencies are left out), refunded payments count 0.
-- Sections (snake_case keys):
--   period      start, end, comparison_start, comparison_end, timezone, days
--   profile     name, display_name, kind, genres, timezone, currency
--   traffic     events, visitors, link_clicks (+ previous_* and *_change_pct)
--   geographic  top_cities, top_cities_previous (clicks >= min.city_clicks), growing
--               (previous >= min.previous_clicks_for_growth), new (previous <
--               new_market.max_previous_clicks), declining, top_countries; per city: clicks,
--               previous_clicks, fans (distinct visitors in the period), growth_pct
--   subscribers new, previous_new, unsubscribed, previous_unsubscribed, net, active,
--               by_channel (new in the period), top_cities (new in the period)
--   revenue     currency; tips, purchases, subscriptions: count and amount (not refunded)
--               now and before, refunded (count); tips_by_city (each tip counted once)
--   content     by_link_type, by_platform (link clicks now and before), recent_releases
--               (published in the period: events and link clicks since publication)
--   tour        tour_dates, upcoming (from the period end, not cancelled: days_until in local
--               calendar days from the period end's day, and fans
--               in that city), audience_cities_without_shows (fans, no upcoming show),
--               located_audience (visitors with a known city)
--   engagement  intent now and before (visitors by highest intent: high = ticket CTA,
--               checkout, purchase, tip; medium = other interactions; low = views only),
--               engaged_pct, devices (share of events now and before), capture_rate_pct
--               (new subscribers per 100 visitors) now and before
--   referrers   window_days (referrer_surge.window_days, 7) and the top domains: events now
--               and before, growth_pct, and the same for the last window_days days against
--               the window_days before them (recent_events, previous_recent_events,
--               recent_growth_pct)
--   temporal    by_hour (24 counts, local hours 0-23), by_weekday (7 counts, Monday first),
--               peak_hour, peak_weekday (current period, organization's time zone)
create or replace function insights.metric_snapshot(
  p_org_id       uuid,
  p_period_start timestamptz default null,
  p_period_end   timestamptz default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set work_mem = '64MB'
set jit = off
as $$
declare
  v_bounds    record;
  v_rules     jsonb;
  v_result    jsonb;
  v_ref_days  integer;
  v_ref_start timestamptz;
  v_ref_mid   timestamptz;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  select * into v_bounds from insights.aggregate_bounds(p_org_id, p_period_start, p_period_end);
  v_rules := insights.thresholds_json(array['min.city_clicks', 'min.previous_clicks_for_growth',
                                            'new_market.max_previous_clicks']);
  v_ref_days := v_bounds.window_days;
  v_ref_start := v_bounds.window_start;
  v_ref_mid := v_bounds.window_mid;

  with agg as materialized (
    select *
    from insights.event_aggregates(p_org_id, v_bounds.comparison_start, v_bounds.period_start,
                                   v_bounds.period_end, v_bounds.timezone, v_ref_start, v_ref_mid)
  ),
  org as (
    select o.* from app.organizations o where o.id = p_org_id
  ),
  cities as (
    select a.key1 as city, a.key2 as country, a.key1 || coalesce(', ' || a.key2, '') as key,
           a.clicks_3 + a.clicks_4 as clicks, a.clicks_1 + a.clicks_2 as previous_clicks,
           a.visitors_now as fans, a.visitors_before as previous_fans
    from agg a
    where a.dim = 'city'
  ),
  cities_out as (
    select c.*,
           case when c.previous_clicks >= (v_rules->>'min.previous_clicks_for_growth')::numeric
                then pg_catalog.round((c.clicks - c.previous_clicks) * 100.0 / c.previous_clicks)::integer end as growth_pct,
           exists (select 1 from app.tour_dates t
                   where t.org_id = p_org_id and t.starts_at >= v_bounds.period_end
                     and t.ticket_status not in ('cancelled', 'postponed')
                     and pg_catalog.lower(t.city) = pg_catalog.lower(c.city) and t.country = c.country) as has_upcoming_show
    from cities c
  ),
  visitor_totals as (
    select a.visitors_now as visitors, a.visitors_before as previous_visitors,
           a.high_now as high, a.medium_now as medium, a.visitors_now - a.high_now - a.medium_now as low,
           a.high_before as previous_high, a.medium_before as previous_medium,
           a.visitors_before - a.high_before - a.medium_before as previous_low
    from agg a
    where a.dim = 'all'
  ),
  event_totals as (
    select coalesce(a.events_3, 0) + coalesce(a.events_4, 0) as events,
           coalesce(a.events_1, 0) + coalesce(a.events_2, 0) as previous_events,
           coalesce(a.clicks_3, 0) + coalesce(a.clicks_4, 0) as link_clicks,
           coalesce(a.clicks_1, 0) + coalesce(a.clicks_2, 0) as previous_link_clicks
    from agg a
    where a.dim = 'all'
  ),
  located as (
    select a.located_now as located_audience from agg a where a.dim = 'all'
  ),
  subs as (
    select pg_catalog.count(*) filter (where s.subscribed_at >= v_bounds.period_start and s.subscribed_at < v_bounds.period_end) as new,
           pg_catalog.count(*) filter (where s.subscribed_at >= v_bounds.comparison_start and s.subscribed_at < v_bounds.period_start) as previous_new,
           pg_catalog.count(*) filter (where s.unsubscribed_at >= v_bounds.period_start and s.unsubscribed_at < v_bounds.period_end) as unsubscribed,
           pg_catalog.count(*) filter (where s.unsubscribed_at >= v_bounds.comparison_start and s.unsubscribed_at < v_bounds.period_start) as previous_unsubscribed,
           pg_catalog.count(*) filter (where s.subscribed_at < v_bounds.period_end
                              and (s.unsubscribed_at is null or s.unsubscribed_at >= v_bounds.period_end)) as active
    from audience.subscribers s
    where s.org_id = p_org_id and s.subscribed_at < v_bounds.period_end
  ),
  orders as (
    select o.kind,
           pg_catalog.count(*) filter (where o.occurred_at >= v_bounds.period_start and o.refunded_at is null) as n,
           pg_catalog.count(*) filter (where o.occurred_at < v_bounds.period_start and o.refunded_at is null) as previous_n,
           coalesce(pg_catalog.sum(o.amount_cents) filter (where o.occurred_at >= v_bounds.period_start and o.refunded_at is null), 0) as cents,
           coalesce(pg_catalog.sum(o.amount_cents) filter (where o.occurred_at < v_bounds.period_start and o.refunded_at is null), 0) as previous_cents,
           pg_catalog.count(*) filter (where o.occurred_at >= v_bounds.period_start and o.refunded_at is not null) as refunded
    from audience.orders o
    where o.org_id = p_org_id
      and o.occurred_at >= v_bounds.comparison_start and o.occurred_at < v_bounds.period_end
      and o.currency = (select org.currency from org)
    group by o.kind
  ),
  tips_by_city as (
    select o.city, o.country, pg_catalog.count(*) as tips, pg_catalog.sum(o.amount_cents) as cents
    from audience.orders o
    where o.org_id = p_org_id and o.kind = 'tip' and o.refunded_at is null and o.city is not null
      and o.occurred_at >= v_bounds.period_start and o.occurred_at < v_bounds.period_end
      and o.currency = (select org.currency from org)
    group by o.city, o.country
  ),
  links as (
    select a.key1 as platform, a.key2 as link_type,
           coalesce(a.clicks_3, 0) + coalesce(a.clicks_4, 0) as clicks,
           coalesce(a.clicks_1, 0) + coalesce(a.clicks_2, 0) as previous_clicks
    from agg a
    where a.dim = 'platform'
  ),
  referrers as (
    select a.key1 as domain,
           coalesce(a.events_3, 0) + coalesce(a.events_4, 0) as events,
           coalesce(a.events_1, 0) + coalesce(a.events_2, 0) as previous_events,
           coalesce(a.recent_3, 0) + coalesce(a.recent_4, 0) as recent_events,
           coalesce(a.recent_1, 0) + coalesce(a.recent_2, 0) as previous_recent_events
    from agg a
    where a.dim = 'referrer' and a.key1 is not null
  ),
  devices as (
    select a.key1 as device_type,
           coalesce(a.events_3, 0) + coalesce(a.events_4, 0) as events,
           coalesce(a.events_1, 0) + coalesce(a.events_2, 0) as previous_events
    from agg a
    where a.dim = 'device' and a.key1 is not null
  ),
  hours as (
    select h.hour, coalesce(pg_catalog.sum(coalesce(a.events_3, 0) + coalesce(a.events_4, 0)), 0)::bigint as events
    from pg_catalog.generate_series(0, 23) as h (hour)
    left join agg a on a.dim = 'time' and a.hour = h.hour
    group by h.hour
  ),
  weekdays as (
    select d.weekday, coalesce(pg_catalog.sum(coalesce(a.events_3, 0) + coalesce(a.events_4, 0)), 0)::bigint as events
    from pg_catalog.generate_series(1, 7) as d (weekday)
    left join agg a on a.dim = 'time' and a.weekday = d.weekday
    group by d.weekday
  ),
  releases as (
    select c.title, c.published_at,
           coalesce(a.events_1, 0) + coalesce(a.events_2, 0) as events,
           coalesce(a.clicks_1, 0) + coalesce(a.clicks_2, 0) as link_clicks
    from app.content_items c
    left join agg a on a.dim = 'release' and a.release_id = c.id
    where c.org_id = p_org_id and c.kind = 'release'
      and c.published_at >= v_bounds.period_start and c.published_at < v_bounds.period_end
  ),
  upcoming as (
    select t.city, t.country, t.starts_at, t.venue_name, t.ticket_status,
           (t.starts_at at time zone v_bounds.timezone)::date - (v_bounds.period_end at time zone v_bounds.timezone)::date as days_until,
           coalesce((select c.fans from cities c
                     where pg_catalog.lower(c.city) = pg_catalog.lower(t.city) and c.country = t.country
                     order by c.fans desc limit 1), 0) as fans
    from app.tour_dates t
    where t.org_id = p_org_id and t.starts_at >= v_bounds.period_end and t.ticket_status <> 'cancelled'
    order by t.starts_at, t.city
    limit 15
  )
  select pg_catalog.jsonb_build_object(
    'period', pg_catalog.jsonb_build_object(
      'start', v_bounds.period_start, 'end', v_bounds.period_end,
      'comparison_start', v_bounds.comparison_start, 'comparison_end', v_bounds.comparison_end,
      'timezone', v_bounds.timezone, 'days', v_bounds.period_days),
    'profile', (select pg_catalog.jsonb_build_object(
                  'name', org.name, 'display_name', org.display_name, 'kind', org.kind, 'genres', pg_catalog.to_jsonb(org.genres),
                  'timezone', org.timezone, 'currency', org.currency)
                from org),
    'traffic', (select pg_catalog.jsonb_build_object(
                  'events', et.events, 'previous_events', et.previous_events,
                  'events_change_pct', case when et.previous_events > 0
                    then pg_catalog.round((et.events - et.previous_events) * 100.0 / et.previous_events)::integer end,
                  'visitors', vt.visitors, 'previous_visitors', vt.previous_visitors,
                  'visitors_change_pct', case when vt.previous_visitors > 0
                    then pg_catalog.round((vt.visitors - vt.previous_visitors) * 100.0 / vt.previous_visitors)::integer end,
                  'link_clicks', et.link_clicks, 'previous_link_clicks', et.previous_link_clicks,
                  'link_clicks_change_pct', case when et.previous_link_clicks > 0
                    then pg_catalog.round((et.link_clicks - et.previous_link_clicks) * 100.0 / et.previous_link_clicks)::integer end)
                from event_totals et, visitor_totals vt),
    'geographic', pg_catalog.jsonb_build_object(
      'top_cities', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'city', x.city, 'country', x.country, 'key', x.key, 'clicks', x.clicks,
                        'previous_clicks', x.previous_clicks, 'fans', x.fans, 'growth_pct', x.growth_pct)
                        order by x.clicks desc, x.key), '[]'::jsonb)
                     from (select * from cities_out c where c.clicks >= (v_rules->>'min.city_clicks')::numeric
                           order by c.clicks desc, c.key limit 15) x),
      'top_cities_previous', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'city', x.city, 'country', x.country, 'key', x.key, 'clicks', x.previous_clicks,
                        'fans', x.previous_fans)
                        order by x.previous_clicks desc, x.key), '[]'::jsonb)
                     from (select * from cities_out c where c.previous_clicks >= (v_rules->>'min.city_clicks')::numeric
                           order by c.previous_clicks desc, c.key limit 15) x),
      'growing', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'city', x.city, 'country', x.country, 'key', x.key, 'clicks', x.clicks,
                        'previous_clicks', x.previous_clicks, 'growth_pct', x.growth_pct)
                        order by x.growth_pct desc, x.clicks desc, x.key), '[]'::jsonb)
                     from (select * from cities_out c
                           where c.growth_pct > 0 and c.clicks >= (v_rules->>'min.city_clicks')::numeric
                           order by c.growth_pct desc, c.clicks desc, c.key limit 15) x),
      'new', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'city', x.city, 'country', x.country, 'key', x.key, 'clicks', x.clicks,
                        'previous_clicks', x.previous_clicks)
                        order by x.clicks desc, x.key), '[]'::jsonb)
                     from (select * from cities_out c
                           where c.clicks >= (v_rules->>'min.city_clicks')::numeric
                             and c.previous_clicks < (v_rules->>'new_market.max_previous_clicks')::numeric
                           order by c.clicks desc, c.key limit 15) x),
      'declining', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'city', x.city, 'country', x.country, 'key', x.key, 'clicks', x.clicks,
                        'previous_clicks', x.previous_clicks, 'decline_pct', x.decline_pct)
                        order by x.decline_pct desc, x.previous_clicks desc, x.key), '[]'::jsonb)
                     from (select c.*, pg_catalog.round((c.previous_clicks - c.clicks) * 100.0 / c.previous_clicks)::integer as decline_pct
                           from cities_out c
                           where c.previous_clicks >= (v_rules->>'min.city_clicks')::numeric and c.clicks < c.previous_clicks
                           order by decline_pct desc, c.previous_clicks desc, c.key limit 15) x),
      'top_countries', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'country', x.country, 'clicks', x.clicks, 'previous_clicks', x.previous_clicks)
                        order by x.clicks desc, x.country), '[]'::jsonb)
                     from (select c.country, pg_catalog.sum(c.clicks)::bigint as clicks, pg_catalog.sum(c.previous_clicks)::bigint as previous_clicks
                           from cities c where c.country is not null
                           group by c.country having pg_catalog.sum(c.clicks) > 0
                           order by 2 desc, 1 limit 15) x)),
    'subscribers', (select pg_catalog.jsonb_build_object(
                      'new', s.new, 'previous_new', s.previous_new,
                      'unsubscribed', s.unsubscribed, 'previous_unsubscribed', s.previous_unsubscribed,
                      'net', s.new - s.unsubscribed, 'active', s.active,
                      'by_channel', (select coalesce(pg_catalog.jsonb_object_agg(x.channel, x.n), '{}'::jsonb)
                                     from (select sc.channel, pg_catalog.count(*) as n from audience.subscribers sc
                                           where sc.org_id = p_org_id and sc.subscribed_at >= v_bounds.period_start
                                             and sc.subscribed_at < v_bounds.period_end
                                           group by sc.channel) x),
                      'top_cities', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                       'city', x.city, 'country', x.country_code, 'key', x.city || coalesce(', ' || x.country_code, ''),
                                       'new', x.n) order by x.n desc, x.city), '[]'::jsonb)
                                     from (select sc.city, sc.country_code::text as country_code, pg_catalog.count(*) as n
                                           from audience.subscribers sc
                                           where sc.org_id = p_org_id and sc.city is not null
                                             and sc.subscribed_at >= v_bounds.period_start and sc.subscribed_at < v_bounds.period_end
                                           group by sc.city, sc.country_code
                                           order by 3 desc, 1 limit 15) x))
                    from subs s),
    'revenue', pg_catalog.jsonb_build_object(
      'currency', (select org.currency from org),
      'tips', (select pg_catalog.jsonb_build_object('count', coalesce(pg_catalog.max(o.n), 0), 'amount', pg_catalog.round(coalesce(pg_catalog.max(o.cents), 0) / 100.0, 2),
                      'previous_count', coalesce(pg_catalog.max(o.previous_n), 0), 'previous_amount', pg_catalog.round(coalesce(pg_catalog.max(o.previous_cents), 0) / 100.0, 2),
                      'refunded', coalesce(pg_catalog.max(o.refunded), 0))
               from orders o where o.kind = 'tip'),
      'purchases', (select pg_catalog.jsonb_build_object('count', coalesce(pg_catalog.max(o.n), 0), 'amount', pg_catalog.round(coalesce(pg_catalog.max(o.cents), 0) / 100.0, 2),
                      'previous_count', coalesce(pg_catalog.max(o.previous_n), 0), 'previous_amount', pg_catalog.round(coalesce(pg_catalog.max(o.previous_cents), 0) / 100.0, 2),
                      'refunded', coalesce(pg_catalog.max(o.refunded), 0))
               from orders o where o.kind = 'purchase'),
      'subscriptions', (select pg_catalog.jsonb_build_object('count', coalesce(pg_catalog.max(o.n), 0), 'amount', pg_catalog.round(coalesce(pg_catalog.max(o.cents), 0) / 100.0, 2),
                      'previous_count', coalesce(pg_catalog.max(o.previous_n), 0), 'previous_amount', pg_catalog.round(coalesce(pg_catalog.max(o.previous_cents), 0) / 100.0, 2),
                      'refunded', coalesce(pg_catalog.max(o.refunded), 0))
               from orders o where o.kind = 'subscription'),
      'tips_by_city', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                         'city', x.city, 'country', x.country, 'key', x.city || coalesce(', ' || x.country, ''),
                         'tips', x.tips, 'amount', pg_catalog.round(x.cents / 100.0, 2)) order by x.cents desc, x.city), '[]'::jsonb)
                       from (select * from tips_by_city t order by t.cents desc, t.city limit 15) x)),
    'content', pg_catalog.jsonb_build_object(
      'by_link_type', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                         'link_type', x.link_type, 'clicks', x.clicks, 'previous_clicks', x.previous_clicks)
                         order by x.clicks desc, x.link_type), '[]'::jsonb)
                       from (select l.link_type, pg_catalog.sum(l.clicks)::bigint as clicks, pg_catalog.sum(l.previous_clicks)::bigint as previous_clicks
                             from links l where l.link_type is not null group by l.link_type
                             order by 2 desc, 1 limit 15) x),
      'by_platform', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                         'platform', x.platform, 'clicks', x.clicks, 'previous_clicks', x.previous_clicks)
                         order by x.clicks desc, x.platform), '[]'::jsonb)
                       from (select l.platform, pg_catalog.sum(l.clicks)::bigint as clicks, pg_catalog.sum(l.previous_clicks)::bigint as previous_clicks
                             from links l where l.platform is not null group by l.platform
                             order by 2 desc, 1 limit 15) x),
      'recent_releases', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                         'title', x.title, 'published_at', x.published_at, 'events', x.events, 'link_clicks', x.link_clicks)
                         order by x.published_at desc, x.title), '[]'::jsonb)
                       from (select * from releases r order by r.published_at desc, r.title limit 15) x)),
    'tour', pg_catalog.jsonb_build_object(
      'tour_dates', (select pg_catalog.count(*) from app.tour_dates t where t.org_id = p_org_id),
      'located_audience', (select l.located_audience from located l),
      'upcoming', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                     'city', u.city, 'country', u.country, 'key', u.city || ', ' || u.country, 'starts_at', u.starts_at,
                     'venue_name', u.venue_name, 'ticket_status', u.ticket_status, 'days_until', u.days_until, 'fans', u.fans)
                     order by u.starts_at, u.city), '[]'::jsonb)
                   from upcoming u),
      'audience_cities_without_shows', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                     'city', x.city, 'country', x.country, 'key', x.key, 'fans', x.fans)
                     order by x.fans desc, x.key), '[]'::jsonb)
                   from (select * from cities_out c where c.fans > 0 and not c.has_upcoming_show
                         order by c.fans desc, c.key limit 15) x)),
    'engagement', (select pg_catalog.jsonb_build_object(
                     'intent', pg_catalog.jsonb_build_object(
                        'current', pg_catalog.jsonb_build_object('high', vt.high, 'medium', vt.medium, 'low', vt.low),
                        'previous', pg_catalog.jsonb_build_object('high', vt.previous_high, 'medium', vt.previous_medium, 'low', vt.previous_low)),
                     'engaged_pct', case when vt.visitors > 0
                        then pg_catalog.round((vt.high + vt.medium) * 100.0 / vt.visitors)::integer end,
                     'previous_engaged_pct', case when vt.previous_visitors > 0
                        then pg_catalog.round((vt.previous_high + vt.previous_medium) * 100.0 / vt.previous_visitors)::integer end,
                     'devices', (select pg_catalog.jsonb_build_object(
                        'current', coalesce(pg_catalog.jsonb_object_agg(x.device_type, x.share_pct) filter (where x.share_pct is not null), '{}'::jsonb),
                        'previous', coalesce(pg_catalog.jsonb_object_agg(x.device_type, x.previous_share_pct) filter (where x.previous_share_pct is not null), '{}'::jsonb))
                                 from (select d.device_type,
                                              pg_catalog.round(d.events * 100.0 / nullif(pg_catalog.sum(d.events) over (), 0))::integer as share_pct,
                                              pg_catalog.round(d.previous_events * 100.0 / nullif(pg_catalog.sum(d.previous_events) over (), 0))::integer as previous_share_pct
                                       from devices d) x),
                     'capture_rate_pct', case when vt.visitors > 0
                        then pg_catalog.round((select s.new from subs s) * 100.0 / vt.visitors, 1) end,
                     'previous_capture_rate_pct', case when vt.previous_visitors > 0
                        then pg_catalog.round((select s.previous_new from subs s) * 100.0 / vt.previous_visitors, 1) end)
                   from visitor_totals vt),
    'referrers', pg_catalog.jsonb_build_object(
      'window_days', v_ref_days,
      'top', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'domain', x.domain, 'events', x.events, 'previous_events', x.previous_events,
                    'growth_pct', case when x.previous_events > 0
                      then pg_catalog.round((x.events - x.previous_events) * 100.0 / x.previous_events)::integer end,
                    'recent_events', x.recent_events, 'previous_recent_events', x.previous_recent_events,
                    'recent_growth_pct', case when x.previous_recent_events > 0
                      then pg_catalog.round((x.recent_events - x.previous_recent_events) * 100.0 / x.previous_recent_events)::integer end)
                    order by x.events desc, x.domain), '[]'::jsonb)
              from (select * from referrers r where r.events > 0 order by r.events desc, r.domain limit 15) x)),
    'temporal', pg_catalog.jsonb_build_object(
      'by_hour', (select pg_catalog.jsonb_agg(h.events order by h.hour) from hours h),
      'by_weekday', (select pg_catalog.jsonb_agg(w.events order by w.weekday) from weekdays w),
      'peak_hour', (select h.hour from hours h where h.events > 0 order by h.events desc, h.hour limit 1),
      'peak_weekday', (select pg_catalog.to_char(date '2024-01-01' + (w.weekday - 1), 'FMDay')
                       from weekdays w where w.events > 0 order by w.events desc, w.weekday limit 1)))
  into v_result;

  return v_result;
end;
$$;
revoke execute on function insights.metric_snapshot(uuid, timestamptz, timestamptz) from public, anon;
grant execute on function insights.metric_snapshot(uuid, timestamptz, timestamptz) to authenticated, service_role;
comment on function insights.metric_snapshot(uuid, timestamptz, timestamptz) is
  'Metric snapshot (jsonb, aggregates only) of an organization for the insight generator: period, profile, traffic, geographic, subscribers, revenue, content, tour, engagement, referrers, temporal. Default period: the last 30 whole days in the organization''s time zone vs the 30 before; bots excluded; cities keyed by (city, country); top 15 per list. Members of analyst role or above and service_role; 42501 otherwise.';
