-- Contract: public.assign_user_to_experiment(p_experiment, p_subject),
-- experiments.variant_for, and the validation of experiments.experiments.
-- Fixture: organization "exp" with experiments E1 (control 50 / treatment 50, running),
-- E2 (a 10 / b 30 / c 60, running), E3 (inactive), E4 (starts tomorrow).
select plan(22);

select tests.create_user('owner@exp.test');
select tests.create_user('fan@exp.test');
select tests.create_org('exp', md5('owner@exp.test')::uuid);
insert into experiments.experiments (id, org_id, name, variants, control_variant, success_metrics, is_active, starts_at) values
  ('00000000-0000-4000-8000-0000000000e1', md5('org:exp')::uuid, 'E1',
   '[{"name": "control", "allocation": 50}, {"name": "treatment", "allocation": 50}]', 'control', '{purchase}', true, null),
  ('00000000-0000-4000-8000-0000000000e2', md5('org:exp')::uuid, 'E2',
   '[{"name": "a", "allocation": 10}, {"name": "b", "allocation": 30}, {"name": "c", "allocation": 60}]', 'a', '{purchase}', true, null),
  ('00000000-0000-4000-8000-0000000000e3', md5('org:exp')::uuid, 'E3',
   '[{"name": "control", "allocation": 50}, {"name": "b", "allocation": 50}]', 'control', '{purchase}', false, null),
  ('00000000-0000-4000-8000-0000000000e4', md5('org:exp')::uuid, 'E4',
   '[{"name": "control", "allocation": 50}, {"name": "b", "allocation": 50}]', 'control', '{purchase}', true, now() + interval '1 day');

-- Deterministic: the variant is known before any row exists.
create temp table exp_predicted as
  select experiments.variant_for('00000000-0000-4000-8000-0000000000e1', 'visitor-42',
                                 '[{"name": "control", "allocation": 50}, {"name": "treatment", "allocation": 50}]') as v;
grant select on exp_predicted to public;
select is((select count(*) from experiments.assignments), 0::bigint, 'no assignment exists yet');
select ok((select v in ('control', 'treatment') from exp_predicted), 'variant_for names one of the variants before any assignment exists');
select tests.authenticate_as_service_role();
select is(public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e1', 'visitor-42'), (select v from exp_predicted),
          'the assignment is the predicted variant');
select is(public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e1', 'visitor-42'), (select v from exp_predicted),
          'the same subject gets the same variant again');
select tests.clear_authentication();
select results_eq($$ select subject collate "default", variant, user_id, visitor_id collate "default" from experiments.assignments $$,
                  $$ select 'visitor-42'::text, v, null::uuid, 'visitor-42'::text from exp_predicted $$,
                  'it is stored once, as a visitor subject');
select is((select pg_catalog.left(pg_catalog.md5('00000000-0000-4000-8000-0000000000e1:visitor-42'), 8)), '50e19ff8',
          'the bucket is reproducible outside the database: md5(experiment:subject) starts 50e19ff8');
select is((select v from exp_predicted), 'control',
          'bucket 0x50e19ff8 = 1356963832, mod 10000 = 3832 < 5000 (control''s 50 % = buckets 0..4999): control');

-- The split over 100,000 subjects (the pure function the RPC uses) ...
select results_eq(
  $$ select v, round(100.0 * count(*) / 100000, 2) between a - 1 and a + 1
     from (select experiments.variant_for('00000000-0000-4000-8000-0000000000e2', 'subject-' || g,
                                          '[{"name": "a", "allocation": 10}, {"name": "b", "allocation": 30}, {"name": "c", "allocation": 60}]') as v
           from generate_series(1, 100000) as g) as x
     join (values ('a', 10), ('b', 30), ('c', 60)) as alloc (name, a) on alloc.name = x.v
     group by v, a order by v $$,
  $$ values ('a'::text, true), ('b', true), ('c', true) $$,
  'over 100,000 subjects the split matches 10/30/60 within 1 percentage point');
-- ... and the RPC stores exactly that function's variant (10,000 subjects through it).
select tests.authenticate_as_service_role();
select is((select count(*) from (select public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e2', 'subject-' || g)
                                  from generate_series(1, 10000) as g) as x), 10000::bigint,
          '10,000 subjects assigned through the RPC');
