-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/compute_dimension_days.sql
-- requires: functions/usage/received_any.sql
-- The keys of usage.dimension_weeks that the requests received in [p_after, p_upto) touch
-- (p_org_id NULL: every organization), distinct: per request, its local week (the Monday
-- of the ISO week of the local date of occurred_at in the organization's time zone) and
-- its four keys, mapped as usage.dimension_days maps them ('user': user_id as text, the nil
-- uuid for requests without a user; 'team', 'project', 'feature': as stored). A reprice
-- writes the new version of a request with a new received_at: its keys are touched then.
-- PL/pgSQL with one generic plan per session (as usage.touched_user_days).
-- Internal: usage.compute_dimension_weeks and public.get_cost_breakdown call it.
create or replace function usage.touched_dimension_weeks(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, week date, dimension text, key text)
language plpgsql
stable
set search_path = ''
set jit = off
set max_parallel_workers_per_gather = 0
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
  return query
    select distinct r.org_id, pg_catalog.date_trunc('week', (r.occurred_at at time zone o.timezone)::date::timestamp)::date,
           x.dimension collate "C", x.key collate "C"
    from (select q.org_id, q.occurred_at, q.user_id, q.team, q.project, q.feature from usage.model_requests as q
          where p_org_id is not null and q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto
          union all
          select q.org_id, q.occurred_at, q.user_id, q.team, q.project, q.feature from usage.model_requests as q
          where p_org_id is null and q.received_at >= p_after and q.received_at < p_upto) as r
    join app.organizations as o on o.id = r.org_id
    cross join lateral (values ('user'::text, coalesce(r.user_id, '00000000-0000-0000-0000-000000000000'::uuid)::text),
                               ('team', r.team::text), ('project', r.project::text), ('feature', r.feature::text)) as x (dimension, key);
end;
$$;
revoke execute on function usage.touched_dimension_weeks(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.touched_dimension_weeks(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.touched_dimension_weeks(uuid, timestamptz, timestamptz) is
  'Distinct (org, local week, dimension, key) of the requests received in [p_after, p_upto): the keys of usage.dimension_weeks they touch. Internal.';

-- The compute function of the rollup usage.dimension_weeks (migrations/1160), a dependent of
-- usage.dimension_days (engine contract, migrations/0100): the rows of every key
-- (organization, local week, dimension, key) that the requests received in
-- [p_after, p_upto) touch (usage.touched_dimension_weeks), recomputed: the sums of
-- requests, cost and tokens of the key's usage.dimension_days rows over the week's seven
-- days (one index range of index_dimension_days_on_org_id_dimension_key_day per key). A
-- key's row never vanishes (requests are only added or repriced; erasure deletes the rows
-- of both tables itself), so a recomputed key replaces its row.
-- Exact: the apply (p_org_id NULL) reads the stored rows of usage.dimension_days, which count
-- every request received before p_upto (the engine caps a dependent at its upstream's
-- watermark; requests received after p_upto that they may count touch the key again at the
-- next apply, which recomputes it whole); a reader (one organization, p_upto = infinity)
-- reads private.dimension_days_rows (stored rows plus the requests received since that
-- rollup's watermark). From '-infinity' with p_org_id NULL (the full rebuild): one grouped
-- pass over usage.dimension_days.
-- Internal: the engine (service_role) and the reader private.dimension_weeks_rows call it.
create or replace function usage.compute_dimension_weeks(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.dimension_weeks
language plpgsql
stable
set search_path = ''
set jit = off
-- Plan settings and the early exit below: README, "Usage rollups: plan settings".
set max_parallel_workers_per_gather = 0
set enable_nestloop = on
set plan_cache_mode = force_generic_plan
as $$
declare
  v_lo date;
  v_hi date;
begin
  if p_org_id is null and p_after = '-infinity' then
    return query
      select d.org_id, pg_catalog.date_trunc('week', d.day::timestamp)::date, d.dimension, d.key,
             pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
      from usage.dimension_days as d
      group by 1, 2, 3, 4;
    return;
  end if;
  if p_org_id is null then
    return query
      select k.org_id, k.week, k.dimension, k.key,
             pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
      from usage.touched_dimension_weeks(null, p_after, p_upto) as k
      cross join lateral (select s.requests, s.cost, s.tokens from usage.dimension_days as s
                          where s.org_id = k.org_id and s.dimension = k.dimension and s.key = k.key
                            and s.day >= k.week and s.day < k.week + 7) as d
      group by 1, 2, 3, 4;
    return;
  end if;
  if not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  return query
    with keys as materialized (select k.week, k.dimension, k.key from usage.touched_dimension_weeks(p_org_id, p_after, p_upto) as k)
    select p_org_id, k.week, k.dimension, k.key,
           pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
    from keys as k
    join private.dimension_days_rows(p_org_id, (select pg_catalog.min(m.week) from keys as m),
                                     (select pg_catalog.max(m.week) from keys as m) + 7) as d
      on d.dimension = k.dimension and d.key = k.key and d.day >= k.week and d.day < k.week + 7
    group by 1, 2, 3, 4;
end;
$$;
revoke execute on function usage.compute_dimension_weeks(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_dimension_weeks(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_dimension_weeks(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.dimension_weeks (dependent of usage.dimension_days): the rows of the (local week, dimension, key) keys touched by requests received in [p_after, p_upto), summed from dimension_days over the week.';

drop function if exists usage.touched_weeks(uuid, timestamptz, timestamptz);
select private.register_rollup(
  'usage.dimension_weeks', 'usage.model_requests', 'usage.dimension_weeks', 'usage.compute_dimension_weeks',
  array['org_id', 'week', 'dimension', 'key'], 'week', array['usage.dimension_days'],
  'Model requests per organization, local week (Monday) and user, team, project or feature: requests, cost, tokens; the sums of usage.dimension_days over the week.');
