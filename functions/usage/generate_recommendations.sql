-- requires: functions/usage/threshold.sql
-- requires: functions/usage/histogram_percentile.sql
-- requires: functions/usage/price_at.sql
-- The recommendation rule step for one organization over the local days
-- [p_as_of - 30, p_as_of) (30 days, so savings are monthly). Per model x feature with at
-- least recommendation.min_requests requests (usage.model_hours via private.rollup_rows):
-- * cheaper_model: for a feature served by models A and B where B costs less per request,
--   B's average rating >= A's (both rated) and B's p95 latency <= A's: move A's traffic
--   to B (the cheapest such B). estimated_monthly_saving = A's cost - A's requests x B's
--   cost per request, to the cent.
-- * error_hot_spot: a model x feature whose error rate is at least
--   recommendation.error_factor times that of the rest of the organization (and has 5
--   errors or more); no saving estimate (NULL).
-- * prompt_caching: a model x feature (eligible as above) whose input is large and
--   hardly cached: with I the uncached input tokens, C the cached input tokens (read from
--   the cache), O the output tokens and n the requests of the 30 days,
--   100 (I + C) >= recommendation.cache_min_input_share x (I + C + O),
--   100 C < recommendation.cache_max_cached_share x (I + C) and
--   I + C >= recommendation.cache_min_avg_input_tokens x n; and the model's price in effect
--   at the end of the window (usage.price_at at p_as_of 00:00 local, the organization's own
--   price before the public one) lists a cached-input price below its input price and
--   above 0 (0, the column default, reads as "no cache price listed"). With h =
--   recommendation.cache_hit_pct / 100 and the prices per million tokens p_in, p_cached,
--   p_write: estimated_monthly_saving =
--   round(I / 1e6 x (h x (p_in - p_cached) - (1 - h) x greatest(p_write - p_in, 0)), 2)
--   (the share h of today's uncached input is read from the cache instead; the rest is
--   written to it and pays the cache-write premium); stored only when above 0.
-- * enable_routing: a feature with no routed request in the 30 days and at least
--   recommendation.min_requests requests, in an organization whose other features routed
--   R >= recommendation.routing_min_routed_requests requests with both costs known
--   (model_hours.routed_compared), paying routed_cost against baseline_cost, with savings
--   rate s = (baseline_cost - routed_cost) / baseline_cost >=
--   recommendation.routing_min_savings_pct / 100: estimated_monthly_saving =
--   round(the feature's cost (priced requests) x s, 2) (routing assumed to save on this
--   feature what it saved on the others); stored only when above 0.
-- Each stored once per dedup_key ('<kind>|<feature>[|<model>[|<other model>]]'): a rerun
-- refreshes the evidence and the saving of an open recommendation and leaves dismissed or
-- applied ones alone. Returns the rows inserted or refreshed.
-- Called by refresh and by service_role: SECURITY DEFINER, search_path pinned, because the
-- rollup readers it calls live in schema private, which service_role cannot use (it failed
-- with 42501 for service_role).
create or replace function usage.generate_recommendations(p_org_id uuid, p_as_of date)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
declare
  v_tz text;
  v_n bigint;
  v_to timestamptz;
