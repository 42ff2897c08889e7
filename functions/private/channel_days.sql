-- requires: functions/private/channel_day_rows.sql
-- requires: functions/private/mv_coverage.sql
-- The rows of private.channel_day_rows for one organization and the local days
-- [p_from, p_to): read from private.mv_audience_by_channel for the days it covers (see
-- private.mv_coverage), computed from analytics.events for the other days (today, days
-- after the last refresh, days older than the view's 90 days, or all of them when the
-- view is not populated or predates the organization). Both paths run the same
-- definition, so the answer does not depend on which one is used. Internal helper.
create or replace function private.channel_days(p_org_id uuid, p_from date, p_to date)
returns table (
  day         date,
  source      text,
  medium      text,
  campaign    text,
  visitors    text[],
  flags       smallint[],
  sessions    integer,
  events      integer,
  page_views  integer
)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_from_day date;
  v_to_day   date;
begin
  select c.from_day, c.to_day into v_from_day, v_to_day
  from private.mv_coverage('mv_audience_by_channel', p_org_id) as c;

  if v_to_day is null or v_to_day <= p_from or v_from_day >= p_to then
    return query
      select d.day, d.source, d.medium, d.campaign, d.visitors, d.flags,
             d.sessions, d.events, d.page_views
      from private.channel_day_rows(array[p_org_id], p_from, p_to) as d;
    return;
  end if;

  return query
    select m.day, m.source, m.medium, m.campaign, m.visitors, m.flags,
           m.sessions, m.events, m.page_views
    from private.mv_audience_by_channel as m
    where m.org_id = p_org_id
      and m.day >= greatest(p_from, v_from_day)
      and m.day < least(p_to, v_to_day)
    union all
    select d.day, d.source, d.medium, d.campaign, d.visitors, d.flags,
           d.sessions, d.events, d.page_views
    from private.channel_day_rows(array[p_org_id], p_from, least(p_to, v_from_day)) as d
    union all
    select d.day, d.source, d.medium, d.campaign, d.visitors, d.flags,
           d.sessions, d.events, d.page_views
    from private.channel_day_rows(array[p_org_id], greatest(p_from, v_to_day), p_to) as d;
end;
$$;
revoke execute on function private.channel_days(uuid, date, date) from public, anon, authenticated;
comment on function private.channel_days(uuid, date, date) is
  'Day x channel rows (visitor keys and flags, sessions, events, page views) of one organization for local days [p_from, p_to): from private.mv_audience_by_channel where it covers them, from analytics.events otherwise. Internal helper.';
