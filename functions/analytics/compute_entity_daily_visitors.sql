-- requires: functions/analytics/keyed_event_array.sql
-- analytics.entity_daily_visitors rows (one per entity, local day and visitor) of one
-- organization from its keyed events of a range of local days (p_events); played is
-- true when one of the visitor's events about the entity that day was a play.
-- Internal helper: owner only.
create or replace function analytics.compute_entity_daily_visitors(p_org_id uuid, p_events analytics.keyed_event[])
returns table (org_id uuid, entity_type text, entity_id uuid, day date, visitor_key uuid, played boolean)
language sql
stable
as $$
  select p_org_id, coalesce(e.entity_type, 'unknown'), e.entity_id, e.day, e.visitor_key,
         pg_catalog.bool_or(e.event_type = 'play')
  from pg_catalog.unnest(p_events) as e
  where e.entity_id is not null and e.visitor_key is not null
  group by coalesce(e.entity_type, 'unknown'), e.entity_id, e.day, e.visitor_key
$$;
revoke execute on function analytics.compute_entity_daily_visitors(uuid, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.compute_entity_daily_visitors(uuid, analytics.keyed_event[]) is
  'analytics.entity_daily_visitors rows of an organization from its keyed events of a range of local days. Internal helper (owner only).';
