-- requires: functions/analytics/compute_org_daily_recency.sql
-- requires: functions/analytics/compute_entity_daily_recency.sql
-- The analytics dashboard of one organization for the local days [p_from, p_to): summary,
-- daily trends, top content with growth, traffic sources and demographics, as jsonb.
-- Callable by members (viewer or above) and service_role.
--
-- Shape (every count excludes bots; days in the organization's time zone):
--   { "org_id", "timezone", "from", "to", "days",
--     "previous": {"from", "to"}                  the equal period just before
--     "summary": {"plays", "likes", "shares", "comments", "page_views", "visitors",
--                 "followers", "total_followers", "following"},
--     "previous_summary": {same keys, for the previous period},
--     "trends": [{"date", "plays", "likes", "visitors"}]  every day of the period, in order
--     "top_content": [{"entity_type", "entity_id", "title", "plays", "likes", "shares",
--                      "listeners", "previous_plays", "growth_pct"}]
--     "traffic_sources": [{"source", "visitors", "percentage"}],
--     "demographics": {"countries": [{"country", "visitors", "percentage"}],
--                      "devices": [{"device_type", "visitors", "percentage"}]},
--     "mashup": {"exports", "ai_reactions", "upgrades", "peak_play_times"} }
--                 analytics.mashup_dashboard (shape and definitions there; conversion
--                 rates against summary.visitors)
-- Definitions:
--   visitors: distinct visitors over the whole period (a union of the daily visitor sets,
--     never a sum of daily counts); trends.visitors: distinct visitors of that day.
--   followers: follow events in the period (there is no unfollow event);
--   total_followers: follow events before p_to, all time; following: organizations it
--     follows now (app.organization_follows) that it started following before the end of
--     the period (previous_summary: before its start; an unfollow removes the row).
--   top_content: the 10 entities with the most plays in the period (ties: likes, then
--     entity id); listeners = distinct visitors who played it in the period; growth_pct =
--     (plays - previous_plays) / previous_plays x 100, one decimal, null when
--     previous_plays is 0; title from app.content_items (null for other entities).
--   traffic_sources / demographics: each distinct visitor of the period counted once,
--     with the attributes of their first day in the period: source (first event of that
--     day that carried utm_source or a referrer domain; '(direct)' if none), country and
--     device type (first reported that day; '(unknown)' if none). Sorted by
--     visitors, then label; beyond 10 entries the rest is merged into '(other)'.
--     Percentages have one decimal and add up to exactly 100.0: largest remainder method
--     (analytics.percentages): each entry gets floor(visitors x 1000 / total) tenths and
--     the tenths missing to 1000 go one each to the largest remainders.
-- Reads the daily rollups of the rollup engine through their inlined readers
-- (private.<target>_rows: analytics.org_daily_stats, org_daily_recency, entity_daily_stats,
-- entity_daily_recency and the mashup rollups): the stored rows plus the rows recomputed
-- for the keys touched by events received since each rollup's watermark, so every answer
-- is exact whether or not refresh has run; a late event counts at once. Distinct visitors
-- and listeners of a period, and each visitor's first day in it, are sums of the recency
-- rollups' rows (migration 0920), never a scan of the period's visitor-days.
-- 42501: not a member (or anon); 22023: a NULL / empty / reversed / infinite period or
-- one over 366 days. JIT is off: compiling would cost more than these queries take.
create or replace function public.get_dashboard(p_org_id uuid, p_from date, p_to date)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_tz        text;
  v_prev_from date;
  v_result    jsonb;
begin
  perform app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"
  perform analytics.check_period(p_from, p_to);      -- raises 22023
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_prev_from := p_from - (p_to - p_from);

  with history as materialized (
    -- Every day before p_to: the period, the previous one, and the follows before them.
    select s.day, s.plays, s.likes, s.shares, s.comments, s.page_views, s.follows, s.visitors
    from private.org_daily_stats_rows(p_org_id, '-infinity', p_to) as s
  ),
  stats as (
    select h.* from history as h where h.day >= v_prev_from
  ),
  firsts as materialized (
    -- Visitors whose first day in their period (this one, or the previous) is that day, by
    -- label: the recency rollup's rows of both periods (migration 0920).
    select r.day, r.dimension, r.label,
           r.visitors - coalesce(r.returning_visitors[pg_catalog.width_bucket(r.day - case when r.day >= p_from then p_from else v_prev_from end,
                                                                             r.gaps)], 0) as visitors
    from private.org_daily_recency_rows(p_org_id, v_prev_from, p_to) as r
  ),
  followers as (
    select coalesce(pg_catalog.sum(h.follows), 0) as before_to,
           coalesce(pg_catalog.sum(h.follows) filter (where h.day < p_from), 0) as before_from
    from history as h
  ),
  summary as (
    select pg_catalog.jsonb_build_object(
             'plays', coalesce(pg_catalog.sum(s.plays) filter (where s.day >= p_from), 0),
             'likes', coalesce(pg_catalog.sum(s.likes) filter (where s.day >= p_from), 0),
             'shares', coalesce(pg_catalog.sum(s.shares) filter (where s.day >= p_from), 0),
             'comments', coalesce(pg_catalog.sum(s.comments) filter (where s.day >= p_from), 0),
             'page_views', coalesce(pg_catalog.sum(s.page_views) filter (where s.day >= p_from), 0),
             'visitors', (select coalesce(pg_catalog.sum(f.visitors), 0) from firsts as f
                           where f.dimension = 'device_type' and f.day >= p_from),
             'followers', coalesce(pg_catalog.sum(s.follows) filter (where s.day >= p_from), 0),
             'total_followers', (select f.before_to from followers as f),
             'following', (select pg_catalog.count(*) from app.organization_follows as f
                            where f.org_id = p_org_id and f.created_at < (p_to::timestamp at time zone v_tz))) as current,
           pg_catalog.jsonb_build_object(
             'plays', coalesce(pg_catalog.sum(s.plays) filter (where s.day < p_from), 0),
             'likes', coalesce(pg_catalog.sum(s.likes) filter (where s.day < p_from), 0),
             'shares', coalesce(pg_catalog.sum(s.shares) filter (where s.day < p_from), 0),
             'comments', coalesce(pg_catalog.sum(s.comments) filter (where s.day < p_from), 0),
             'page_views', coalesce(pg_catalog.sum(s.page_views) filter (where s.day < p_from), 0),
             'visitors', (select coalesce(pg_catalog.sum(f.visitors), 0) from firsts as f
                           where f.dimension = 'device_type' and f.day < p_from),
             'followers', coalesce(pg_catalog.sum(s.follows) filter (where s.day < p_from), 0),
             'total_followers', (select f.before_from from followers as f),
             'following', (select pg_catalog.count(*) from app.organization_follows as f
                            where f.org_id = p_org_id and f.created_at < (p_from::timestamp at time zone v_tz))) as previous
    from stats as s
  ),
  trends as (
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                      'date', d.day, 'plays', coalesce(s.plays, 0), 'likes', coalesce(s.likes, 0),
                      'visitors', coalesce(s.visitors, 0))
                    order by d.day), '[]'::jsonb) as days
    from (select pg_catalog.generate_series(p_from, p_to - 1, interval '1 day')::date as day) as d
    left join stats as s on s.day = d.day
  ),
  content as (
    select e.entity_type, e.entity_id,
           pg_catalog.sum(e.plays) filter (where e.day >= p_from) as plays,
           pg_catalog.sum(e.likes) filter (where e.day >= p_from) as likes,
           pg_catalog.sum(e.shares) filter (where e.day >= p_from) as shares,
           coalesce(pg_catalog.sum(e.plays) filter (where e.day < p_from), 0) as previous_plays
    from private.entity_daily_stats_rows(p_org_id, v_prev_from, p_to) as e
    group by e.entity_type, e.entity_id
  ),
  top as (
    select c.*, pg_catalog.row_number() over (order by c.plays desc, c.likes desc, c.entity_id) as pos
    from content as c
    where c.plays > 0
    order by c.plays desc, c.likes desc, c.entity_id
    limit 10
  ),
  listeners as (
    -- Distinct listeners of the period: each counted on their first day with a play in it
    -- (the recency rollup's rows, migration 0920).
    select r.entity_type, r.entity_id,
           pg_catalog.sum(r.listeners - coalesce(r.returning_listeners[pg_catalog.width_bucket(r.day - p_from, r.listener_gaps)], 0)) as listeners
    from private.entity_daily_recency_rows(p_org_id, p_from, p_to) as r
    where (r.entity_type, r.entity_id) in (select t.entity_type, t.entity_id from top as t)
    group by r.entity_type, r.entity_id
  ),
  top_json as (
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                      'entity_type', t.entity_type, 'entity_id', t.entity_id, 'title', ci.title,
                      'plays', t.plays, 'likes', t.likes, 'shares', t.shares,
                      'listeners', coalesce(l.listeners, 0), 'previous_plays', t.previous_plays,
                      'growth_pct', case when t.previous_plays > 0
                                         then pg_catalog.round(100.0 * (t.plays - t.previous_plays) / t.previous_plays, 1) end)
                    order by t.pos), '[]'::jsonb) as items
    from top as t
    left join listeners as l on (l.entity_type, l.entity_id) = (t.entity_type, t.entity_id)
    left join app.content_items as ci on ci.org_id = p_org_id and ci.id = t.entity_id and t.entity_type = 'content_item'
  ),
  breakdowns as (
    select (select analytics.share_list(pg_catalog.array_agg(x.label), pg_catalog.array_agg(x.n), 'source')
              from (select f.label::text as label, pg_catalog.sum(f.visitors)::bigint as n from firsts as f
                     where f.dimension = 'source' and f.day >= p_from group by f.label) as x) as sources,
           (select analytics.share_list(pg_catalog.array_agg(x.label), pg_catalog.array_agg(x.n), 'country')
              from (select f.label::text as label, pg_catalog.sum(f.visitors)::bigint as n from firsts as f
                     where f.dimension = 'country' and f.day >= p_from group by f.label) as x) as countries,
           (select analytics.share_list(pg_catalog.array_agg(x.label), pg_catalog.array_agg(x.n), 'device_type')
              from (select f.label::text as label, pg_catalog.sum(f.visitors)::bigint as n from firsts as f
                     where f.dimension = 'device_type' and f.day >= p_from group by f.label) as x) as devices
  )
  select pg_catalog.jsonb_build_object(
           'org_id', p_org_id,
           'timezone', v_tz,
           'from', p_from,
           'to', p_to,
           'days', p_to - p_from,
           'previous', pg_catalog.jsonb_build_object('from', v_prev_from, 'to', p_from),
           'summary', su.current,
           'previous_summary', su.previous,
           'trends', tr.days,
           'top_content', tj.items,
           'traffic_sources', coalesce(b.sources, '[]'::jsonb),
           'demographics', pg_catalog.jsonb_build_object('countries', coalesce(b.countries, '[]'::jsonb),
                                                         'devices', coalesce(b.devices, '[]'::jsonb)),
           'mashup', analytics.mashup_dashboard(p_org_id, p_from, p_to, (su.current ->> 'visitors')::bigint))
  into v_result
  from summary as su, trends as tr, top_json as tj, breakdowns as b;

  return v_result;
end;
$$;
revoke execute on function public.get_dashboard(uuid, date, date) from public, anon;
grant execute on function public.get_dashboard(uuid, date, date) to authenticated, service_role;
comment on function public.get_dashboard(uuid, date, date) is
  'Dashboard of an organization for local days [p_from, p_to) as jsonb: summary (plays, likes, shares, comments, page_views, visitors, followers, total_followers, following) and previous_summary, trends per day, top_content (10, growth % vs the previous equal period), traffic_sources and demographics (countries, devices) with percentages adding up to exactly 100.0 (largest remainder). Exact at all times (engine rollups through their readers; distinct visitors from the recency rollups). Viewer or above; 42501 otherwise; 22023 on a bad period.';
