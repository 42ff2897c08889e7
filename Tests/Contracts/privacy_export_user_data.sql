-- Contract: app.export_user_data(p_user_id): everything stored about a user, as jsonb.
-- Fixture (shared wording with privacy_export_user_data.sql): organizations "era" (owner O)
-- and "era-b" (owner P); the fan U (e-mail fan@era.test) is a viewer of era-b and has a
-- profile. In era, on 2025-04-01: U signed in on device dev1 (page_view in session s1,
-- play of "Era Song"), dev1 signed out (page_view), U without visitor id (search); another
-- fan X on device "other". In era-b: U on dev2. On 2025-03-31 an event of U as retention
-- leaves it (visitor 'anon:<key of dev1>', user id = keyed hash). Orders: U/dev1 500,
-- other 700. Subscribers: dev1 (sms), FAN@era.test (e-mail, no visitor), other. Experiment
-- EX created by U; assignments user:U (with a purchase), dev1, other (with a purchase).
-- Both organizations are aggregated.
-- Expected tables and rows: the same scope as app.erase_user.
select plan(10);

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
create temp table exp_doc as select app.export_user_data(md5('fan@era.test')::uuid) as d;
select results_eq(
  $$ select t.key, jsonb_array_length(t.value) from exp_doc, jsonb_each(d -> 'tables') as t order by t.key $$,
  $$ values ('analytics.entity_daily_visitors'::text, 1), ('analytics.events', 6), ('analytics.org_daily_visitors', 4),
            ('analytics.user_daily_stats', 3), ('app.memberships', 1), ('app.profiles', 1), ('audience.orders', 1),
            ('audience.subscribers', 2), ('experiments.assignments', 2), ('experiments.events', 1),
            ('experiments.experiments', 1) $$,
  'a user exports their own data: every table that holds something about them, with its rows');
select is((select d -> 'account' ->> 'email' from exp_doc), 'fan@era.test', 'the account is included');
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
