-- Contract: app.erase_user(p_user_id): the right to erasure.
-- Fixture: tests.create_privacy_fixture() (_support/50_privacy_fixture.sql): the fan U
-- (fan@era.test) in organizations era and era-b, with events, orders, subscribers and
-- experiment rows.
-- Expected rows removed: analytics.events 6 (era: 2 signed in, 1 signed out on dev1,
-- 1 without visitor id, 1 anonymized; era-b: 1); org_daily_visitors 4 (era 04-01 dev1 and
-- user:U, era 03-31 dev1's key, era-b dev2); visitor_daily_counts 4 (the same visitor-days);
-- entity_daily_visitors 1; user_daily_stats 3
-- (era U, era hashed U of 03-31, era-b U); memberships 1; profiles 1; orders 1 (and
-- the removed-order marker its deletion wrote for the customers rollup, orders_removed 1);
-- subscribers 2 (dev1 and the e-mail); experiment events 1; assignments 2;
-- experiments 1 (created_by set to NULL); auth.users 1.
select plan(26);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_privacy_fixture();

select tests.authenticate_as(md5('fan@era.test')::uuid);
select throws_ok($$ select * from app.erase_user(md5('fan@era.test')::uuid) $$, '42501', null,
                 'a user cannot erase themselves directly (the back end does it as service_role)');
select tests.authenticate_as_anon();
select throws_ok($$ select * from app.erase_user(md5('fan@era.test')::uuid) $$, '42501', null, 'anon cannot erase anybody');

select tests.authenticate_as_service_role();
select throws_ok($$ select * from app.erase_user(null) $$, '22023', null, 'a NULL user is 22023');
select throws_ok($$ select * from app.erase_user(md5('nobody@era.test')::uuid) $$, 'P0002', null, 'an unknown user is P0002');
select throws_ok($$ select * from app.erase_user(md5('owner@era.test')::uuid) $$, '23514', null,
                 'the last owner of an organization cannot be erased (transfer the ownership first)');
select tests.clear_authentication();
select is((select count(*) from auth.users where id = md5('owner@era.test')::uuid), 1::bigint,
          'the refused erasure removed nothing');

-- The fan searched for a phone number (alone) and for a query others searched too; the
-- stored search rows of that day as the rollup has them.
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, user_id, properties) values
  (md5('org:era')::uuid, '2025-04-03 10:00Z', 'search', 'dev1', md5('fan@era.test')::uuid, '{"query": "Sam +49 151 2345678"}'),
  (md5('org:era')::uuid, '2025-04-03 10:01Z', 'search', 'dev1', md5('fan@era.test')::uuid, '{"query": "Era tour"}');
insert into analytics.search_daily_stats (org_id, day, query, searches, zero_result_searches, result_counts, searchers, clickers)
values (md5('org:era')::uuid, '2025-04-03', analytics.normalize_query('"Sam +49 151 2345678"'), 1, 1, '{}', 1, 0),
       (md5('org:era')::uuid, '2025-04-03', analytics.normalize_query('"Era tour"'), 3, 0, '{}', 2, 1);

create temp table era_epoch as select e.epoch from private.erasure_epoch as e;
select tests.authenticate_as_service_role();
create temp table era_result as select * from app.erase_user(md5('fan@era.test')::uuid);
select tests.clear_authentication();
select is((select e.epoch from private.erasure_epoch as e) - (select b.epoch from era_epoch as b), 1::bigint,
          'the erasure moved private.erasure_epoch by one (a shared read of the rollup engine made before it is not applied)');
select results_eq($$ select table_name, rows from era_result order by table_name $$,
  $$ values ('analytics.entity_daily_visitors'::text, 1::bigint), ('analytics.events', 8), ('analytics.org_daily_visitors', 4),
            ('analytics.search_daily_stats', 1),
            ('analytics.user_daily_stats', 3), ('analytics.visitor_daily_counts', 4), ('app.memberships', 1), ('app.profiles', 1), ('audience.orders', 1),
            ('audience.orders_removed', 1), ('audience.subscribers', 2), ('auth.users', 1), ('experiments.assignments', 2), ('experiments.events', 1),
            ('experiments.experiments', 1) $$,
  'the count of rows removed (or de-referenced) per table, exactly');

create temp table era_ids as
  select md5('fan@era.test')::uuid as u,
         private.hmac_uuid(k.inner_pad, k.outer_pad, md5('org:era')::uuid::text || ':user_id:' || md5('fan@era.test')::uuid::text) as hashed_u,
         private.pseudonymize_visitor(k.inner_pad, k.outer_pad, md5('org:era')::uuid, 'dev1') as key_dev1,
         private.pseudonymize_visitor(k.inner_pad, k.outer_pad, md5('org:era')::uuid, 'user:' || md5('fan@era.test')::uuid::text) as key_user,
         private.pseudonymize_visitor(k.inner_pad, k.outer_pad, md5('org:era-b')::uuid, 'dev2') as key_dev2
  from private.pseudonymization_key k;
select is((select count(*) from analytics.events e, era_ids i
            where e.user_id in (i.u, i.hashed_u) or e.visitor_id in ('dev1', 'dev2', 'anon:' || i.key_dev1::text)),
          0::bigint, 'no event of the user remains: not by id, hashed id, device, or anonymized device');
select is((select count(*) from analytics.org_daily_visitors v, era_ids i where v.visitor_key in (i.key_dev1, i.key_user, i.key_dev2))
          + (select count(*) from analytics.entity_daily_visitors v, era_ids i where v.visitor_key in (i.key_dev1, i.key_user))
          + (select count(*) from analytics.user_daily_stats s, era_ids i where s.user_id in (i.u, i.hashed_u)),
          0::bigint, 'no rollup row keyed by the user or their devices remains');
