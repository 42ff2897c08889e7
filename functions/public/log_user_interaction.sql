-- requires: functions/public/log_event.sql
-- The tracking plan's name for logging one interaction of a user: p_interaction_type is
-- the event type, p_target_type / p_target_id the entity it concerns, p_metadata the
-- properties. A thin wrapper over public.log_event (same answer and rules).
-- Callable by service_role and signed-in users (about themselves).
create or replace function public.log_user_interaction(
  p_org_id           uuid,
  p_interaction_type text,
  p_target_type      text        default null,
  p_target_id        uuid        default null,
  p_metadata         jsonb       default '{}'::jsonb,
  p_occurred_at      timestamptz default pg_catalog.now(),
  p_session_id       text        default null,
  p_visitor_id       text        default null,
  p_client_event_id  text        default null,
  p_user_id          uuid        default null
)
returns jsonb
language sql
volatile
set search_path = ''
as $$
  select public.log_event(
    p_org_id          => p_org_id,
    p_event_type      => p_interaction_type,
    p_properties      => p_metadata,
    p_occurred_at     => p_occurred_at,
    p_visitor_id      => p_visitor_id,
    p_session_id      => p_session_id,
    p_client_event_id => p_client_event_id,
    p_entity_type     => p_target_type,
    p_entity_id       => p_target_id,
    p_user_id         => p_user_id)
$$;
revoke execute on function public.log_user_interaction(uuid, text, text, uuid, jsonb, timestamptz, text, text, text, uuid) from public, anon;
grant execute on function public.log_user_interaction(uuid, text, text, uuid, jsonb, timestamptz, text, text, text, uuid) to authenticated, service_role;
comment on function public.log_user_interaction(uuid, text, text, uuid, jsonb, timestamptz, text, text, text, uuid) is
  'Tracking-plan name: logs one user interaction (type = event type, target = entity, metadata = properties) through public.log_event. Same answer and rules as public.log_events.';
