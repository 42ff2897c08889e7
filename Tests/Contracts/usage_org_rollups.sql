-- Contract: the organization-level rollups of the usage module (usage.org_days,
-- usage.org_hours; migrations/0801), dependents of usage.model_hours read by
-- get_usage_trends, get_router_savings, get_usage_overview and forecast_costs.
-- Fixture: org uo-a (UTC); uo-test/m at $1 and uo-test/big at $3 per request (1,000,000
-- output tokens each at $1 / $3 per Mtok); routed requests name big as their baseline ($3).
--   2025-04-01 10:01 m,   100 ms, routed (confidence 0.95), rated 5
--   2025-04-01 10:02 m,   200 ms, routed (0.35), rated 2          (a regret)
--   2025-04-01 10:03 big, 1000 ms, error, not routed
--   2025-04-01 11:00 m,   100 ms
--   2025-04-02 10:00 m,   400 ms, routed (0.50), timeout          (a regret)
-- then, received later, 2025-04-01 10:30 m, 100 ms, routed (0.95), rated 5.
-- Latency buckets (usage.latency_bucket / bucket_value): 100 ms -> 54 (103.1),
-- 200 -> 62 (206.1), 400 -> 70 (412.3), 1000 -> 80 (980.6). Every number is of uo-a only.
select plan(19);

do $$
begin
  perform tests.create_user('uo-owner@example.com');
  perform tests.create_user('uo-viewer@example.com');
  perform tests.create_org('uo-a', md5('uo-owner@example.com')::uuid);
  update app.organizations set timezone = 'UTC' where id = md5('org:uo-a')::uuid;
  perform tests.add_member(md5('org:uo-a')::uuid, md5('uo-viewer@example.com')::uuid, 'viewer');
  insert into usage.models (provider, model, display_name) values ('uo-test', 'm', 'M'), ('uo-test', 'big', 'Big');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('uo-test', 'm', 0, 1, tstzrange('2025-01-01 00:00+00', null)),
         ('uo-test', 'big', 0, 3, tstzrange('2025-01-01 00:00+00', null));
end $$;

-- One batch per call: 'occurred_at model latency status routed confidence rating' per
-- request ('-' for none); the batch is received at minute p_minute of 2099-01-01 and each
-- step applies model_hours, then org_days and org_hours, up to a minute.
create function pg_temp.uo_log(p_prefix text, p_minute int, p_requests text[]) returns jsonb language plpgsql as $$
declare
  v jsonb;
begin
  v := public.log_model_requests(md5('org:uo-a')::uuid,
         (select jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                   'request_id', p_prefix || i,
                   'occurred_at', replace(f[1], '_', 'T') || ':00Z',
                   'provider', 'uo-test', 'model', f[2], 'output_tokens', 1000000, 'latency_ms', f[3]::int, 'status', f[4],
                   'was_routed', f[5] = 'routed',
                   'baseline_provider', case when f[5] = 'routed' then 'uo-test' end,
                   'baseline_model', case when f[5] = 'routed' then 'big' end,
                   'router_confidence', case when f[6] <> '-' then f[6]::numeric end,
                   'rating', case when f[7] <> '-' then f[7]::int end)))
          from unnest(p_requests) with ordinality as x (r, i), lateral (select string_to_array(x.r, ' ') as f) as s));
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
  where org_id = md5('org:uo-a')::uuid and request_id like p_prefix || '%';
  return v;
