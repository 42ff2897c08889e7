-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/touched_user_days.sql
-- requires: functions/usage/compute_dimension_days.sql
-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.active_user_days, a dependent of
-- usage.dimension_days (engine contract, migrations/0100; replace unit org_id, day): ALL
-- rows of every (organization, local day) unit it touches, recomputed. Users are the
-- user_ids of requests (requests without a user never count). A request received in
-- [p_after, p_upto) for user u on day d touches the unit d and the unit of u's next active
-- day after d (whose previous active day may now be d). A unit's rows: its active users
-- grouped by their previous active day (the latest earlier day with a request; '-infinity'
-- when none), counted.
-- Active user days E are read as the union of the stored user rows of usage.dimension_days
-- and the (org, day, user) of the requests received in [p_after, p_upto): exact, because a
-- user-day never stops existing (requests are only added; erasure and retention delete
-- from the rollups themselves) and the target holds every user-day of the requests
-- received before its watermark, which is at or after p_upto when p_org_id is NULL (the
-- engine caps a dependent at its upstream's watermark) and at or after p_after for a reader
-- (p_upto = infinity). The previous day of a user is one backward step of
-- index_dimension_days_on_org_id_dimension_key_day. From '-infinity' with p_org_id NULL
-- (the full rebuild): one window over the target's user rows.
-- Internal: the engine (service_role) and private.rollup_rows call it.
create or replace function usage.compute_active_user_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.active_user_days
language plpgsql
stable
set search_path = ''
set jit = off
-- Plan settings and the early exit below: README, "Usage rollups: plan settings".
set max_parallel_workers_per_gather = 0
set enable_nestloop = on
set plan_cache_mode = force_generic_plan
as $$
begin
  if p_org_id is not null and not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  if p_org_id is null and p_after = '-infinity' then
    -- The full rebuild: one window over the target's user rows. A statement of its own: in
    -- one statement with the touched units, its hash aggregate was sized for every user-day
    -- of the target at every reader call (12 MB allocated, ~8 ms, for no rows).
    return query
      select w.org_id, w.day, coalesce(w.prev_day, '-infinity'), pg_catalog.count(*)
      from (select d.org_id, d.day, pg_catalog.lag(d.day) over (partition by d.org_id, d.key order by d.day) as prev_day
            from usage.dimension_days as d
            where d.dimension = 'user' and d.key <> '00000000-0000-0000-0000-000000000000') as w
      group by 1, 2, 3;
    return;
  end if;
  return query
    with new_days as materialized (                                 -- (org, day, user) of the new requests
      select t.org_id, t.day, t.user_id::text as key,
             pg_catalog.lead(t.day) over (partition by t.org_id, t.user_id order by t.day) as next_new_day
      from usage.touched_user_days(p_org_id, p_after, p_upto) as t
      where t.user_id is not null and t.user_id <> '00000000-0000-0000-0000-000000000000'
    ),
    units as materialized (
      select n.org_id, n.day from new_days as n
      union
      select n.org_id, least(n.next_new_day, s.day)      -- the next active day of a touched user
      from new_days as n
      left join lateral (select d.day from usage.dimension_days as d
                         where d.org_id = n.org_id and d.dimension = 'user' and d.key = n.key and d.day > n.day
                         order by d.day limit 1) as s on true
      where coalesce(n.next_new_day, s.day) is not null
    ),
    unit_users as (                                                 -- every active user of each unit
      select u.org_id, u.day, d.key
      from units as u
      join usage.dimension_days as d on d.org_id = u.org_id and d.day = u.day and d.dimension = 'user'
      where d.key <> '00000000-0000-0000-0000-000000000000'
      union
      select n.org_id, n.day, n.key from new_days as n
    ),
    prev_new as (                                                   -- the latest earlier new day of the user
      select a.org_id, a.day, a.key, pg_catalog.max(n.day) as day_before
      from unit_users as a
      left join new_days as n on n.org_id = a.org_id and n.key = a.key and n.day < a.day
      group by 1, 2, 3
    ),
    prev as (                                                       -- ... or the latest earlier stored day
      select a.org_id, a.day,
             coalesce(greatest(a.day_before,
               (select d.day from usage.dimension_days as d
                where d.org_id = a.org_id and d.dimension = 'user' and d.key = a.key and d.day < a.day
                order by d.day desc limit 1)), '-infinity') as prev_day
      from prev_new as a
    )
    select p.org_id, p.day, p.prev_day, pg_catalog.count(*) from prev as p group by 1, 2, 3;
end;
$$;
revoke execute on function usage.compute_active_user_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_active_user_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_active_user_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.active_user_days (dependent of usage.dimension_days; unit org_id, day): all (prev_day, users) rows of the local days touched by requests received in [p_after, p_upto) and of the touched users'' next active days.';

select private.register_rollup(
  'usage.active_user_days', 'usage.model_requests', 'usage.active_user_days', 'usage.compute_active_user_days',
  array['org_id', 'day', 'prev_day'], 'day', array['usage.dimension_days'],
  'Active users per organization and local day, grouped by their previous active day: exact distinct users over any range.',
  array['org_id', 'day']);
