-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/request_deltas.sql
-- requires: functions/usage/merge_histograms.sql
-- requires: functions/usage/latency_bucket.sql
-- requires: functions/usage/histogram_percentile.sql
-- requires: functions/usage/received_any.sql
-- The partial aggregates of usage.compute_org_days (below), written once for its two
-- statements: every organization's requests (p_all) or p_org_id's (usage.request_deltas;
-- p_all is a constant at each call, so that each statement's plan holds one source).
-- LANGUAGE sql, STABLE, without SET: inlined into the compute function's statements.
-- Internal; owner only.
create or replace function usage.org_days_delta(p_all boolean, p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.org_days
language sql
stable
as $$
  -- Two levels of grouping: per day and latency bucket (the histogram's counts), then per day.
  with per_bucket as (
    select x.org_id, x.day, usage.latency_bucket(x.latency_ms) as bucket,
           pg_catalog.sum(x.sign) as n,
           pg_catalog.sum(x.sign) filter (where x.status in ('error', 'timeout')) as errors,
           pg_catalog.sum(x.sign * x.cost) as cost,
           pg_catalog.sum(x.sign) filter (where x.cost is null) as unpriced,
           pg_catalog.sum(x.sign * x.input_tokens) as input_tokens, pg_catalog.sum(x.sign * x.output_tokens) as output_tokens,
           pg_catalog.sum(x.sign * x.cached_input_tokens) as cached_input_tokens,
           pg_catalog.sum(x.sign * x.cache_write_tokens) as cache_write_tokens,
           pg_catalog.sum(x.sign * x.rating) as rating_sum, pg_catalog.sum(x.sign) filter (where x.rating is not null) as rating_count,
           pg_catalog.sum(x.sign) filter (where x.was_routed) as routed,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null) as routed_compared,
           pg_catalog.sum(x.sign * x.cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null) as routed_cost,
           pg_catalog.sum(x.sign * x.baseline_cost) filter (where x.was_routed and x.cost is not null and x.baseline_cost is not null) as baseline_cost,
           pg_catalog.sum(x.sign) filter (where x.was_routed and (x.status in ('error', 'timeout') or x.rating <= 2)) as regrets,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence < 0.1) as c0,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.1 and x.router_confidence < 0.2) as c1,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.2 and x.router_confidence < 0.3) as c2,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.3 and x.router_confidence < 0.4) as c3,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.4 and x.router_confidence < 0.5) as c4,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.5 and x.router_confidence < 0.6) as c5,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.6 and x.router_confidence < 0.7) as c6,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.7 and x.router_confidence < 0.8) as c7,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.8 and x.router_confidence < 0.9) as c8,
           pg_catalog.sum(x.sign) filter (where x.was_routed and x.router_confidence >= 0.9) as c9
    from usage.request_deltas(p_all, p_org_id, p_after, p_upto) as x
    group by 1, 2, 3
  ),
  per_day as (
    select k.org_id, k.day,
           pg_catalog.sum(k.n)::bigint as requests, coalesce(pg_catalog.sum(k.errors), 0)::bigint as errors,
           coalesce(pg_catalog.sum(k.cost), 0) as cost, coalesce(pg_catalog.sum(k.unpriced), 0)::bigint as unpriced,
           pg_catalog.sum(k.input_tokens)::bigint as input_tokens, pg_catalog.sum(k.output_tokens)::bigint as output_tokens,
           pg_catalog.sum(k.cached_input_tokens)::bigint as cached_input_tokens,
           pg_catalog.sum(k.cache_write_tokens)::bigint as cache_write_tokens,
           coalesce(pg_catalog.sum(k.rating_sum), 0)::bigint as rating_sum, coalesce(pg_catalog.sum(k.rating_count), 0)::bigint as rating_count,
           coalesce(pg_catalog.sum(k.routed), 0)::bigint as routed, coalesce(pg_catalog.sum(k.routed_compared), 0)::bigint as routed_compared,
           coalesce(pg_catalog.sum(k.routed_cost), 0) as routed_cost, coalesce(pg_catalog.sum(k.baseline_cost), 0) as baseline_cost,
           coalesce(pg_catalog.sum(k.regrets), 0)::bigint as regrets,
           array[coalesce(pg_catalog.sum(k.c0), 0), coalesce(pg_catalog.sum(k.c1), 0), coalesce(pg_catalog.sum(k.c2), 0),
                 coalesce(pg_catalog.sum(k.c3), 0), coalesce(pg_catalog.sum(k.c4), 0), coalesce(pg_catalog.sum(k.c5), 0),
                 coalesce(pg_catalog.sum(k.c6), 0), coalesce(pg_catalog.sum(k.c7), 0), coalesce(pg_catalog.sum(k.c8), 0),
                 coalesce(pg_catalog.sum(k.c9), 0)]::bigint[] as confidence_counts,
           coalesce(pg_catalog.array_agg(k.bucket order by k.bucket) filter (where k.bucket is not null and k.n <> 0), '{}') as latency_buckets,
           coalesce(pg_catalog.array_agg(k.n::bigint order by k.bucket) filter (where k.bucket is not null and k.n <> 0), '{}') as latency_counts
    from per_bucket as k
    group by 1, 2
  )
  select d.org_id, d.day, d.requests, d.errors, d.cost, d.unpriced, d.input_tokens, d.output_tokens,
         d.cached_input_tokens, d.cache_write_tokens, d.rating_sum, d.rating_count, d.routed, d.routed_compared,
         d.routed_cost, d.baseline_cost, d.regrets, d.confidence_counts, d.latency_buckets, d.latency_counts,
         usage.histogram_percentile(d.latency_buckets, d.latency_counts, 0.95)
  from per_day as d
