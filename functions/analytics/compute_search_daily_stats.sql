-- requires: functions/analytics/received_day_types.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_days.sql
-- requires: functions/analytics/normalize_query.sql
-- Compute function of the rollup analytics.search_daily_stats (migration 0555): the
-- complete rows of every (organization, local day) touched by search or
-- search_result_click events received in [p_after, p_upto), recomputed from all those
-- events of the day. A search without a usable properties.query is not counted. A visitor
-- is events.visitor_id, else the user id; searchers / clickers are distinct visitors per
-- query and day (a clicker: searched the query and has a search_result_click with the same
-- normalized query that day). results_count: a number >= 0, else not counted as a result
-- count (nor as a zero-result search).
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_search_daily_stats(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.search_daily_stats
language sql
stable
as $$
  with ev as (
    select t.org_id, (e.occurred_at at time zone t.timezone)::date as day, e.event_type, analytics.normalize_query(e.properties -> 'query') as query,
           coalesce(e.visitor_id, 'user:' || e.user_id::text) as visitor,
           case when pg_catalog.jsonb_typeof(e.properties -> 'results_count') = 'number'
                 and (e.properties ->> 'results_count')::numeric >= 0
                then pg_catalog.floor((e.properties ->> 'results_count')::numeric)::integer end as results
    from analytics.touched_days(p_org_id, p_after, p_upto, array['search', 'search_result_click']) as t
    join analytics.events as e
      on e.org_id = t.org_id and e.occurred_at >= t.from_ts and e.occurred_at < t.to_ts
    where e.event_type in ('search', 'search_result_click')
      and not e.is_bot
  ),
  per_visitor as (
    select ev.org_id, ev.day, ev.query, ev.visitor,
           pg_catalog.bool_or(ev.event_type = 'search') as searched,
           pg_catalog.bool_or(ev.event_type = 'search_result_click') as clicked
    from ev
    where ev.query is not null
    group by 1, 2, 3, 4
  ),
  people as (
    select p.org_id, p.day, p.query,
           pg_catalog.count(*) filter (where p.searched and p.visitor is not null) as searchers,
           pg_catalog.count(*) filter (where p.searched and p.clicked and p.visitor is not null) as clickers
    from per_visitor as p
    group by 1, 2, 3
  ),
  searches as (
    select ev.org_id, ev.day, ev.query,
           pg_catalog.count(*) as searches,
           pg_catalog.count(*) filter (where ev.results = 0) as zero_results,
           coalesce(pg_catalog.array_agg(ev.results order by ev.results) filter (where ev.results is not null), '{}') as result_counts
    from ev
    where ev.event_type = 'search' and ev.query is not null
    group by 1, 2, 3
  )
  select s.org_id, s.day, s.query, s.searches, s.zero_results, s.result_counts, p.searchers, p.clickers
  from searches as s
  join people as p on (p.org_id, p.day, p.query) = (s.org_id, s.day, s.query)
$$;
revoke execute on function analytics.compute_search_daily_stats(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_search_daily_stats(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.search_daily_stats: complete rows of the organization-days touched by search / search_result_click events received in [p_after, p_upto). Internal (owner only).';

-- Registered with the rollup engine here, beside its compute function (a migration cannot
-- call private.register_rollup: repeatable files are applied after the versioned ones).
select private.register_rollup(
  'analytics.search_daily_stats', 'analytics.events', 'analytics.search_daily_stats', 'analytics.compute_search_daily_stats',
  array['org_id', 'day', 'query'], 'day', '{}',
  'Per normalized search query and local day: searches, zero results, result counts, searchers and clickers.',
  p_shared_source => 'analytics.received_day_types');
