-- requires: functions/private/pseudonymize_visitor.sql
-- The non-bot events of one organization on the local days [p_from_day, p_to_day) (its
-- time zone), each with its local day and hour and its pseudonymous visitor key: the
-- single definition of "which events count, on which day, for which visitor" shared by
-- every rollup (analytics.compute_*) and by the RPCs for days not rolled up yet.
-- The keyed hash is computed once per distinct visitor, not per event. Of the free-form
-- properties only the typed values the rollups read are kept: position_s, duration_s,
-- completed (play_progress; a negative position counts as 0) and rating (review, 1 to 5).
-- Internal helper: owner only (the aggregation and definer RPCs); it reads the key.
create or replace function analytics.keyed_events(p_org_id uuid, p_from_day date, p_to_day date)
returns table (id bigint, occurred_at timestamptz, received_at timestamptz, day date, local_hour integer,
               event_type text, entity_type text, entity_id uuid, visitor_key uuid, user_id uuid,
               session_id text, link_type text, source text, country char(2), device_type text,
               position_s numeric, duration_s numeric, completed boolean, rating numeric)
language sql
stable
as $$
  with bounds as materialized (
    select o.timezone,
           (p_from_day::timestamp at time zone o.timezone) as from_ts,
           (p_to_day::timestamp at time zone o.timezone) as to_ts
    from app.organizations as o
    where o.id = p_org_id
  ),
  ev as materialized (
    select e.id, e.occurred_at, e.received_at,
           (e.occurred_at at time zone b.timezone) as local_ts,
           e.event_type, e.entity_type, e.entity_id,
           coalesce(e.visitor_id, 'user:' || e.user_id::text) as ident,
           e.user_id, e.session_id, e.link_type,
           coalesce(e.utm_source, e.referrer_domain) as source,
           e.country, e.device_type,
           -- The properties the rollups read, typed here once; a value of the wrong JSON
           -- type is ignored (NULL), never an error.
           case when e.event_type = 'play_progress' and pg_catalog.jsonb_typeof(e.properties -> 'position_s') = 'number'
                then greatest((e.properties ->> 'position_s')::numeric, 0) end as position_s,
           case when e.event_type = 'play_progress' and pg_catalog.jsonb_typeof(e.properties -> 'duration_s') = 'number'
                then (e.properties ->> 'duration_s')::numeric end as duration_s,
           case when e.event_type = 'play_progress' then coalesce(e.properties -> 'completed' = 'true'::jsonb, false) end as completed,
           case when e.event_type = 'review' and pg_catalog.jsonb_typeof(e.properties -> 'rating') = 'number'
                then case when (e.properties ->> 'rating')::numeric between 1 and 5 then (e.properties ->> 'rating')::numeric end
           end as rating
    from bounds as b
    join analytics.events as e
      on e.org_id = p_org_id
     and e.occurred_at >= b.from_ts
     and e.occurred_at < b.to_ts
    where not e.is_bot
  ),
  keys as materialized (
    select i.ident, private.pseudonymize_visitor(k.inner_pad, k.outer_pad, p_org_id, i.ident) as visitor_key
    from (select distinct ev.ident from ev where ev.ident is not null) as i
    cross join private.pseudonymization_key as k
    where k.id = 1      -- the one key row; also tells the planner it is one row
  )
  select ev.id, ev.occurred_at, ev.received_at, ev.local_ts::date, extract(hour from ev.local_ts)::integer,
         ev.event_type::text, ev.entity_type::text, ev.entity_id, keys.visitor_key, ev.user_id,
         ev.session_id::text, ev.link_type::text, ev.source::text, ev.country, ev.device_type::text,
         ev.position_s, ev.duration_s, ev.completed, ev.rating
  from ev
  left join keys on keys.ident = ev.ident
$$;
revoke execute on function analytics.keyed_events(uuid, date, date) from public, anon, authenticated;
comment on function analytics.keyed_events(uuid, date, date) is
  'Non-bot events of an organization on local days [p_from_day, p_to_day), with local day, local hour and pseudonymous visitor key. Internal helper of the rollups and dashboard RPCs (owner only).';
