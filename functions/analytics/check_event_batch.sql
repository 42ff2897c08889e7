-- requires: functions/analytics/parse_event.sql
-- The work set of public.log_events: for each element of p_events (a JSON array), its
-- 0-based index, the reason it is rejected (NULL: valid) and the analytics.events row to
-- store. Reasons: those of analytics.parse_event, then 'unknown_org: <id>', then
-- 'erased_user: user_id' (a user erased by app.erase_user: app.erased_users), then for a
-- caller who is not p_service (a signed-in user p_user_id, filled in as user_id when the
-- event has none) 'forbidden: user_id' / 'forbidden: visitor_id' / 'forbidden: event_type' /
-- 'forbidden: revenue_cents' (rules in functions/public/log_events.sql). A signed-in caller's rows
-- carry self_logged = true: that caller is their writer (idempotency key scope).
-- Internal to public.log_events, which runs it in both of its insert statements; SQL,
-- STABLE, no SET clause, so that it is inlined there (with analytics.parse_event) and
-- runs with log_events' rights. Not callable by API roles.
create or replace function analytics.check_event_batch(p_events jsonb, p_now timestamptz, p_service boolean, p_user_id uuid)
returns table (idx int, reason text, event_row analytics.events)
language sql
stable
as $$
  -- analytics.parse_event is inlined: it must read a column, hence the OFFSET 0 fences,
  -- never an expression the planner would repeat per reference. The organization is a
  -- left join, which the planner makes a hash join when app.organizations is small: a
  -- per-event sub-plan got a sequential scan of it, ~8 us per event with 100
  -- organizations. The rows come out in any order (callers sort by idx).
  select x.idx,
         coalesce(x.reason,
                  case when o.id is null then 'unknown_org: ' || ((x.event_row).org_id)::text end,
                  case when (x.event_row).user_id is not null
                            and exists (select 1 from app.erased_users as u where u.user_id = (x.event_row).user_id)
                         then 'erased_user: user_id' end,
                  case when not p_service then
                    case when (x.event_row).user_id <> p_user_id then 'forbidden: user_id'
                         -- the audience identity of another user, or an anonymized form
                         when (x.event_row).visitor_id like 'user:%' and (x.event_row).visitor_id <> 'user:' || p_user_id::text
                              or (x.event_row).visitor_id like 'anon:%'
                           then 'forbidden: visitor_id'
                         when not exists (select 1 from analytics.event_types as t
                                          where t.event_type = (x.event_row).event_type and t.client_loggable)
                           then 'forbidden: event_type'
                         when (x.event_row).revenue_cents is not null then 'forbidden: revenue_cents'
                    end
                  end) as reason,
         -- a signed-in caller is the writer of its events (the idempotency key's scope)
         case when p_service then x.event_row
              else pg_catalog.jsonb_populate_record(x.event_row, '{"self_logged": true}'::jsonb) end as event_row
  from (
    select e.idx, p.reason, p.event as event_row
    from (
      select (a.ordinality - 1)::int as idx,
             case when not p_service
                       and pg_catalog.jsonb_typeof(a.value) = 'object'
                       and coalesce(a.value ->> 'user_id', '') = ''
                  then a.value || pg_catalog.jsonb_build_object('user_id', p_user_id)
                  else a.value end as event
      from pg_catalog.jsonb_array_elements(p_events) with ordinality as a (value, ordinality)
      offset 0
    ) as e
    cross join lateral analytics.parse_event(e.event, p_now) as p
    offset 0
  ) as x
  left join app.organizations as o on o.id = (x.event_row).org_id
$$;
revoke execute on function analytics.check_event_batch(jsonb, timestamptz, boolean, uuid) from public, anon, authenticated;
comment on function analytics.check_event_batch(jsonb, timestamptz, boolean, uuid) is
  'Internal to public.log_events: (idx, reason, event_row) of each event of a batch, with the parse_event, unknown_org and signed-in-user checks. Not for API roles.';
