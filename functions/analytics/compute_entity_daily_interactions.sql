-- requires: functions/analytics/received_day_types.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_days.sql
-- requires: functions/analytics/view_seconds.sql
-- Compute function of the rollup analytics.entity_daily_interactions (migration 0555):
-- the complete rows of the entities of every (organization, local day) touched by events
-- of the counted types received in [p_after, p_upto), recomputed from all those events of
-- the day. Entities with none of the counted events get no row.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_entity_daily_interactions(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.entity_daily_interactions
language plpgsql
stable
set search_path = ''
as $$
begin
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan (a reader's common case)
  end if;
  return query
  with ev as (
    select t.org_id, (e.occurred_at at time zone t.timezone)::date as day, coalesce(e.entity_type, 'unknown') as entity_type, e.entity_id, e.event_type, e.link_type,
           analytics.view_seconds(e.event_type, e.properties) as seconds,
           case when e.event_type = 'review' and pg_catalog.jsonb_typeof(e.properties -> 'rating') = 'number'
                 and (e.properties ->> 'rating')::numeric between 1 and 5
                then (e.properties ->> 'rating')::numeric end as rating
    from analytics.touched_days(p_org_id, p_after, p_upto,
           array['event_view', 'page_view', 'profile_view', 'impression', 'link_click', 'search_result_click',
                 'ticket_cta', 'review']) as t
    join analytics.events as e
      on e.org_id = t.org_id and e.occurred_at >= t.from_ts and e.occurred_at < t.to_ts
    where e.event_type in ('event_view', 'page_view', 'profile_view', 'impression', 'link_click', 'search_result_click',
                           'ticket_cta', 'review')
      and e.entity_id is not null
      and not e.is_bot
  )
  select ev.org_id, ev.entity_type, ev.entity_id, ev.day,
         pg_catalog.count(ev.seconds),
         coalesce(pg_catalog.sum(ev.seconds), 0),
         coalesce(pg_catalog.array_agg(ev.seconds order by ev.seconds) filter (where ev.seconds is not null), '{}'),
         pg_catalog.count(*) filter (where ev.event_type = 'impression'),
         pg_catalog.count(*) filter (where ev.event_type in ('link_click', 'search_result_click')),
         pg_catalog.count(*) filter (where ev.event_type = 'ticket_cta' or (ev.event_type = 'link_click' and ev.link_type = 'tickets')),
         pg_catalog.count(*) filter (where ev.event_type = 'event_view'),
         pg_catalog.count(*) filter (where ev.event_type = 'review'),
         coalesce(pg_catalog.sum(ev.rating), 0),
         pg_catalog.count(ev.rating)
  from ev
  group by ev.org_id, ev.entity_type, ev.entity_id, ev.day
  having pg_catalog.count(ev.seconds) > 0
      or pg_catalog.count(*) filter (where ev.event_type not in ('page_view', 'profile_view')) > 0;
end;
$$;
revoke execute on function analytics.compute_entity_daily_interactions(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_entity_daily_interactions(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.entity_daily_interactions: complete rows of the entity-days of the organization-days touched by counted events received in [p_after, p_upto). Internal (owner only).';

-- Registered with the rollup engine here, beside its compute function (a migration cannot
-- call private.register_rollup: repeatable files are applied after the versioned ones).
select private.register_rollup(
  'analytics.entity_daily_interactions', 'analytics.events', 'analytics.entity_daily_interactions', 'analytics.compute_entity_daily_interactions',
  array['org_id', 'entity_id', 'entity_type', 'day'], 'day', '{}',
  'Per entity and local day: view duration, impressions, clicks, ticket clicks, detail views, reviews and ratings.',
  p_shared_source => 'analytics.received_day_types');
