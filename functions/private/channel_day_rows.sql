-- requires: functions/private/visitor_day_channels.sql
-- One row per organization, local day in [p_from, p_to) and channel (source / medium /
-- campaign of a visitor's first event that day): the keys of the visitors whose day began
-- with that channel (each visitor is in exactly one row per day) and, in a parallel
-- array, what each of them did that day as bit flags: 1 clicked (link_click or
-- ticket_cta), 2 viewed a ticket CTA, 4 started a checkout, 8 used a mobile device, 16 a
-- desktop; sessions that started, events and page views.
-- Keeping the keys (not daily counts) keeps distinct counts over any range exact: they
-- are counted over the union of the days' arrays, never by adding daily counts, while a
-- 30-day question reads some hundred rows instead of a row per visitor and day.
-- The one definition behind private.mv_audience_by_channel and, for the days it does not
-- cover, the RPCs. Internal helper; SQL.
create or replace function private.channel_day_rows(p_org_ids uuid[], p_from date, p_to date)
returns table (
  org_id      uuid,
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
language sql
stable
as $$
  select v.org_id, v.day, v.source, v.medium, v.campaign,
         pg_catalog.array_agg(v.visitor_key::text order by v.visitor_key),
         pg_catalog.array_agg((case when v.clicked then 1 else 0 end
                             + case when v.ticket_cta then 2 else 0 end
                             + case when v.checkout then 4 else 0 end
                             + case when v.mobile then 8 else 0 end
                             + case when v.desktop then 16 else 0 end)::smallint order by v.visitor_key),
         pg_catalog.sum(v.sessions)::integer,
         pg_catalog.sum(v.events)::integer,
         pg_catalog.sum(v.page_views)::integer
  from private.visitor_day_channels(p_org_ids, p_from, p_to) as v
  group by v.org_id, v.day, v.source, v.medium, v.campaign
$$;
revoke execute on function private.channel_day_rows(uuid[], date, date) from public, anon, authenticated;
comment on function private.channel_day_rows(uuid[], date, date) is
  'Per organization, local day and first-touch channel of the day: visitor keys and their flags (1 clicked, 2 ticket CTA, 4 checkout, 8 mobile, 16 desktop) as parallel arrays, sessions, events, page views. Source of private.mv_audience_by_channel. Internal helper.';
