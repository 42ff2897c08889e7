-- requires: functions/audience/visitor_key.sql
-- Propensity to buy, 0-10, of many visitors at once (set-based: one query for the whole
-- set, no per-visitor call). p_org_ids / p_visitor_keys are parallel arrays of
-- (organization, visitor key) pairs; p_as_of is the reference time. Signals, from the
-- visitor's non-bot events of the 30 days before p_as_of ([p_as_of - 30 days, p_as_of)):
--   +3 viewed a ticket CTA        (a ticket_cta event)
--   +4 started checkout           (a checkout_started event)
--   +1 repeat visitor             (2 or more sessions; a session ends after 30 minutes
--                                  without an event; the window's first event starts one)
--   -2 slow network               (the network_type of the latest event, ties broken by
--                                  the highest id, is slow-2g, 2g or 3g)
--   +3 past purchaser             (an order before p_as_of that was not refunded; any time)
-- clamped to 0..10. review_at: a time by which the score may change without new activity
-- (a contributing signal, the first session of a repeat visitor or the latest event leaves
-- the 30-day window); never later than the actual change, sometimes earlier (harmless: the
-- row is recomputed unchanged).
-- How: a few index probes per key, whatever the visitor's number of events (the latest
-- and the first event of the window, the visitor's ticket CTA / checkout entries in the
-- partial index index_events_on_org_id_visitor_id_event_type_occurred_at), then a walk
-- over sessions from the first event (and, for long walks, back from the latest) that
-- jumps up to 30 minutes per probe and stops at the first gap of 30 minutes or more
-- (repeat visitor) or when the whole window is covered. plpgsql with a cached generic
-- plan: planning these probes costs more than running them for a few visitors.
-- Internal helper (calculate_propensity_score, get_high_intent_visitors). Customer rows store
-- the dates instead and derive the same score at read time (audience.propensity_from_dates).
create or replace function audience.propensity_scores(p_org_ids uuid[], p_visitor_keys text[], p_as_of timestamptz)
returns table (
  org_id            uuid,
  visitor_key       text,
  propensity_score  integer,
  viewed_ticket_cta boolean,
  started_checkout  boolean,
  repeat_visitor    boolean,
  slow_network      boolean,
  past_purchaser    boolean,
  last_event_at     timestamptz,
  review_at         timestamptz
)
language plpgsql
stable
set plan_cache_mode = force_generic_plan
as $$
declare
  v_from timestamptz := p_as_of - interval '30 days';
  -- The window split at the start of p_as_of's month (UTC; analytics.events has monthly
  -- partitions): a probe of the latest (first) event tries the recent (early) part first,
  -- so that it reads one partition instead of merging two.
  v_mid  timestamptz := greatest(v_from, pg_catalog.date_trunc('month', p_as_of, 'UTC'));
