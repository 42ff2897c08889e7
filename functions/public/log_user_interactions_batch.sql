-- requires: functions/public/log_events.sql
-- The tracking plan's name for logging a batch of interactions: exactly public.log_events
-- (same event objects, at most 1,000, same answer and rules).
-- Callable by service_role and signed-in users (about themselves).
create or replace function public.log_user_interactions_batch(p_interactions jsonb)
returns jsonb
language sql
volatile
set search_path = ''
as $$
  select public.log_events(p_interactions)
$$;
revoke execute on function public.log_user_interactions_batch(jsonb) from public, anon;
grant execute on function public.log_user_interactions_batch(jsonb) to authenticated, service_role;
comment on function public.log_user_interactions_batch(jsonb) is
  'Tracking-plan name for public.log_events: stores up to 1000 interactions (event objects); same answer and rules.';
