-- Contract: the reader rollups of the usage module (usage.model_days, usage.dimension_days,
-- usage.active_user_days; migrations/0730) behind get_usage_overview, get_cost_breakdown,
-- get_model_comparison and get_usage_trends, and what a plain member sees on every usage
-- RPC. Fixture: org ua-a (UTC), model ua-test/m-a at $1 and ua-test/m-b at $2 per request
-- (1,000,000 output tokens each), latency 100 ms. Users u1 (team red, feature chat, m-a;
-- a viewer of ua-a), u2 (blue, code, m-b), u3 (red, chat, m-a), and one request without a
-- user (no team, no feature, m-a):
--   2025-03-01 u1 x2, u2 | 2025-03-02 u1 | 2025-03-05 u2, u3, no user | 2025-03-09 u1
-- then, received later, u2 on 2025-03-03: u2's previous active day of 2025-03-05 moves
-- from 03-01 to 03-03 (the group (03-05, 03-01) vanishes). Budgets: $10 a month for u1
-- and $10 for u2 (scope user). Every number below is of ua-a only.
select plan(30);

do $$
begin
  perform tests.create_user('ua-owner@example.com');
  perform tests.create_user('ua-u1@example.com');
  perform tests.create_user('ua-u2@example.com');
  perform tests.create_org('ua-a', md5('ua-owner@example.com')::uuid);
  update app.organizations set timezone = 'UTC' where id = md5('org:ua-a')::uuid;
  perform tests.add_member(md5('org:ua-a')::uuid, md5('ua-u1@example.com')::uuid, 'viewer');
  perform tests.add_member(md5('org:ua-a')::uuid, md5('ua-u2@example.com')::uuid, 'viewer');
  insert into usage.models (provider, model, display_name) values ('ua-test', 'm-a', 'A'), ('ua-test', 'm-b', 'B');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('ua-test', 'm-a', 0, 1, tstzrange('2025-01-01 00:00+00', null)),
         ('ua-test', 'm-b', 0, 2, tstzrange('2025-01-01 00:00+00', null));
  insert into usage.budgets (org_id, id, name, scope, scope_value, amount, starts_on)
  values (md5('org:ua-a')::uuid, md5('ua-budget-u1')::uuid, 'u1 monthly', 'user', md5('ua-u1@example.com')::uuid::text, 10, '2025-01-01'),
         (md5('org:ua-a')::uuid, md5('ua-budget-u2')::uuid, 'u2 monthly', 'user', md5('ua-u2@example.com')::uuid::text, 10, '2025-01-01');
end $$;

-- One batch per call (user 1, 2, 3 or 0 for none; request i at 10:00 + i minutes); each
-- batch gets its own received_at (minute p_minute of 2099-01-01) and each step applies
-- the five usage rollups in dependency order up to a minute.
create function pg_temp.ua_log(p_prefix text, p_minute int, p_requests text[]) returns jsonb language plpgsql as $$
declare
  v jsonb;
begin
  v := public.log_model_requests(md5('org:ua-a')::uuid,
         (select jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                   'request_id', p_prefix || i,
                   'occurred_at', to_char(split_part(r, ' ', 1)::date + time '10:00' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'provider', 'ua-test', 'model', case split_part(r, ' ', 2) when '2' then 'm-b' else 'm-a' end,
                   'output_tokens', 1000000, 'latency_ms', 100,
                   'user_id', case split_part(r, ' ', 2) when '1' then md5('ua-u1@example.com')::uuid
                                                         when '2' then md5('ua-u2@example.com')::uuid
                                                         when '3' then md5('ua-u3')::uuid end,
                   'team', case split_part(r, ' ', 2) when '2' then 'blue' when '0' then null else 'red' end,
                   'feature', case split_part(r, ' ', 2) when '2' then 'code' when '0' then null else 'chat' end)))
          from unnest(p_requests) with ordinality as x (r, i)));
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
  where org_id = md5('org:ua-a')::uuid and request_id like p_prefix || '%';
  return v;
