-- requires: functions/audience/opted_out.sql
-- requires: functions/audience/activity_phrase.sql
-- What one visitor did in the last p_hours (the detail behind a hot lead of
-- public.get_high_intent_visitors): one row per event type of their non-bot events in
-- [now - p_hours, now], with events (how many), entities (distinct entity_id; events
-- without one count one each), first_at / last_at, and phrase, the card's wording
-- (audience.activity_phrase of entities for event_view, profile_view and interested, of
-- events otherwise): "clicked Get Tickets 2x", "viewed 3 events". Ordered commerce first
-- (ticket_cta, checkout_started, purchase, tip), then by events (descending) and type: the
-- card reads the phrases joined by ', ' in this order.
-- The visitor key is as in get_high_intent_visitors: visitor_id, or 'user:<user id>' for
-- a signed-in user's events without visitor_id. A visitor who opted out
-- (audience.opt_outs), or whose user did (audience.opted_out, the user as
-- audience.visitor_user finds it), has no rows.
-- Callable by members (analyst or above) and service_role.
-- Errors: 42501 not a member / below analyst; 22023 empty or over-long (> 128 bytes) visitor key, p_hours outside
-- 1..720 (hint gives the range).
create or replace function public.get_hot_lead_detail(p_org_id uuid, p_visitor_id text, p_hours integer default 24)
returns table (event_type text, events bigint, entities bigint, first_at timestamptz, last_at timestamptz, phrase text)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_now  timestamptz := pg_catalog.now();
  v_user uuid;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  if p_visitor_id is null or p_visitor_id = '' or pg_catalog.octet_length(p_visitor_id) > 128 then
    raise exception 'visitor id must have 1 to 128 bytes'
      using errcode = '22023', hint = 'Pass the visitor_id (or ''user:<user id>'' for signed-in activity without one).';
  end if;
  if p_hours is null or p_hours not between 1 and 720 then
    raise exception 'hours must be between 1 and 720, got %', p_hours
      using errcode = '22023', hint = 'Pass p_hours from 1 to 720 (30 days); default 24.';
  end if;
  if audience.opted_out(p_org_id, p_visitor_id) then
    return;
  end if;
  if p_visitor_id ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    v_user := pg_catalog.substr(p_visitor_id, 6)::uuid;
  end if;

  return query
  select e.event_type::text,
         pg_catalog.count(*),
         pg_catalog.count(distinct e.entity_id) + pg_catalog.count(*) filter (where e.entity_id is null),
         pg_catalog.min(e.occurred_at), pg_catalog.max(e.occurred_at),
         audience.activity_phrase(e.event_type,
           case when e.event_type in ('event_view', 'profile_view', 'interested')
                then pg_catalog.count(distinct e.entity_id) + pg_catalog.count(*) filter (where e.entity_id is null)
                else pg_catalog.count(*) end)
  from (select v.event_type, v.entity_id, v.occurred_at
        from analytics.events as v
        where v.org_id = p_org_id and v.visitor_id = p_visitor_id
          and v.occurred_at >= v_now - pg_catalog.make_interval(hours => p_hours) and v.occurred_at <= v_now
          and not v.is_bot
        union all
        select u.event_type, u.entity_id, u.occurred_at
        from analytics.events as u
        where v_user is not null and u.org_id = p_org_id and u.visitor_id is null and u.user_id = v_user
          and u.occurred_at >= v_now - pg_catalog.make_interval(hours => p_hours) and u.occurred_at <= v_now
          and not u.is_bot) as e
  group by e.event_type
  order by pg_catalog.array_position(array['ticket_cta', 'checkout_started', 'purchase', 'tip'], e.event_type::text) nulls last,
           2 desc, 1;
end;
$$;
revoke execute on function public.get_hot_lead_detail(uuid, text, integer) from public, anon;
grant execute on function public.get_hot_lead_detail(uuid, text, integer) to authenticated, service_role;
comment on function public.get_hot_lead_detail(uuid, text, integer) is
  'One visitor''s non-bot activity in the last p_hours (default 24, 1..720) per event type: events, distinct entities, first and last time, and the card phrase (''clicked Get Tickets 2x'', ''viewed 3 events''); commerce first, then by count. No rows for a visitor who opted out. Members (analyst+) and service_role; 42501 otherwise, 22023 empty key or bad hours.';
