-- The keys of analytics.events.properties that identify or describe a person rather than
-- the event: what a do-not-track event is stored without (analytics.parse_event) and what
-- retention's pseudonymization removes (analytics.anonymize_old_events), so that "nothing
-- is recorded about the visitor" holds for properties too:
--   ip, ip_address, email, phone, name, first_name, last_name, address: a person;
--   user_agent: a fingerprint (device_type, device_os, device_browser and is_bot derived from
--     it are columns, and stay);
--   referrer: the full URL (its query string can carry an e-mail address or a token; the
--     host stays in referrer_domain).
-- Keys are matched exactly (properties are the client's JSON object, top level only).
-- Callable by authenticated and service_role (it reads nothing); IMMUTABLE, inlined as a
-- constant.
create or replace function analytics.personal_property_keys()
returns text[]
language sql
immutable
parallel safe
as $$
  select '{ip,ip_address,email,phone,name,first_name,last_name,address,user_agent,referrer}'::text[]
$$;
revoke execute on function analytics.personal_property_keys() from public, anon;
grant execute on function analytics.personal_property_keys() to authenticated, service_role;
comment on function analytics.personal_property_keys() is
  'Keys of analytics.events.properties that identify a person (ip, ip_address, email, phone, name, first_name, last_name, address, user_agent, referrer): removed from do-not-track events at ingestion and by retention''s pseudonymization.';
