-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.user_days (engine contract): the complete,
-- recomputed rows of every (org, local day, user) touched by requests received in
-- [p_after, p_upto) (p_org_id NULL: every organization), from the raw requests of just
-- those user-days (all their team/project/feature/model combinations: every row of such a
-- key set is complete). day = the local date of occurred_at in the organization's time
-- zone; user_id NULL is stored as the nil uuid. Sums as usage.model_hours. The full
-- rebuild (every organization from '-infinity') is one scan of all requests (it may also
-- return complete rows of keys whose requests were all received at or after p_upto).
-- Internal: the engine (service_role) and private.rollup_rows call it.
create or replace function usage.compute_user_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.user_days
language plpgsql
stable
set search_path = ''
set jit = off
-- Plan settings and the early exit below: README, "Usage rollups: plan settings".
set max_parallel_workers_per_gather = 0
set enable_nestloop = on
as $$
begin
  if p_org_id is not null and not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  return query
  with touched as (
    select distinct r.org_id, (r.occurred_at at time zone o.timezone)::date as day, o.timezone, r.user_id
    from (select q.* from usage.model_requests as q              -- one organization: its (org_id, received_at) index
          where p_org_id is not null and q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto
          union all
          select q.* from usage.model_requests as q              -- every organization: the BRIN on received_at
          where p_org_id is null and q.received_at >= p_after and q.received_at < p_upto) as r
    join app.organizations as o on o.id = r.org_id
    where p_org_id is not null or p_after > '-infinity'
  ),
  rows as (
    select t.day, r.*
    from touched as t
    join usage.model_requests as r
      on r.org_id = t.org_id and r.user_id = t.user_id
     and r.occurred_at >= (t.day::timestamp at time zone t.timezone)
     and r.occurred_at < ((t.day + 1)::timestamp at time zone t.timezone)
    where t.user_id is not null
    union all
    select t.day, r.*
    from touched as t
    join usage.model_requests as r
      on r.org_id = t.org_id and r.user_id is null
     and r.occurred_at >= (t.day::timestamp at time zone t.timezone)
     and r.occurred_at < ((t.day + 1)::timestamp at time zone t.timezone)
    where t.user_id is null
    union all
    -- The full rebuild (every organization from '-infinity'): every key is touched, so one
    -- scan of all requests instead of one index range per user-day.
    select (r.occurred_at at time zone o.timezone)::date, r.*
    from usage.model_requests as r
    join app.organizations as o on o.id = r.org_id
    where p_org_id is null and p_after = '-infinity'
  )
  select x.org_id, x.day, coalesce(x.user_id, '00000000-0000-0000-0000-000000000000'::uuid),
         x.team, x.project, x.feature, x.provider, x.model,
         pg_catalog.count(*),
         pg_catalog.count(*) filter (where x.status in ('error', 'timeout')),
         coalesce(pg_catalog.sum(x.cost), 0),
         pg_catalog.count(*) filter (where x.cost is null),
         pg_catalog.sum(x.input_tokens)::bigint, pg_catalog.sum(x.output_tokens)::bigint,
         pg_catalog.sum(x.cached_input_tokens)::bigint, pg_catalog.sum(x.cache_write_tokens)::bigint,
         pg_catalog.count(*) filter (where x.was_routed),
         pg_catalog.count(*) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null),
         coalesce(pg_catalog.sum(x.cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null), 0),
         coalesce(pg_catalog.sum(x.baseline_cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null), 0)
  from rows as x
  group by x.org_id, x.day, x.user_id, x.team, x.project, x.feature, x.provider, x.model;
end;
$$;
revoke execute on function usage.compute_user_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_user_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_user_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.user_days: complete rows of the (org, local day, user) keys touched by requests received in [p_after, p_upto).';
