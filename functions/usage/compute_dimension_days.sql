-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/touched_user_days.sql
-- requires: functions/usage/register_rollups.sql
-- requires: functions/usage/received_any.sql
-- The compute function of the rollup usage.dimension_days (engine contract, migrations/0100):
-- all rows of every (organization, local day) touched by requests received in
-- [p_after, p_upto) (usage.touched_user_days), recomputed from the raw requests of those
-- days (day = the local date of occurred_at, as usage.user_days): per dimension user (key:
-- user_id as text, the nil uuid for requests without a user), team, project and feature
-- (key as stored), requests, cost of the priced requests (0 when none) and tokens (input +
-- output + cached input + cache write). A touched day's requests are one index range of
-- the primary key (org_id, occurred_at); the full rebuild (every organization from
-- '-infinity') is one grouped pass over all requests.
-- Until migration 0802 it was a dependent of usage.user_days, summing the day's user-day
-- rows: the same numbers, but a reader with an unrefreshed hour then recomputed every
-- touched user's whole day through usage.user_days (stored rows and their raw requests,
-- 0.2-0.4 s at 10M requests for the largest organization); from the raw day it is one range.
-- Internal: the engine (service_role) and the reader private.dimension_days_rows call it.
create or replace function usage.compute_dimension_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.dimension_days
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
  if p_org_id is null and p_after = '-infinity' then
    -- The full rebuild (every organization from '-infinity'): one grouped pass over all requests.
    return query
      select q.org_id, q.day,
             case grouping(q.user_key, q.team, q.project, q.feature)
               when 7 then 'user' when 11 then 'team' when 13 then 'project' else 'feature' end,
             case grouping(q.user_key, q.team, q.project, q.feature)
               when 7 then q.user_key when 11 then q.team when 13 then q.project else q.feature end,
             pg_catalog.count(*), coalesce(pg_catalog.sum(q.cost), 0), pg_catalog.sum(q.tokens)::bigint
      from (select r.org_id, (r.occurred_at at time zone o.timezone)::date as day,
                   coalesce(r.user_id, '00000000-0000-0000-0000-000000000000'::uuid)::text collate "C" as user_key,
                   r.team, r.project, r.feature, r.cost,
                   r.input_tokens::bigint + r.output_tokens + r.cached_input_tokens + r.cache_write_tokens as tokens
            from usage.model_requests as r
            join app.organizations as o on o.id = r.org_id) as q
      group by grouping sets ((q.org_id, q.day, q.user_key), (q.org_id, q.day, q.team),
                              (q.org_id, q.day, q.project), (q.org_id, q.day, q.feature));
    return;
  end if;
  if p_org_id is not null and not usage.received_any(p_org_id, p_after, p_upto) then
    return;
  end if;
  -- The touched days (apply, or one organization's reader): a statement of its own, so that
  -- its generic plan is made for a few days' requests (hashed grouping sets: the plan shared
  -- with the full rebuild sorted the day's requests four times, by text in the database's
  -- collation: 60-120 ms of a reader's 140 ms at 10M requests).
  return query
    with touched as materialized (
      select distinct t.org_id, t.day, t.timezone
      from usage.touched_user_days(p_org_id, p_after, p_upto) as t
    )
    -- One pass, four groupings (grouping sets; GROUPING is SQL syntax, not a pg_catalog
    -- function): grouping() is 7 for the user set, 11 team, 13 project, 14 feature (a bit
    -- per column left out).
    select q.org_id, q.day,
           case grouping(q.user_key, q.team, q.project, q.feature)
             when 7 then 'user' when 11 then 'team' when 13 then 'project' else 'feature' end,
           case grouping(q.user_key, q.team, q.project, q.feature)
             when 7 then q.user_key when 11 then q.team when 13 then q.project else q.feature end,
           pg_catalog.count(*), coalesce(pg_catalog.sum(q.cost), 0), pg_catalog.sum(q.tokens)::bigint
    from (select t.org_id, t.day,
                 coalesce(r.user_id, '00000000-0000-0000-0000-000000000000'::uuid)::text collate "C" as user_key,
                 r.team, r.project, r.feature, r.cost,
                 r.input_tokens::bigint + r.output_tokens + r.cached_input_tokens + r.cache_write_tokens as tokens
          from touched as t
          join usage.model_requests as r
            on r.org_id = t.org_id
           and r.occurred_at >= (t.day::timestamp at time zone t.timezone)
           and r.occurred_at < ((t.day + 1)::timestamp at time zone t.timezone)) as q
    group by grouping sets ((q.org_id, q.day, q.user_key), (q.org_id, q.day, q.team),
                            (q.org_id, q.day, q.project), (q.org_id, q.day, q.feature));
end;
$$;
revoke execute on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.dimension_days: all (dimension, key) rows of the local days touched by requests received in [p_after, p_upto), from their raw requests.';

select private.register_rollup(
  'usage.dimension_days', 'usage.model_requests', 'usage.dimension_days', 'usage.compute_dimension_days',
  array['org_id', 'day', 'dimension', 'key'], 'day', '{}',
  'Model requests per organization, local day and user, team, project or feature (from the raw requests of the day): requests, cost, tokens.');