select tests.clear_authentication();
select is((select count(*) from experiments.assignments a
            where a.experiment_id = '00000000-0000-4000-8000-0000000000e2'
              and a.variant = experiments.variant_for(a.experiment_id, a.subject,
                    '[{"name": "a", "allocation": 10}, {"name": "b", "allocation": 30}, {"name": "c", "allocation": 60}]')),
          10000::bigint, 'every stored assignment is the consistent-hash variant');
select results_eq(
  $$ select a.variant, abs(100.0 * count(*) / 10000 - alloc.a) <= 2 from experiments.assignments a
      join (values ('a', 10), ('b', 30), ('c', 60)) as alloc (name, a) on alloc.name = a.variant
      where a.experiment_id = '00000000-0000-4000-8000-0000000000e2' group by a.variant, alloc.a order by a.variant $$,
  $$ values ('a'::text, true), ('b', true), ('c', true) $$,
  'the 10,000 stored assignments split 10/30/60 within 2 percentage points (a sample of the 100,000 above)');

-- An existing assignment wins (as when a concurrent call stored it first), even once stopped.
insert into experiments.assignments (org_id, experiment_id, subject, variant, visitor_id)
values (md5('org:exp')::uuid, '00000000-0000-4000-8000-0000000000e1', 'visitor-pinned',
        case when experiments.variant_for('00000000-0000-4000-8000-0000000000e1', 'visitor-pinned',
                  '[{"name": "control", "allocation": 50}, {"name": "treatment", "allocation": 50}]') = 'control'
             then 'treatment' else 'control' end,
        'visitor-pinned');
select tests.authenticate_as_service_role();
select is(public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e1', 'visitor-pinned'),
          (select variant from experiments.assignments where subject = 'visitor-pinned'),
          'a stored assignment is returned as stored (ON CONFLICT DO NOTHING keeps the first one)');
select tests.clear_authentication();
update experiments.experiments set is_active = false where id = '00000000-0000-4000-8000-0000000000e1';
select tests.authenticate_as_service_role();
select is(public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e1', 'visitor-42'), (select v from exp_predicted),
          'after the experiment stops, an assigned subject keeps its variant');
select throws_ok($$ select public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e3', 'visitor-43') $$,
                 '55000', null, 'an inactive experiment assigns nobody new: 55000');
select throws_ok($$ select public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e4', 'visitor-43') $$,
                 '55000', null, 'an experiment that starts tomorrow assigns nobody yet: 55000');
select throws_ok($$ select public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000ff', 'visitor-43') $$,
                 'P0002', null, 'an unknown experiment is P0002');
select throws_ok($$ select public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e2', '') $$,
                 '22023', null, 'an empty subject is 22023');

-- Signed-in users assign themselves only; anon not at all.
select tests.authenticate_as(md5('fan@exp.test')::uuid);
select is(public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e2'),
          experiments.variant_for('00000000-0000-4000-8000-0000000000e2', 'user:' || md5('fan@exp.test')::uuid,
                                  '[{"name": "a", "allocation": 10}, {"name": "b", "allocation": 30}, {"name": "c", "allocation": 60}]'),
          'a signed-in user is assigned as user:<id>');
select throws_ok($$ select public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e2', 'visitor-99') $$,
                 '42501', null, 'a signed-in user may not assign someone else');
select tests.authenticate_as_anon();
select throws_ok($$ select public.assign_user_to_experiment('00000000-0000-4000-8000-0000000000e2', 'visitor-99') $$,
                 '42501', null, 'anon may not call it');

-- Experiment definitions are validated.
select tests.clear_authentication();
select throws_ok($$ insert into experiments.experiments (org_id, name, variants, control_variant, success_metrics)
                    values (md5('org:exp')::uuid, 'bad', '[{"name": "a", "allocation": 50}, {"name": "b", "allocation": 40}]', 'a', '{purchase}') $$,
                 '22023', null, 'allocations adding up to 90 are refused (22023)');
select throws_ok($$ insert into experiments.experiments (org_id, name, variants, control_variant, success_metrics)
                    values (md5('org:exp')::uuid, 'bad', '[{"name": "a", "allocation": 50}, {"name": "b", "allocation": 50}]', 'z', '{purchase}') $$,
                 '22023', null, 'a control that is not a variant is refused (22023)');

select * from finish();
