-- What a user-agent string says, from the maintained pattern list
-- analytics.user_agent_patterns (matched case-insensitively against its first 512
-- characters; per kind the matching row of lowest priority wins): an array of
-- [device_type (mobile, desktop, tablet or NULL), device_os (NULL when none matches),
-- device_browser (NULL when none matches), is_bot ('true' / 'false')].
-- Used by analytics.parse_event for an event with properties.user_agent and no device_type.
-- SQL, STABLE, no SET clause: inlined into the caller. Callable by authenticated and
-- service_role (it reads only reference data).
create or replace function analytics.parse_user_agent(p_user_agent text)
returns text[]
language sql
stable
parallel safe
as $$
  select array[
    (select p.value from analytics.user_agent_patterns as p where p.kind = 'device' and u.ua ~* p.pattern order by p.priority limit 1),
    (select p.value from analytics.user_agent_patterns as p where p.kind = 'os' and u.ua ~* p.pattern order by p.priority limit 1),
    (select p.value from analytics.user_agent_patterns as p where p.kind = 'browser' and u.ua ~* p.pattern order by p.priority limit 1),
    (exists (select 1 from analytics.user_agent_patterns as p where p.kind = 'bot' and u.ua ~* p.pattern))::text]
  from (select pg_catalog.left(p_user_agent, 512) as ua) as u
$$;
revoke execute on function analytics.parse_user_agent(text) from public, anon;
grant execute on function analytics.parse_user_agent(text) to authenticated, service_role;
comment on function analytics.parse_user_agent(text) is
  'Device type, OS, browser and bot flag (text[4]) of a user-agent string, from analytics.user_agent_patterns (lowest priority match per kind). Used by analytics.parse_event when device_type is absent.';
