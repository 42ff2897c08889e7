-- requires: functions/analytics/touched_day_events.sql
-- The shared source (migrations/0970) of the four base daily rollups
-- (analytics.visitor_daily_counts, entity_daily_stats, entity_daily_visitors,
-- user_daily_stats): analytics.touched_day_events with the days of plays of new items and
-- the visitor keys, i.e. every non-bot event of the organization-days touched by the events
-- received in [p_after, p_upto), keyed once. private.apply_rollup reads it once for the
-- rollups applied together; their compute functions keep calling touched_day_events, which
-- returns these rows while they run for the apply (private.shared_source_memo).
-- Internal helper: owner only (it reads the pseudonymization key).
create or replace function analytics.daily_rollup_events(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, id bigint, occurred_at timestamptz, fresh boolean, day date, local_hour integer,
               event_type text, entity_type text, entity_id uuid, visitor_key uuid, user_id uuid,
               session_id text, link_type text, source text, country char(2), device_type text,
               position_s numeric, duration_s numeric, completed boolean, rating numeric)
language sql
stable
set search_path = ''
as $$
  select * from analytics.touched_day_events(p_org_id, p_after, p_upto, true, true)
$$;
revoke execute on function analytics.daily_rollup_events(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.daily_rollup_events(uuid, timestamptz, timestamptz) is
  'Shared source of the four base daily rollups: analytics.touched_day_events with play days of new items and visitor keys. Read once per apply by private.apply_rollup (migrations/0970). Internal (owner only).';
