-- Contract: a visitor id links to a user (for app.export_user_data and app.erase_user)
-- only through a row of a trusted writer. Any signed-in user may log an event of any
-- organization under any visitor id (public.log_events, self_logged); such a claim must
-- not export or erase another person's rows.
-- Fixture (organization vc, times in November 2026):
--   victim device 'vc-victim': 3 events logged by the back end (no user), a subscription
--     with contact victim@vc.test;
--   mallory (a member of nothing) self-logs 1 event under 'vc-victim' (stored) and 1 under
--     'user:<fan id>' (refused: another user's audience identity);
--   fan: the back end logged 1 event with user fan on device 'vc-fan' and 2 anonymous
--     events of 'vc-fan' (a trusted link); pat signed in on the same device: 1 event of
--     user pat on 'vc-fan' (a shared device).
select plan(9);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

do $$
begin
  perform tests.create_user('vc-owner@example.com');
  perform tests.create_user('mallory@vc.test');
  perform tests.create_user('fan@vc.test');
  perform tests.create_user('pat@vc.test');
  perform tests.create_org('vc', md5('vc-owner@example.com')::uuid);
  insert into audience.subscribers (org_id, channel, contact, visitor_id)
  values (md5('org:vc')::uuid, 'email', 'victim@vc.test', 'vc-victim');
end $$;

select tests.authenticate_as_service_role();
select is(public.log_events(jsonb_build_array(
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-victim', 'occurred_at', '2026-11-02T10:00:00Z'),
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-victim', 'occurred_at', '2026-11-02T10:01:00Z'),
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-victim', 'occurred_at', '2026-11-02T10:02:00Z'),
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-fan', 'occurred_at', '2026-11-03T10:00:00Z',
                               'user_id', md5('fan@vc.test')::uuid),
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-fan', 'occurred_at', '2026-11-03T09:00:00Z'),
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-fan', 'occurred_at', '2026-11-03T09:01:00Z'),
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-fan', 'occurred_at', '2026-11-04T09:00:00Z',
                               'user_id', md5('pat@vc.test')::uuid))) ->> 'accepted',
          '7', 'the back end logs 7 events');
select tests.authenticate_as(md5('mallory@vc.test')::uuid);
select is(public.log_events(jsonb_build_array(
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'vc-victim', 'occurred_at', '2026-11-05T10:00:00Z'),
            jsonb_build_object('org_id', md5('org:vc')::uuid, 'event_type', 'page_view', 'visitor_id', 'user:' || md5('fan@vc.test')::uuid,
                               'occurred_at', '2026-11-05T10:01:00Z'))) - 'duplicates',
          '{"accepted": 1, "rejected": [{"index": 1, "reason": "forbidden: visitor_id"}]}'::jsonb,
          'mallory, a member of nothing, self-logs an event under the victim''s device; the fan''s user key is refused');

create temp table vc_export as select app.export_user_data(md5('mallory@vc.test')::uuid) as d;
select results_eq(
  $$ select t.key, jsonb_array_length(t.value) from vc_export, jsonb_each(d -> 'tables') as t order by t.key $$,
  $$ values ('analytics.events'::text, 1) $$,
  'mallory''s export holds her own event and nothing else: no victim event, customer or subscription');

select tests.authenticate_as(md5('fan@vc.test')::uuid);
select results_eq(
  $$ select e ->> 'occurred_at', e ->> 'user_id'
     from jsonb_array_elements(app.export_user_data(md5('fan@vc.test')::uuid) -> 'tables' -> 'analytics.events') as e
     order by 1 $$,
  $$ values ('2026-11-03T09:00:00+00:00'::text, null::text), ('2026-11-03T09:01:00+00:00', null),
            ('2026-11-03T10:00:00+00:00', md5('fan@vc.test')::uuid::text) $$,
  'the fan''s export: the device the back end linked to them (2 anonymous events and their own), not pat''s event on it');

-- Erasure of mallory's account: her event goes, the victim's and the fan's stay.
select tests.authenticate_as_service_role();
select results_eq($$ select table_name, rows from app.erase_user(md5('mallory@vc.test')::uuid) where table_name = 'analytics.events' $$,
                  $$ values ('analytics.events'::text, 1::bigint) $$, 'erasing mallory removes her event only');
select tests.clear_authentication();
select is((select count(*) from analytics.events where org_id = md5('org:vc')::uuid and visitor_id = 'vc-victim'), 3::bigint,
          'the victim''s 3 events stay');
select is((select count(*) from audience.subscribers where org_id = md5('org:vc')::uuid), 1::bigint,
          'the victim''s subscription stays');

-- Erasure of the fan: their event and the linked device's anonymous events go; pat's stays.
select tests.authenticate_as_service_role();
select results_eq($$ select table_name, rows from app.erase_user(md5('fan@vc.test')::uuid) where table_name = 'analytics.events' $$,
                  $$ values ('analytics.events'::text, 3::bigint) $$, 'erasing the fan removes their event and the 2 anonymous ones of their device');
select tests.clear_authentication();
select results_eq($$ select visitor_id collate "default", user_id from analytics.events where org_id = md5('org:vc')::uuid and visitor_id = 'vc-fan' $$,
                  $$ values ('vc-fan'::text, md5('pat@vc.test')::uuid) $$, 'pat''s event on the shared device stays');

select * from finish();
