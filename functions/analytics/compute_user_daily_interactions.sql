-- requires: functions/analytics/received_any.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_days.sql
-- requires: functions/analytics/view_seconds.sql
-- Compute function of the rollup analytics.user_daily_interactions (migration 0555): the
-- complete rows of the signed-in users of every (organization, local day) touched by
-- their counted events received in [p_after, p_upto), recomputed from all those events of
-- the day. Users with none of the counted events get no row. max_scroll_depth_pct: the
-- highest numeric properties.depth_pct of scroll_depth events, clipped to 0-100.
-- PL/pgSQL for its plans and its early exit (README, "Usage rollups: plan settings"): as a
-- SQL function it was planned over every partition at each reader call (~30 ms of
-- get_user_dashboard at 10M with nothing new); its generic plan is now kept for the session
-- (the touched days reach the events through their primary key whatever the bounds), and a
-- reader's call that finds no event received since the watermark returns before planning
-- anything (analytics.received_any).
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_user_daily_interactions(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.user_daily_interactions
language plpgsql
stable
set search_path = ''
set jit = off
set max_parallel_workers_per_gather = 0
set plan_cache_mode = force_generic_plan
set enable_nestloop = on
as $$
begin
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan (a reader's common case)
  end if;
  return query
  with ev as (
    select t.org_id, (e.occurred_at at time zone t.timezone)::date as day, e.user_id, e.event_type,
           analytics.view_seconds(e.event_type, e.properties) as seconds,
           case when e.event_type = 'scroll_depth' and pg_catalog.jsonb_typeof(e.properties -> 'depth_pct') = 'number'
                then greatest(least((e.properties ->> 'depth_pct')::numeric, 100), 0) end as depth
    from analytics.touched_days(p_org_id, p_after, p_upto,
           array['event_view', 'page_view', 'profile_view', 'review_like', 'review_comment', 'friend_added',
                 'message_sent', 'share_sent', 'navigate', 'load_more', 'scroll_depth']) as t
    join analytics.events as e
      on e.org_id = t.org_id and e.occurred_at >= t.from_ts and e.occurred_at < t.to_ts
    where e.event_type in ('event_view', 'page_view', 'profile_view', 'review_like', 'review_comment', 'friend_added',
                           'message_sent', 'share_sent', 'navigate', 'load_more', 'scroll_depth')
      and e.user_id is not null
      and not e.is_bot
  )
  select ev.org_id, ev.user_id, ev.day,
         pg_catalog.count(ev.seconds),
         coalesce(pg_catalog.sum(ev.seconds), 0),
         coalesce(pg_catalog.array_agg(ev.seconds order by ev.seconds) filter (where ev.seconds is not null), '{}'),
         pg_catalog.count(*) filter (where ev.event_type = 'review_like'),
         pg_catalog.count(*) filter (where ev.event_type = 'review_comment'),
         pg_catalog.count(*) filter (where ev.event_type = 'friend_added'),
         pg_catalog.count(*) filter (where ev.event_type = 'message_sent'),
         pg_catalog.count(*) filter (where ev.event_type = 'share_sent'),
         pg_catalog.count(*) filter (where ev.event_type = 'navigate'),
         pg_catalog.count(*) filter (where ev.event_type = 'load_more'),
         pg_catalog.max(ev.depth)
  from ev
  group by ev.org_id, ev.user_id, ev.day
  having pg_catalog.count(ev.seconds) > 0
      or pg_catalog.count(*) filter (where ev.event_type not in ('event_view', 'page_view', 'profile_view')) > 0;
end;
$$;
revoke execute on function analytics.compute_user_daily_interactions(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_user_daily_interactions(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.user_daily_interactions: complete rows of the user-days of the organization-days touched by counted events received in [p_after, p_upto). Internal (owner only).';

-- Registered with the rollup engine here, beside its compute function (a migration cannot
-- call private.register_rollup: repeatable files are applied after the versioned ones).
select private.register_rollup(
  'analytics.user_daily_interactions', 'analytics.events', 'analytics.user_daily_interactions', 'analytics.compute_user_daily_interactions',
  array['org_id', 'user_id', 'day'], 'day', '{}',
  'Per signed-in user and local day: view duration and social / feed actions.');