select is((select count(*) from audience.subscribers where visitor_id = 'dev1' or lower(contact) = 'fan@era.test')
          + (select count(*) from audience.orders where user_id = md5('fan@era.test')::uuid or visitor_id = 'dev1')
          + (select count(*) from experiments.assignments where subject in ('dev1', 'user:' || md5('fan@era.test')::uuid))
          + (select count(*) from experiments.experiments where created_by = md5('fan@era.test')::uuid)
          + (select count(*) from app.memberships where user_id = md5('fan@era.test')::uuid)
          + (select count(*) from app.profiles where user_id = md5('fan@era.test')::uuid)
          + (select count(*) from auth.users where id = md5('fan@era.test')::uuid),
          0::bigint, 'no contact, order, assignment, reference, membership, profile or account of the user remains');
select tests.authenticate_as_service_role();
select throws_ok($$ select app.export_user_data(md5('fan@era.test')::uuid) $$, 'P0002', null,
                 'an export of the erased user finds no such user');
select tests.clear_authentication();
select results_eq(
  $$ with fixture(org_id) as (values (md5('org:era')::uuid), (md5('org:era-b')::uuid))
     select (select count(*) from analytics.events where visitor_id = 'other' and org_id in (select org_id from fixture)),
            (select count(*) from audience.orders where org_id in (select org_id from fixture)),
            (select count(*) from audience.subscribers where org_id in (select org_id from fixture)),
            (select count(*) from experiments.assignments where org_id in (select org_id from fixture)),
            (select count(*) from experiments.events where org_id in (select org_id from fixture)),
            (select count(*) from analytics.user_daily_stats where user_id = md5('other@era.test')::uuid) $$,
  $$ values (1::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint) $$,
  'the other fan''s event, order, subscription, assignment, conversion and daily stats are untouched');
select is((select name from experiments.experiments where id = '00000000-0000-4000-8000-0000000000ea'), 'EX',
          'the experiment the user created stays, without its creator');
select results_eq($$ select events, visitors from analytics.org_daily_stats where org_id = md5('org:era')::uuid and day = '2025-04-01' $$,
                  $$ values (5::bigint, 3::bigint) $$, 'aggregate counts without identifiers keep their numbers');
select results_eq($$ select count(*) from analytics.org_daily_visitors where org_id = md5('org:era')::uuid and day = '2025-04-01' $$,
                  $$ values (1::bigint) $$, 'only the other fan is left in the visitor set of 04-01');
select is((select count(*) from era_result), 15::bigint, 'fifteen tables were touched, in one transaction');
select results_eq($$ select query collate "default", searchers from analytics.search_daily_stats where org_id = md5('org:era')::uuid and day = '2025-04-03' $$,
                  $$ values (analytics.normalize_query('"Era tour"') collate "default", 2::bigint) $$,
                  'the stored search row of the phone number only the fan searched is gone; the query others searched too stays');
select is((select rows from era_result where table_name = 'analytics.search_daily_stats'), 1::bigint,
          'and it is counted under analytics.search_daily_stats');

-- The erasure stays done (app.erased_users, 1259): a late event of the erased user is
-- rejected; one that a writer stored meanwhile is removed by erasing the id again.
select is((select count(*) from app.erased_users where user_id = md5('fan@era.test')::uuid), 1::bigint,
          'the erased id is kept in app.erased_users');
select tests.authenticate_as_service_role();
select is(public.log_events(jsonb_build_array(jsonb_build_object(
            'org_id', md5('org:era')::uuid, 'event_type', 'page_view', 'visitor_id', 'dev9', 'occurred_at', '2025-04-02T10:00:00Z',
            'user_id', md5('fan@era.test')::uuid))) -> 'rejected',
          '[{"index": 0, "reason": "erased_user: user_id"}]'::jsonb, 'a late event of the erased user is rejected');
-- Orders have no RPC (the back end inserts them): the table rejects them itself.
select throws_ok(
  $$ insert into audience.orders (org_id, user_id, occurred_at, amount_cents, currency, kind)
     values (md5('org:era')::uuid, md5('fan@era.test')::uuid, '2025-04-02 11:00+00', 1000, 'EUR', 'purchase') $$,
  '23514', format('erased_user: user_id (user %s was erased; their orders are not stored)', md5('fan@era.test')::uuid),
  'a late order of the erased user inserted by service_role is rejected (it rebuilt their customer row)');
select lives_ok(
  $$ insert into audience.orders (org_id, external_ref, occurred_at, amount_cents, currency, kind)
     values (md5('org:era')::uuid, 'era-anonymous', '2025-04-02 11:00+00', 500, 'EUR', 'tip') $$,
  'an order without user id is stored');
select throws_ok(
  $$ update audience.orders set user_id = md5('fan@era.test')::uuid
     where org_id = md5('org:era')::uuid and external_ref = 'era-anonymous' $$,
  '23514', null, 'and cannot be given to the erased user afterwards');
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, user_id)
values (md5('org:era')::uuid, '2025-04-02 10:00+00', 'page_view', 'dev9', md5('fan@era.test')::uuid);
select tests.authenticate_as_service_role();
select results_eq($$ select table_name, rows from app.erase_user(md5('fan@era.test')::uuid) order by table_name $$,
                  $$ values ('analytics.events'::text, 1::bigint), ('auth.users', 0) $$,
                  'erasing the erased id again removes the event a writer stored meanwhile (no P0002)');
select tests.clear_authentication();
select is((select count(*) from analytics.events where user_id = md5('fan@era.test')::uuid), 0::bigint, 'none of its events is left');

select * from finish();
