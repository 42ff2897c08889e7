-- Demo seed of the usage module: organization demo-nexus, an AI platform (Europe/Berlin,
-- USD) whose numbers are known by construction (seed/README.md, "demo-nexus";
-- Tests/Contracts/usage_demo.sql checks them). seed.load_demo calls
-- seed.load_demo_usage(reference); it can also be called alone.
-- Everything is placed at local wall-clock times of day k = D - k, D the local date of
-- the reference. Request ids are 'demo:<block>:<day>:<i>': a second call with a reference
-- on the same local day changes nothing; another day replaces the organization's rows.
-- Prices are the organization's own (negotiated) prices, so the demo never changes a
-- public price; its models (provider demo-ai) are added to usage.models when missing.
create schema if not exists seed;

-- The demo-nexus requests for a reference: one row per request, cost left to the loader.
create or replace function seed.demo_usage_requests(p_reference timestamptz)
returns table (request_id text, occurred_at timestamptz, user_id uuid, team text, project text, feature text,
               model text, was_routed boolean, router_confidence numeric, baseline_model text,
               input_tokens integer, output_tokens integer, latency_ms integer, status text, rating smallint)
language sql
stable
as $$
  with d as (select (p_reference at time zone 'Europe/Berlin')::date as d),
  u as (select i as no, seed.uuid('demo-nexus:user:u' || pg_catalog.to_char(i, 'FM00')) as id
        from pg_catalog.generate_series(1, 9) as i)
  -- agent: days 1-60, 10 requests at 14:00-14:09 by u01-u04 in turn, atlas-large, 100k in / 20k out
  select 'demo:agent:' || k || ':' || i, seed.local_time('Europe/Berlin', d.d - k, 14 * 60 + i),
         (select u.id from u where u.no = i % 4 + 1), 'research', 'apollo', 'agent', 'atlas-large', false, null::numeric, null,
         100000, 20000, 12000, 'ok', null::smallint
  from d, pg_catalog.generate_series(1, 60) as k, pg_catalog.generate_series(0, 9) as i
  union all
  -- chat: days 1-30, u01-u04 at 10:00 and 15:00, routed from atlas-large to atlas-small (confidence 0.85),
  -- 2000 in / 500 out; 10:00 rated 5 except u01 on days 3 and 10 (rated 2: regrets)
  select 'demo:chat:' || k || ':' || s.slot || ':' || n, seed.local_time('Europe/Berlin', d.d - k, s.minutes + n),
         (select u.id from u where u.no = n), case when n <= 2 then 'support' else 'sales' end, 'assistant', 'chat',
         'atlas-small', true, 0.85, 'atlas-large', 2000, 500, s.latency, 'ok',
         case when s.slot = 'am' then case when n = 1 and k in (3, 10) then 2 else 5 end end::smallint
  from d, pg_catalog.generate_series(1, 30) as k, pg_catalog.generate_series(1, 4) as n,
       (values ('am', 600, 800), ('pm', 900, 1200)) as s (slot, minutes, latency)
  union all
  -- summarize: days 1-30, u03 at 12:00 and 12:30 on atlas-large, u04 at 13:00 and 13:30 on atlas-small,
  -- 4000 in / 400 out, all rated 4; latency 2000 ms (large) and 1500 ms (small)
  select 'demo:summarize:' || k || ':' || m.model || ':' || j, seed.local_time('Europe/Berlin', d.d - k, m.minutes + 30 * j),
         (select u.id from u where u.no = m.user_no), 'sales', 'assistant', 'summarize', m.model, false, null, null,
         4000, 400, m.latency, 'ok', 4::smallint
  from d, pg_catalog.generate_series(1, 30) as k, pg_catalog.generate_series(0, 1) as j,
       (values ('atlas-large', 720, 2000, 3), ('atlas-small', 780, 1500, 4)) as m (model, minutes, latency, user_no)
  union all
  -- labs: days 1-7, u05 and u06 at 11:00 on beta-preview (no price: unpriced); u06's request of day 2 failed
  select 'demo:labs:' || k || ':' || n, seed.local_time('Europe/Berlin', d.d - k, 660 + n),
         (select u.id from u where u.no = n), 'research', 'labs', 'labs', 'beta-preview', false, null, null,
         1500, 300, 900, case when n = 6 and k = 2 then 'error' else 'ok' end, null
  from d, pg_catalog.generate_series(1, 7) as k, pg_catalog.generate_series(5, 6) as n
  union all
  -- occasional users: u07 and u08 on days 20 and 25, u09 on day 40, at 11:00 on nova-mini, 1000 in / 200 out
  select 'demo:casual:' || x.k || ':' || x.n, seed.local_time('Europe/Berlin', d.d - x.k, 660 + x.n),
         (select u.id from u where u.no = x.n), 'support', 'assistant', 'chat', 'nova-mini', false, null, null,
         1000, 200, 400, 'ok', null
  from d, (values (20, 7), (20, 8), (25, 7), (25, 8), (40, 9)) as x (k, n)
  union all
  -- batch: no user, days 7, 14, ..., 49 (same hour of week), 25 requests at 03:00-03:24 on atlas-large,
  -- 10k in / 1k out; on day 7 20k out (the cost spike)
  select 'demo:batch:' || k || ':' || i, seed.local_time('Europe/Berlin', d.d - k, 180 + i),
         null, '', 'nightly', 'batch', 'atlas-large', false, null, null,
         10000, case when k = 7 then 20000 else 1000 end, 5000, 'ok', null
  from d, pg_catalog.generate_series(7, 49, 7) as k, pg_catalog.generate_series(0, 24) as i
