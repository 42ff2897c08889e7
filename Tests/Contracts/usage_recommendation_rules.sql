-- Contract: the prompt_caching and enable_routing rules of usage.generate_recommendations
-- (and public.get_usage_recommendations showing them). Three organizations of their own
-- (time zone UTC), every request on 2026-04-01, rules run as of 2026-04-15 (window
-- 2026-03-16 to 2026-04-15), default thresholds (usage.thresholds, migration 0220):
-- * rr-cache, model rr-test/cachy at the organization's price of $3 input, $15 output,
--   $0.30 cached input, $3.75 cache write per Mtok:
--   - docs: 100 requests of 20,000 uncached input / 500 output tokens ($0.0675 each):
--     input 97.6 % of tokens, 0 % cached, 20,000 per request: fires, saving
--     2,000,000 / 1e6 x (0.5 x (3 - 0.30) - 0.5 x (3.75 - 3)) = $1.95;
--   - search: 100 requests of 9,000 uncached + 1,000 cached input / 500 output: 10.0 %
--     cached (not below recommendation.cache_max_cached_share 10): does not fire;
--   - short: 100 requests of 1,000 input / 100 output: 1,000 input tokens per request
--     (below recommendation.cache_min_avg_input_tokens 1,024): does not fire.
-- * rr-route, models rr-test/big and rr-test/small (no price rows: costs given):
--   - chat: 500 requests routed from big to small, cost $0.002 against a baseline of
--     $0.010 each: $1.00 paid for $5.00, savings rate 80 %;
--   - agent: 120 unrouted requests on big at $0.0125 ($1.50): fires, saving
--     $1.50 x 0.80 = $1.20;
--   - notes: 49 unrouted requests on big (below recommendation.min_requests 50): does not fire.
-- * rr-few: the same as rr-route with 499 routed chat requests (below
--   recommendation.routing_min_routed_requests 500): nothing fires.
select plan(12);

do $$
declare
  v_cache uuid; v_route uuid; v_few uuid; v_price bigint;
begin
  perform tests.create_user('rr-owner@example.com');
  v_cache := tests.create_org('rr-cache', md5('rr-owner@example.com')::uuid);
  v_route := tests.create_org('rr-route', md5('rr-owner@example.com')::uuid);
  v_few := tests.create_org('rr-few', md5('rr-owner@example.com')::uuid);
  update app.organizations set timezone = 'UTC' where id in (v_cache, v_route, v_few);
  insert into usage.models (provider, model, display_name) values
    ('rr-test', 'cachy', 'Cachy'), ('rr-test', 'big', 'Big'), ('rr-test', 'small', 'Small');
  insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, cached_input_per_mtok,
                            cache_write_per_mtok, valid_during)
  values (v_cache, 'rr-test', 'cachy', 3, 15, 0.30, 3.75, tstzrange('2026-01-01 00:00+00', null))
  returning id into v_price;

  insert into usage.model_requests (org_id, request_id, occurred_at, feature, provider, model, input_tokens,
                                    cached_input_tokens, output_tokens, cost, price_id)
  select v_cache, 'rr-' || f.feature || '-' || i, '2026-04-01 12:00+00'::timestamptz + i * interval '1 second',
         f.feature, 'rr-test', 'cachy', f.input, f.cached, f.output, f.cost, v_price
  from (values ('docs', 20000, 0, 500, 0.0675), ('search', 9000, 1000, 500, 0.0348), ('short', 1000, 0, 100, 0.0045))
         as f (feature, input, cached, output, cost),
       generate_series(1, 100) as i;

  insert into usage.model_requests (org_id, request_id, occurred_at, feature, provider, model, model_requested,
                                    was_routed, router_confidence, baseline_provider, baseline_model,
                                    input_tokens, output_tokens, cost, baseline_cost)
  select o.org, 'rr-chat-' || i, '2026-04-01 10:00+00'::timestamptz + i * interval '1 second', 'chat', 'rr-test', 'small',
         'big', true, 0.9, 'rr-test', 'big', 100, 100, 0.002, 0.010
  from (values (v_route, 500), (v_few, 499)) as o (org, routed), generate_series(1, o.routed) as i;

  insert into usage.model_requests (org_id, request_id, occurred_at, feature, provider, model,
                                    input_tokens, output_tokens, cost)
  select o.org, 'rr-' || f.feature || '-' || i, '2026-04-01 14:00+00'::timestamptz + i * interval '1 second', f.feature,
         'rr-test', 'big', 500, 500, 0.0125
  from (values (v_route), (v_few)) as o (org), (values ('agent', 120), ('notes', 49)) as f (feature, n),
       generate_series(1, f.n) as i;
