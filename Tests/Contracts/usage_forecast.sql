-- Contract: public.forecast_costs. Fixture: org uf-berlin (Europe/Berlin) whose only
-- requests cost exactly $1.00 a day at 12:00 local from 2026-03-20 to 2026-03-31 (across
-- the DST change of 2026-03-29, a 23-hour day): 1,000,000 output tokens at $1 per Mtok.
-- A flat history: slope 0, every weekday factor 1, residuals 0, so every projection is
-- known exactly.
select plan(8);

do $$
begin
  perform tests.create_user('uf-owner@example.com');
  perform tests.create_user('uf-outsider@example.com');
  perform tests.create_org('uf-berlin', md5('uf-owner@example.com')::uuid);
  update app.organizations set timezone = 'Europe/Berlin' where id = md5('org:uf-berlin')::uuid;
  insert into usage.models (provider, model, display_name) values ('uf-test', 'flat', 'Flat');
  insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, valid_during)
  values (null, 'uf-test', 'flat', 0, 1, tstzrange('2026-01-01 00:00+00', null));
  insert into usage.model_requests (org_id, request_id, occurred_at, provider, model, output_tokens, cost, price_id)
  select md5('org:uf-berlin')::uuid, 'uf-' || d::date, (d::date + time '12:00') at time zone 'Europe/Berlin',
         'uf-test', 'flat', 1000000, 1.00, (select id from usage.prices where provider = 'uf-test')
  from generate_series(date '2026-03-20', date '2026-03-31', interval '1 day') as d;
end $$;

select tests.authenticate_as(md5('uf-owner@example.com')::uuid);
select results_eq(
  $$ select status, history_days, spent_so_far, projected_total, low_80, high_80
     from public.forecast_costs(md5('org:uf-berlin')::uuid, 'month', '2026-03-20') $$,
  $$ values ('insufficient data'::text, null::integer, 1.00::numeric, null::numeric, null::numeric, null::numeric) $$,
  'on the day of the first request: insufficient data, only what was spent so far ($1.00)');
select results_eq(
  $$ select status, spent_so_far, projected_total from public.forecast_costs(md5('org:uf-berlin')::uuid, 'month', '2026-03-23') $$,
  $$ values ('insufficient data'::text, 4.00::numeric, null::numeric) $$,
  'with 3 days of history: insufficient data (no division by zero), $4.00 spent');
select results_eq(
  $$ select status, history_days, spent_so_far, projected_total, low_80, high_80
     from public.forecast_costs(md5('org:uf-berlin')::uuid, 'month', '2026-03-30') $$,
  $$ values ('ok'::text, 10, 11.00::numeric, 12.00::numeric, 12.00::numeric, 12.00::numeric) $$,
  'across the DST change (10 days of history, 2026-03-29 has 23 hours): $10 before today + $1 for Mar 30 and Mar 31 each = $12.00, interval 0');
select results_eq(
  $$ select horizon, period_start, period_end, status, projected_total
     from public.forecast_costs(md5('org:uf-berlin')::uuid, 'all', '2026-04-01') $$,
  $$ values ('month'::text, '2026-04-01'::date, '2026-05-01'::date, 'ok'::text, 30.00::numeric),
            ('quarter', '2026-04-01', '2026-07-01', 'ok', 91.00),
            ('year', '2026-01-01', '2027-01-01', 'ok', 287.00) $$,
  'on the first day of a month and quarter: April 30 x $1, Q2 91 x $1, the year $12 spent + 275 days x $1');
select is((select method from public.forecast_costs(md5('org:uf-berlin')::uuid, 'month', '2026-03-30')),
          'weekday-seasonal run rate x linear trend (regr_slope over the last 28 complete local days); 80 % interval from the residual standard deviation',
          'the method is named in the output');
select throws_ok($$ select * from public.forecast_costs(md5('org:uf-berlin')::uuid, 'week') $$, '22023',
                 'unknown forecast horizon week', 'an unknown horizon: 22023');
select tests.authenticate_as(md5('uf-outsider@example.com')::uuid);
select throws_ok($$ select * from public.forecast_costs(md5('org:uf-berlin')::uuid) $$, '42501', null,
                 'a non-member cannot read the forecast');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.forecast_costs(md5('org:uf-berlin')::uuid) $$, '42501', null,
                 'anon cannot call it');

select * from finish();
