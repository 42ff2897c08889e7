-- Contract: the usage rollups on the engine (usage.user_days, usage.model_hours) and the
-- budget alerts of their step. Fixture: org ur-a (UTC) with a $10 monthly budget
-- (thresholds 50/75/90/100 %) and requests of $1.00 each (1,000,000 output tokens at
-- $1 per Mtok) in May and June 2025; every number below is of ur-a only.
select plan(14);

do $$
begin
  perform tests.create_user('ur-owner@example.com');
  perform tests.create_org('ur-a', md5('ur-owner@example.com')::uuid);
  insert into usage.models (provider, model, display_name) values ('ur-test', 'm', 'M');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('ur-test', 'm', 0, 1, tstzrange('2025-01-01 00:00+00', null));
  insert into usage.budgets (org_id, id, name, amount, starts_on)
  values (md5('org:ur-a')::uuid, md5('ur-budget')::uuid, 'Monthly', 10, '2025-01-01');
end $$;

-- All rows of a transaction share now() as received_at: each batch gets its own received_at
-- (minutes of 2099-01-01, in order) and each step applies up to the next minute.
create function pg_temp.ur_log(p_day date, p_count int, p_prefix text, p_minute int) returns jsonb language plpgsql as $$
declare
  v jsonb;
begin
  v := public.log_model_requests(md5('org:ur-a')::uuid,
         (select jsonb_agg(jsonb_build_object('request_id', p_prefix || i, 'occurred_at', to_char(p_day + time '10:00' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                              'provider', 'ur-test', 'model', 'm', 'output_tokens', 1000000, 'latency_ms', 100 * i,
                                              'user_id', md5('ur-user' || (i % 2))::uuid))
          from generate_series(1, p_count) as i));
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
  where org_id = md5('org:ur-a')::uuid and request_id like p_prefix || '%';
  return v;
end;
$$;
create function pg_temp.ur_apply(p_minute int) returns void language sql as $$
  select private.apply_rollup('usage.user_days', timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute', true);
  select private.apply_rollup('usage.model_hours', timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute', true);
$$;

select is(pg_temp.ur_log('2025-05-03', 6, 'a', 1) ->> 'accepted', '6', '6 requests of $1 on 2025-05-03');
-- Exact before the step: the reader computes the keys the rollup does not hold yet.
select results_eq($$ select sum(requests)::bigint, sum(cost), count(distinct user_id)
                     from private.rollup_rows(null::usage.user_days, md5('org:ur-a')::uuid, '2025-05-01'::date, '2025-06-01'::date) $$,
                  $$ values (6::bigint, 6::numeric, 2::bigint) $$, 'before the step: 6 requests, $6, 2 users (through rollup_rows)');
select pg_temp.ur_apply(2);
select results_eq($$ select threshold_pct, crossed_on from usage.budget_alerts where org_id = md5('org:ur-a')::uuid order by 1 $$,
                  $$ values (50::numeric, '2025-05-03'::date) $$, 'the step that took May to $6 of $10 wrote the 50 % alert');
select results_eq($$ select requests, cost, latency_buckets, latency_counts from usage.model_hours where org_id = md5('org:ur-a')::uuid $$,
                  $$ values (6::bigint, 6::numeric, '{54,62,66,70,72,74}'::smallint[], '{1,1,1,1,1,1}'::bigint[]) $$,
                  'the hour row: 6 requests, $6, latencies 100..600 ms in 6 histogram buckets');

-- A late request of an old day counts at once, and again after the step.
select pg_temp.ur_log('2025-05-04', 3, 'b', 3);
select is((select sum(cost) from private.rollup_rows(null::usage.user_days, md5('org:ur-a')::uuid, '2025-05-01'::date, '2025-06-01'::date)),
          9::numeric, 'after 3 more requests, before the step: $9 in May');
select pg_temp.ur_apply(4);
select results_eq($$ select threshold_pct, crossed_on from usage.budget_alerts where org_id = md5('org:ur-a')::uuid order by 1 $$,
                  $$ values (50::numeric, '2025-05-03'::date), (75, '2025-05-04'), (90, '2025-05-04') $$,
                  '$9 of $10: 75 % and 90 % crossed on 2025-05-04, the 50 % alert unchanged');
select is((select sum(cost) from usage.user_days where org_id = md5('org:ur-a')::uuid), 9::numeric, 'the stored rollup holds $9');

-- Never twice: the alert step again, and a rebuild from scratch, write nothing new.
select is(usage.apply_budget_alerts(array[md5('org:ur-a')::uuid], array['2025-05-04'::date]), 0::bigint,
          'the alert step again writes nothing');
select private.reset_rollup('usage.user_days');
select pg_temp.ur_apply(4);
select is((select count(*) from usage.budget_alerts where org_id = md5('org:ur-a')::uuid), 3::bigint,
          'a full rebuild of the rollup (reset, apply) writes no second alert');

-- A new period starts from zero.
select pg_temp.ur_log('2025-06-02', 4, 'c', 5);
select pg_temp.ur_apply(6);
select is((select count(*) from usage.budget_alerts where org_id = md5('org:ur-a')::uuid and period_start = '2025-06-01'), 0::bigint,
          'June starts from zero: $4 of $10 alerts nothing');
select pg_temp.ur_log('2025-06-03', 1, 'd', 7);
select pg_temp.ur_apply(8);
select results_eq($$ select period_start, threshold_pct, crossed_on, spent from usage.budget_alerts
                     where org_id = md5('org:ur-a')::uuid and period_start = '2025-06-01' $$,
                  $$ values ('2025-06-01'::date, 50::numeric, '2025-06-03'::date, 5::numeric) $$,
                  'the June 50 % alert, on 2025-06-03 ($5)');
select is((select count(*) from usage.budget_alerts where org_id = md5('org:ur-a')::uuid), 4::bigint,
          'May keeps its 3 alerts, June has 1');

-- A budget created over spend already stored (migration 1254): a $8 monthly budget from
-- 2025-05-01 ending 2025-07-01, thresholds 50 and 100 %. May ($9) crossed $4 on 05-03 ($6)
-- and $8 on 05-04 ($9); June ($5) reached $4 on 06-02. Written with the budget's insert, no
-- step needed; raising the amount to $20 then writes nothing (alerts are written once).
insert into usage.budgets (org_id, id, name, amount, thresholds_pct, starts_on, ends_on)
values (md5('org:ur-a')::uuid, md5('ur-budget-2')::uuid, 'Late', 8, '{50,100}', '2025-05-01', '2025-07-01');
select results_eq($$ select period_start, threshold_pct, crossed_on, spent from usage.budget_alerts
                     where org_id = md5('org:ur-a')::uuid and budget_id = md5('ur-budget-2')::uuid order by 1, 2 $$,
                  $$ values ('2025-05-01'::date, 50::numeric, '2025-05-03'::date, 9::numeric), ('2025-05-01', 100, '2025-05-04', 9),
                            ('2025-06-01', 50, '2025-06-02', 5) $$,
                  'a budget created over stored spend gets the alerts its periods already crossed, in its insert');
update usage.budgets set amount = 20 where org_id = md5('org:ur-a')::uuid and id = md5('ur-budget-2')::uuid;
select is((select count(*) from usage.budget_alerts where org_id = md5('org:ur-a')::uuid and budget_id = md5('ur-budget-2')::uuid),
          3::bigint, 'a changed amount writes nothing new (alerts are written once)');

select * from finish();
