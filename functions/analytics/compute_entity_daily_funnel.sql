-- requires: functions/analytics/received_day_types.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_days.sql
-- Compute function of the rollup analytics.entity_daily_funnel (migration 0556, which
-- states the rules): the complete rows of every (organization, local day) touched by
-- impression, event_view, search_result_click, link_click or ticket_cta events received in
-- [p_after, p_upto), recomputed from all those events of the day. A visitor is
-- events.visitor_id, else the user id; events with neither are left out. The entity is the
-- entity id: events of one id with different entity types (or none, 'unknown') are one
-- entity, and its visitor-day is keyed under the entity type of its first impression.
-- Registered with the unit of replacement (org_id, day): a visitor-day counts under the
-- source and position of its first impression, so a late, earlier impression moves it to
-- another key, and a key can vanish from its day; apply deletes it, readers hide it
-- (without the unit it stayed stored and read, against a rebuild without it).
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_entity_daily_funnel(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.entity_daily_funnel
language sql
stable
as $$
  with ev as (
    select t.org_id, (e.occurred_at at time zone t.timezone)::date as day, coalesce(e.entity_type, 'unknown') as entity_type, e.entity_id,
           coalesce(e.visitor_id, 'user:' || e.user_id::text) as visitor,
           e.occurred_at, e.id, e.event_type, e.link_type, e.properties
    from analytics.touched_days(p_org_id, p_after, p_upto,
           array['impression', 'event_view', 'search_result_click', 'link_click', 'ticket_cta']) as t
    join analytics.events as e
      on e.org_id = t.org_id and e.occurred_at >= t.from_ts and e.occurred_at < t.to_ts
    where e.event_type in ('impression', 'event_view', 'search_result_click', 'link_click', 'ticket_cta')
      and e.entity_id is not null
      and (e.visitor_id is not null or e.user_id is not null)
      and not e.is_bot
  ),
  per_visitor as (
    -- One visitor-day per entity id, whatever entity types its events carry; it is keyed
    -- under the type of its first impression.
    select ev.org_id, ev.day, ev.entity_id, ev.visitor,
           (pg_catalog.array_agg(ev.entity_type order by ev.occurred_at, ev.id)
              filter (where ev.event_type = 'impression'))[1] as entity_type,
           (pg_catalog.array_agg(ev.properties order by ev.occurred_at, ev.id)
              filter (where ev.event_type = 'impression'))[1] as first_impression,
           pg_catalog.bool_or(ev.event_type in ('event_view', 'search_result_click', 'link_click', 'ticket_cta')) as clicked,
           pg_catalog.bool_or(ev.event_type = 'ticket_cta' or (ev.event_type = 'link_click' and ev.link_type = 'tickets')) as ticket
    from ev
    group by 1, 2, 3, 4
    having pg_catalog.bool_or(ev.event_type = 'impression')
  )
  select p.org_id, p.entity_type, p.entity_id, p.day,
         case when pg_catalog.jsonb_typeof(p.first_impression -> 'source') = 'string'
               and pg_catalog.btrim(p.first_impression ->> 'source') <> ''
              then case when pg_catalog.char_length(pg_catalog.btrim(p.first_impression ->> 'source')) > 40 then '(other)'
                        else pg_catalog.lower(pg_catalog.btrim(p.first_impression ->> 'source')) end
              else '(unknown)' end as source,
         case when pg_catalog.jsonb_typeof(p.first_impression -> 'position') = 'number'
               and (p.first_impression ->> 'position')::numeric between 1 and 1000000
               and (p.first_impression ->> 'position')::numeric = pg_catalog.trunc((p.first_impression ->> 'position')::numeric)
              then (p.first_impression ->> 'position')::integer else 0 end as position,
         pg_catalog.count(*),
         pg_catalog.count(*) filter (where p.clicked),
         pg_catalog.count(*) filter (where p.ticket)
  from per_visitor as p
  group by 1, 2, 3, 4, 5, 6
$$;
revoke execute on function analytics.compute_entity_daily_funnel(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_entity_daily_funnel(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.entity_daily_funnel: complete funnel rows of the organization-days touched by impression / click / ticket events received in [p_after, p_upto). Internal (owner only).';

-- Registered with the rollup engine here, beside its compute function (a migration cannot
-- call private.register_rollup: repeatable files are applied after the versioned ones).
select private.register_rollup(
  'analytics.entity_daily_funnel', 'analytics.events', 'analytics.entity_daily_funnel', 'analytics.compute_entity_daily_funnel',
  array['org_id', 'entity_id', 'entity_type', 'day', 'source', 'position'], 'day', '{}',
  'Per entity, local day, source and position: impression -> click -> ticket link click funnel of visitor-days.',
  p_unit_columns => array['org_id', 'day'], p_shared_source => 'analytics.received_day_types');
