-- Scale seed of the usage module: deterministic synthetic model requests for the
-- synthetic organizations of seed.scale_orgs (audiencectl seed scale --model-requests N).
--
--   select seed.scale_usage_catalog();                            -- once: models and prices
--   select seed.scale_model_requests(1000, 42, 0, 250000);         -- then chunk after chunk
--
-- Request number n is a pure function of (seed, n, number of organizations), from three
-- 64-bit hashes of (n, seed): organization rank 1 gets 10 % of the requests (of 10M over
-- 1,000 organizations: about 1M), the others share the rest uniformly; occurred_at is
-- spread over the 60 days before the current UTC midnight; 200 users per organization,
-- each in one of 4 teams and one of 5 projects; 6 features, 4 models (public prices of provider scale-ai), 30 %
-- routed from scale-ai/s-large, 2 % errors, ratings on 20 %. Request ids
-- 'scale:<seed>:<n>': a rerun stores nothing twice (ON CONFLICT DO NOTHING).
create schema if not exists seed;

-- The scale models and their public prices (per Mtok in / out): s-large 3 / 15,
-- s-medium 1 / 4, s-small 0.25 / 1, s-mini 0.10 / 0.40, valid from 2000 on.
create or replace function seed.scale_usage_catalog()
returns void
language sql
volatile
as $$
  insert into usage.models (provider, model, display_name, family)
  values ('scale-ai', 's-large', 'Scale Large', 's'), ('scale-ai', 's-medium', 'Scale Medium', 's'),
         ('scale-ai', 's-small', 'Scale Small', 's'), ('scale-ai', 's-mini', 'Scale Mini', 's')
  on conflict (provider, model) do nothing;
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  select 'scale-ai', v.model, v.i, v.o, tstzrange('2000-01-01 00:00+00', null)
  from (values ('s-large', 3::numeric, 15::numeric), ('s-medium', 1, 4), ('s-small', 0.25, 1), ('s-mini', 0.1, 0.4)) as v (model, i, o)
  where not exists (select 1 from usage.prices as p where p.org_id is null and p.provider = 'scale-ai' and p.model = v.model);
$$;
comment on function seed.scale_usage_catalog() is 'The four scale-ai models and their public prices (idempotent).';

-- Stores requests p_first .. p_first + p_count - 1 of seed p_seed over p_orgs synthetic
-- organizations (which seed.scale_orgs created); returns how many it stored.
create or replace function seed.scale_model_requests(p_orgs int, p_seed int, p_first bigint, p_count bigint)
returns bigint
language sql
volatile
set jit = off
as $$
  with prices as materialized (
    select p.model, p.id, p.input_per_mtok, p.output_per_mtok
    from usage.prices as p where p.org_id is null and p.provider = 'scale-ai'
  ),
  orgs as materialized (select o.k, o.id from seed.scale_org_rows(p_orgs, p_seed) as o),
  gen as (
    select n, pg_catalog.hashint8extended(n, p_seed) as h1, pg_catalog.hashint8extended(n, p_seed + 1) as h2,
           pg_catalog.hashint8extended(n, p_seed + 2) as h3
    from pg_catalog.generate_series(p_first, p_first + p_count - 1) as n
  ),
  r as (
    select g.n,
           case when (g.h1 & 1023) < 102 or p_orgs = 1 then 1 else 2 + ((g.h1 >> 10) & 2147483647) % (p_orgs - 1) end as k,
           pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC'
             - pg_catalog.make_interval(secs => ((g.h2 & 2147483647) % (60 * 86400))::double precision) as occurred_at,
           ((g.h2 >> 32) & 2147483647) % 200 as u,
           (array['s-large', 's-medium', 's-small', 's-mini'])[1 + (g.h3 & 3)] as model,
           (array['chat', 'agent', 'summarize', 'search', 'code', 'labs'])[1 + ((g.h3 >> 2) & 2147483647) % 6] as feature,
           (array['support', 'sales', 'research', 'platform'])[1 + (((g.h2 >> 32) & 2147483647) % 200) % 4] as team,
           (array['apollo', 'gemini', 'mercury', 'artemis', 'orion'])[1 + ((((g.h2 >> 32) & 2147483647) % 200) / 4) % 5] as project,
           500 + ((g.h1 >> 20) & 2147483647) % 5000 as input_tokens,
           100 + ((g.h1 >> 34) & 2147483647) % 1500 as output_tokens,
           200 + ((g.h2 >> 20) & 2147483647) % 8000 as latency_ms,
           ((g.h3 >> 16) & 1023) < 307 as routed,
           ((g.h3 >> 26) & 1023) < 20 as failed,
           case when ((g.h3 >> 36) & 1023) < 205 then 1 + ((g.h3 >> 46) & 2147483647) % 5 end as rating
    from gen as g
  ),
  ins as (
    insert into usage.model_requests (org_id, request_id, occurred_at, user_id, team, project, feature, provider, model,
                                      model_requested, was_routed, router_confidence, baseline_provider, baseline_model,
                                      input_tokens, output_tokens, latency_ms, status, rating, price_id, cost,
                                      baseline_price_id, baseline_cost)
    select o.id, 'scale:' || p_seed || ':' || r.n, r.occurred_at,
           seed.uuid('scale-user:' || p_seed || ':' || r.k || ':' || r.u), r.team, r.project, r.feature, 'scale-ai', r.model,
           case when r.routed then 's-large' end, r.routed, case when r.routed then 0.5 + (r.n % 50) / 100.0 end,
           case when r.routed then 'scale-ai' end, case when r.routed then 's-large' end,
           r.input_tokens, r.output_tokens, r.latency_ms, case when r.failed then 'error' else 'ok' end, r.rating,
           p.id, (r.input_tokens * p.input_per_mtok + r.output_tokens * p.output_per_mtok) / 1000000,
           case when r.routed then b.id end,
           case when r.routed then (r.input_tokens * b.input_per_mtok + r.output_tokens * b.output_per_mtok) / 1000000 end
    from r
    join orgs as o on o.k = r.k
    join prices as p on p.model = r.model
    join prices as b on b.model = 's-large'
    on conflict (org_id, request_id, occurred_at) do nothing
    returning 1
  )
  select pg_catalog.count(*) from ins
$$;
comment on function seed.scale_model_requests(int, int, bigint, bigint) is
  'Stores synthetic model requests p_first .. p_first + p_count - 1 of seed p_seed over p_orgs scale organizations (deterministic; rank 1 gets 10 %); returns the number stored.';
