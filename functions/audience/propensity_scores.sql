-- requires: functions/audience/visitor_key.sql
-- Propensity to buy, 0-10, of many visitors at once (set-based: one query for the whole
-- set, no per-visitor call). p_org_ids / p_visitor_keys are parallel arrays of
-- (organization, visitor key) pairs; p_as_of is the reference time. Signals, from the
-- visitor's non-bot events of the 30 days before p_as_of ([p_as_of - 30 days, p_as_of)):
--   +3 viewed a ticket CTA        (a ticket_cta event)
--   +4 started checkout           (a checkout_started event)
--   +1 repeat visitor             (2 or more sessions; a session ends after 30 minutes
--                                  without an event)
--   -2 slow network               (the network_type of the latest event is slow-2g, 2g or
--                                  3g)
--   +3 past purchaser             (an order before p_as_of that was not refunded; any time)
-- clamped to 0..10. review_at: a time by which the score may change without new activity
-- (a contributing signal, the first session of a repeat visitor or the latest event leaves
-- the 30-day window); never later than the actual change, sometimes earlier (harmless: the
-- row is recomputed unchanged).
-- Internal helper (calculate_propensity_score, get_high_intent_visitors, update_customers).
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
language sql
stable
as $$
  with keys as (
    select distinct k.org_id, k.visitor_key collate "C" as visitor_key
    from rows from (pg_catalog.unnest(p_org_ids), pg_catalog.unnest(p_visitor_keys)) as k (org_id, visitor_key)
    where k.org_id is not null and k.visitor_key is not null
  ),
  -- One sort of the window's events per visitor: the session starts (lag) and the network
  -- of the latest event come from the same ordered pass; everything else is a plain
  -- aggregate (no per-visitor sorting).
  -- The window's non-bot events of each key: by visitor_id (index on (org_id, visitor_id,
  -- occurred_at)) or, for 'user:<uuid>' keys, by user_id (partial index).
  events as (
    select k.org_id, k.visitor_key, e.id, e.occurred_at, e.event_type, e.network_type
    from keys as k
    join analytics.events as e on e.org_id = k.org_id and e.visitor_id = k.visitor_key
    where e.occurred_at >= p_as_of - interval '30 days'
      and e.occurred_at < p_as_of
      and not e.is_bot
    union all
    select k.org_id, k.visitor_key, e.id, e.occurred_at, e.event_type, e.network_type
    from keys as k
    join analytics.events as e
      on e.org_id = k.org_id
     and e.visitor_id is null
     and e.user_id = case when k.visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                          then pg_catalog.substr(k.visitor_key, 6)::uuid end
    where k.visitor_key like 'user:%'
      and e.occurred_at >= p_as_of - interval '30 days'
      and e.occurred_at < p_as_of
      and not e.is_bot
  ),
  windowed as (
    select v.org_id, v.visitor_key, v.occurred_at, v.event_type,
           pg_catalog.lag(v.occurred_at) over w as previous_at,
           pg_catalog.last_value(v.network_type) over (w rows between unbounded preceding and unbounded following) as last_network_type
    from events as v
    window w as (partition by v.org_id, v.visitor_key order by v.occurred_at, v.id)
  ),
  signals as (
    select w.org_id, w.visitor_key,
           pg_catalog.max(w.occurred_at) filter (where w.event_type = 'ticket_cta') as last_ticket_cta_at,
           pg_catalog.max(w.occurred_at) filter (where w.event_type = 'checkout_started') as last_checkout_at,
           pg_catalog.count(*) filter (where w.previous_at is null or w.occurred_at - w.previous_at >= interval '30 minutes') as sessions,
           pg_catalog.min(w.occurred_at) as first_event_at,
           pg_catalog.max(w.last_network_type) as last_network_type,
           pg_catalog.max(w.occurred_at) as last_event_at
    from windowed as w
    group by w.org_id, w.visitor_key
  ),
  buyers as (
    select distinct o.org_id, audience.visitor_key(o.visitor_id, o.user_id) as visitor_key
    from audience.orders as o
    where o.org_id = any (p_org_ids)
      and o.refunded_at is null
      and o.occurred_at < p_as_of
      and audience.visitor_key(o.visitor_id, o.user_id) = any (p_visitor_keys)
  ),
  flags as (
    select k.org_id, k.visitor_key,
           s.last_ticket_cta_at is not null as viewed_ticket_cta,
           s.last_checkout_at is not null as started_checkout,
           coalesce(s.sessions >= 2, false) as repeat_visitor,
           coalesce(s.last_network_type in ('slow-2g', '2g', '3g'), false) as slow_network,
           b.visitor_key is not null as past_purchaser,
           s.last_event_at,
           least(s.last_ticket_cta_at, s.last_checkout_at,
                 case when s.sessions >= 2 then s.first_event_at end, s.last_event_at)
             + interval '30 days' as review_at
    from keys as k
    left join signals as s on s.org_id = k.org_id and s.visitor_key = k.visitor_key
    left join buyers as b on b.org_id = k.org_id and b.visitor_key = k.visitor_key
  )
  select f.org_id, f.visitor_key,
         greatest(0, least(10,
             case when f.viewed_ticket_cta then 3 else 0 end
           + case when f.started_checkout then 4 else 0 end
           + case when f.repeat_visitor then 1 else 0 end
           - case when f.slow_network then 2 else 0 end
           + case when f.past_purchaser then 3 else 0 end)),
         f.viewed_ticket_cta, f.started_checkout, f.repeat_visitor, f.slow_network, f.past_purchaser,
         f.last_event_at, f.review_at
  from flags as f
$$;
revoke execute on function audience.propensity_scores(uuid[], text[], timestamptz) from public, anon, authenticated;
comment on function audience.propensity_scores(uuid[], text[], timestamptz) is
  'Propensity 0-10 of many (organization, visitor key) pairs at p_as_of, set-based: +3 ticket CTA, +4 checkout started, +1 repeat visitor (2+ sessions), -2 slow network (network_type of the latest event slow-2g/2g/3g), all over the 30 days before p_as_of, +3 past purchaser (a non-refunded order before p_as_of); clamped to 0..10. Internal helper.';
