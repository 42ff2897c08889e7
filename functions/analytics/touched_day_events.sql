-- requires: functions/analytics/received_any.sql
-- requires: functions/analytics/received_days.sql
-- requires: functions/private/pseudonymize_visitor.sql
-- requires: functions/private/shared_source_memo.sql
-- Every non-bot event of the organization-days touched by the events received in
-- [p_after, p_upto) (analytics.received_days), keyed once for the compute functions of the
-- daily rollups (migrations 0030 / 0660): its local day and hour, its pseudonymous visitor
-- key (keyed hash of visitor_id, else 'user:<user_id>'; NULL when it has neither), the
-- typed properties the rollups read (position_s, duration_s, completed of play_progress, a
-- negative position as 0; rating of review, 1 to 5; a value of the wrong JSON type is
-- ignored) and fresh: received in [p_after, p_upto). A compute function recomputes exactly
-- the units (visitor-day, entity-day...) that have a fresh event, from all the events of
-- each such unit: the single definition of "which events count, on which day, for which
-- visitor". The keyed hash is computed once per distinct visitor.
-- p_with_play_days_of_new_items: also the days with plays of items whose content_created
-- event is fresh (analytics.user_daily_stats credits plays to the item's creator).
-- p_with_visitor_keys false: visitor_key is NULL (no keyed hash computed), for the rollups
-- that do not read it.
-- The days are read through the primary key (org_id, occurred_at) one range each when they
-- are few (an apply every minute, a reader), by one scan of the events hashed on
-- (organization, local day) when they are many: the same rows. A rebuild from empty
-- (p_after '-infinity') lists no days first: when no event was received at or after
-- p_upto, every event is fresh and every day is touched (but a day that starts before the
-- retention horizon, unless a play day), so it is one pass over the events that keeps
-- nothing (local time once per event, the keyed hash once per visitor; BENCHMARKS.md,
-- "The touched days' events read", helper te: 5.2-6.3 s -> 2.8-3.1 s at 1M events);
-- otherwise its scan finds the days of its fresh events itself.
-- Read once for the four base daily rollups when they are applied together: their shared
-- source is analytics.daily_rollup_events (this function with play days and visitor keys),
-- and while private.apply_rollup runs one of their compute functions on the rows it has
-- already read for (NULL, p_after, p_upto), this function returns those rows
-- (private.shared_source_memo, migrations/0970), whatever the two flags ask: the extra
-- days carry no fresh event and the compute functions recompute only units with one, and
-- a visitor key asked not to be computed is never read.
-- Internal helper: owner only (it reads the pseudonymization key).
create or replace function analytics.touched_day_events(p_org_id uuid, p_after timestamptz, p_upto timestamptz,
                                                        p_with_play_days_of_new_items boolean default false,
                                                        p_with_visitor_keys boolean default true)
returns table (org_id uuid, id bigint, occurred_at timestamptz, fresh boolean, day date, local_hour integer,
               event_type text, entity_type text, entity_id uuid, visitor_key uuid, user_id uuid,
               session_id text, link_type text, source text, country char(2), device_type text,
               position_s numeric, duration_s numeric, completed boolean, rating numeric)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
-- A rebuild hashes a million events: in memory, and joined by hash rather than sorted.
set work_mem = '256MB'
set enable_mergejoin = off
-- No JIT: after a day of new events at 10M the plan of the keyed read (~100,000 events, cost
-- above jit_optimize_above_cost) spent 7.5 s of its 9.1 s compiling (BENCHMARKS.md, helper dr).
set jit = off
as $$
#variable_conflict use_column
declare
  v_orgs  uuid[];
  v_days  date[];
  v_from  timestamptz[];
  v_to    timestamptz[];
  v_zones text[];
  -- A rebuild from empty: every event received before p_upto is fresh, so the touched days
  -- are found in the one scan that reads the events (no separate pass for the day list).
  v_all   boolean := p_after = '-infinity'::timestamptz;
  v_fast  boolean := false;   -- a rebuild in which every event is fresh (below)
  v_horizon timestamptz;      -- analytics.retention_state.raw_events_from
  v_memo text := private.shared_source_memo('analytics.daily_rollup_events', p_org_id, p_after, p_upto);
begin
  if v_memo is not null then
    return query execute 'select * from ' || v_memo;   -- read once for the rollups applied together
    return;
  end if;
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan
  end if;
  if v_all then
    select rs.raw_events_from into v_horizon from analytics.retention_state as rs where rs.id = 1;
    -- No event received at or after p_upto (an insert after the bound, a reader's p_upto is
    -- 'infinity'): every event is fresh, so every day with an event is touched.
    v_fast := not exists (select 1 from analytics.events as e
                          where e.received_at >= p_upto and not e.is_bot and (p_org_id is null or e.org_id = p_org_id));
  end if;
  select pg_catalog.array_agg(x.org_id), pg_catalog.array_agg(x.day), pg_catalog.array_agg(x.from_ts),
         pg_catalog.array_agg(x.to_ts), pg_catalog.array_agg(x.timezone)
  into v_orgs, v_days, v_from, v_to, v_zones
  from (
    select r.org_id, r.day, r.from_ts, r.to_ts, r.timezone from analytics.received_days(p_org_id, p_after, p_upto) as r
    where not v_all   -- a rebuild finds these days in its scan of the events (below)
    union
    -- Plays of an item whose creator just became known (a content_created received now).
    select p.org_id, (p.occurred_at at time zone o.timezone)::date,
           ((p.occurred_at at time zone o.timezone)::date::timestamp at time zone o.timezone),
           (((p.occurred_at at time zone o.timezone)::date + 1)::timestamp at time zone o.timezone), o.timezone::text
    from analytics.events as c
    join app.organizations as o on o.id = c.org_id
    join analytics.events as p on p.org_id = c.org_id and p.entity_id = c.entity_id and p.event_type = 'play' and not p.is_bot
    left join analytics.retention_state as rs on rs.id = 1
    where p_with_play_days_of_new_items
      and not (v_fast and v_horizon is null)   -- then every day is touched already
      and c.received_at >= p_after and c.received_at < p_upto
      and (p_org_id is null or c.org_id = p_org_id)
      and c.event_type = 'content_created' and c.entity_id is not null and not c.is_bot
      and (rs.raw_events_from is null or p.occurred_at >= rs.raw_events_from)
  ) as x;
  if v_orgs is null and not v_all then
    return;
  end if;

  if v_fast then
    -- A rebuild with no event received at or after p_upto: every event is fresh, so every
    -- day with an event is touched (but a day that starts before the retention horizon,
    -- unless it is a play day listed above). One pass over the events, nothing kept: the
    -- local time computed once per event, the keyed hash once per distinct (organization,
    -- visitor text) found by a narrow second scan, joined back by hash.
    return query
    with keys as materialized (
      select i.org_id, i.ident, private.pseudonymize_visitor(k.inner_pad, k.outer_pad, i.org_id, i.ident) as visitor_key
      from (select distinct e.org_id, coalesce(e.visitor_id, 'user:' || e.user_id::text) as ident
            from analytics.events as e
            where p_with_visitor_keys and not e.is_bot and (p_org_id is null or e.org_id = p_org_id)
              and (e.visitor_id is not null or e.user_id is not null)) as i
      cross join private.pseudonymization_key as k
      where k.id = 1
    )
    select s.org_id, s.id, s.occurred_at, (s.received_at >= p_after and s.received_at < p_upto),
           s.local_ts::date, pg_catalog.date_part('hour', s.local_ts)::integer,
           s.event_type::text, s.entity_type::text, s.entity_id, kk.visitor_key, s.user_id,
           s.session_id::text, s.link_type::text, coalesce(s.utm_source, s.referrer_domain)::text, s.country, s.device_type::text,
           case when s.event_type = 'play_progress' and pg_catalog.jsonb_typeof(s.properties -> 'position_s') = 'number'
                then greatest((s.properties ->> 'position_s')::numeric, 0) end,
           case when s.event_type = 'play_progress' and pg_catalog.jsonb_typeof(s.properties -> 'duration_s') = 'number'
                then (s.properties ->> 'duration_s')::numeric end,
           case when s.event_type = 'play_progress' then coalesce(s.properties -> 'completed' = 'true'::jsonb, false) end,
           case when s.event_type = 'review' and pg_catalog.jsonb_typeof(s.properties -> 'rating') = 'number'
                then case when (s.properties ->> 'rating')::numeric between 1 and 5 then (s.properties ->> 'rating')::numeric end
           end
    from (select e.org_id, e.id, e.occurred_at, e.received_at, (e.occurred_at at time zone o.timezone) as local_ts,
                 o.timezone::text as timezone, e.event_type, e.entity_type, e.entity_id,
                 coalesce(e.visitor_id, 'user:' || e.user_id::text) as ident, e.user_id, e.session_id, e.link_type,
                 e.utm_source, e.referrer_domain, e.country, e.device_type, e.properties
          from analytics.events as e
          join app.organizations as o on o.id = e.org_id
          where not e.is_bot and (p_org_id is null or e.org_id = p_org_id)
          offset 0) as s   -- kept a subquery: the local time computed once
    left join keys as kk on kk.org_id = s.org_id and kk.ident = s.ident
    where v_horizon is null
       or s.occurred_at >= v_horizon + interval '26 hours'   -- its day starts after the horizon (a day lasts 25 h at most)
       or (s.local_ts::date::timestamp at time zone s.timezone) >= v_horizon
       or (s.org_id, s.local_ts::date) in (select d.org_id, d.day
                                           from rows from (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_days)) as d (org_id, day));
    return;
  end if;

  return query
  with listed as (
    select d.org_id, d.day, d.from_ts, d.to_ts, d.timezone
    from rows from (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_days), pg_catalog.unnest(v_from),
                    pg_catalog.unnest(v_to), pg_catalog.unnest(v_zones)) as d (org_id, day, from_ts, to_ts, timezone)
  ),
  raw as materialized (
    -- Few days: one primary-key range each. Many (or a rebuild): one scan of the events,
    -- each keyed once here (local time, visitor text, typed properties), so that the wide
    -- rows (properties) are not kept.
    select u.org_id, u.id, u.occurred_at,
           (u.received_at >= p_after and u.received_at < p_upto) as fresh,
           (u.occurred_at at time zone u.timezone) as local_ts, u.timezone,
           u.event_type, u.entity_type, u.entity_id,
           coalesce(u.visitor_id, 'user:' || u.user_id::text) as ident,
           u.user_id, u.session_id, u.link_type,
           coalesce(u.utm_source, u.referrer_domain) as source,
           u.country, u.device_type,
           case when u.event_type = 'play_progress' and pg_catalog.jsonb_typeof(u.properties -> 'position_s') = 'number'
                then greatest((u.properties ->> 'position_s')::numeric, 0) end as position_s,
           case when u.event_type = 'play_progress' and pg_catalog.jsonb_typeof(u.properties -> 'duration_s') = 'number'
                then (u.properties ->> 'duration_s')::numeric end as duration_s,
           case when u.event_type = 'play_progress' then coalesce(u.properties -> 'completed' = 'true'::jsonb, false) end as completed,
           case when u.event_type = 'review' and pg_catalog.jsonb_typeof(u.properties -> 'rating') = 'number'
                then case when (u.properties ->> 'rating')::numeric between 1 and 5 then (u.properties ->> 'rating')::numeric end
           end as rating
    from (
      select d.timezone, x.*
      from listed as d
      cross join lateral (select e.id, e.org_id, e.occurred_at, e.received_at, e.event_type, e.entity_type, e.entity_id, e.visitor_id, e.user_id, e.session_id, e.link_type, e.utm_source, e.referrer_domain, e.country, e.device_type, e.properties
                          from analytics.events as e
                          where e.org_id = d.org_id and e.occurred_at >= d.from_ts and e.occurred_at < d.to_ts and not e.is_bot
                          offset 0) as x   -- kept a subquery: one index range per day, whatever the estimates
      where not v_all and pg_catalog.cardinality(v_orgs) <= 2000
      union all
      select o.timezone::text, e.id, e.org_id, e.occurred_at, e.received_at, e.event_type, e.entity_type, e.entity_id, e.visitor_id, e.user_id, e.session_id, e.link_type, e.utm_source, e.referrer_domain, e.country, e.device_type, e.properties
      from analytics.events as e
      join app.organizations as o on o.id = e.org_id
      where (v_all or pg_catalog.cardinality(v_orgs) > 2000) and not e.is_bot
        and (p_org_id is null or e.org_id = p_org_id)
    ) as u
  ),
  days as (
    -- The days of the scan: those listed, and in a rebuild those of its fresh events
    -- (analytics.received_days' rule: not a day that starts before the retention horizon).
    select l.org_id, l.day from listed as l
    where v_all or pg_catalog.cardinality(v_orgs) > 2000
    union
    select f.org_id, f.day
    from (select distinct r.org_id, r.local_ts::date as day, r.timezone from raw as r where v_all and r.fresh) as f
    where v_horizon is null or (f.day::timestamp at time zone f.timezone) >= v_horizon
  ),
  ev as (
    select r.* from raw as r
    where (not v_all and pg_catalog.cardinality(v_orgs) <= 2000)   -- the days' own ranges
       or (r.org_id, r.local_ts::date) in (select d.org_id, d.day from days as d)
  ),
  keys as materialized (
    select i.org_id, i.ident, private.pseudonymize_visitor(k.inner_pad, k.outer_pad, i.org_id, i.ident) as visitor_key
    from (select distinct r.org_id, r.ident from raw as r where p_with_visitor_keys and r.ident is not null) as i
    cross join private.pseudonymization_key as k
    where k.id = 1      -- the one key row; also tells the planner it is one row
  )
  select ev.org_id, ev.id, ev.occurred_at, ev.fresh, ev.local_ts::date, pg_catalog.date_part('hour', ev.local_ts)::integer,
         ev.event_type::text, ev.entity_type::text, ev.entity_id, keys.visitor_key, ev.user_id,
         ev.session_id::text, ev.link_type::text, ev.source::text, ev.country, ev.device_type::text,
         ev.position_s, ev.duration_s, ev.completed, ev.rating
  from ev
  left join keys on keys.org_id = ev.org_id and keys.ident = ev.ident;
end;
$$;
revoke execute on function analytics.touched_day_events(uuid, timestamptz, timestamptz, boolean, boolean) from public, anon, authenticated;
comment on function analytics.touched_day_events(uuid, timestamptz, timestamptz, boolean, boolean) is
  'Non-bot events of the organization-days touched by events received in [p_after, p_upto), keyed (local day and hour, pseudonymous visitor key, typed properties) and flagged fresh when received in the range. Internal helper of the daily rollups (owner only).';
