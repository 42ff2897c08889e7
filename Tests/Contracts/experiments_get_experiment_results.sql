-- Contract: public.get_experiment_results(p_experiment) and the normal CDF it relies on.
-- Fixture: organization "expr", experiment R (control 50 / treatment 50, primary metric
-- purchase): 1,000 control subjects c1..c1000, 250 of them purchased after assignment;
-- 1,000 treatment subjects t1..t1000, 200 purchased. Noise that must not count: a second
-- purchase of c1, signups (not the primary metric), a purchase of c251 before its
-- assignment. Expected: rates 0.25 and 0.20, uplift -20.00 %, pooled p = 450/2000 = 0.225,
-- z = -0.05 / sqrt(0.225 x 0.775 x 2/1000) = -2.6774, two-sided p = 0.007420.
-- Experiment Q (control / b / c) has nobody in c.
select plan(14);

select tests.create_user('owner@expr.test');
select tests.create_user('viewer@expr.test');
select tests.create_user('outsider@expr.test');
select tests.create_org('expr', md5('owner@expr.test')::uuid);
select tests.add_member(md5('org:expr')::uuid, md5('viewer@expr.test')::uuid, 'viewer');
select tests.create_org('expr-other', md5('outsider@expr.test')::uuid);
insert into experiments.experiments (id, org_id, name, variants, control_variant, success_metrics) values
  ('00000000-0000-4000-8000-0000000000a1', md5('org:expr')::uuid, 'R',
   '[{"name": "control", "allocation": 50}, {"name": "treatment", "allocation": 50}]', 'control', '{purchase,signup}'),
  ('00000000-0000-4000-8000-0000000000a2', md5('org:expr')::uuid, 'Q',
   '[{"name": "control", "allocation": 40}, {"name": "b", "allocation": 40}, {"name": "c", "allocation": 20}]', 'control', '{purchase}');

insert into experiments.assignments (org_id, experiment_id, subject, variant, visitor_id, assigned_at)
select md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a1', s.prefix || g, s.variant, s.prefix || g, '2025-06-01 00:00:00Z'
from (values ('c', 'control'), ('t', 'treatment')) as s (prefix, variant)
cross join generate_series(1, 1000) as g;
insert into experiments.events (org_id, experiment_id, subject, event_type, occurred_at)
select md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a1'::uuid, s.prefix || g, 'purchase', '2025-06-01 01:00:00Z'::timestamptz
from (values ('c', 250), ('t', 200)) as s (prefix, n)
cross join lateral generate_series(1, s.n) as g
union all select md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a1', 'c1', 'purchase', '2025-06-02 00:00:00Z'
union all select md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a1', 'c251', 'purchase', '2025-05-31 00:00:00Z'
union all select md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a1', 't' || g, 'signup', '2025-06-01 02:00:00Z'
          from generate_series(201, 300) as g;
insert into experiments.assignments (org_id, experiment_id, subject, variant, visitor_id)
values (md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a2', 'q1', 'control', 'q1'),
       (md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a2', 'q2', 'b', 'q2');
insert into experiments.events (org_id, experiment_id, subject, event_type)
values (md5('org:expr')::uuid, '00000000-0000-4000-8000-0000000000a2', 'q2', 'purchase');

select tests.authenticate_as(md5('viewer@expr.test')::uuid);
select results_eq(
  $$ select variant, is_control, subjects, conversions, conversion_rate, uplift_pct
     from public.get_experiment_results('00000000-0000-4000-8000-0000000000a1') $$,
  $$ values ('control'::text, true, 1000::bigint, 250::bigint, 0.250000, null::numeric),
            ('treatment', false, 1000, 200, 0.200000, -20.00) $$,
  'control 250/1000, treatment 200/1000 (a second purchase, signups and a purchase before assignment do not count), uplift -20.00 %');
select results_eq(
  $$ select z_score, p_value from public.get_experiment_results('00000000-0000-4000-8000-0000000000a1') $$,
  $$ values (null::numeric, null::numeric), (-2.6774, 0.007420) $$,
  'two-proportion z-test: z = -2.6774, p = 0.007420 (none for the control)');
select is((select round(p_value, 3) from public.get_experiment_results('00000000-0000-4000-8000-0000000000a1') where not is_control),
          0.007, 'the p-value to 3 decimals: 0.007');
select results_eq(
  $$ select variant, subjects, conversions, conversion_rate, uplift_pct, z_score, p_value
     from public.get_experiment_results('00000000-0000-4000-8000-0000000000a2') $$,
  $$ values ('control'::text, 1::bigint, 0::bigint, 0.000000, null::numeric, null::numeric, null::numeric),
            ('b', 1, 1, 1.000000, null, 1.4142, 0.157299),
            ('c', 0, 0, null, null, null, null) $$,
  'a variant without subjects has no rate and no test; no uplift against a 0 % control');

select ok(abs(experiments.normal_cdf(1.96) - 0.9750021048517795) < 1e-6, 'Phi(1.96) = 0.975002 (within 1e-6)');
select ok(abs(experiments.normal_cdf(-1.96) - 0.024997895148220435) < 1e-6, 'Phi(-1.96) = 0.024998 (within 1e-6)');
select ok(abs(experiments.normal_cdf(0) - 0.5) < 1e-7, 'Phi(0) = 0.5');
select ok(abs(experiments.erfc(3) / 2.209049699858544e-05 - 1) < 1.2e-7, 'erfc(3) = 2.2090497e-5 with a relative error under 1.2e-7');

select tests.authenticate_as_service_role();
select is((select subjects from public.get_experiment_results('00000000-0000-4000-8000-0000000000a1') where is_control),
          1000::bigint, 'service_role reads the results');
select throws_ok($$ select * from public.get_experiment_results('00000000-0000-4000-8000-0000000000ff') $$,
                 'P0002', null, 'service_role: an unknown experiment is P0002');
select tests.authenticate_as(md5('outsider@expr.test')::uuid);
select throws_ok($$ select * from public.get_experiment_results('00000000-0000-4000-8000-0000000000a1') $$,
                 '42501', null, 'a member of another organization gets 42501');
select throws_ok($$ select * from public.get_experiment_results('00000000-0000-4000-8000-0000000000ff') $$,
                 '42501', null, 'a non-member asking for an unknown id also gets 42501 (nothing is revealed)');
select throws_ok($$ select * from public.get_experiment_results(null) $$, '22023', null, 'a NULL id is 22023');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.get_experiment_results('00000000-0000-4000-8000-0000000000a1') $$,
                 '42501', null, 'anon gets 42501');

select * from finish();
