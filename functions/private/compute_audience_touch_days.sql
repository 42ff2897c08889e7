-- requires: functions/private/register_rollup.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/audience/channel_source.sql
-- requires: functions/audience/channel_medium.sql
-- requires: functions/audience/channel_campaign.sql
-- Compute function of the rollup private.audience_touch_days (migrations 0700, 0900): for
-- every (organization, visitor, local day) touched by non-bot events with a visitor key
-- received in [p_after, p_upto) (p_org_id NULL: every organization):
--   * the day's row recomputed from all the visitor's events of that day: touch = channel
--     of the first event by (occurred_at, id); clicked = a link_click or ticket_cta;
--   * every later row of those visitors (a touch moves their pointers): stored touch and
--     clicked, pointers recomputed;
--   * the visitor's latest stored row before the first recomputed day, its next_day set
--     to that day (all its other columns as stored).
-- Pointers of a row, over the visitor's rows in day order:
--   prev_day / next_day: the previous / next row's day; click_day: the latest day up to
--   this one with clicked; nd_*: the latest earlier row whose source is not '(direct)';
--   ft_*: the earliest row with day >= this day - 30 (the default lookback's first touch).
-- The earlier history comes from at most two stored rows before the first recomputed day:
-- the latest one (prev_day; and its click_day and nd_*, which carry everything before it)
-- and, for each later row whose 30 days reach before that day, the earliest stored row in
-- those 30 days (its ft_*), each found by one index probe (reading every stored row of the
-- 30 days before, 275,000 rows after a day at 10M, took 5 s). Each probe is a row
-- comparison on (org_id, visitor_key, day) ordered by those three columns, which only the
-- visitor index answers: written with equalities and ORDER BY day, the probe could also be
-- planned on the (org_id, day) covering index with the visitor as a filter, and was,
-- depending on the statistics of the moment (10M events, a day of new events: 38,307
-- probes of 1.6 ms, 62 s of the step's 65 s; 4.8-5.3 s with the row comparisons, the same
-- rows). Stored rows read are those of days no event received
-- in the range touches, so they are exact in apply (every row received before p_after is
-- in them) and in the readers (same snapshot).
-- One window pass sets every pointer. A full build (private.reset_rollup + apply, i.e.
-- p_after = '-infinity': every visitor-day is touched, nothing is stored) reads the
-- events in one scan sorted by (organization, visitor key, day, occurred_at, id): the
-- first event of each day and its clicks by a window over that order, then the pointers
-- by a window over the same order (one sort, no join back to the events; at 10M events
-- the statement alone takes 115 s). Otherwise the touched visitor-days' events come
-- through the (org_id, visitor_id, occurred_at) index, and the partial index on user_id
-- for 'user:<id>' keys. The same rows either way; p_after only picks the branch (each
-- guarded by a condition on p_after that the executor checks once).
-- plpgsql for its settings: a generic plan, kept for the session (planning this statement
-- over every partition took 42 ms, against 2 ms to run it with nothing new: every reader
-- call pays the call), no JIT, the work memory of the full build's sort, and the join
-- methods on (its callers may turn them off: get_audience_attribution). The events
-- received in the range are found through the BRIN index on received_at alone: written as
-- an index condition, the organization made the planner AND in a scan of all its rows in
-- every partition (25 ms for a 150,000-event organization, against 3 ms).
-- Internal: the engine (private.apply_rollup and the readers); owner only.
create or replace function private.compute_audience_touch_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof private.audience_touch_days
language plpgsql
stable
set search_path = ''
set jit = off
set plan_cache_mode = force_generic_plan
set work_mem = '256MB'
set enable_nestloop = on
set enable_mergejoin = on
as $$
begin
  return query
  with received as (
    select e.org_id, audience.visitor_key(e.visitor_id, e.user_id) as visitor_key, e.occurred_at,
           -- Per row through the primary key: joined, the planner looped over every organization.
           (select x.timezone from app.organizations as x where x.id = e.org_id) as timezone
    from analytics.events as e
    where p_after > '-infinity'
      and e.received_at >= p_after and e.received_at < p_upto
      and (e.org_id = p_org_id) is not false   -- a filter, not an index condition (above)
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
  ),
  touched as materialized (
    select distinct r.org_id, r.visitor_key collate "C" as visitor_key, (r.occurred_at at time zone r.timezone)::date as day, r.timezone
    from received as r
  ),
  firsts as materialized (
    select t.org_id, t.visitor_key, pg_catalog.min(t.day) as first_day, pg_catalog.array_agg(t.day) as days
    from touched as t
    group by t.org_id, t.visitor_key
  ),
  -- The latest stored row before each touched visitor's first recomputed day.
  previous as materialized (
    select s.*, f.first_day
    from firsts as f
    cross join lateral (
      select s.* from private.audience_touch_days as s
      where (s.org_id, s.visitor_key, s.day) < (f.org_id, f.visitor_key, f.first_day)
      order by s.org_id desc, s.visitor_key desc, s.day desc
      limit 1
    ) as s
    where s.org_id = f.org_id and s.visitor_key = f.visitor_key
  ),
  -- The touched visitors' stored days after their first recomputed day (their pointers
  -- move), other than their touched days: one index probe per visitor, the touched days
  -- from its own row (joined with the CTEs previous and touched, planned generic for a few
  -- rows, these were nested loops over them: 26M rows compared after a day at 10M).
  later as materialized (
    select s.*, f.first_day
    from firsts as f
    join private.audience_touch_days as s
      on s.org_id = f.org_id and s.visitor_key = f.visitor_key and s.day > f.first_day
    where p_after > '-infinity' and s.day <> all (f.days)
  ),
  -- The stored days before the first recomputed day that the windows below need: the latest
  -- one (previous: its click_day and nd_* carry the history before it) and, for each row from
  -- the first recomputed day on whose 30 days reach before it, the earliest stored day in
  -- those 30 days (its ft_*). There is one only when previous is in those days.
  context as (
    select p.org_id, p.day, p.visitor_key, p.source, p.medium, p.campaign, p.clicked, p.nd_day, p.nd_source,
           p.nd_medium, p.nd_campaign, p.click_day
    from previous as p
    union
    select s.org_id, s.day, s.visitor_key, s.source, s.medium, s.campaign, s.clicked, s.nd_day, s.nd_source,
           s.nd_medium, s.nd_campaign, s.click_day
    from (select distinct r.org_id, r.visitor_key, r.day - 30 as since
          from (select t.org_id, t.visitor_key, t.day from touched as t
                union all
                select l.org_id, l.visitor_key, l.day from later as l) as r) as x
    join previous as p on p.org_id = x.org_id and p.visitor_key = x.visitor_key and p.day >= x.since
    cross join lateral (
      select s.* from private.audience_touch_days as s
      where (s.org_id, s.visitor_key, s.day) >= (x.org_id, x.visitor_key, x.since)
      order by s.org_id, s.visitor_key, s.day
      limit 1
    ) as s
    where s.org_id = x.org_id and s.visitor_key = x.visitor_key and s.day < p.first_day
  ),
  -- What the rows are computed from, as events of visitor-days. kind 0: an event of a
  -- recomputed day; 1: a stored later day, 2: a stored earlier day (context only: its
  -- click_day and nd_* stand for the history before it), each as one pseudo-event with
  -- its stored touch (ctx_click / ctx_nd: the stored pointers of a context day).
  stream as (
    -- Full build: every event of the range. The local day follows occurred_at within an
    -- organization, so one sort by (organization, visitor key, day, occurred_at, id)
    -- serves both windows below.
    select e.org_id, audience.visitor_key(e.visitor_id, e.user_id) collate "C" as visitor_key,
           (e.occurred_at at time zone o.timezone)::date as day, e.occurred_at, e.id,
           audience.channel_source(e.utm_source, e.referrer_domain) as source,
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain) as medium,
           audience.channel_campaign(e.utm_campaign) as campaign,
           e.event_type in ('link_click', 'ticket_cta') as clicked, 0 as kind, null::date as ctx_click, null::text[] as ctx_nd
    from analytics.events as e
    join app.organizations as o on o.id = e.org_id
    where p_after = '-infinity' and p_org_id is null
      and e.received_at < p_upto
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
    union all
    -- The same for one organization (a reader before the first build): through its index.
    select e.org_id, audience.visitor_key(e.visitor_id, e.user_id) collate "C",
           (e.occurred_at at time zone o.timezone)::date, e.occurred_at, e.id,
           audience.channel_source(e.utm_source, e.referrer_domain),
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain),
           audience.channel_campaign(e.utm_campaign),
           e.event_type in ('link_click', 'ticket_cta'), 0, null, null
    from analytics.events as e
    join app.organizations as o on o.id = e.org_id
    where p_after = '-infinity' and e.org_id = p_org_id
      and e.received_at < p_upto
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
    -- Otherwise the events of each touched visitor-day: by visitor_id, or by user_id for
    -- the 'user:<id>' keys of events without a visitor id (the two indexes of analytics.events).
    union all
    select t.org_id, t.visitor_key, t.day, e.occurred_at, e.id,
           audience.channel_source(e.utm_source, e.referrer_domain),
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain),
           audience.channel_campaign(e.utm_campaign),
           e.event_type in ('link_click', 'ticket_cta'), 0, null, null
    from touched as t
    join analytics.events as e
      on e.org_id = t.org_id and e.visitor_id = t.visitor_key
     and e.occurred_at >= (t.day::timestamp at time zone t.timezone)
     and e.occurred_at < ((t.day + 1)::timestamp at time zone t.timezone)
    where p_after > '-infinity' and not e.is_bot
    union all
    select t.org_id, t.visitor_key, t.day, e.occurred_at, e.id,
           audience.channel_source(e.utm_source, e.referrer_domain),
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain),
           audience.channel_campaign(e.utm_campaign),
           e.event_type in ('link_click', 'ticket_cta'), 0, null, null
    from touched as t
    join analytics.events as e
      on e.org_id = t.org_id and e.visitor_id is null and e.user_id is not null
     and e.user_id = case when t.visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                          then pg_catalog.substr(t.visitor_key, 6)::uuid end
     and e.occurred_at >= (t.day::timestamp at time zone t.timezone)
     and e.occurred_at < ((t.day + 1)::timestamp at time zone t.timezone)
    where p_after > '-infinity' and not e.is_bot
    union all
    -- The touched visitors' later stored days. Their stored nd_* is not carried: it may point
    -- to a recomputed day whose touch has become direct (a late earlier event), and every day
    -- it could point to is in the stream (recomputed, later or context). Their click_day is
    -- (a day's clicked never goes back to false when events are added).
    select l.org_id, l.visitor_key, l.day, null, null, l.source, l.medium, l.campaign, l.clicked, 1, l.click_day,
           null::text[]
    from later as l
    union all
    -- The stored days before that the windows read.
    select c.org_id, c.visitor_key, c.day, null, null, c.source, c.medium, c.campaign, c.clicked, 2, c.click_day,
           case when c.nd_day is not null then array[c.nd_day::text collate "C", c.nd_source, c.nd_medium, c.nd_campaign] end
    from context as c
    where p_after > '-infinity'
  ),
  -- Per visitor-day: the first event's touch, and whether any event clicked.
  days as (
    select s.org_id, s.visitor_key, s.day, s.source, s.medium, s.campaign, s.kind, s.ctx_click, s.ctx_nd,
           pg_catalog.row_number() over wd as n,
           pg_catalog.bool_or(s.clicked) over (wd rows between unbounded preceding and unbounded following) as clicked
    from stream as s
    window wd as (partition by s.org_id, s.visitor_key, s.day order by s.occurred_at, s.id)
  ),
  pointed as (
    select q.org_id, q.day, q.visitor_key, q.source, q.medium, q.campaign, q.clicked, q.kind,
           -- The latest earlier non-direct touch: the greatest of the earlier days' own
           -- non-direct touches and stored pointers, as [day, source, medium, campaign]
           -- (ISO days compare as text).
           pg_catalog.max(greatest(
               case when q.source <> '(direct)' then array[q.day::text collate "C", q.source, q.medium, q.campaign] end, q.ctx_nd))
             over (w rows between unbounded preceding and 1 preceding) as nd,
           pg_catalog.lag(q.day) over w as prev_day,
           pg_catalog.lead(q.day) over w as next_day,
           pg_catalog.max(greatest(case when q.clicked then q.day end, q.ctx_click))
             over (w rows between unbounded preceding and current row) as click_day,
           pg_catalog.first_value(q.day) over w30 as ft_day,
           pg_catalog.first_value(q.source) over w30 as ft_source,
           pg_catalog.first_value(q.medium) over w30 as ft_medium,
           pg_catalog.first_value(q.campaign) over w30 as ft_campaign
    from days as q
    where q.n = 1
    window w as (partition by q.org_id, q.visitor_key order by q.day),
           w30 as (w range between interval '30 days' preceding and current row)
  )
  select p.org_id, p.day, p.visitor_key, p.source, p.medium, p.campaign, p.clicked,
         p.nd[1]::date, p.nd[2], p.nd[3], p.nd[4],
         p.prev_day, p.next_day, p.click_day, p.ft_day, p.ft_source, p.ft_medium, p.ft_campaign
  from pointed as p
  where p.kind < 2
  union all
  select p.org_id, p.day, p.visitor_key, p.source, p.medium, p.campaign, p.clicked,
         p.nd_day, p.nd_source, p.nd_medium, p.nd_campaign,
         p.prev_day, p.first_day, p.click_day, p.ft_day, p.ft_source, p.ft_medium, p.ft_campaign
  from previous as p
  where p_after > '-infinity';
end;
$$;
revoke execute on function private.compute_audience_touch_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function private.compute_audience_touch_days(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup private.audience_touch_days: the touch rows of the visitor-days touched by events received in [p_after, p_upto), with the later rows of those visitors (their pointers) and the row before (its next_day). A full build (-infinity) is one sorted pass over the events. Internal (owner only).';

select private.register_rollup(
  'private.audience_touch_days', 'analytics.events', 'private.audience_touch_days', 'private.compute_audience_touch_days',
  array['org_id', 'day', 'visitor_key'], 'day', '{}',
  'Per visitor and local day: the day''s touch (first event''s channel), clicked, the latest non-direct touch before it, previous / next day, latest click day, earliest touch in the 30 days up to it (get_audience_attribution).');