end;
$$;
create function pg_temp.ua_apply(p_minute int) returns void language sql as $$
  select private.apply_rollup(n, timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute', true)
  from unnest(array['usage.user_days', 'usage.model_hours', 'usage.model_days', 'usage.dimension_days', 'usage.active_user_days']) as n;
$$;
-- The overview's user metrics of a period, as the analyst reads them.
create function pg_temp.ua_users(p_from date, p_to date) returns table (metric text, cur numeric, prev numeric) language sql as $$
  select metric, current_value, previous_value from public.get_usage_overview(md5('org:ua-a')::uuid, p_from, p_to)
  where metric in ('requests', 'cost', 'active_users', 'dau_avg', 'wau', 'mau') order by metric
$$;
grant execute on all functions in schema pg_temp to public;

select is(pg_temp.ua_log('a', 1, array['2025-03-01 1', '2025-03-01 1', '2025-03-01 2', '2025-03-02 1', '2025-03-05 2',
                                        '2025-03-05 3', '2025-03-05 0', '2025-03-09 1']) ->> 'accepted', '8', '8 requests');

-- The organization, before any step (the readers compute every row) ---------------------
select tests.authenticate_as(md5('ua-owner@example.com')::uuid);
select results_eq($$ select * from pg_temp.ua_users('2025-03-01', '2025-03-10') $$,
  $$ values ('active_users'::text, 3::numeric, 0::numeric), ('cost', 10.00, 0.00), ('dau_avg', 0.7, 0.0),
            ('mau', 3, 0), ('requests', 8, 0), ('wau', 3, 0) $$,
  'before the step, 03-01..03-09: 8 requests, $10, 3 users, DAU (2+1+2+1)/9 = 0.7, WAU 3, MAU 3; nothing before');
select results_eq($$ select * from pg_temp.ua_users('2025-03-02', '2025-03-10') $$,
  $$ values ('active_users'::text, 3::numeric, 2::numeric), ('cost', 6.00, 4.00), ('dau_avg', 0.5, 0.3),
            ('mau', 3, 2), ('requests', 5, 3), ('wau', 3, 2) $$,
  '03-02..03-09: u1 counted once (03-02, not again on 03-09), 3 users; previous 02-22..03-01: 2 users, DAU 2/8 = 0.3');

-- After the step: the same answers from the stored rows ----------------------------------
select tests.clear_authentication();
select pg_temp.ua_apply(2);
select results_eq($$ select day, prev_day, users from usage.active_user_days where org_id = md5('org:ua-a')::uuid order by 1, 2 $$,
  $$ values ('2025-03-01'::date, '-infinity'::date, 2::bigint), ('2025-03-02', '2025-03-01', 1),
            ('2025-03-05', '-infinity', 1), ('2025-03-05', '2025-03-01', 1), ('2025-03-09', '2025-03-02', 1) $$,
  'active_user_days: users per day by previous active day (the request without a user never counts)');
select results_eq($$ select day, dimension collate "default", key collate "default", requests, cost from usage.dimension_days
                     where org_id = md5('org:ua-a')::uuid and day = '2025-03-05' and dimension in ('team', 'feature') order by 2, 3 $$,
  $$ values ('2025-03-05'::date, 'feature'::text, ''::text, 1::bigint, 1::numeric), ('2025-03-05', 'feature', 'chat', 1, 1),
            ('2025-03-05', 'feature', 'code', 1, 2), ('2025-03-05', 'team', '', 1, 1), ('2025-03-05', 'team', 'blue', 1, 2),
            ('2025-03-05', 'team', 'red', 1, 1) $$,
  'dimension_days of 03-05: one row per team and per feature');
select results_eq($$ select day, model collate "default", requests, cost, latency_buckets, latency_counts from usage.model_days
                     where org_id = md5('org:ua-a')::uuid order by 1, 2 $$,
  $$ values ('2025-03-01'::date, 'm-a'::text, 2::bigint, 2::numeric, '{54}'::smallint[], '{2}'::bigint[]),
            ('2025-03-01', 'm-b', 1, 2, '{54}', '{1}'), ('2025-03-02', 'm-a', 1, 1, '{54}', '{1}'),
            ('2025-03-05', 'm-a', 2, 2, '{54}', '{2}'), ('2025-03-05', 'm-b', 1, 2, '{54}', '{1}'),
            ('2025-03-09', 'm-a', 1, 1, '{54}', '{1}') $$,
  'model_days: per day and model, with the merged latency histogram');
select tests.authenticate_as(md5('ua-owner@example.com')::uuid);
select results_eq($$ select * from pg_temp.ua_users('2025-03-02', '2025-03-10') $$,
  $$ values ('active_users'::text, 3::numeric, 2::numeric), ('cost', 6.00, 4.00), ('dau_avg', 0.5, 0.3),
            ('mau', 3, 2), ('requests', 5, 3), ('wau', 3, 2) $$,
  'after the step: the same overview');

-- A late request (u2 on 03-03): counted at once, and u2 still once ------------------------
select tests.clear_authentication();
select pg_temp.ua_log('b', 3, array['2025-03-03 2']);
select tests.authenticate_as(md5('ua-owner@example.com')::uuid);
select results_eq($$ select * from pg_temp.ua_users('2025-03-03', '2025-03-10') $$,
  $$ values ('active_users'::text, 3::numeric, 2::numeric), ('cost', 7.00, 5.00), ('dau_avg', 0.6, 0.4),
            ('mau', 3, 2), ('requests', 5, 4), ('wau', 3, 2) $$,
  'before the step, 03-03..03-09: u2 counted on 03-03 and not again on 03-05 (3 users, not 4); DAU 4/7 = 0.6 (previous 3/7 = 0.4)');
select tests.clear_authentication();
select pg_temp.ua_apply(4);
select results_eq($$ select day, prev_day, users from usage.active_user_days
                     where org_id = md5('org:ua-a')::uuid and day between '2025-03-03' and '2025-03-05' order by 1, 2 $$,
  $$ values ('2025-03-03'::date, '2025-03-01'::date, 1::bigint), ('2025-03-05', '-infinity', 1), ('2025-03-05', '2025-03-03', 1) $$,
  'after the step: the group (03-05, previous 03-01) is gone, u2''s 03-05 now follows 03-03');
select tests.authenticate_as(md5('ua-owner@example.com')::uuid);
select results_eq($$ select * from pg_temp.ua_users('2025-03-03', '2025-03-10') $$,
  $$ values ('active_users'::text, 3::numeric, 2::numeric), ('cost', 7.00, 5.00), ('dau_avg', 0.6, 0.4),
            ('mau', 3, 2), ('requests', 5, 4), ('wau', 3, 2) $$,
  'after the step: the same overview');

-- Breakdowns, trends and the model comparison of the organization (9 requests, $12) -------
select results_eq($$ select key, cost, requests, tokens, share_pct from public.get_cost_breakdown(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10', 'feature', 10) $$,
  $$ values ('code'::text, 6.00::numeric, 3::bigint, 3000000::bigint, 50.0::numeric), ('chat', 5.00, 5, 5000000, 41.7),
            ('(none)', 1.00, 1, 1000000, 8.3) $$, 'by feature: code $6, chat $5, (none) $1');
select results_eq($$ select key, cost, requests from public.get_cost_breakdown(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10', 'user', 2) $$,
  $$ values (md5('ua-u2@example.com')::uuid::text, 6.00::numeric, 3::bigint), (md5('ua-u1@example.com')::uuid::text, 4.00, 4),
            ('(other)', 2.00, 2) $$, 'by user, limit 2: u2 $6, u1 $4, (other) $2 (u3 and the request without a user)');
select results_eq($$ select key, cost, requests from public.get_cost_breakdown(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10', 'model', 10) $$,
  $$ values ('ua-test/m-a'::text, 6.00::numeric, 6::bigint), ('ua-test/m-b', 6.00, 3) $$, 'by model: $6 each, ties by key');
select results_eq($$ select key, cost, requests from public.get_cost_breakdown(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10', 'team', 10) $$,
  $$ values ('blue'::text, 6.00::numeric, 3::bigint), ('red', 5.00, 5), ('(none)', 1.00, 1) $$, 'by team: blue $6, red $5, (none) $1');
select results_eq($$ select bucket_start, requests, cost, active_users from public.get_usage_trends(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-06', 'day') $$,
  $$ values ('2025-03-01 00:00+00'::timestamptz, 3::bigint, 4.00::numeric, 2::bigint), ('2025-03-02 00:00+00', 1, 1.00, 1),
            ('2025-03-03 00:00+00', 1, 2.00, 1), ('2025-03-04 00:00+00', 0, 0.00, 0), ('2025-03-05 00:00+00', 3, 4.00, 2) $$,
  'daily trends: requests, cost and active users per day, zeros included');
select results_eq($$ select model, requests, share_pct, cost_per_request from public.get_model_comparison(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10') $$,
  $$ values ('ua-test/m-a'::text, 6::bigint, 66.7::numeric, 1.000000::numeric), ('ua-test/m-b', 3, 33.3, 2.000000) $$,
  'model comparison: m-a 6 requests at $1, m-b 3 at $2');

-- A rebuild from empty gives the same rows ----------------------------------------------
select tests.clear_authentication();
create temporary table ua_before as
select 'model_days' as t, row(d.*)::text as r from usage.model_days as d where d.org_id = md5('org:ua-a')::uuid
union all select 'dimension_days', row(d.*)::text from usage.dimension_days as d where d.org_id = md5('org:ua-a')::uuid
union all select 'active_user_days', row(d.*)::text from usage.active_user_days as d where d.org_id = md5('org:ua-a')::uuid;
select private.reset_rollup(n) from unnest(array['usage.model_days', 'usage.dimension_days', 'usage.active_user_days']) as n;
select pg_temp.ua_apply(4);
select set_eq($$ select 'model_days' as t, row(d.*)::text as r from usage.model_days as d where d.org_id = md5('org:ua-a')::uuid
                 union all select 'dimension_days', row(d.*)::text from usage.dimension_days as d where d.org_id = md5('org:ua-a')::uuid
                 union all select 'active_user_days', row(d.*)::text from usage.active_user_days as d where d.org_id = md5('org:ua-a')::uuid $$,
              $$ select t, r from ua_before $$, 'the three reader rollups rebuilt from empty equal the incremental ones');

-- A plain member (u1, viewer) on every usage RPC: their own requests only -----------------
select tests.authenticate_as(md5('ua-u1@example.com')::uuid);
select results_eq($$ select metric, current_value, previous_value from public.get_usage_overview(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10')
                     where metric in ('requests', 'cost', 'errors', 'active_users', 'dau_avg', 'wau', 'mau', 'latency_p50_ms', 'router_savings', 'output_tokens')
                     order by metric $$,
  $$ values ('active_users'::text, 1::numeric, 0::numeric), ('cost', 4.00, 0.00), ('dau_avg', 0.3, 0.0), ('errors', 0, 0),
            ('latency_p50_ms', null, null), ('mau', 1, 0), ('output_tokens', 4000000, 0), ('requests', 4, 0),
            ('router_savings', 0.00, 0.00), ('wau', 1, 0) $$,
  'viewer u1, overview: their 4 requests ($4) on 3 of 9 days (DAU 0.3), themselves as the only user, no latency');
select results_eq($$ select key, cost, requests, share_pct from public.get_cost_breakdown(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10', 'user', 10) $$,
  $$ values (md5('ua-u1@example.com')::uuid::text, 4.00::numeric, 4::bigint, 100.0::numeric) $$, 'viewer u1, by user: only themselves');
select results_eq($$ select key, cost, requests from public.get_cost_breakdown(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10', 'feature', 10) $$,
  $$ values ('chat'::text, 4.00::numeric, 4::bigint) $$, 'viewer u1, by feature: chat $4 (not u3''s chat request)');
select results_eq($$ select key, cost, previous_cost from public.get_cost_breakdown(md5('org:ua-a')::uuid, '2025-03-05', '2025-03-10', 'model', 10) $$,
  $$ values ('ua-test/m-a'::text, 1.00::numeric, 3.00::numeric) $$, 'viewer u1, by model from 03-05: $1, previous 5 days $3');
select results_eq($$ select name, spent, pct_used from public.get_budget_status(md5('org:ua-a')::uuid, '2025-03-09') $$,
  $$ values ('u1 monthly'::text, 4.00::numeric, 40.0::numeric) $$, 'viewer u1, budgets: only their own, $4 spent (40 %)');
select throws_ok($$ select * from public.get_usage_trends(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10') $$,
                 '42501', null, 'viewer u1 cannot read the organization''s trends');
select throws_ok($$ select * from public.get_model_comparison(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10') $$,
                 '42501', null, 'viewer u1 cannot read the model comparison');
select throws_ok($$ select * from public.get_router_savings(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10') $$,
                 '42501', null, 'viewer u1 cannot read the router savings');
select throws_ok($$ select * from public.forecast_costs(md5('org:ua-a')::uuid) $$,
                 '42501', null, 'viewer u1 cannot read the forecast');
select throws_ok($$ select * from public.get_usage_anomalies(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10') $$,
                 '42501', null, 'viewer u1 cannot read the anomalies');
select throws_ok($$ select * from public.get_usage_recommendations(md5('org:ua-a')::uuid) $$,
                 '42501', null, 'viewer u1 cannot read the recommendations');
select throws_ok($$ select public.get_user_activity(md5('org:ua-a')::uuid, '2025-03-01', '2025-03-10') $$,
                 '42501', null, 'viewer u1 cannot read the user activity');
select results_eq($$ select (select count(*) from usage.model_days where org_id = md5('org:ua-a')::uuid)
                          + (select count(*) from usage.dimension_days where org_id = md5('org:ua-a')::uuid)
                          + (select count(*) from usage.active_user_days where org_id = md5('org:ua-a')::uuid) $$,
  $$ values (0::bigint) $$, 'viewer u1 reads no row of the organization-wide reader rollups (RLS)');

select * from finish();