$$;
revoke execute on function usage.org_days_delta(boolean, uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function usage.org_days_delta(boolean, uuid, timestamptz, timestamptz) is
  'The partial sums and latency histogram per local day of the requests received in [p_after, p_upto), retracted old versions subtracted (the body of usage.compute_org_days). Internal.';

-- The compute function of the rollup usage.org_days, a combinable rollup (engine contract,
-- migrations/0100 and 1000; combine function usage.combine_org_days): the partial
-- aggregates, per (organization, local day), of the requests received in [p_after, p_upto)
-- (usage.request_deltas: minus the old versions of requests repriced in that range that were
-- received before p_after). day = the local date of occurred_at (the day of its local hour,
-- as usage.model_hours buckets it); every sum of usage.model_hours (errors: status error or
-- timeout; cost of the priced requests, 0 when none; unpriced: cost NULL; tokens by kind;
-- rating sum and count; routed, and routed_compared / routed_cost / baseline_cost over routed
-- requests with both costs known; regrets: routed requests that failed or were rated <= 2;
-- router confidence by tenth), the latency histogram (usage.latency_bucket, counts per
-- bucket, zero counts dropped) and its p95 (usage.histogram_percentile). The engine adds
-- them to the stored row (apply: ON CONFLICT; readers: the combine function), so a reader
-- with one new hour reads that hour's requests instead of recomputing the touched day from
-- its ~400 model hours. The full rebuild (every organization from '-infinity') is one
-- grouped pass over all requests.
-- Before migrations/1000 a dependent of usage.model_hours recomputing whole touched days from
-- its model hours: the same rows.
-- Internal: the engine (service_role) and the reader private.org_days_rows call it.
create or replace function usage.compute_org_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof usage.org_days
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
    return query select * from usage.org_days_delta(true, null, p_after, p_upto);
  elsif usage.received_any(p_org_id, p_after, p_upto) then
    return query select * from usage.org_days_delta(false, p_org_id, p_after, p_upto);
  end if;
end;
$$;
revoke execute on function usage.compute_org_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.compute_org_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.compute_org_days(uuid, timestamptz, timestamptz) is
  'Rollup compute function of usage.org_days (combinable, migrations/1000): the partial sums and latency histogram per local day of the requests received in [p_after, p_upto), retracted old versions subtracted.';

-- The combine function (migrations/1000; PL/pgSQL: its plan is cached for the session): the stored row of a day (NULL: none) plus the
-- partial aggregate of the requests received since: sums column by column (confidence
-- counts element by element), histograms merged (usage.merge_histograms), the p95 of the
-- merged histogram. Internal; no errors.
create or replace function usage.combine_org_days(p_stored usage.org_days, p_delta usage.org_days)
returns usage.org_days
language plpgsql
stable
set search_path = ''
as $$
declare
  v_row usage.org_days;
begin
  select p_delta.org_id, p_delta.day,
           coalesce(p_stored.requests, 0) + p_delta.requests, coalesce(p_stored.errors, 0) + p_delta.errors,
           coalesce(p_stored.cost, 0) + p_delta.cost, coalesce(p_stored.unpriced, 0) + p_delta.unpriced,
           coalesce(p_stored.input_tokens, 0) + p_delta.input_tokens, coalesce(p_stored.output_tokens, 0) + p_delta.output_tokens,
           coalesce(p_stored.cached_input_tokens, 0) + p_delta.cached_input_tokens,
           coalesce(p_stored.cache_write_tokens, 0) + p_delta.cache_write_tokens,
           coalesce(p_stored.rating_sum, 0) + p_delta.rating_sum, coalesce(p_stored.rating_count, 0) + p_delta.rating_count,
           coalesce(p_stored.routed, 0) + p_delta.routed, coalesce(p_stored.routed_compared, 0) + p_delta.routed_compared,
           coalesce(p_stored.routed_cost, 0) + p_delta.routed_cost, coalesce(p_stored.baseline_cost, 0) + p_delta.baseline_cost,
           coalesce(p_stored.regrets, 0) + p_delta.regrets,
           (select pg_catalog.array_agg(coalesce(s.n, 0) + d.n order by d.i)
            from unnest(p_delta.confidence_counts) with ordinality as d (n, i)
            left join unnest(p_stored.confidence_counts) with ordinality as s (n, i) on s.i = d.i),
           m.buckets, m.counts, usage.histogram_percentile(m.buckets, m.counts, 0.95)
  into v_row
  from usage.merge_histograms(p_stored.latency_buckets, p_stored.latency_counts,
                                p_delta.latency_buckets, p_delta.latency_counts) as m;
  return v_row;
end;
$$;
revoke execute on function usage.combine_org_days(usage.org_days, usage.org_days) from public, anon, authenticated;
comment on function usage.combine_org_days(usage.org_days, usage.org_days) is
  'Combine function of the rollup usage.org_days: stored row (NULL: none) + delta (sums, merged histogram, its p95). Internal.';

select private.register_rollup(
  'usage.org_days', 'usage.model_requests', 'usage.org_days', 'usage.compute_org_days',
  array['org_id', 'day'], 'day', '{}',
  'Model requests per organization and local day (partial aggregates of the requests received, combined with the stored row): totals, tokens, ratings, routing, router confidence, latency histogram and p95.',
  p_combine_function => 'usage.combine_org_days');
