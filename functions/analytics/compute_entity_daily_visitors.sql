-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_day_events.sql
-- requires: functions/analytics/daily_rollup_events.sql
-- Compute function of the rollup analytics.entity_daily_visitors (migration 0030): the
-- complete rows of every (organization, entity, local day, visitor) with a non-bot event
-- about the entity received in [p_after, p_upto), recomputed from all that visitor's
-- events about the entity that day (analytics.touched_day_events); played is true when
-- one of them was a play. Events without a visitor are not in these sets.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_entity_daily_visitors(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.entity_daily_visitors
language sql
stable
as $$
  select e.org_id, coalesce(e.entity_type, 'unknown'), e.entity_id, e.day, e.visitor_key,
         pg_catalog.bool_or(e.event_type = 'play')
  from analytics.touched_day_events(p_org_id, p_after, p_upto) as e
  where e.entity_id is not null and e.visitor_key is not null
  group by e.org_id, coalesce(e.entity_type, 'unknown'), e.entity_id, e.day, e.visitor_key
  having pg_catalog.bool_or(e.fresh)
$$;
revoke execute on function analytics.compute_entity_daily_visitors(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_entity_daily_visitors(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.entity_daily_visitors: complete rows of the entity-day-visitors with non-bot events received in [p_after, p_upto). Internal (owner only).';

select private.register_rollup(
  'analytics.entity_daily_visitors', 'analytics.events', 'analytics.entity_daily_visitors', 'analytics.compute_entity_daily_visitors',
  array['org_id', 'entity_id', 'entity_type', 'day', 'visitor_key'], 'day', '{}',
  'Per organization, entity, local day and visitor key with a non-bot event about the entity: whether one was a play (migration 0030).',
  p_shared_source => 'analytics.daily_rollup_events');
