-- Contract: the usage demo (seed/30_usage_demo.sql, organization demo-nexus) gives exactly
-- the numbers written in seed/README.md ("demo-nexus") for the reference
-- 2026-06-15 12:00:00+00 (D = 2026-06-15 in Europe/Berlin; the last 30 days are the local
-- days [2026-05-16, 2026-06-15)), through every usage RPC, before and after the rollups
-- are applied (exact in every state), and who may read what.
-- audiencectl:uses-seed
select plan(40);

create temporary table ud_load_1 as select * from seed.load_demo_usage('2026-06-15 12:00:00+00');
create temporary table ud_load_2 as select * from seed.load_demo_usage('2026-06-15 12:00:00+00');
select is((select sum(rows) from ud_load_2), 0::numeric, 'a second load for the same local day changes nothing');
select results_eq($$ select count(*), count(*) filter (where cost is null), count(distinct price_id)
                     from usage.model_requests where org_id = md5('demo-org:demo-nexus')::uuid $$,
                  $$ values (1154::bigint, 14::bigint, 4::bigint) $$,
                  '1154 requests, 14 of them unpriced (beta-preview), charged at 4 different prices (atlas-large before and after the change, atlas-small, nova-mini)');

-- Users for the identity cases: u03 (a viewer of demo-nexus) and an outsider.
insert into auth.users (id, email) values (md5('demo-nexus:user:u03')::uuid, 'u03@nexus.example');
select tests.create_user('ud-analyst@example.com');
select tests.create_user('ud-outsider@example.com');
select tests.add_member(md5('demo-org:demo-nexus')::uuid, md5('demo-nexus:user:u03')::uuid, 'viewer');
select tests.add_member(md5('demo-org:demo-nexus')::uuid, md5('ud-analyst@example.com')::uuid, 'analyst');

