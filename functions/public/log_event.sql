-- requires: functions/public/log_events.sql
-- Stores one event given as named arguments (a convenience over public.log_events);
-- same answer, rules and idempotency. Callable by service_role and signed-in users
-- (about themselves: leave p_user_id NULL or pass your own id).
create or replace function public.log_event(
  p_org_id          uuid,
  p_event_type      text,
  p_properties      jsonb       default '{}'::jsonb,
  p_occurred_at     timestamptz default pg_catalog.now(),
  p_visitor_id      text        default null,
  p_session_id      text        default null,
  p_client_event_id text        default null,
  p_entity_type     text        default null,
  p_entity_id       uuid        default null,
  p_user_id         uuid        default null
)
returns jsonb
language sql
volatile
set search_path = ''
as $$
  select public.log_events(pg_catalog.jsonb_build_array(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'org_id', p_org_id,
    'event_type', p_event_type,
    'occurred_at', p_occurred_at,
    'visitor_id', p_visitor_id,
    'session_id', p_session_id,
    'user_id', p_user_id,
    'client_event_id', p_client_event_id,
    'entity_type', p_entity_type,
    'entity_id', p_entity_id,
    'properties', p_properties))))
$$;
revoke execute on function public.log_event(uuid, text, jsonb, timestamptz, text, text, text, text, uuid, uuid) from public, anon;
grant execute on function public.log_event(uuid, text, jsonb, timestamptz, text, text, text, text, uuid, uuid) to authenticated, service_role;
comment on function public.log_event(uuid, text, jsonb, timestamptz, text, text, text, text, uuid, uuid) is
  'Stores one event from named arguments (typed properties such as utm_source, device_type, country go in p_properties). Same answer and rules as public.log_events.';
