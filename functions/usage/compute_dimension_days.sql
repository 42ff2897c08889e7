-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/touched_user_days.sql
-- requires: functions/usage/register_rollups.sql
-- The compute function of the rollup usage.dimension_days, a dependent of usage.user_days
-- (engine contract, migrations/0100): all rows of every (organization, local day) touched
-- by requests received in [p_after, p_upto) (usage.touched_user_days), recomputed from the
-- user days of those days: per dimension user (key: user_id as text, the nil uuid for
-- requests without a user), team, project and feature (key as stored), the sums of
-- requests, cost and tokens (input + output + cached input + cache write).
-- Reads the upstream target directly when p_org_id is NULL (apply: the engine caps p_upto
-- at usage.user_days' watermark; from '-infinity', the full rebuild, in one grouped scan
-- of it) and its inlined reader private.user_days_rows for one organization (readers:
-- exact).
-- Internal: the engine (service_role) and the reader private.dimension_days_rows call it.
create or replace function usage.compute_dimension_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.dimension_days
language plpgsql
stable
set search_path = ''
set jit = off
-- No parallel workers: the plan is generic (estimates for every request), and starting
-- workers cost 20-30 ms per call of a reader that finds nothing or one hour to recompute.
set max_parallel_workers_per_gather = 0
-- Nested loops on, whatever the caller set (get_cost_breakdown and get_user_activity turn them
-- off for their anti-joins): the touched keys are few and reach the source by index.
set enable_nestloop = on
as $$
begin
  -- A reader's call (one organization) that finds no request received in the range returns
  -- at once: the query below, planned anew for each call's parameters, is not planned at all.
  if p_org_id is not null and not exists (
       select from usage.model_requests as q
       where q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto) then
    return;
  end if;
  -- PL/pgSQL: its plan is cached for the session (a SQL function is planned again at
  -- every call: 10-20 ms of a reader's time).
  return query
    with touched as materialized (
      select distinct t.org_id, t.day
      from usage.touched_user_days(p_org_id, p_after, p_upto) as t
      where p_org_id is not null or p_after > '-infinity'
    ),
    days as (
      select d.*                                                    -- apply: the touched days of the target
      from touched as t
      join usage.user_days as d on d.org_id = t.org_id and d.day = t.day
      where p_org_id is null
      union all
      select d.*                                                    -- full rebuild: the whole target
      from usage.user_days as d
      where p_org_id is null and p_after = '-infinity'
      union all
      select d.*                                                    -- one organization: exact rows of its touched days
      from private.user_days_rows(p_org_id,
             coalesce((select pg_catalog.min(t.day) from touched as t), 'infinity'),
             coalesce((select pg_catalog.max(t.day) + 1 from touched as t), 'infinity')) as d
      where p_org_id is not null and exists (select from touched)   -- nothing touched: no call at all
        and d.day in (select t.day from touched as t)
    )
    select d.org_id, d.day, k.dimension, k.key,
           pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost),
           pg_catalog.sum(d.input_tokens + d.output_tokens + d.cached_input_tokens + d.cache_write_tokens)::bigint
    from days as d
    cross join lateral (values ('user'::text, d.user_id::text), ('team', d.team), ('project', d.project), ('feature', d.feature))
      as k (dimension, key)
    group by d.org_id, d.day, k.dimension, k.key;
end;
$$;
revoke execute on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.dimension_days (dependent of usage.user_days): all (dimension, key) rows of the local days touched by requests received in [p_after, p_upto).';

select private.register_rollup(
  'usage.dimension_days', 'usage.model_requests', 'usage.dimension_days', 'usage.compute_dimension_days',
  array['org_id', 'day', 'dimension', 'key'], 'day', array['usage.user_days'],
  'Model requests per organization, local day and user, team, project or feature (from usage.user_days): requests, cost, tokens.');
