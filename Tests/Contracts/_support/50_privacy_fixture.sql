-- The privacy fixture of privacy_erase_user.sql and privacy_export_user_data.sql: one
-- function each contract calls inside its own (rolled-back) transaction.
-- Organizations "era" (owner O) and "era-b" (owner P); the fan U (e-mail fan@era.test) is a viewer of era-b and has a
-- profile. In era, on 2025-04-01: U signed in on device dev1 (page_view in session s1,
-- play of "Era Song"), dev1 signed out (page_view), U without visitor id (search); another
-- fan X on device "other". In era-b: U on dev2. On 2025-03-31 an event of U as retention
-- leaves it (visitor 'anon:<key of dev1>', user id = keyed hash). Orders: U/dev1 500,
-- other 700. Subscribers: dev1 (sms), FAN@era.test (e-mail, no visitor), other. Experiment
-- EX created by U; assignments user:U (with a purchase), dev1, other (with a purchase).
-- Events are received now; the daily rollups are applied (tests.apply_daily_rollups).
create or replace function tests.create_privacy_fixture()
returns void
language plpgsql
as $fixture$
begin
  perform tests.create_user('owner@era.test');
  perform tests.create_user('owner-b@era.test');
  perform tests.create_user('fan@era.test');
  perform tests.create_user('other@era.test');
  perform tests.create_org('era', md5('owner@era.test')::uuid);
  perform tests.create_org('era-b', md5('owner-b@era.test')::uuid);
  perform tests.add_member(md5('org:era-b')::uuid, md5('fan@era.test')::uuid, 'viewer');
  insert into app.profiles (user_id, display_name) values (md5('fan@era.test')::uuid, 'Fan');
  insert into app.content_items (id, org_id, kind, title)
  values ('00000000-0000-4000-8000-00000000eac1', md5('org:era')::uuid, 'release', 'Era Song');

  insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, user_id, session_id)
  select x.org, x.at::timestamptz, x.type, x.etype, x.entity::uuid, x.visitor, x.user_id, x.session
  from (values
    (md5('org:era')::uuid, '2025-04-01 10:00:00Z', 'page_view', null, null, 'dev1', md5('fan@era.test')::uuid, 's1'),
    (md5('org:era')::uuid, '2025-04-01 10:05:00Z', 'play', 'content_item', '00000000-0000-4000-8000-00000000eac1', 'dev1', md5('fan@era.test')::uuid, 's1'),
    (md5('org:era')::uuid, '2025-04-01 11:00:00Z', 'page_view', null, null, 'dev1', null, null),
    (md5('org:era')::uuid, '2025-04-01 12:00:00Z', 'search', null, null, null, md5('fan@era.test')::uuid, null),
    (md5('org:era')::uuid, '2025-04-01 10:00:00Z', 'page_view', null, null, 'other', md5('other@era.test')::uuid, null),
    (md5('org:era-b')::uuid, '2025-04-01 10:00:00Z', 'page_view', null, null, 'dev2', md5('fan@era.test')::uuid, null)
  ) as x (org, at, type, etype, entity, visitor, user_id, session);
  -- The fan's event of 03-31 as analytics.apply_retention leaves it: keyed hashes only.
  insert into analytics.events (org_id, occurred_at, event_type, visitor_id, user_id)
  select md5('org:era')::uuid, '2025-03-31 10:00:00Z', 'page_view',
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
  perform tests.apply_daily_rollups();
end;
$fixture$;
comment on function tests.create_privacy_fixture() is 'Creates the privacy contracts'' fixture: organizations era and era-b, the fan fan@era.test and everything stored about them.';
