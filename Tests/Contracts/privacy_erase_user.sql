-- Contract: app.erase_user(p_user_id): the right to erasure.
-- Fixture (shared wording with privacy_export_user_data.sql): organizations "era" (owner O)
-- and "era-b" (owner P); the fan U (e-mail fan@era.test) is a viewer of era-b and has a
-- profile. In era, on 2025-04-01: U signed in on device dev1 (page_view in session s1,
-- play of "Era Song"), dev1 signed out (page_view), U without visitor id (search); another
-- fan X on device "other". In era-b: U on dev2. On 2025-03-31 an event of U as retention
-- leaves it (visitor 'anon:<key of dev1>', user id = keyed hash). Orders: U/dev1 500,
-- other 700. Subscribers: dev1 (sms), FAN@era.test (e-mail, no visitor), other. Experiment
-- EX created by U; assignments user:U (with a purchase), dev1, other (with a purchase).
-- Both organizations are aggregated.
-- Expected rows removed: analytics.events 6 (era: 2 signed in, 1 signed out on dev1,
-- 1 without visitor id, 1 anonymized; era-b: 1); org_daily_visitors 4 (era 04-01 dev1 and
-- user:U, era 03-31 dev1's key, era-b dev2); entity_daily_visitors 1; user_daily_stats 3
-- (era U, era hashed U of 03-31, era-b U); memberships 1; profiles 1; orders 1;
-- subscribers 2 (dev1 and the e-mail); experiment events 1; assignments 2;
-- experiments 1 (created_by set to NULL); auth.users 1.
select plan(16);

select tests.create_user('owner@era.test');
select tests.create_user('owner-b@era.test');
select tests.create_user('fan@era.test');
select tests.create_user('other@era.test');
select tests.create_org('era', md5('owner@era.test')::uuid);
select tests.create_org('era-b', md5('owner-b@era.test')::uuid);
select tests.add_member(md5('org:era-b')::uuid, md5('fan@era.test')::uuid, 'viewer');
insert into app.profiles (user_id, display_name) values (md5('fan@era.test')::uuid, 'Fan');
insert into app.content_items (id, org_id, kind, title)
values ('00000000-0000-4000-8000-00000000eac1', md5('org:era')::uuid, 'release', 'Era Song');

insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id, user_id, session_id)
select x.org, x.at::timestamptz, x.at::timestamptz, x.type, x.etype, x.entity::uuid, x.visitor, x.user_id, x.session
from (values
  (md5('org:era')::uuid, '2025-04-01 10:00:00Z', 'page_view', null, null, 'dev1', md5('fan@era.test')::uuid, 's1'),
  (md5('org:era')::uuid, '2025-04-01 10:05:00Z', 'play', 'content_item', '00000000-0000-4000-8000-00000000eac1', 'dev1', md5('fan@era.test')::uuid, 's1'),
  (md5('org:era')::uuid, '2025-04-01 11:00:00Z', 'page_view', null, null, 'dev1', null, null),
  (md5('org:era')::uuid, '2025-04-01 12:00:00Z', 'search', null, null, null, md5('fan@era.test')::uuid, null),
  (md5('org:era')::uuid, '2025-04-01 10:00:00Z', 'page_view', null, null, 'other', md5('other@era.test')::uuid, null),
  (md5('org:era-b')::uuid, '2025-04-01 10:00:00Z', 'page_view', null, null, 'dev2', md5('fan@era.test')::uuid, null)
) as x (org, at, type, etype, entity, visitor, user_id, session);
-- The fan's event of 03-31 as analytics.apply_retention leaves it: keyed hashes only.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id)
select md5('org:era')::uuid, '2025-03-31 10:00:00Z', '2025-03-31 10:00:00Z', 'page_view',
       'anon:' || private.pseudonymize_visitor(k.inner_pad, k.outer_pad, md5('org:era')::uuid, 'dev1'),
       private.hmac_uuid(k.inner_pad, k.outer_pad, md5('org:era')::uuid::text || ':user_id:' || md5('fan@era.test')::uuid::text)
from private.pseudonymization_key k;

insert into audience.orders (org_id, kind, visitor_id, user_id, amount_cents, currency, occurred_at) values
  (md5('org:era')::uuid, 'purchase', 'dev1', md5('fan@era.test')::uuid, 500, 'EUR', '2025-04-01 10:30:00Z'),
  (md5('org:era')::uuid, 'purchase', 'other', null, 700, 'EUR', '2025-04-01 10:30:00Z');
insert into audience.subscribers (org_id, channel, contact, visitor_id) values
  (md5('org:era')::uuid, 'sms', '+10000000', 'dev1'),
  (md5('org:era')::uuid, 'email', 'FAN@era.test', null),
  (md5('org:era')::uuid, 'email', 'someone@era.test', 'other');
insert into experiments.experiments (id, org_id, name, variants, control_variant, success_metrics, created_by)
values ('00000000-0000-4000-8000-0000000000ea', md5('org:era')::uuid, 'EX',
        '[{"name": "control", "allocation": 50}, {"name": "b", "allocation": 50}]', 'control', '{purchase}', md5('fan@era.test')::uuid);
insert into experiments.assignments (org_id, experiment_id, subject, variant, user_id, visitor_id) values
  (md5('org:era')::uuid, '00000000-0000-4000-8000-0000000000ea', 'user:' || md5('fan@era.test')::uuid, 'b', md5('fan@era.test')::uuid, null),
  (md5('org:era')::uuid, '00000000-0000-4000-8000-0000000000ea', 'dev1', 'control', null, 'dev1'),
  (md5('org:era')::uuid, '00000000-0000-4000-8000-0000000000ea', 'other', 'control', null, 'other');
insert into experiments.events (org_id, experiment_id, subject, event_type) values
  (md5('org:era')::uuid, '00000000-0000-4000-8000-0000000000ea', 'user:' || md5('fan@era.test')::uuid, 'purchase'),
  (md5('org:era')::uuid, '00000000-0000-4000-8000-0000000000ea', 'other', 'purchase');
select analytics.aggregate_daily(md5('org:era')::uuid);
select analytics.aggregate_daily(md5('org:era-b')::uuid);

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

select tests.authenticate_as_service_role();
create temp table era_result as select * from app.erase_user(md5('fan@era.test')::uuid);
select tests.clear_authentication();
select results_eq($$ select table_name, rows from era_result order by table_name $$,
  $$ values ('analytics.entity_daily_visitors'::text, 1::bigint), ('analytics.events', 6), ('analytics.org_daily_visitors', 4),
            ('analytics.user_daily_stats', 3), ('app.memberships', 1), ('app.profiles', 1), ('audience.orders', 1),
            ('audience.subscribers', 2), ('auth.users', 1), ('experiments.assignments', 2), ('experiments.events', 1),
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
select is((select count(*) from era_result), 12::bigint, 'twelve tables were touched, in one transaction');

select * from finish();
