-- requires: functions/analytics/parse_event.sql
-- Why is this event not acceptable? NULL when it is valid, else a stable reason code
-- ('<code>' or '<code>: <field or value>'), e.g. 'unknown_event_type: foo',
-- 'missing_field: org_id', 'invalid_timestamp', 'occurred_in_future',
-- 'properties_too_large', 'field_too_long: utm_source', 'invalid_country'.
-- The reason of analytics.parse_event(), which holds the event shape, every rule and the
-- list of codes: every ingestion path (public.log_events and its wrappers,
-- analytics.ingest_staged) validates through that one definition, the set-based paths
-- calling parse_event directly so that an event is read only once.
-- Callable by authenticated and service_role.
create or replace function analytics.validate_event(p_event jsonb, p_now timestamptz default pg_catalog.now())
returns text
language sql
stable
parallel safe
set search_path = ''
as $$
  select p.reason
  from analytics.parse_event(p_event, p_now) as p
$$;
revoke execute on function analytics.validate_event(jsonb, timestamptz) from public, anon;
grant execute on function analytics.validate_event(jsonb, timestamptz) to authenticated, service_role;
comment on function analytics.validate_event(jsonb, timestamptz) is
  'NULL when the event (one JSON object, shape documented in functions/analytics/parse_event.sql) is valid, else a stable reason code such as ''unknown_event_type: foo'', ''missing_field: org_id'', ''invalid_timestamp'', ''occurred_in_future'', ''properties_too_large''. The reason of analytics.parse_event, which every ingestion path uses.';