$$;
comment on function seed.demo_usage_requests(timestamptz) is 'The demo-nexus model requests for a reference time (seed/README.md, demo-nexus).';

create or replace function seed.load_demo_usage(p_reference timestamptz default pg_catalog.now())
returns table (org_slug text, object text, rows bigint)
language plpgsql
volatile
as $$
declare
  v_org uuid := seed.uuid('demo-org:demo-nexus');
  v_d   date := (p_reference at time zone 'Europe/Berlin')::date;
  v_change timestamptz := seed.local_time('Europe/Berlin', (p_reference at time zone 'Europe/Berlin')::date - 5, 0);
  v_orgs bigint; v_models bigint; v_prices bigint; v_requests bigint; v_budgets bigint;
begin
  perform analytics.ensure_partitions(3, 4);

  with up as (
    insert into app.organizations as t (id, slug, name, kind, timezone, currency, display_name)
    values (v_org, 'demo-nexus', 'Nexus AI', 'brand', 'Europe/Berlin', 'USD', 'Nexus')
    on conflict (id) do update
      set slug = excluded.slug, name = excluded.name, kind = excluded.kind, timezone = excluded.timezone,
          currency = excluded.currency, display_name = excluded.display_name
      where (t.slug, t.name, t.kind, t.timezone, t.currency, t.display_name)
            is distinct from (excluded.slug, excluded.name, excluded.kind, excluded.timezone, excluded.currency, excluded.display_name)
    returning 1
  )
  select pg_catalog.count(*) into v_orgs from up;

  with ins as (
    insert into usage.models (provider, model, display_name, family) values
      ('demo-ai', 'atlas-large', 'Atlas Large', 'atlas'), ('demo-ai', 'atlas-small', 'Atlas Small', 'atlas'),
      ('demo-ai', 'nova-mini', 'Nova Mini', 'nova'), ('demo-ai', 'beta-preview', 'Beta Preview', 'beta')
    on conflict (provider, model) do nothing
    returning 1
  )
  select pg_catalog.count(*) into v_models from ins;

  -- Prices (per Mtok, the organization's own): atlas-large 3 / 15 until day 5 00:00 local,
  -- then 2 / 10; atlas-small 0.50 / 1.50; nova-mini 0.10 / 0.40; beta-preview none.
  with wanted (model, input_per_mtok, output_per_mtok, valid_during) as (
    values ('atlas-large', 3::numeric, 15::numeric, tstzrange(v_change - interval '400 days', v_change)),
           ('atlas-large', 2, 10, tstzrange(v_change, null)),
           ('atlas-small', 0.5, 1.5, tstzrange(v_change - interval '400 days', null)),
           ('nova-mini', 0.1, 0.4, tstzrange(v_change - interval '400 days', null))
  ),
  removed as (
    delete from usage.prices as p
    where p.org_id = v_org
      and not exists (select 1 from wanted as w
                      where (w.model, w.input_per_mtok, w.output_per_mtok, w.valid_during)
                            = (p.model, p.input_per_mtok, p.output_per_mtok, p.valid_during) and p.provider = 'demo-ai')
    returning 1
  )
  select pg_catalog.count(*) into v_prices from removed;
  with wanted (model, input_per_mtok, output_per_mtok, valid_during) as (
    values ('atlas-large', 3::numeric, 15::numeric, tstzrange(v_change - interval '400 days', v_change)),
           ('atlas-large', 2, 10, tstzrange(v_change, null)),
           ('atlas-small', 0.5, 1.5, tstzrange(v_change - interval '400 days', null)),
           ('nova-mini', 0.1, 0.4, tstzrange(v_change - interval '400 days', null))
  ),
  ins as (
    insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, valid_during)
    select v_org, 'demo-ai', w.model, w.input_per_mtok, w.output_per_mtok, w.valid_during
    from wanted as w
    where not exists (select 1 from usage.prices as p
                      where p.org_id = v_org and p.provider = 'demo-ai' and p.model = w.model
                        and (w.input_per_mtok, w.output_per_mtok, w.valid_during) = (p.input_per_mtok, p.output_per_mtok, p.valid_during))
    returning 1
  )
  select v_prices + pg_catalog.count(*) into v_prices from ins;

  -- Requests: priced like public.log_model_requests (usage.price_at at occurred_at).
  with wanted as materialized (select * from seed.demo_usage_requests(p_reference)),
  removed as (
    delete from usage.model_requests as r
    where r.org_id = v_org
      and not exists (select 1 from wanted as w
                      where (w.request_id, w.occurred_at, w.user_id, w.team, w.project, w.feature, w.model, w.was_routed,
                             w.router_confidence, w.baseline_model, w.input_tokens, w.output_tokens, w.latency_ms, w.status,
                             w.rating)
                            is not distinct from
                            (r.request_id, r.occurred_at, r.user_id, r.team, r.project, r.feature, r.model, r.was_routed,
                             r.router_confidence, r.baseline_model, r.input_tokens, r.output_tokens, r.latency_ms, r.status,
                             r.rating))
    returning 1
  ),
  inserted as (
    insert into usage.model_requests (org_id, request_id, occurred_at, user_id, team, project, feature, provider, model,
                                      model_requested, was_routed, router_confidence, baseline_provider, baseline_model,
                                      input_tokens, output_tokens, latency_ms, status, rating, price_id, cost,
                                      baseline_price_id, baseline_cost)
    select v_org, w.request_id, w.occurred_at, w.user_id, w.team, w.project, w.feature, 'demo-ai', w.model,
           case when w.was_routed then w.baseline_model end, w.was_routed, w.router_confidence,
           case when w.baseline_model is not null then 'demo-ai' end, w.baseline_model,
           w.input_tokens, w.output_tokens, w.latency_ms, w.status, w.rating,
           p.id, usage.request_cost(p, w.input_tokens, w.output_tokens, 0, 0),
           b.id, usage.request_cost(b, w.input_tokens, w.output_tokens, 0, 0)
    from wanted as w
    left join lateral usage.price_at(v_org, 'demo-ai', w.model, w.occurred_at) as p on true
    left join lateral usage.price_at(v_org, 'demo-ai', w.baseline_model, w.occurred_at) as b on w.baseline_model is not null
    on conflict (org_id, request_id, occurred_at) do nothing
    returning 1
  )
  select (select pg_catalog.count(*) from removed) + (select pg_catalog.count(*) from inserted) into v_requests;

  -- Rollups keep keys that only appear or change: when the demo's requests were replaced,
  -- its derived rows (rollups, alerts, anomalies, recommendations) go too, and are
  -- derived again from the new requests (received now, after every watermark).
  if v_requests > 0 then
    delete from usage.user_days where org_id = v_org;
    delete from usage.model_hours where org_id = v_org;
    delete from usage.budget_alerts where org_id = v_org;
    delete from usage.anomalies where org_id = v_org;
    delete from usage.recommendations where org_id = v_org;
  end if;

  -- Budget: the whole organization, monthly, 100 USD, thresholds 50/75/90/100 %, from the
  -- first day of D's month. Its alerts are written by the rollup step (refresh).
  with up as (
    insert into usage.budgets as t (org_id, id, name, scope, period, amount, currency, starts_on)
    values (v_org, seed.uuid('demo-nexus:budget:monthly'), 'Monthly AI spend', 'org', 'month', 100, 'USD',
            pg_catalog.date_trunc('month', v_d)::date)
    on conflict (org_id, id) do update
      set name = excluded.name, scope = excluded.scope, period = excluded.period, amount = excluded.amount,
          currency = excluded.currency, starts_on = excluded.starts_on
      where (t.name, t.scope, t.period, t.amount, t.currency, t.starts_on)
            is distinct from (excluded.name, excluded.scope, excluded.period, excluded.amount, excluded.currency, excluded.starts_on)
    returning 1
  )
  select pg_catalog.count(*) into v_budgets from up;

  return query
  select 'demo-nexus'::text, x.object, x.n
  from (values (1, 'organizations', v_orgs), (2, 'models', v_models), (3, 'prices', v_prices),
               (4, 'model_requests', v_requests), (5, 'budgets', v_budgets)) as x (ord, object, n)
  order by x.ord;
end;
$$;
comment on function seed.load_demo_usage(timestamptz) is
  'Loads or refreshes demo-nexus (AI platform, Europe/Berlin) for a reference time; returns rows changed per object (0 on a rerun for the same local day). Numbers: seed/README.md.';