-- Overview before any refresh (the readers compute what the rollups do not hold yet) ------
select tests.authenticate_as(md5('ud-analyst@example.com')::uuid);
create temporary table ud_overview_1 as
select * from public.get_usage_overview(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15');
grant select on ud_overview_1 to public;
select results_eq(
  $$ select metric, current_value, previous_value from ud_overview_1
     where metric in ('requests', 'errors', 'cost', 'unpriced_requests', 'router_savings', 'active_users', 'dau_avg', 'wau', 'mau', 'stickiness_pct')
     order by metric $$,
  $$ values ('active_users'::text, 8::numeric, 5::numeric), ('cost', 183.22, 183.38), ('dau_avg', 4.6, 4.0),
            ('errors', 1, 0), ('mau', 8, 5), ('requests', 778, 376), ('router_savings', 2.64, 0.00),
            ('stickiness_pct', 57.5, 80.0), ('unpriced_requests', 14, 0), ('wau', 6, 4) $$,
  'overview: 778 requests, $183.22, 14 unpriced, router savings $2.64, 8 active users, DAU 4.6, WAU 6, MAU 8, stickiness 57.5 % (previous: 376, $183.38, 5 users, DAU 4.0, WAU 4, MAU 5)');
select results_eq(
  $$ select current_value, previous_value from ud_overview_1 where metric in ('latency_p50_ms', 'latency_p95_ms') order by metric $$,
  $$ values (5086.6::numeric, 12098.2::numeric), (12098.2, 12098.2) $$,
  'latency p50 5086.6 ms (the bucket of the 5000 ms batch requests), p95 12098.2 ms (the 12000 ms agent requests)');

-- Apply the rollups (rolled back with the contract) -----------------------------------------
select tests.clear_authentication();
select lives_ok($$ select private.apply_rollup('usage.user_days', 'infinity', true), private.apply_rollup('usage.model_hours', 'infinity', true) $$,
                'the usage rollups apply (on a database where they were applied before, there may be nothing new)');
select tests.authenticate_as(md5('ud-analyst@example.com')::uuid);
select results_eq($$ select * from public.get_usage_overview(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15') $$,
                  $$ select * from ud_overview_1 $$, 'the overview is the same after the rollups were applied');

-- Budget alerts: written by the rollup step, never twice --------------------------------------
select results_eq(
  $$ select threshold_pct, crossed_on, round(spent, 4) from usage.budget_alerts
     where org_id = md5('demo-org:demo-nexus')::uuid order by threshold_pct $$,
  $$ values (50::numeric, '2026-06-08'::date, 84.0878::numeric), (75, '2026-06-12', 84.0878) $$,
  'the $100 monthly budget crossed 50 % on 2026-06-08 and 75 % on 2026-06-12 (June spend $84.0878)');
select tests.clear_authentication();
select is(usage.apply_budget_alerts(array[md5('demo-org:demo-nexus')::uuid], array['2026-06-14'::date]), 0::bigint,
          'the alert step again writes nothing');
select tests.authenticate_as(md5('ud-analyst@example.com')::uuid);
select results_eq(
  $$ select period_start, period_end, amount, spent, pct_used, projected, projected_exhaustion,
            jsonb_path_query_array(alerts, '$[*].threshold_pct')
     from public.get_budget_status(md5('demo-org:demo-nexus')::uuid, '2026-06-15') $$,
  $$ values ('2026-06-01'::date, '2026-07-01'::date, 100::numeric, 84.09::numeric, 84.1::numeric, 168.18::numeric,
             '2026-06-18'::date, '[50, 75]'::jsonb) $$,
  'budget status on 2026-06-15: spent $84.09 (84.1 %), projected $168.18, exhausted on 2026-06-18, alerts at 50 and 75 %');
select results_eq(
  $$ select spent, pct_used, projected, projected_exhaustion, jsonb_path_query_array(alerts, '$[*].threshold_pct')
     from public.get_budget_status(md5('demo-org:demo-nexus')::uuid, '2026-06-10') $$,
  $$ values (67.92::numeric, 67.9::numeric, 203.75::numeric, '2026-06-15'::date, '[50]'::jsonb) $$,
  'as of 2026-06-10: the spend of June 1-10 ($67.915, recounted from the requests), projected $203.75 (10 days of 30), exhausted on 06-15, only the 50 % alert (75 % came on 06-12)');

-- Cost breakdown, with the (other) row and the price change to the cent --------------------
select results_eq(
  $$ select key, cost, requests, share_pct, previous_cost
     from public.get_cost_breakdown(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15', 'model', 2) $$,
  $$ values ('demo-ai/atlas-large'::text, 182.65::numeric, 460::bigint, 99.7::numeric, 183.38::numeric),
            ('demo-ai/atlas-small', 0.58, 300, 0.3, 0.00), ('(other)', 0.00, 18, 0.0, 0.00) $$,
  'by model, 2 rows and (other): atlas-large $182.65, atlas-small $0.58, the rest (nova-mini, beta-preview) $0.00, shares 99.7 + 0.3 + 0.0');
select results_eq(
  $$ select (select cost from public.get_cost_breakdown(md5('demo-org:demo-nexus')::uuid, '2026-06-09', '2026-06-10', 'feature') where key = 'agent'),
            (select cost from public.get_cost_breakdown(md5('demo-org:demo-nexus')::uuid, '2026-06-10', '2026-06-11', 'feature') where key = 'agent') $$,
  $$ values (6.00::numeric, 4.00::numeric) $$,
  'the price change at 2026-06-10 00:00 local: 10 agent requests cost $6.00 on June 9 ($3 / $15 per Mtok) and $4.00 on June 10 ($2 / $10)');
select results_eq(
  $$ select key, cost, requests from public.get_cost_breakdown(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15', 'feature') $$,
  $$ values ('agent'::text, 170.00::numeric, 300::bigint), ('batch', 11.63, 100), ('summarize', 1.18, 120), ('chat', 0.42, 244), ('labs', 0.00, 14) $$,
  'by feature: agent $170.00, batch $11.63, summarize $1.18, chat $0.42, labs $0.00 (unpriced)');

-- Router savings -------------------------------------------------------------------------------
select results_eq(
  $$ select routed_requests, compared_requests, cost_paid, baseline_cost, savings, savings_rate_pct, regrets, confidence ->> '0.8'
     from public.get_router_savings(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15') $$,
  $$ values (240::bigint, 240::bigint, 0.42::numeric, 3.06::numeric, 2.64::numeric, 86.3::numeric, 2::bigint, '240'::text) $$,
  'router: 240 routed requests, $0.42 paid vs $3.06 on atlas-large, savings $2.64 (86.3 %), 2 regrets, all at confidence 0.8-0.9');

-- Model comparison -------------------------------------------------------------------------------
select results_eq(
  $$ select model, requests, share_pct, latency_p95_ms, error_rate_pct, avg_rating, cost_per_request, unpriced, efficiency_score
     from public.get_model_comparison(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15') $$,
  $$ values ('demo-ai/atlas-large'::text, 460::bigint, 59.1::numeric, 12098.2::numeric, 0.0::numeric, 4.00::numeric, 0.397054::numeric, 0::bigint, 0.2::numeric),
            ('demo-ai/atlas-small', 300, 38.6, 1512.3, 0.0, 4.63, 0.001920, 0, 31.7),
            ('demo-ai/beta-preview', 14, 1.8, 899.2, 7.1, null, null, 14, null),
            ('demo-ai/nova-mini', 4, 0.5, 412.3, 0.0, null, 0.000180, 0, null) $$,
  'model comparison: shares, p95, error rates, ratings, cost per request and efficiency of the 4 models');

-- Trends ------------------------------------------------------------------------------------------
select results_eq(
  $$ select (bucket_start at time zone 'Europe/Berlin')::date, requests, cost, active_users
     from public.get_usage_trends(md5('demo-org:demo-nexus')::uuid, '2026-06-07', '2026-06-10') $$,
  $$ values ('2026-06-07'::date, 22::bigint, 6.06::numeric, 4::bigint), ('2026-06-08', 49, 14.31, 6), ('2026-06-09', 24, 6.06, 6) $$,
  'daily trend: June 7 22 requests of 4 users; June 8 also the 2 labs requests and the 25 batch requests of the cost spike ($14.31)');
select is((select count(*) from public.get_usage_trends(md5('demo-org:demo-nexus')::uuid, '2026-06-08', '2026-06-09', 'hour')), 24::bigint,
          'an hourly series of one day has 24 buckets');

-- Anomalies ---------------------------------------------------------------------------------------
select tests.clear_authentication();
-- A database where refresh ran already holds them: start from none (rolled back).
delete from usage.anomalies where org_id = md5('demo-org:demo-nexus')::uuid;
delete from usage.recommendations where org_id = md5('demo-org:demo-nexus')::uuid;
select is(usage.detect_anomalies(md5('demo-org:demo-nexus')::uuid, '2026-05-16 00:00+02', '2026-06-15 00:00+02'), 2::bigint,
          'the detection step finds the cost spike at two scopes');
select tests.authenticate_as_service_role();
select is(usage.detect_anomalies(md5('demo-org:demo-nexus')::uuid, '2026-05-16 00:00+02', '2026-06-15 00:00+02'), 0::bigint,
          'a second detection, by service_role (a back end), stores nothing new');
select tests.authenticate_as(md5('ud-analyst@example.com')::uuid);
select results_eq(
  $$ select metric, scope, bucket_start, round(value, 4), median, mad, z_score, severity
     from public.get_usage_anomalies(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15', 'open') $$,
  $$ values ('cost'::text, 'model:demo-ai/atlas-large'::text, '2026-06-08 03:00+02'::timestamptz, 8.25::numeric, 1.125::numeric, 0::numeric, 85.44::numeric, 'high'::text),
            ('cost', 'org', '2026-06-08 03:00+02', 8.25, 1.125, 0, 85.44, 'high') $$,
  'one anomaly: cost $8.25 at 2026-06-08 03:00 local against a median of $1.125 over 6 weeks (z 85.44, high), for the org and for atlas-large');

-- Recommendations ------------------------------------------------------------------------------------
select tests.clear_authentication();
select is(usage.generate_recommendations(md5('demo-org:demo-nexus')::uuid, '2026-06-15'), 1::bigint, 'the rule step writes one recommendation');
select tests.authenticate_as_service_role();
select is(usage.generate_recommendations(md5('demo-org:demo-nexus')::uuid, '2026-06-15'), 0::bigint, 'a rerun, by service_role (a back end), changes nothing');
select tests.authenticate_as(md5('ud-analyst@example.com')::uuid);
select results_eq(
  $$ select kind, estimated_monthly_saving, evidence ->> 'requests', evidence ->> 'cost', evidence ->> 'cheaper_cost_per_request'
     from public.get_usage_recommendations(md5('demo-org:demo-nexus')::uuid) $$,
  $$ values ('cheaper_model'::text, 0.86::numeric, '60'::text, '1.02'::text, '0.002600'::text) $$,
  'summarize: move 60 atlas-large requests ($1.02) to atlas-small ($0.0026 each): saves $0.86 a month');

-- User activity and forecast ------------------------------------------------------------------------------
select is(public.get_user_activity(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15'),
          '{"active_users": 8, "new_users": 4, "dau_avg": 4.6, "wau": 6, "mau": 8, "churned_users": 1, "churn_rate_pct": 20.0,
            "cohorts": [{"cohort_week": "2026-05-18", "users": 2, "retained": [2, 2, 0, 0]},
                        {"cohort_week": "2026-06-08", "users": 2, "retained": [2]}]}'::jsonb,
          'user activity: 8 active, 4 new (two weekly cohorts), DAU 4.6, WAU 6, MAU 8, u09 churned (20.0 %)');
select results_eq(
  $$ select status, history_days, spent_so_far, projected_total, low_80, high_80
     from public.forecast_costs(md5('demo-org:demo-nexus')::uuid, 'month', '2026-06-15') $$,
  $$ values ('ok'::text, 28, 84.09::numeric, 169.68::numeric, 162.19::numeric, 177.17::numeric) $$,
  'forecast on 2026-06-15: June projected $169.68 (80 %: $162.19-$177.17)');
select tests.clear_authentication();
select is((select round(sum(forecast), 2) from usage.forecast_daily(md5('demo-org:demo-nexus')::uuid, '2026-06-08', 7)), 42.75::numeric,
          'backtest: the 7 days from 2026-06-08 forecast on that day: $42.75 (spent: $40.58)');

-- A plain member (viewer u03) sees their own requests only ----------------------------------------------
select tests.authenticate_as(md5('demo-nexus:user:u03')::uuid);
select results_eq(
  $$ select metric, current_value from public.get_usage_overview(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15')
     where metric in ('requests', 'cost', 'active_users', 'latency_p50_ms') order by metric $$,
  $$ values ('active_users'::text, 1::numeric), ('cost', 35.13), ('latency_p50_ms', null), ('requests', 180) $$,
  'viewer u03: overview of their own 180 requests ($35.13), latency NULL (no user dimension in the histogram)');
select results_eq(
  $$ select key from public.get_cost_breakdown(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15', 'user') $$,
  $$ values (md5('demo-nexus:user:u03')::uuid::text) $$, 'viewer u03: the breakdown by user lists only themselves');
select is((select count(*) from usage.model_requests where org_id = md5('demo-org:demo-nexus')::uuid), 240::bigint,
          'viewer u03 reads their 240 requests of usage.model_requests (RLS)');
select is((select count(distinct user_id) from usage.user_days where org_id = md5('demo-org:demo-nexus')::uuid), 1::bigint,
          'viewer u03 reads only their own rows of usage.user_days');
select is((select count(*) from usage.model_hours where org_id = md5('demo-org:demo-nexus')::uuid), 0::bigint,
          'viewer u03 reads nothing of usage.model_hours (no user dimension)');
select throws_ok($$ select * from public.get_router_savings(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15') $$,
                 '42501', null, 'viewer u03 cannot read organization-wide router savings');
select throws_ok($$ select * from public.get_model_comparison(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15') $$,
                 '42501', null, 'viewer u03 cannot read the model comparison');
select is((select count(*) from public.get_budget_status(md5('demo-org:demo-nexus')::uuid, '2026-06-15')), 0::bigint,
          'viewer u03 sees no budget (the only one limits the organization)');

-- Non-members and bad input -----------------------------------------------------------------------------
select tests.authenticate_as(md5('ud-outsider@example.com')::uuid);
select throws_ok($$ select * from public.get_usage_overview(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15') $$,
                 '42501', null, 'a non-member cannot read the overview');
select throws_ok($$ select * from public.get_cost_breakdown(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15') $$,
                 '42501', null, 'a non-member cannot read the breakdown');
select throws_ok($$ select * from public.get_budget_status(md5('demo-org:demo-nexus')::uuid) $$,
                 '42501', null, 'a non-member cannot read budgets');
select is((select count(*) from usage.model_requests where org_id = md5('demo-org:demo-nexus')::uuid), 0::bigint,
          'a non-member reads no request');
select tests.authenticate_as(md5('ud-analyst@example.com')::uuid);
select throws_ok($$ select * from public.get_usage_overview(md5('demo-org:demo-nexus')::uuid, '2026-06-15', '2026-05-16') $$,
                 '22023', null, 'a period that ends before it starts: 22023');
select throws_ok($$ select * from public.get_cost_breakdown(md5('demo-org:demo-nexus')::uuid, '2026-05-16', '2026-06-15', 'colour') $$,
                 '22023', 'unknown breakdown dimension colour', 'an unknown dimension: 22023');

select * from finish();
