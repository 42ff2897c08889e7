-- What is happening now in one organization, straight from the raw events (no cache).
-- Callable by members (viewer or above) and service_role.
--
-- Shape (bots excluded):
--   { "as_of": now(),
--     "active_visitors": n,        distinct visitors (visitor_id, else 'user:<user_id>')
--                                  with an event in the last 5 minutes
--     "playing_now": [{"entity_type", "entity_id", "title", "listeners"}],
--                                  (title: of the content item with that id, else null)
--                                  items with a play or play_progress event in the last 5
--                                  minutes; listeners = distinct visitors; the 10 with the
--                                  most listeners (ties: entity id)
--     "last_hour": {"events", "plays", "likes", "visitors"} }   the last 60 minutes
-- "Last N minutes" = occurred_at >= now() - N minutes (clients may report events up to 5
-- minutes ahead; those count too). Reads one index range of the primary key
-- (org_id, occurred_at) in the newest partition: no rollups are involved.
-- 42501: not a member (or anon).
create or replace function public.get_realtime_stats(p_org_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_now    timestamptz := pg_catalog.now();
  v_result jsonb;
begin
  perform app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"

  with recent as materialized (
    select e.occurred_at, e.event_type, e.entity_type, e.entity_id,
           coalesce(e.visitor_id, 'user:' || e.user_id::text) as visitor
    from analytics.events as e
    where e.org_id = p_org_id
      and e.occurred_at >= v_now - interval '1 hour'
      and not e.is_bot
  ),
  playing as (
    select r.entity_type, r.entity_id, pg_catalog.count(distinct r.visitor) as listeners
    from recent as r
    where r.occurred_at >= v_now - interval '5 minutes'
      and r.event_type in ('play', 'play_progress')
      and r.entity_id is not null
    group by r.entity_type, r.entity_id
    order by 3 desc, r.entity_id
    limit 10
  )
  select pg_catalog.jsonb_build_object(
           'as_of', v_now,
           'active_visitors', (select pg_catalog.count(distinct r.visitor) from recent as r
                                where r.occurred_at >= v_now - interval '5 minutes'),
           'playing_now', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                             'entity_type', p.entity_type, 'entity_id', p.entity_id,
                                             'title', ci.title, 'listeners', p.listeners)
                                           order by p.listeners desc, p.entity_id), '[]'::jsonb)
                             from playing as p
                             left join app.content_items as ci on ci.org_id = p_org_id and ci.id = p.entity_id),
           'last_hour', (select pg_catalog.jsonb_build_object(
                                  'events', pg_catalog.count(*),
                                  'plays', pg_catalog.count(*) filter (where r.event_type = 'play'),
                                  'likes', pg_catalog.count(*) filter (where r.event_type = 'like'),
                                  'visitors', pg_catalog.count(distinct r.visitor))
                           from recent as r))
  into v_result;
  return v_result;
end;
$$;
revoke execute on function public.get_realtime_stats(uuid) from public, anon;
grant execute on function public.get_realtime_stats(uuid) to authenticated, service_role;
comment on function public.get_realtime_stats(uuid) is
  'Realtime stats of an organization from raw events: active_visitors (last 5 minutes), playing_now (items with listeners in the last 5 minutes), last_hour (events, plays, likes, visitors). Viewer or above; 42501 otherwise.';
