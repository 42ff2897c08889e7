-- requires: functions/private/audience_touched.sql
-- The local days of [p_from, p_to) of one organization that the audience rollups
-- (private.audience_visitor_days and the tables derived from it) do not reflect: every
-- day when the organization has no watermark (private.audience_rollup_watermarks), else
-- the days of events received since the watermark (today; late events) and the day after
-- each (its first session may continue one of the evening before): the days of
-- private.audience_touched. The audience RPCs compute these days from analytics.events.
-- Internal helper.
create or replace function private.audience_dirty_days(p_org_id uuid, p_from date, p_to date)
returns date[]
language sql
stable
set search_path = ''
as $$
  select t.days from private.audience_touched(p_org_id, p_from, p_to) as t
$$;
revoke execute on function private.audience_dirty_days(uuid, date, date) from public, anon, authenticated;
comment on function private.audience_dirty_days(uuid, date, date) is
  'Local days of [p_from, p_to) not reflected by the audience rollups (all of them without a watermark; else days of events received since it, and the next day): private.audience_touched''s days. Internal helper.';
