-- Contract: app.export_user_data(p_user_id): everything stored about a user, as jsonb.
-- Fixture: tests.create_privacy_fixture() (_support/50_privacy_fixture.sql): the fan U
-- (fan@era.test) in organizations era and era-b, with events, orders, subscribers and
-- experiment rows.
-- Expected tables and rows: the same scope as app.erase_user.
select plan(11);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_privacy_fixture();

select tests.authenticate_as(md5('fan@era.test')::uuid);
create temp table exp_doc as select app.export_user_data(md5('fan@era.test')::uuid) as d;
select results_eq(
  $$ select t.key, jsonb_array_length(t.value) from exp_doc, jsonb_each(d -> 'tables') as t order by t.key $$,
  $$ values ('analytics.entity_daily_visitors'::text, 1), ('analytics.events', 6), ('analytics.org_daily_visitors', 4),
            ('analytics.user_daily_stats', 3), ('analytics.visitor_daily_counts', 4), ('app.memberships', 1), ('app.profiles', 1), ('audience.orders', 1),
            ('audience.subscribers', 2), ('experiments.assignments', 2), ('experiments.events', 1),
            ('experiments.experiments', 1) $$,
  'a user exports their own data: every table that holds something about them, with its rows');
select is((select d -> 'account' ->> 'email' from exp_doc), 'fan@era.test', 'the account is included');
select is((select d -> 'tables' -> 'experiments.experiments' from exp_doc),
          jsonb_build_array(jsonb_build_object('org_id', md5('org:era')::uuid, 'id', '00000000-0000-4000-8000-0000000000ea',
                                               'created_by', md5('fan@era.test')::uuid)),
          'a row that only names the user as its creator: its key and that reference, not the experiment itself');
select is((select d ->> 'user_id' from exp_doc), md5('fan@era.test')::uuid::text, 'the document names the user');
select is((select count(*) from exp_doc, jsonb_array_elements(d -> 'tables' -> 'analytics.events') as e
            where e ->> 'visitor_id' = 'other'), 0::bigint, 'nothing of the other fan is exported');
select is((select count(*) from exp_doc, jsonb_array_elements(d -> 'tables' -> 'audience.subscribers') as s
            where s ->> 'contact' in ('+10000000', 'FAN@era.test')), 2::bigint,
          'the subscriptions by device and by e-mail address are exported with their contact');
select throws_ok($$ select app.export_user_data(md5('other@era.test')::uuid) $$, '42501', null,
                 'a user cannot export somebody else''s data');
select tests.authenticate_as_service_role();
select is((select jsonb_array_length(app.export_user_data(md5('other@era.test')::uuid) -> 'tables' -> 'analytics.events')),
          1, 'service_role exports anybody (the other fan: 1 event)');
select throws_ok($$ select app.export_user_data(null) $$, '22023', null, 'a NULL user is 22023');
select tests.authenticate_as_anon();
select throws_ok($$ select app.export_user_data(md5('fan@era.test')::uuid) $$, '42501', null, 'anon cannot export');
select tests.clear_authentication();
select is((select count(*) from analytics.events where user_id = md5('fan@era.test')::uuid), 4::bigint,
          'exporting changes nothing');

select * from finish();
