-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_day_events.sql
-- requires: functions/analytics/daily_rollup_events.sql
-- Compute function of the rollup analytics.visitor_daily_counts (migration 0660, which
-- states the rules): the complete rows of every (organization, local day, visitor key)
-- with a non-bot event received in [p_after, p_upto), recomputed from all that visitor's
-- events of the day (analytics.touched_day_events). The events with no visitor at all
-- make one row per day under the nil visitor key.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_visitor_daily_counts(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.visitor_daily_counts
language sql
stable
as $$
  select e.org_id, e.day, coalesce(e.visitor_key, '00000000-0000-0000-0000-000000000000'::uuid),
         pg_catalog.count(*)::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'page_view'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'profile_view'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'play'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'like'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'share'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'comment'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'download'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'follow'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'impression'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'link_click'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'ticket_cta'
                                         or (e.event_type = 'link_click' and e.link_type = 'tickets')))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'purchase'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'tip'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'subscribe'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'search'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'follow'
                                         and (e.entity_type is null or e.entity_type in ('artist', 'venue'))))::integer,
         (pg_catalog.count(*) filter (where e.event_type in ('impression', 'event_view') and e.entity_type = 'tour_date'))::integer,
         (pg_catalog.count(*) filter (where e.event_type = 'review'))::integer,
         coalesce(pg_catalog.sum(e.rating), 0),
         pg_catalog.count(e.rating)::integer,
         coalesce(pg_catalog.array_agg(distinct e.session_id) filter (where e.session_id is not null), '{}'),
         coalesce((pg_catalog.array_agg(e.source order by e.occurred_at, e.id) filter (where e.source is not null))[1],
                  '(direct)'),
         (pg_catalog.array_agg(e.country order by e.occurred_at, e.id) filter (where e.country is not null))[1],
         (pg_catalog.array_agg(e.device_type order by e.occurred_at, e.id) filter (where e.device_type is not null))[1]
  from analytics.touched_day_events(p_org_id, p_after, p_upto) as e
  group by e.org_id, e.day, e.visitor_key
  having pg_catalog.bool_or(e.fresh)
$$;
revoke execute on function analytics.compute_visitor_daily_counts(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_visitor_daily_counts(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.visitor_daily_counts: complete rows of the visitor-days with non-bot events received in [p_after, p_upto). Internal (owner only).';

select private.register_rollup(
  'analytics.visitor_daily_counts', 'analytics.events', 'analytics.visitor_daily_counts', 'analytics.compute_visitor_daily_counts',
  array['org_id', 'day', 'visitor_key'], 'day', '{}',
  'Per organization, local day and visitor key: non-bot events by type, sessions, first source / country / device (migration 0660).',
  p_shared_source => 'analytics.daily_rollup_events');
