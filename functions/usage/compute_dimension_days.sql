-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/request_deltas.sql
-- requires: functions/usage/received_any.sql
-- The partial aggregates of usage.compute_dimension_days (below), written once for its two
-- statements: every organization's requests (p_all) or p_org_id's (usage.request_deltas;
-- p_all is a constant at each call, so that each statement's plan holds one source).
-- One pass, four groupings (grouping sets; GROUPING is SQL syntax, not a pg_catalog
-- function): grouping() is 7 for the user set, 11 team, 13 project, 14 feature (a bit per
-- column left out).
-- LANGUAGE sql, STABLE, without SET: inlined into the compute function's statements.
-- Internal; owner only.
create or replace function usage.dimension_days_delta(p_all boolean, p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.dimension_days
language sql
stable
as $$
  select q.org_id, q.day,
         case grouping(q.user_key, q.team, q.project, q.feature)
           when 7 then 'user' when 11 then 'team' when 13 then 'project' else 'feature' end,
         case grouping(q.user_key, q.team, q.project, q.feature)
           when 7 then q.user_key when 11 then q.team when 13 then q.project else q.feature end,
         pg_catalog.sum(q.sign)::bigint, coalesce(pg_catalog.sum(q.sign * q.cost), 0),
         pg_catalog.sum(q.sign * q.tokens)::bigint
  from (select r.org_id, r.day, r.sign,
               coalesce(r.user_id, '00000000-0000-0000-0000-000000000000'::uuid)::text collate "C" as user_key,
               r.team collate "C" as team, r.project collate "C" as project, r.feature collate "C" as feature, r.cost,
               r.input_tokens::bigint + r.output_tokens + r.cached_input_tokens + r.cache_write_tokens as tokens
        from usage.request_deltas(p_all, p_org_id, p_after, p_upto) as r) as q
  group by grouping sets ((q.org_id, q.day, q.user_key), (q.org_id, q.day, q.team),
                          (q.org_id, q.day, q.project), (q.org_id, q.day, q.feature))
$$;
revoke execute on function usage.dimension_days_delta(boolean, uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function usage.dimension_days_delta(boolean, uuid, timestamptz, timestamptz) is
  'The partial sums per local day, dimension (user, team, project, feature) and key of the requests received in [p_after, p_upto), retracted old versions subtracted (the body of usage.compute_dimension_days). Internal.';

-- The compute function of the rollup usage.dimension_days, a combinable rollup (engine
-- contract, migrations/0100 and 1000; combine function usage.combine_dimension_days): the
-- partial aggregates, per (organization, local day, dimension, key), of the requests
-- received in [p_after, p_upto) (usage.request_deltas: minus the old versions of requests
-- repriced in that range that were received before p_after). day = the local date of
-- occurred_at; per dimension user (key: user_id as text, the nil uuid for requests without
-- a user), team, project and feature (key as stored): requests, cost of the priced requests
-- (0 when none) and tokens (input + output + cached input + cache write). The engine adds
-- them to the stored row of the key (apply: ON CONFLICT; readers: the combine function), so
-- a reader with one new hour reads that hour's requests (one range of the
-- (org_id, received_at) index) instead of every request of the touched day. The full
-- rebuild (every organization from '-infinity') is one grouped pass over all requests.
-- Before migrations/1000 it recomputed whole touched days (from the raw day since 0802,
-- from usage.user_days before): the same stored rows.
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
  if p_org_id is null then
    -- apply and the full rebuild: every organization (a statement of its own, with its own
    -- generic plan: see usage.request_deltas).
    return query select * from usage.dimension_days_delta(true, null, p_after, p_upto);
  elsif usage.received_any(p_org_id, p_after, p_upto) then
    return query select * from usage.dimension_days_delta(false, p_org_id, p_after, p_upto);
  end if;
end;
$$;
revoke execute on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_dimension_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.dimension_days (combinable, migrations/1000): the partial (dimension, key) sums per local day of the requests received in [p_after, p_upto), retracted old versions subtracted.';

-- The combine function (migrations/1000; PL/pgSQL: its plan is cached for the session): the stored row of a key (NULL: none) plus the
-- partial sums of the requests received since. Internal; no errors.
create or replace function usage.combine_dimension_days(p_stored usage.dimension_days, p_delta usage.dimension_days)
returns usage.dimension_days
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_row usage.dimension_days;
begin
  select p_delta.org_id, p_delta.day, p_delta.dimension, p_delta.key,
           coalesce(p_stored.requests, 0) + p_delta.requests, coalesce(p_stored.cost, 0) + p_delta.cost,
           coalesce(p_stored.tokens, 0) + p_delta.tokens
  into v_row;
  return v_row;
end;
$$;
revoke execute on function usage.combine_dimension_days(usage.dimension_days, usage.dimension_days) from public, anon, authenticated;
comment on function usage.combine_dimension_days(usage.dimension_days, usage.dimension_days) is
  'Combine function of the rollup usage.dimension_days: stored row (NULL: none) + delta, column by column. Internal.';

select private.register_rollup(
  'usage.dimension_days', 'usage.model_requests', 'usage.dimension_days', 'usage.compute_dimension_days',
  array['org_id', 'day', 'dimension', 'key'], 'day', '{}',
  'Model requests per organization, local day and user, team, project or feature (partial sums of the requests received, combined with the stored row): requests, cost, tokens.',
  p_combine_function => 'usage.combine_dimension_days');
