-- requires: functions/usage/price_at.sql
-- requires: functions/usage/request_cost.sql
-- requires: functions/usage/prune_request_retractions.sql
-- Recomputes price_id, cost, baseline_price_id and baseline_cost of one organization's
-- requests with occurred_at in p_period from the prices as they are now (the effective
-- price at each request's occurred_at: usage.price_at), deterministically: the same
-- prices give the same costs, a second run changes nothing. Only rows whose values
-- change are updated, and their received_at moves to now(): the rollups follow
-- received_at, so the next refresh (and every reader meanwhile, through the rows after
-- the watermark) recomputes exactly the keys those requests belong to; the old version of
-- each changed request goes to usage.request_retractions (same transaction), which the
-- combinable rollups subtract (migrations/1001).
-- First it deletes the retractions that nothing reads any more
-- (usage.prune_request_retractions): those retracted before the lowest watermark of the
-- combinable rollups of usage.model_requests. Their deltas (usage.request_deltas) read only
-- the retractions with retracted_at >= p_after, and p_after is a watermark (apply, readers)
-- or '-infinity' (the full rebuild subtracts nothing); watermarks only move up (or back to
-- '-infinity'), and the prune reads them in its own snapshot (an apply in progress counts
-- with its old watermark; older snapshots still see the deleted rows): no answer changes.
-- Records what it did in usage.reprice_runs (checked, changed, total cost before and
-- after) and returns that row.
-- Callable by service_role (and DBA sessions). Errors: 22023 NULL or empty period
-- (hint), P0002 unknown organization.
create or replace function usage.reprice(p_org_id uuid, p_period tstzrange)
returns usage.reprice_runs
language plpgsql
volatile
set search_path = ''
-- No JIT: the many small expressions of a batch made the planner JIT-compile ~480
-- functions per call (seconds, on a busy machine tens of seconds) for 1-1000 rows.
set jit = off
as $$
declare
  v_run usage.reprice_runs;
  v_checked bigint;
  v_changed bigint;
  v_before numeric;
  v_after numeric;
begin
  perform app.assert_org_role(p_org_id, 'owner');
  if p_period is null or pg_catalog.isempty(p_period) then
    raise exception 'reprice period % is empty', p_period
      using errcode = '22023', hint = 'Pass a non-empty range of occurred_at, e.g. tstzrange(''2026-06-01'', ''2026-07-01'').';
  end if;
  -- The retractions no rollup reads any more (every organization's: the table's one writer
  -- keeps it to the reprices since the rollups' lowest watermark).
  perform usage.prune_request_retractions();

  with current_rows as (
    select r.org_id, r.occurred_at, r.id, r.cost,
           p.id as new_price_id,
           usage.request_cost(p, r.input_tokens, r.output_tokens, r.cached_input_tokens, r.cache_write_tokens) as new_cost,
           b.id as new_baseline_price_id,
           usage.request_cost(b, r.input_tokens, r.output_tokens, r.cached_input_tokens, r.cache_write_tokens) as new_baseline_cost,
           (r.price_id, r.cost, r.baseline_price_id, r.baseline_cost) as old_values,
           r.received_at, r.user_id, r.team, r.project, r.feature, r.provider, r.model, r.was_routed, r.router_confidence,
           r.input_tokens, r.output_tokens, r.cached_input_tokens, r.cache_write_tokens, r.latency_ms, r.status, r.rating,
           r.baseline_cost
    from usage.model_requests as r
    left join lateral usage.price_at(r.org_id, r.provider, r.model, r.occurred_at) as p on true
    left join lateral usage.price_at(r.org_id, r.baseline_provider, r.baseline_model, r.occurred_at) as b
           on r.baseline_model is not null
    where r.org_id = p_org_id and r.occurred_at operator(pg_catalog.<@) p_period
  ),
  updated as (
    update usage.model_requests as t
       set price_id = c.new_price_id, cost = c.new_cost,
           baseline_price_id = c.new_baseline_price_id, baseline_cost = c.new_baseline_cost,
           received_at = pg_catalog.now()
      from current_rows as c
     where t.org_id = c.org_id and t.occurred_at = c.occurred_at and t.id = c.id
       and c.old_values is distinct from (c.new_price_id, c.new_cost, c.new_baseline_price_id, c.new_baseline_cost)
    returning t.org_id, t.occurred_at, t.id
  ),
  retracted as (                    -- the old versions, for the combinable rollups (migrations/1001)
    insert into usage.request_retractions
      (org_id, retracted_at, id, occurred_at, received_at, user_id, team, project, feature, provider, model, was_routed,
       router_confidence, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, latency_ms, status, rating,
       cost, baseline_cost)
    select c.org_id, pg_catalog.now(), c.id, c.occurred_at, c.received_at, c.user_id, c.team, c.project, c.feature,
           c.provider, c.model, c.was_routed, c.router_confidence, c.input_tokens, c.output_tokens, c.cached_input_tokens,
           c.cache_write_tokens, c.latency_ms, c.status, c.rating, c.cost, c.baseline_cost
    from current_rows as c
    join updated as u on u.org_id = c.org_id and u.occurred_at = c.occurred_at and u.id = c.id
  )
  select pg_catalog.count(*), (select pg_catalog.count(*) from updated), pg_catalog.sum(c.cost), pg_catalog.sum(c.new_cost)
  into v_checked, v_changed, v_before, v_after
  from current_rows as c;

  insert into usage.reprice_runs (org_id, period, requests_checked, requests_changed, cost_before, cost_after)
  values (p_org_id, p_period, v_checked, v_changed, v_before, v_after)
  returning * into v_run;
  return v_run;
end;
$$;
revoke execute on function usage.reprice(uuid, tstzrange) from public, anon, authenticated;
grant execute on function usage.reprice(uuid, tstzrange) to service_role;
comment on function usage.reprice(uuid, tstzrange) is
  'Recomputes the costs of an organization''s requests in an occurred_at range from the current prices (deterministic; changed rows get received_at = now() so rollups recompute them, old versions kept in usage.request_retractions) and records the run in usage.reprice_runs. First deletes the retractions no rollup reads any more (usage.prune_request_retractions). service_role. 22023 empty period, P0002 unknown organization.';
