-- requires: functions/audience/propensity_scores.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/audience/intent_level_for.sql
-- Hot leads of one organization: visitors active in the last p_hours whose propensity
-- score now is at least p_min_score, with their signals, recent activity and last active
-- time. Callable by members (analyst or above) and service_role.
-- Definitions: active = a non-bot event in [now - p_hours, now]; the score is
-- public.calculate_propensity_score's (audience.propensity_scores, computed for all
-- active visitors in one query); recent_events / recent_event_types / country / city /
-- device_type describe the events of the last p_hours (place and device: the latest
-- reported). Visitors who opted out (audience.opt_outs) never appear.
-- Contact details (email, phone: the visitor's active subscriptions in
-- audience.subscribers) are returned only to admins, owners and service_role; NULL for
-- analysts. Ordered by score, then last activity (descending).
-- 42501: not a member / below analyst; 22023: p_hours outside 1..720, p_min_score
-- outside 0..10.
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
set plan_cache_mode = force_custom_plan
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
  with recent as (
    select audience.visitor_key(e.visitor_id, e.user_id) as visitor_key,
           (pg_catalog.array_agg(e.user_id order by e.occurred_at desc) filter (where e.user_id is not null))[1] as user_id,
           pg_catalog.count(*) as events,
           pg_catalog.array_agg(distinct e.event_type::text order by e.event_type::text) as event_types,
           pg_catalog.max(e.occurred_at) as last_active_at,
           (pg_catalog.array_agg(e.country::text order by e.occurred_at desc) filter (where e.country is not null))[1] as country,
           (pg_catalog.array_agg(e.city order by e.occurred_at desc) filter (where e.city is not null))[1] as city,
           (pg_catalog.array_agg(e.device_type::text order by e.occurred_at desc) filter (where e.device_type is not null))[1] as device_type
    from analytics.events as e
    where e.org_id = p_org_id
      and e.occurred_at >= v_now - pg_catalog.make_interval(hours => p_hours)
      and e.occurred_at <= v_now
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
      and not exists (select 1 from audience.opt_outs as x
                      where x.org_id = p_org_id
                        and x.visitor_id = audience.visitor_key(e.visitor_id, e.user_id))
    group by 1
  ),
  -- Only a visitor with a ticket CTA or a checkout in the score's 30-day window, or a past
  -- purchase, can score 2 or more (a repeat visit alone gives 1): for p_min_score >= 2
  -- the others are not scored at all (partial index on those two event types).
  signals as (
    select distinct audience.visitor_key(e.visitor_id, e.user_id) as visitor_key
    from analytics.events as e
    where p_min_score >= 2
      and e.org_id = p_org_id
      and e.event_type in ('ticket_cta', 'checkout_started')
      and e.occurred_at >= v_now - interval '30 days'
      and e.occurred_at < v_now
      and not e.is_bot
    union
    select audience.visitor_key(o.visitor_id, o.user_id)
    from audience.orders as o
    where p_min_score >= 2
      and o.org_id = p_org_id
      and o.refunded_at is null
      and o.occurred_at < v_now
  ),
  candidates as (
    select r.visitor_key
    from recent as r
    where p_min_score < 2
       or r.visitor_key in (select s.visitor_key from signals as s)
  ),
  scored as (
    select s.*
    from audience.propensity_scores(
           (select pg_catalog.array_agg(p_org_id) from candidates),
           (select pg_catalog.array_agg(c.visitor_key) from candidates as c),
           v_now) as s
    where s.propensity_score >= p_min_score
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
  order by s.propensity_score desc, r.last_active_at desc, r.visitor_key;
end;
$$;
revoke execute on function public.get_high_intent_visitors(uuid, integer, integer) from public, anon;
grant execute on function public.get_high_intent_visitors(uuid, integer, integer) to authenticated, service_role;
comment on function public.get_high_intent_visitors(uuid, integer, integer) is
  'Hot leads: visitors with a non-bot event in the last p_hours (1..720) whose propensity score now (calculate_propensity_score''s definition, computed set-based) is >= p_min_score (0..10), with signals, recent activity, last active time; opted-out visitors never appear; contact details (email, phone from active subscriptions) only for admins, owners and service_role. Members (analyst+); 42501 otherwise, 22023 bad arguments.';
