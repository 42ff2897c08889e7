-- The time on a detail page an event reports: properties.duration_seconds of an
-- event_view, page_view or profile_view when it is a number >= 0 (capped at 86400 s, one
-- day), else NULL (not a timed view). Internal helper of the interaction rollups.
create or replace function analytics.view_seconds(p_event_type text, p_properties jsonb)
returns numeric
language sql
immutable
parallel safe
as $$
  select case when p_event_type in ('event_view', 'page_view', 'profile_view')
               and pg_catalog.jsonb_typeof(p_properties -> 'duration_seconds') = 'number'
               and (p_properties ->> 'duration_seconds')::numeric >= 0
              then least((p_properties ->> 'duration_seconds')::numeric, 86400) end
$$;
revoke execute on function analytics.view_seconds(text, jsonb) from public, anon, authenticated;
comment on function analytics.view_seconds(text, jsonb) is
  'duration_seconds of an event_view / page_view / profile_view when a number >= 0 (capped at 86400), else NULL. Internal helper (owner only).';