end;
$$;
create function pg_temp.uo_apply(p_minute int) returns void language sql as $$
  select private.apply_rollup(n, timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute', true)
  from unnest(array['usage.model_hours', 'usage.org_days', 'usage.org_hours']) as n;
$$;
grant execute on all functions in schema pg_temp to public;

select is(pg_temp.uo_log('a', 1, array['2025-04-01_10:01 m 100 ok routed 0.95 5', '2025-04-01_10:02 m 200 ok routed 0.35 2',
                                        '2025-04-01_10:03 big 1000 error - - -', '2025-04-01_11:00 m 100 ok - - -',
                                        '2025-04-02_10:00 m 400 timeout routed 0.50 -']) ->> 'accepted', '5', '5 requests');

-- Before any step: the readers compute every row ------------------------------------------
select tests.authenticate_as(md5('uo-owner@example.com')::uuid);
select results_eq($$ select bucket_start, requests, cost, errors, latency_p95_ms
                     from public.get_usage_trends(md5('org:uo-a')::uuid, '2025-04-01', '2025-04-03', 'day') $$,
  $$ values ('2025-04-01 00:00+00'::timestamptz, 4::bigint, 6.00::numeric, 1::bigint, 980.6::numeric),
            ('2025-04-02 00:00+00', 1, 1.00, 1, 412.3) $$,
  'before the step, daily: 04-01 4 requests, $6, 1 error, p95 = the 4th of 100/100/200/1000 ms (980.6); 04-02 1, $1, p95 412.3');
select results_eq($$ select bucket_start, requests, cost, errors, latency_p95_ms
                     from public.get_usage_trends(md5('org:uo-a')::uuid, '2025-04-01', '2025-04-02', 'hour') where requests > 0 $$,
  $$ values ('2025-04-01 10:00+00'::timestamptz, 3::bigint, 5.00::numeric, 1::bigint, 980.6::numeric),
            ('2025-04-01 11:00+00', 1, 1.00, 0, 103.1) $$,
  'before the step, hourly: 10:00 3 requests, $5, p95 980.6; 11:00 1 request, $1, p95 103.1');
select results_eq($$ select routed_requests, compared_requests, cost_paid, baseline_cost, savings, savings_rate_pct, regrets,
                            regret_rate_pct, confidence
                     from public.get_router_savings(md5('org:uo-a')::uuid, '2025-04-01', '2025-04-03') $$,
  $$ values (3::bigint, 3::bigint, 3.00::numeric, 9.00::numeric, 6.00::numeric, 66.7::numeric, 2::bigint, 66.7::numeric,
             '{"0.0": 0, "0.1": 0, "0.2": 0, "0.3": 1, "0.4": 0, "0.5": 1, "0.6": 0, "0.7": 0, "0.8": 0, "0.9": 1}'::jsonb) $$,
  'before the step, router: 3 routed, $3 paid vs $9, saved $6 (66.7 %), 2 regrets (rated 2, timeout), confidence 0.3 / 0.5 / 0.9');

-- The step: stored rows ----------------------------------------------------------------
select tests.clear_authentication();
select pg_temp.uo_apply(2);
select results_eq($$ select day, requests, errors, cost, output_tokens, rating_sum, rating_count, routed, routed_compared,
                            routed_cost, baseline_cost, regrets, confidence_counts, latency_buckets, latency_counts, latency_p95_ms
                     from usage.org_days where org_id = md5('org:uo-a')::uuid order by day $$,
  $$ values ('2025-04-01'::date, 4::bigint, 1::bigint, 6::numeric, 4000000::bigint, 7::bigint, 2::bigint, 2::bigint, 2::bigint,
             2::numeric, 6::numeric, 1::bigint, '{0,0,0,1,0,0,0,0,0,1}'::bigint[], '{54,62,80}'::smallint[], '{2,1,1}'::bigint[], 980.6::numeric),
            ('2025-04-02', 1, 1, 1, 1000000, 0, 0, 1, 1, 1, 3, 1, '{0,0,0,0,0,1,0,0,0,0}', '{70}', '{1}', 412.3) $$,
  'org_days: one row a day, the sums of its model hours, the merged histogram and its p95');
select results_eq($$ select hour, requests, errors, cost, latency_p95_ms from usage.org_hours
                     where org_id = md5('org:uo-a')::uuid order by hour $$,
  $$ values ('2025-04-01 10:00+00'::timestamptz, 3::bigint, 1::bigint, 5::numeric, 980.6::numeric),
            ('2025-04-01 11:00+00', 1, 0, 1, 103.1), ('2025-04-02 10:00+00', 1, 1, 1, 412.3) $$,
  'org_hours: one row an hour with its p95');

-- A late request (04-01 10:30): counted at once, then stored --------------------------------
select pg_temp.uo_log('b', 3, array['2025-04-01_10:30 m 100 ok routed 0.95 5']);
select tests.authenticate_as(md5('uo-owner@example.com')::uuid);
select results_eq($$ select bucket_start, requests, cost, latency_p95_ms
                     from public.get_usage_trends(md5('org:uo-a')::uuid, '2025-04-01', '2025-04-02', 'hour') where requests > 0 $$,
  $$ values ('2025-04-01 10:00+00'::timestamptz, 4::bigint, 6.00::numeric, 980.6::numeric), ('2025-04-01 11:00+00', 1, 1.00, 103.1) $$,
  'before the step, the late request counts at once in its hour: 10:00 4 requests, $6');
select results_eq($$ select routed_requests, savings, regret_rate_pct, confidence ->> '0.9'
                     from public.get_router_savings(md5('org:uo-a')::uuid, '2025-04-01', '2025-04-03') $$,
  $$ values (4::bigint, 8.00::numeric, 50.0::numeric, '2'::text) $$,
  'and in the router savings: 4 routed, $8 saved, 2 regrets of 4 (50 %), two at confidence 0.9');
select results_eq($$ select metric, current_value from public.get_usage_overview(md5('org:uo-a')::uuid, '2025-04-01', '2025-04-03')
                     where metric in ('requests', 'cost', 'errors', 'router_savings', 'latency_p50_ms', 'latency_p95_ms') order by metric $$,
  $$ values ('cost'::text, 8.00::numeric), ('errors', 2), ('latency_p50_ms', 103.1), ('latency_p95_ms', 980.6),
            ('requests', 6), ('router_savings', 8.00) $$,
  'and in the overview: 6 requests, $8, 2 errors, $8 saved, p50 103.1 (3rd of 6), p95 980.6 (6th of 6)');
select tests.clear_authentication();
select pg_temp.uo_apply(4);
select results_eq($$ select day, requests, cost, routed, latency_counts from usage.org_days where org_id = md5('org:uo-a')::uuid order by day $$,
  $$ values ('2025-04-01'::date, 5::bigint, 7::numeric, 3::bigint, '{3,1,1}'::bigint[]), ('2025-04-02', 1, 1, 1, '{1}') $$,
  'after the step: org_days of 04-01 holds the late request');

-- A rebuild from empty gives the same rows ----------------------------------------------
create temporary table uo_before as
select 'org_days' as t, row(d.*)::text as r from usage.org_days as d where d.org_id = md5('org:uo-a')::uuid
union all select 'org_hours', row(d.*)::text from usage.org_hours as d where d.org_id = md5('org:uo-a')::uuid;
select private.reset_rollup(n) from unnest(array['usage.org_days', 'usage.org_hours']) as n;
select pg_temp.uo_apply(4);
select set_eq($$ select 'org_days' as t, row(d.*)::text as r from usage.org_days as d where d.org_id = md5('org:uo-a')::uuid
                 union all select 'org_hours', row(d.*)::text from usage.org_hours as d where d.org_id = md5('org:uo-a')::uuid $$,
              $$ select t, r from uo_before $$, 'org_days and org_hours rebuilt from empty equal the incremental ones');
select is((select count(*) from uo_before), 5::bigint, 'two day rows and three hour rows were compared');

-- The one-organization statement of compute_org_days (what the reader runs) gives the stored rows
select set_eq($$ select row(d.*)::text from usage.compute_org_days(md5('org:uo-a')::uuid, '-infinity', 'infinity') as d $$,
              $$ select row(d.*)::text from usage.org_days as d where d.org_id = md5('org:uo-a')::uuid $$,
              'compute_org_days for one organization (its touched-days statement) equals the stored rows, rebuilt by the other');

-- The early exit: one organization (btree) and every organization (BRIN) --------------------
select results_eq($$ values (usage.received_any(md5('org:uo-a')::uuid, '2099-01-01 00:03Z', '2099-01-01 00:04Z'),
                             usage.received_any(md5('org:uo-a')::uuid, '2099-01-01 00:04Z', 'infinity'),
                             usage.received_any(null, '2099-01-01 00:03Z', '2099-01-01 00:04Z')) $$,
  $$ values (true, false, true) $$,
  'received_any: uo-a received its late request at 00:03 and nothing from 00:04; some organization did at 00:03');

-- The histogram functions, inlined into their callers (no SET clause, SQL-standard body) --------
select is((select pg_catalog.array_agg(usage.latency_bucket(x) order by o)
           from unnest(array[null, 0, 1, 2, 3, 100, 1000, 1024]::int[]) with ordinality as t (x, o)),
          '{NULL,0,1,9,13,54,80,81}'::smallint[],
          'latency_bucket: NULL, [0, 1) -> 0, 1 -> 1, 2 -> 9 (a power of two starts its bucket), 3 -> 13, 100 -> 54, 1000 -> 80, 1024 -> 81');
select is((select pg_catalog.array_agg(usage.bucket_value(x::smallint) order by o)
           from unnest(array[null, 0, 1, 9, 54, 80]::int[]) with ordinality as t (x, o)),
          '{NULL,0,1.0,2.1,103.1,980.6}'::numeric[],
          'bucket_value: the geometric middle 2^((b - 0.5)/8) to 0.1 ms (0 for bucket 0)');
select is((select pg_catalog.array_agg(p.proconfig is null and p.prosqlbody is not null order by p.proname)
           from pg_catalog.pg_proc as p
           where p.oid in ('usage.latency_bucket(integer)'::regprocedure, 'usage.bucket_value(smallint)'::regprocedure)),
          '{t,t}'::boolean[], 'latency_bucket and bucket_value can be inlined: no SET clause, a SQL-standard body');

-- A plain member (viewer): no row of the organization-wide rollups ------------------------
select tests.authenticate_as(md5('uo-viewer@example.com')::uuid);
select results_eq($$ select (select count(*) from usage.org_days where org_id = md5('org:uo-a')::uuid)
                          + (select count(*) from usage.org_hours where org_id = md5('org:uo-a')::uuid) $$,
  $$ values (0::bigint) $$, 'a viewer reads no row of usage.org_days or usage.org_hours (RLS)');
select throws_ok($$ select * from public.get_usage_trends(md5('org:uo-a')::uuid, '2025-04-01', '2025-04-03', 'hour') $$,
                 '42501', null, 'a viewer cannot read the hourly trends');

select * from finish();
