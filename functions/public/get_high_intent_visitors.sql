-- requires: functions/audience/opted_out.sql
-- requires: functions/audience/propensity_scores.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/audience/intent_level_for.sql
-- Hot leads of one organization: visitors active in the last p_hours whose propensity
-- score now is at least p_min_score, with their signals, recent activity and last active
-- time. Callable by members (analyst or above) and service_role.
-- Definitions: active = a non-bot event in [now - p_hours, now]; the score is
-- public.calculate_propensity_score's (audience.propensity_scores, computed in one call
-- for the active visitors whose score can reach p_min_score: see candidates);
-- recent_events / recent_event_types / country / city / device_type describe the events
-- of the last p_hours (place and device: the latest reported; ties: the highest id).
-- Visitors who opted out (audience.opt_outs), or whose user did (audience.opted_out, the
-- user as audience.visitor_user finds it: a device first seen after the user's opt-out
-- too), never appear.
-- Contact details (email, phone: the visitor's active subscriptions in
-- audience.subscribers) are returned only to admins, owners and service_role; NULL for
-- analysts. Ordered by score, then last activity (descending).
-- 42501: not a member / below analyst; 22023: p_hours outside 1..720, p_min_score
-- outside 0..10.
-- Generic plan (cached per session), unlike the other audience RPCs: every scan here is
-- driven by an index on (org_id, ...) whatever the arguments, and partitions are pruned
-- at executor start; planning the query cost 5-8 ms per call on the largest org.
create or replace function public.get_high_intent_visitors(
  p_org_id    uuid,
  p_hours     integer default 24,
  p_min_score integer default 7
)
returns table (
  visitor_id         text,
  user_id            uuid,
  propensity_score   integer,
  intent_level       audience.intent_level,
  viewed_ticket_cta  boolean,
  started_checkout   boolean,
  repeat_visitor     boolean,
  slow_network       boolean,
  past_purchaser     boolean,
  recent_events      bigint,
  recent_event_types text[],
  last_active_at     timestamptz,
  country            text,
  city               text,
  device_type        text,
  email              text,
  phone              text
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
set jit = off
as $$
declare
  v_role    app.org_role;
  v_now     timestamptz := pg_catalog.now();
begin
  v_role := app.assert_org_role(p_org_id, 'analyst');
  if p_hours is null or p_hours not between 1 and 720 then
    raise exception 'hours must be between 1 and 720, got %', p_hours
      using errcode = '22023', hint = 'Pass p_hours from 1 to 720 (30 days); default 24.';
  end if;
  if p_min_score is null or p_min_score not between 0 and 10 then
    raise exception 'minimum score must be between 0 and 10, got %', p_min_score
      using errcode = '22023', hint = 'Pass p_min_score from 0 to 10; default 7 (high intent).';
  end if;

  return query
  with recent_keys as (
    select audience.visitor_key(e.visitor_id, e.user_id) as visitor_key
    from analytics.events as e
    where e.org_id = p_org_id
      and e.occurred_at >= v_now - pg_catalog.make_interval(hours => p_hours)
      and e.occurred_at <= v_now
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
    group by 1
  ),
  -- A key's score is at most 3 (ticket CTA in the score's 30-day window) + 4 (checkout
  -- there) + 3 (past purchase) + 1 (repeat visit): keys whose bound is below p_min_score
  -- are not scored at all (for p_min_score <= 1 every key is). CTA and checkout come
  -- from the partial index of those two event types (index-only).
  intent as (
    select audience.visitor_key(e.visitor_id, e.user_id) as visitor_key,
           pg_catalog.bool_or(e.event_type = 'ticket_cta') as viewed_ticket_cta,
           pg_catalog.bool_or(e.event_type = 'checkout_started') as started_checkout
    from analytics.events as e
    where p_min_score >= 2
      and e.org_id = p_org_id
      and e.event_type in ('ticket_cta', 'checkout_started')
      and e.occurred_at >= v_now - interval '30 days'
      and e.occurred_at < v_now
      and not e.is_bot
    group by 1
  ),
  buyers as (
    select distinct audience.visitor_key(o.visitor_id, o.user_id) as visitor_key
    from audience.orders as o
    where p_min_score >= 2
      and o.org_id = p_org_id
      and o.refunded_at is null
      and o.occurred_at < v_now
  ),
  candidates as (
    select r.visitor_key
    from recent_keys as r
    left join intent as i on i.visitor_key = r.visitor_key
    left join buyers as b on b.visitor_key = r.visitor_key
    where not exists (select 1 from audience.opt_outs as x
                      where x.org_id = p_org_id and x.visitor_id = r.visitor_key)
      and case when i.viewed_ticket_cta then 3 else 0 end
        + case when i.started_checkout then 4 else 0 end
        + case when b.visitor_key is not null then 3 else 0 end
        + 1 >= p_min_score
  ),
  scored as (
    select s.visitor_key collate "C" as visitor_key, s.propensity_score, s.viewed_ticket_cta, s.started_checkout,
           s.repeat_visitor, s.slow_network, s.past_purchaser
    from audience.propensity_scores(
           (select pg_catalog.array_agg(p_org_id) from candidates),
           (select pg_catalog.array_agg(c.visitor_key) from candidates as c),
           v_now) as s
    where s.propensity_score >= p_min_score
  ),
  -- The recent activity of the scored keys only: their events of the last p_hours (the
  -- visitor_id's, or for 'user:<uuid>' the user's events without visitor_id).
  recent as (
    select s.visitor_key,
           (pg_catalog.array_agg(e.user_id order by e.occurred_at desc, e.id desc) filter (where e.user_id is not null))[1] as user_id,
           pg_catalog.count(*) as events,
           pg_catalog.array_agg(distinct e.event_type::text order by e.event_type::text) as event_types,
           pg_catalog.max(e.occurred_at) as last_active_at,
           (pg_catalog.array_agg(e.country::text order by e.occurred_at desc, e.id desc) filter (where e.country is not null))[1] as country,
           (pg_catalog.array_agg(e.city order by e.occurred_at desc, e.id desc) filter (where e.city is not null))[1] as city,
           (pg_catalog.array_agg(e.device_type::text order by e.occurred_at desc, e.id desc) filter (where e.device_type is not null))[1] as device_type
    from scored as s
    cross join lateral (
      select v.id, v.occurred_at, v.event_type, v.user_id, v.country, v.city, v.device_type
      from analytics.events as v
      where v.org_id = p_org_id
        and v.visitor_id = s.visitor_key
        and v.occurred_at >= v_now - pg_catalog.make_interval(hours => p_hours)
        and v.occurred_at <= v_now
        and not v.is_bot
      union all
      select u.id, u.occurred_at, u.event_type, u.user_id, u.country, u.city, u.device_type
      from analytics.events as u
      where s.visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        and u.org_id = p_org_id
        and u.visitor_id is null
        and u.user_id = pg_catalog.substr(s.visitor_key, 6)::uuid
        and u.occurred_at >= v_now - pg_catalog.make_interval(hours => p_hours)
        and u.occurred_at <= v_now
        and not u.is_bot
    ) as e
    group by s.visitor_key
  ),
  contacts as (
    select sb.visitor_id,
           pg_catalog.min(sb.contact) filter (where sb.channel = 'email') as email,
           pg_catalog.min(sb.contact) filter (where sb.channel = 'sms') as phone
    from audience.subscribers as sb
    where v_role >= 'admin'
      and sb.org_id = p_org_id
      and sb.unsubscribed_at is null
      and sb.visitor_id in (select s.visitor_key from scored as s)
    group by sb.visitor_id
  )
  select r.visitor_key::text, r.user_id, s.propensity_score, audience.intent_level_for(s.propensity_score),
         s.viewed_ticket_cta, s.started_checkout, s.repeat_visitor, s.slow_network, s.past_purchaser,
         r.events, r.event_types, r.last_active_at, r.country, r.city, r.device_type,
         c.email, c.phone
  from scored as s
  join recent as r on r.visitor_key = s.visitor_key
  left join contacts as c on c.visitor_id = s.visitor_key
  -- (the key itself was checked in candidates; here with its user, for the few scored keys)
  where not audience.opted_out(p_org_id, s.visitor_key)
  order by s.propensity_score desc, r.last_active_at desc, r.visitor_key;
end;
$$;
revoke execute on function public.get_high_intent_visitors(uuid, integer, integer) from public, anon;
grant execute on function public.get_high_intent_visitors(uuid, integer, integer) to authenticated, service_role;
comment on function public.get_high_intent_visitors(uuid, integer, integer) is
  'Hot leads: visitors with a non-bot event in the last p_hours (1..720) whose propensity score now (calculate_propensity_score''s definition, computed set-based) is >= p_min_score (0..10), with signals, recent activity, last active time; opted-out visitors never appear; contact details (email, phone from active subscriptions) only for admins, owners and service_role. Members (analyst+); 42501 otherwise, 22023 bad arguments.';
