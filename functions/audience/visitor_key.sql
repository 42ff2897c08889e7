-- The visitor key every audience RPC counts by: the event's (or order's) visitor_id; for
-- activity that carries only a user id, 'user:<user_id>'; NULL when neither is known
-- (such rows are attributed to nobody). Internal helper: not callable by API roles.
-- SQL, immutable, no SET clause: inlined into the queries that use it.
create or replace function audience.visitor_key(p_visitor_id text, p_user_id uuid)
returns text
language sql
immutable
parallel safe
as $$
  select coalesce(p_visitor_id collate "C", ('user:' || p_user_id::text) collate "C")
$$;
revoke execute on function audience.visitor_key(text, uuid) from public, anon, authenticated;
comment on function audience.visitor_key(text, uuid) is
  'Visitor key of an event or order: visitor_id, else ''user:<user_id>'', else NULL. Used by every audience RPC and by audience.customers.visitor_id.';