begin
  return query
  with recursive keys as (
    select distinct k.org_id, k.visitor_key collate "C" as visitor_key,
           case when k.visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                then pg_catalog.substr(k.visitor_key, 6)::uuid end as user_id
    from rows from (pg_catalog.unnest(p_org_ids), pg_catalog.unnest(p_visitor_keys)) as k (org_id, visitor_key)
    where k.org_id is not null and k.visitor_key is not null
  ),
  -- Per key, from index probes: the latest event of the window (its network; ties: the
  -- highest id) and the first one, the latest ticket CTA and checkout (partial index of
  -- those two event types of non-bot events), a purchase. v: the visitor_id's events;
  -- u: for a 'user:<uuid>' key, the user's events without visitor_id.
  probed as materialized (
    select k.org_id, k.visitor_key, k.user_id,
           greatest(lv.occurred_at, lu.occurred_at) as last_event_at,
           case when lu.occurred_at is null or (lv.occurred_at, lv.id) > (lu.occurred_at, lu.id)
                then lv.network_type else lu.network_type end as last_network_type,
           least(fv.occurred_at, fu.occurred_at) as first_event_at,
           s.last_ticket_cta_at, s.last_checkout_at,
           exists (select 1 from audience.orders as o
                   where o.org_id = k.org_id and o.visitor_id = k.visitor_key
                     and o.refunded_at is null and o.occurred_at < p_as_of)
           or (k.user_id is not null
               and exists (select 1 from audience.orders as o
                           where o.org_id = k.org_id and o.visitor_id is null and o.user_id = k.user_id
                             and o.refunded_at is null and o.occurred_at < p_as_of)) as past_purchaser
    from keys as k
    left join lateral (
      (select e.occurred_at, e.id, e.network_type from analytics.events as e
       where e.org_id = k.org_id and e.visitor_id = k.visitor_key
         and e.occurred_at >= v_mid and e.occurred_at < p_as_of and not e.is_bot
       order by e.occurred_at desc, e.id desc limit 1)
      union all
      (select e.occurred_at, e.id, e.network_type from analytics.events as e
       where e.org_id = k.org_id and e.visitor_id = k.visitor_key
         and e.occurred_at >= v_from and e.occurred_at < v_mid and not e.is_bot
       order by e.occurred_at desc, e.id desc limit 1)
      limit 1
    ) as lv on true
    left join lateral (
      select e.occurred_at, e.id, e.network_type from analytics.events as e
      where k.user_id is not null
        and e.org_id = k.org_id and e.visitor_id is null and e.user_id = k.user_id
        and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot
      order by e.occurred_at desc, e.id desc limit 1
    ) as lu on true
    left join lateral (
      (select e.occurred_at from analytics.events as e
       where lv.occurred_at is not null
         and e.org_id = k.org_id and e.visitor_id = k.visitor_key
         and e.occurred_at >= v_from and e.occurred_at < v_mid and not e.is_bot
       order by e.occurred_at limit 1)
      union all
      (select e.occurred_at from analytics.events as e
       where lv.occurred_at is not null
         and e.org_id = k.org_id and e.visitor_id = k.visitor_key
         and e.occurred_at >= v_mid and e.occurred_at < p_as_of and not e.is_bot
       order by e.occurred_at limit 1)
      limit 1
    ) as fv on true
    left join lateral (
      select e.occurred_at from analytics.events as e
      where lu.occurred_at is not null
        and e.org_id = k.org_id and e.visitor_id is null and e.user_id = k.user_id
        and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot
      order by e.occurred_at limit 1
    ) as fu on true
    cross join lateral (
      select pg_catalog.max(x.occurred_at) filter (where x.event_type = 'ticket_cta') as last_ticket_cta_at,
             pg_catalog.max(x.occurred_at) filter (where x.event_type = 'checkout_started') as last_checkout_at
      from (select e.event_type, e.occurred_at from analytics.events as e
            where lv.occurred_at is not null
              and e.org_id = k.org_id and e.visitor_id = k.visitor_key
              and e.event_type in ('ticket_cta', 'checkout_started')
              and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot
            union all
            select e.event_type, e.occurred_at from analytics.events as e
            where lu.occurred_at is not null
              and e.org_id = k.org_id and e.visitor_id is null and e.user_id = k.user_id
              and e.event_type in ('ticket_cta', 'checkout_started')
              and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot) as x
    ) as s
  ),
  -- Sessions (repeat visitor: a gap of 30 minutes or more between two consecutive
  -- events). Forward from the first event: jump to the latest event less than 30 minutes
  -- after the current one (at); when there is none and the current event is not the
  -- latest, a gap follows. From the 4th step on, also backward from the latest event
  -- (back): jump to the earliest event less than 30 minutes before; when there is none
  -- and back is not the first event, a gap precedes. No gap once the two meet. gap: NULL
  -- while walking, then true or false: one final row per key. Keys without events, or
  -- whose events span less than 30 minutes, do not walk.
  walk as (
    select p.*, p.first_event_at as at, p.last_event_at as back, 0 as steps,
           case when p.last_event_at is null or p.last_event_at - p.first_event_at < interval '30 minutes' then false end as gap
    from probed as p
    union all
    select w.org_id, w.visitor_key, w.user_id, w.last_event_at, w.last_network_type, w.first_event_at,
           w.last_ticket_cta_at, w.last_checkout_at, w.past_purchaser,
           n.at, n.back, w.steps + 1,
           case when n.at = w.at and w.at < w.last_event_at then true
                when w.steps >= 3 and n.back = w.back and w.back > w.first_event_at then true
                when n.at >= n.back then false end
    from walk as w
    cross join lateral (
      select greatest(
               (select e.occurred_at from analytics.events as e
                where e.org_id = w.org_id and e.visitor_id = w.visitor_key
                  and e.occurred_at >= w.at and e.occurred_at < w.at + interval '30 minutes'
                  and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot
                order by e.occurred_at desc limit 1),
               case when w.user_id is not null then
                 (select e.occurred_at from analytics.events as e
                  where e.org_id = w.org_id and e.visitor_id is null and e.user_id = w.user_id
                    and e.occurred_at >= w.at and e.occurred_at < w.at + interval '30 minutes'
                    and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot
                  order by e.occurred_at desc limit 1) end) as at,
             case when w.steps < 3 then w.back else least(
               (select e.occurred_at from analytics.events as e
                where e.org_id = w.org_id and e.visitor_id = w.visitor_key
                  and e.occurred_at > w.back - interval '30 minutes' and e.occurred_at <= w.back
                  and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot
                order by e.occurred_at limit 1),
               case when w.user_id is not null then
                 (select e.occurred_at from analytics.events as e
                  where e.org_id = w.org_id and e.visitor_id is null and e.user_id = w.user_id
                    and e.occurred_at > w.back - interval '30 minutes' and e.occurred_at <= w.back
                    and e.occurred_at >= v_from and e.occurred_at < p_as_of and not e.is_bot
                  order by e.occurred_at limit 1) end) end as back
      offset 0
    ) as n
    where w.gap is null
  )
  select w.org_id, w.visitor_key::text,
         greatest(0, least(10,
             case when w.last_ticket_cta_at is not null then 3 else 0 end
           + case when w.last_checkout_at is not null then 4 else 0 end
           + case when w.gap then 1 else 0 end
           - case when w.last_network_type in ('slow-2g', '2g', '3g') then 2 else 0 end
           + case when w.past_purchaser then 3 else 0 end)),
         w.last_ticket_cta_at is not null,
         w.last_checkout_at is not null,
         w.gap,
         coalesce(w.last_network_type in ('slow-2g', '2g', '3g'), false),
         w.past_purchaser,
         w.last_event_at,
         least(w.last_ticket_cta_at, w.last_checkout_at, case when w.gap then w.first_event_at end, w.last_event_at)
           + interval '30 days'
  from walk as w
  where w.gap is not null;
end;
$$;
revoke execute on function audience.propensity_scores(uuid[], text[], timestamptz) from public, anon, authenticated;
comment on function audience.propensity_scores(uuid[], text[], timestamptz) is
  'Propensity 0-10 of many (organization, visitor key) pairs at p_as_of, set-based: +3 ticket CTA, +4 checkout started, +1 repeat visitor (2+ sessions), -2 slow network (network_type of the latest event slow-2g/2g/3g), all over the 30 days before p_as_of, +3 past purchaser (a non-refunded order before p_as_of); clamped to 0..10. Internal helper.';
