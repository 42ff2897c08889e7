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
-- (organization, local day) when they are many (a rebuild from empty): the same rows.
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
  v_memo text := private.shared_source_memo('analytics.daily_rollup_events', p_org_id, p_after, p_upto);
begin
  if v_memo is not null then
    return query execute 'select * from ' || v_memo;   -- read once for the rollups applied together
    return;
  end if;
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan
  end if;
  select pg_catalog.array_agg(x.org_id), pg_catalog.array_agg(x.day), pg_catalog.array_agg(x.from_ts),
         pg_catalog.array_agg(x.to_ts), pg_catalog.array_agg(x.timezone)
  into v_orgs, v_days, v_from, v_to, v_zones
  from (
    select r.org_id, r.day, r.from_ts, r.to_ts, r.timezone from analytics.received_days(p_org_id, p_after, p_upto) as r
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
      and c.received_at >= p_after and c.received_at < p_upto
      and (p_org_id is null or c.org_id = p_org_id)
      and c.event_type = 'content_created' and c.entity_id is not null and not c.is_bot
      and (rs.raw_events_from is null or p.occurred_at >= rs.raw_events_from)
  ) as x;
  if v_orgs is null then
    return;
  end if;

  return query
  with days as (
    select d.org_id, d.day, d.from_ts, d.to_ts, d.timezone
    from rows from (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_days), pg_catalog.unnest(v_from),
                    pg_catalog.unnest(v_to), pg_catalog.unnest(v_zones)) as d (org_id, day, from_ts, to_ts, timezone)
  ),
  raw as materialized (
    -- Few days: one primary-key range each. Many: one scan, matched on the local day.
    select d.org_id, d.timezone, x.id, x.occurred_at, x.received_at, x.event_type, x.entity_type, x.entity_id, x.visitor_id, x.user_id, x.session_id, x.link_type, x.utm_source, x.referrer_domain, x.country, x.device_type, x.properties
    from days as d
    cross join lateral (select e.id, e.occurred_at, e.received_at, e.event_type, e.entity_type, e.entity_id, e.visitor_id, e.user_id, e.session_id, e.link_type, e.utm_source, e.referrer_domain, e.country, e.device_type, e.properties
                        from analytics.events as e
                        where e.org_id = d.org_id and e.occurred_at >= d.from_ts and e.occurred_at < d.to_ts and not e.is_bot
                        offset 0) as x   -- kept a subquery: one index range per day, whatever the estimates
    where pg_catalog.cardinality(v_orgs) <= 2000
    union all
    select d.org_id, d.timezone, e.id, e.occurred_at, e.received_at, e.event_type, e.entity_type, e.entity_id, e.visitor_id, e.user_id, e.session_id, e.link_type, e.utm_source, e.referrer_domain, e.country, e.device_type, e.properties
    from analytics.events as e
    join app.organizations as o on o.id = e.org_id
    join days as d on d.org_id = e.org_id and d.day = (e.occurred_at at time zone o.timezone)::date
    where pg_catalog.cardinality(v_orgs) > 2000 and not e.is_bot
      and (p_org_id is null or e.org_id = p_org_id)
  ),
  ev as (
    select r.org_id, r.id, r.occurred_at,
           (r.received_at >= p_after and r.received_at < p_upto) as fresh,
           (r.occurred_at at time zone r.timezone) as local_ts,
           r.event_type, r.entity_type, r.entity_id,
           coalesce(r.visitor_id, 'user:' || r.user_id::text) as ident,
           r.user_id, r.session_id, r.link_type,
           coalesce(r.utm_source, r.referrer_domain) as source,
           r.country, r.device_type,
           case when r.event_type = 'play_progress' and pg_catalog.jsonb_typeof(r.properties -> 'position_s') = 'number'
                then greatest((r.properties ->> 'position_s')::numeric, 0) end as position_s,
           case when r.event_type = 'play_progress' and pg_catalog.jsonb_typeof(r.properties -> 'duration_s') = 'number'
                then (r.properties ->> 'duration_s')::numeric end as duration_s,
           case when r.event_type = 'play_progress' then coalesce(r.properties -> 'completed' = 'true'::jsonb, false) end as completed,
           case when r.event_type = 'review' and pg_catalog.jsonb_typeof(r.properties -> 'rating') = 'number'
                then case when (r.properties ->> 'rating')::numeric between 1 and 5 then (r.properties ->> 'rating')::numeric end
           end as rating
    from raw as r
  ),
  keys as materialized (
    select i.org_id, i.ident, private.pseudonymize_visitor(k.inner_pad, k.outer_pad, i.org_id, i.ident) as visitor_key
    from (select distinct r.org_id, coalesce(r.visitor_id, 'user:' || r.user_id::text) as ident
          from raw as r where p_with_visitor_keys and (r.visitor_id is not null or r.user_id is not null)) as i
    cross join private.pseudonymization_key as k
    where k.id = 1      -- the one key row; also tells the planner it is one row
  )
  select ev.org_id, ev.id, ev.occurred_at, ev.fresh, ev.local_ts::date, extract(hour from ev.local_ts)::integer,
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