begin
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  if not found then
    raise exception 'organization % does not exist', p_org_id using errcode = 'P0002', hint = 'Check the organization id.';
  end if;
  v_to := p_as_of::timestamp at time zone v_tz;
  with h as materialized (
    select r.* from private.rollup_rows(null::usage.model_hours, p_org_id,
                                        (p_as_of - 30)::timestamp at time zone v_tz, p_as_of::timestamp at time zone v_tz) as r
    where r.org_id = p_org_id
  ),
  mf as (
    select h.feature, h.provider || '/' || h.model as model, h.provider, h.model as model_name, pg_catalog.sum(h.requests) as requests,
           pg_catalog.sum(h.errors) as errors, pg_catalog.sum(h.cost) as cost, pg_catalog.sum(h.unpriced) as unpriced,
           pg_catalog.sum(h.input_tokens) as input_tokens, pg_catalog.sum(h.cached_input_tokens) as cached_input_tokens,
           pg_catalog.sum(h.output_tokens) as output_tokens,
           pg_catalog.sum(h.rating_sum)::numeric / nullif(pg_catalog.sum(h.rating_count), 0) as rating,
           (select usage.histogram_percentile(pg_catalog.array_agg(b.b), pg_catalog.array_agg(b.n), 0.95)
            from h as h2, unnest(h2.latency_buckets, h2.latency_counts) as b (b, n)
            where h2.feature = h.feature and h2.provider = h.provider and h2.model = h.model) as p95
    from h group by h.feature, h.provider, h.model
  ),
  eligible as (
    select m.*, m.cost / m.requests as cpr from mf as m
    where m.requests >= usage.threshold('recommendation.min_requests')
  ),
  cheaper as (
    select distinct on (a.feature, a.model) a.feature, a.model as model_a, b.model as model_b, a.requests, a.cost,
           a.cpr as cpr_a, b.cpr as cpr_b, a.rating as rating_a, b.rating as rating_b, a.p95 as p95_a, b.p95 as p95_b
    from eligible as a join eligible as b on b.feature = a.feature and b.model <> a.model
    where a.unpriced = 0 and b.unpriced = 0 and b.cpr < a.cpr
      and a.rating is not null and b.rating >= a.rating and b.p95 <= a.p95
    order by a.feature, a.model, b.cpr, b.model
  ),
  hot as (
    select e.feature, e.model, e.requests, e.errors, e.errors::numeric / e.requests as rate,
           (t.errors - e.errors)::numeric / nullif(t.requests - e.requests, 0) as rest_rate
    from eligible as e, (select pg_catalog.sum(m.requests) as requests, pg_catalog.sum(m.errors) as errors from mf as m) as t
  ),
  caching as (
    select e.feature, e.model, e.requests, e.input_tokens, e.cached_input_tokens, e.output_tokens,
           p.input_per_mtok, p.cached_input_per_mtok, p.cache_write_per_mtok,
           e.input_tokens / 1000000.0
             * (usage.threshold('recommendation.cache_hit_pct') / 100 * (p.input_per_mtok - p.cached_input_per_mtok)
                - (1 - usage.threshold('recommendation.cache_hit_pct') / 100)
                  * greatest(p.cache_write_per_mtok - p.input_per_mtok, 0)) as saving
    from eligible as e
    cross join lateral usage.price_at(p_org_id, e.provider, e.model_name, v_to) as p
    where 100 * (e.input_tokens + e.cached_input_tokens)
            >= usage.threshold('recommendation.cache_min_input_share') * (e.input_tokens + e.cached_input_tokens + e.output_tokens)
      and 100 * e.cached_input_tokens < usage.threshold('recommendation.cache_max_cached_share') * (e.input_tokens + e.cached_input_tokens)
      and e.input_tokens + e.cached_input_tokens >= usage.threshold('recommendation.cache_min_avg_input_tokens') * e.requests
      and p.cached_input_per_mtok > 0 and p.cached_input_per_mtok < p.input_per_mtok
  ),
  features as (
    select h.feature, pg_catalog.sum(h.requests) as requests, pg_catalog.sum(h.cost) as cost, pg_catalog.sum(h.unpriced) as unpriced,
           pg_catalog.sum(h.routed) as routed
    from h group by h.feature
  ),
  routing as (
    -- The feature has no routed request, so the organization's routed totals are the other features'.
    select f.feature, f.requests, f.cost, f.unpriced, t.routed_compared, t.routed_cost, t.baseline_cost,
           (t.baseline_cost - t.routed_cost) / t.baseline_cost as rate
    from features as f,
         (select pg_catalog.sum(h.routed_compared) as routed_compared, pg_catalog.sum(h.routed_cost) as routed_cost,
                 pg_catalog.sum(h.baseline_cost) as baseline_cost from h) as t
    where f.routed = 0 and f.requests >= usage.threshold('recommendation.min_requests')
      and t.routed_compared >= usage.threshold('recommendation.routing_min_routed_requests') and t.baseline_cost > 0
      and 100 * (t.baseline_cost - t.routed_cost) >= usage.threshold('recommendation.routing_min_savings_pct') * t.baseline_cost
  ),
  candidates as (
    select 'cheaper_model' as kind,
           pg_catalog.format('Serve %s with %s instead of %s', c.feature, c.model_b, c.model_a) as title,
           pg_catalog.round(c.cost - c.requests * c.cpr_b, 2) as saving,
           pg_catalog.jsonb_build_object('feature', c.feature, 'model', c.model_a, 'cheaper_model', c.model_b,
             'requests', c.requests, 'cost', pg_catalog.round(c.cost, 2), 'cost_per_request', pg_catalog.round(c.cpr_a, 6),
             'cheaper_cost_per_request', pg_catalog.round(c.cpr_b, 6), 'avg_rating', pg_catalog.round(c.rating_a, 2),
             'cheaper_avg_rating', pg_catalog.round(c.rating_b, 2), 'p95_latency_ms', c.p95_a, 'cheaper_p95_latency_ms', c.p95_b,
             'days', 30) as evidence,
           'cheaper_model|' || c.feature || '|' || c.model_a || '|' || c.model_b as dedup_key
    from cheaper as c
    union all
    select 'error_hot_spot', pg_catalog.format('Errors of %s on %s', x.model, x.feature), null::numeric,
           pg_catalog.jsonb_build_object('feature', x.feature, 'model', x.model, 'requests', x.requests, 'errors', x.errors,
             'error_rate_pct', pg_catalog.round(100 * x.rate, 1), 'rest_error_rate_pct', pg_catalog.round(100 * x.rest_rate, 1), 'days', 30),
           'error_hot_spot|' || x.feature || '|' || x.model
    from hot as x
    where x.errors >= 5 and x.rate >= usage.threshold('recommendation.error_factor') * coalesce(x.rest_rate, 0) and x.rate > 0
    union all
    select 'prompt_caching', pg_catalog.format('Cache the prompts of %s on %s', x.feature, x.model),
           pg_catalog.round(x.saving, 2),
           pg_catalog.jsonb_build_object('feature', x.feature, 'model', x.model, 'requests', x.requests,
             'input_tokens', x.input_tokens + x.cached_input_tokens, 'uncached_input_tokens', x.input_tokens,
             'cached_input_tokens', x.cached_input_tokens, 'output_tokens', x.output_tokens,
             'input_share_pct', pg_catalog.round(100.0 * (x.input_tokens + x.cached_input_tokens)
                                                 / (x.input_tokens + x.cached_input_tokens + x.output_tokens), 1),
             'cached_share_pct', pg_catalog.round(100.0 * x.cached_input_tokens / (x.input_tokens + x.cached_input_tokens), 1),
             'input_per_mtok', x.input_per_mtok, 'cached_input_per_mtok', x.cached_input_per_mtok,
             'cache_write_per_mtok', x.cache_write_per_mtok, 'assumed_cache_hit_pct', usage.threshold('recommendation.cache_hit_pct'),
             'days', 30),
           'prompt_caching|' || x.feature || '|' || x.model
    from caching as x
    where pg_catalog.round(x.saving, 2) > 0
    union all
    select 'enable_routing', pg_catalog.format('Route the requests of %s', x.feature),
           pg_catalog.round(x.cost * x.rate, 2),
           pg_catalog.jsonb_build_object('feature', x.feature, 'requests', x.requests, 'cost', pg_catalog.round(x.cost, 2),
             'unpriced', x.unpriced, 'other_routed_requests', x.routed_compared,
             'other_baseline_cost', pg_catalog.round(x.baseline_cost, 2), 'other_routed_cost', pg_catalog.round(x.routed_cost, 2),
             'other_savings_rate_pct', pg_catalog.round(100 * x.rate, 1), 'days', 30),
           'enable_routing|' || x.feature
    from routing as x
    where pg_catalog.round(x.cost * x.rate, 2) > 0
  ),
  upserted as (
    insert into usage.recommendations as t (org_id, kind, title, estimated_monthly_saving, evidence, dedup_key)
    select p_org_id, c.kind, c.title, c.saving, c.evidence, c.dedup_key from candidates as c
    order by c.dedup_key
    on conflict (org_id, dedup_key) do update
      set title = excluded.title, estimated_monthly_saving = excluded.estimated_monthly_saving,
          evidence = excluded.evidence, updated_at = pg_catalog.now()
      where t.status = 'open'
        and (t.title, t.estimated_monthly_saving, t.evidence) is distinct from (excluded.title, excluded.estimated_monthly_saving, excluded.evidence)
    returning 1
  )
  select pg_catalog.count(*) into v_n from upserted;
  return v_n;
end;
$$;
revoke execute on function usage.generate_recommendations(uuid, date) from public, anon, authenticated;
grant execute on function usage.generate_recommendations(uuid, date) to service_role;
comment on function usage.generate_recommendations(uuid, date) is
  'Recommendation rule step over the 30 local days before p_as_of: cheaper_model, prompt_caching and enable_routing (monthly saving computed in SQL, formulas in the header) and error_hot_spot, with evidence; one row per dedup_key, open ones refreshed.';