end $$;

-- Prompt caching ----------------------------------------------------------------------------------
select is(usage.generate_recommendations(md5('org:rr-cache')::uuid, '2026-04-15'), 1::bigint,
          'rr-cache: one recommendation (docs); search (10.0 % cached) and short (1,000 input tokens a request) stay below the thresholds');
select is(usage.generate_recommendations(md5('org:rr-cache')::uuid, '2026-04-15'), 0::bigint,
          'rr-cache: a rerun changes nothing');
select is((select count(*) from usage.recommendations where org_id = md5('org:rr-cache')::uuid), 1::bigint,
          'rr-cache: still one stored row after the rerun');

select tests.authenticate_as(md5('rr-owner@example.com')::uuid);
select results_eq(
  $$ select kind, estimated_monthly_saving, status from public.get_usage_recommendations(md5('org:rr-cache')::uuid) $$,
  $$ values ('prompt_caching'::text, 1.95::numeric, 'open'::text) $$,
  'prompt caching on docs saves 2 Mtok x (0.5 x ($3 - $0.30) - 0.5 x ($3.75 - $3)) = $1.95 a month');
select is(
  (select evidence from public.get_usage_recommendations(md5('org:rr-cache')::uuid)),
  '{"feature": "docs", "model": "rr-test/cachy", "requests": 100, "input_tokens": 2000000, "uncached_input_tokens": 2000000,
    "cached_input_tokens": 0, "output_tokens": 50000, "input_share_pct": 97.6, "cached_share_pct": 0.0,
    "input_per_mtok": 3, "cached_input_per_mtok": 0.30, "cache_write_per_mtok": 3.75, "assumed_cache_hit_pct": 50,
    "days": 30}'::jsonb,
  'the prompt caching evidence: tokens by kind, shares and the prices the saving used');
select is((select dedup_key from usage.recommendations where org_id = md5('org:rr-cache')::uuid),
          'prompt_caching|docs|rr-test/cachy', 'dedup key: kind, feature, model');
select tests.clear_authentication();

-- Enable routing ----------------------------------------------------------------------------------
select is(usage.generate_recommendations(md5('org:rr-route')::uuid, '2026-04-15'), 1::bigint,
          'rr-route: one recommendation (agent); notes (49 requests) stays below recommendation.min_requests');
select is(usage.generate_recommendations(md5('org:rr-route')::uuid, '2026-04-15'), 0::bigint,
          'rr-route: a rerun changes nothing');
select tests.authenticate_as(md5('rr-owner@example.com')::uuid);
select results_eq(
  $$ select kind, title, estimated_monthly_saving, status from public.get_usage_recommendations(md5('org:rr-route')::uuid) $$,
  $$ values ('enable_routing'::text, 'Route the requests of agent'::text, 1.20::numeric, 'open'::text) $$,
  'routing agent saves $1.50 x 80 % = $1.20 a month');
select is(
  (select evidence from public.get_usage_recommendations(md5('org:rr-route')::uuid)),
  '{"feature": "agent", "requests": 120, "cost": 1.50, "unpriced": 0, "other_routed_requests": 500,
    "other_baseline_cost": 5.00, "other_routed_cost": 1.00, "other_savings_rate_pct": 80.0, "days": 30}'::jsonb,
  'the routing evidence: the feature''s cost and what routing paid against the baseline elsewhere');
select tests.clear_authentication();

select is(usage.generate_recommendations(md5('org:rr-few')::uuid, '2026-04-15'), 0::bigint,
          'rr-few: 499 routed requests elsewhere (below recommendation.routing_min_routed_requests 500): nothing');
select is((select count(*) from usage.recommendations where org_id = md5('org:rr-few')::uuid), 0::bigint,
          'rr-few: no stored recommendation');

select * from finish();
