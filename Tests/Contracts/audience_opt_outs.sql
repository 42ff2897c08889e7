-- Contract: do-not-track. The "dnt" flag at ingestion (public.log_events and the bulk path
-- analytics.ingest_staged, both through analytics.parse_event), public.record_opt_out /
-- withdraw_opt_out, and opted-out visitors absent from every person-level output.
-- Fixtures: tests.audience_orgs() and tests.audience_recent_fixture (C1-C8, C7 opted out
-- already) in aud-berlin.
select plan(47);

select tests.audience_orgs();
select tests.audience_recent_fixture(md5('org:aud-berlin')::uuid);
select audience.update_customers(md5('org:aud-berlin')::uuid);

-- 1. Ingestion.
select tests.authenticate_as_service_role();
select is(
  public.log_events(jsonb_build_array(
    jsonb_build_object('org_id', md5('org:aud-other')::uuid, 'event_type', 'page_view', 'occurred_at', '2026-06-10T10:00:00Z',
                       'visitor_id', 'dnt-1', 'session_id', 's-1', 'user_id', tests.audience_user('viewer'), 'client_event_id', 'dnt:1',
                       'dnt', true, 'properties', jsonb_build_object('city', 'Berlin', 'utm_source', 'instagram', 'ip', '203.0.113.9',
                                                                       'email', 'fan@example.com', 'plan', 'gold',
                                                                       'referrer', 'https://www.example.com/?email=fan@example.com',
                                                                       'user_agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')),
    jsonb_build_object('org_id', md5('org:aud-other')::uuid, 'event_type', 'page_view', 'occurred_at', '2026-06-10T10:01:00Z',
                       'visitor_id', 'dnt-2', 'session_id', 's-2', 'client_event_id', 'dnt:2', 'dnt', false,
                       'properties', jsonb_build_object('ip', '203.0.113.9')),
    jsonb_build_object('org_id', md5('org:aud-other')::uuid, 'event_type', 'page_view', 'occurred_at', '2026-06-10T10:02:00Z',
                       'visitor_id', 'dnt-3', 'client_event_id', 'dnt:3', 'dnt', 'yes'))),
  '{"accepted": 2, "duplicates": 0, "rejected": [{"index": 2, "reason": "invalid_type: dnt"}]}'::jsonb,
  'log_events: dnt true and false are accepted, a non-boolean dnt is rejected (invalid_type: dnt)');
select results_eq(
  $$ select client_event_id collate "default", visitor_id collate "default", session_id collate "default", user_id, city, utm_source collate "default",
            referrer_domain collate "default", device_type collate "default", properties from analytics.events
     where org_id = md5('org:aud-other')::uuid and client_event_id like 'dnt:%' order by 1 $$,
  $$ values ('dnt:1'::text, null::text, null::text, null::uuid, 'Berlin'::text, 'instagram'::text, 'example.com'::text, 'mobile'::text, '{"plan": "gold"}'::jsonb),
            ('dnt:2', 'dnt-2', 's-2', null, null, null, null, null, '{"ip": "203.0.113.9"}') $$,
  'with dnt true the event is stored without visitor_id, session_id, user_id and the personal property keys (ip, email, the referrer URL, the user agent; city, utm, the referrer''s domain, the device derived from the user agent and other properties kept; the flag itself not stored); with false unchanged');

select tests.authenticate_as(tests.audience_user('viewer'));
select is(
  public.log_events(jsonb_build_array(jsonb_build_object('org_id', md5('org:aud-other')::uuid, 'event_type', 'page_view',
    'occurred_at', '2026-06-10T10:03:00Z', 'visitor_id', 'dnt-4', 'client_event_id', 'dnt:4', 'dnt', true))) -> 'accepted',
  '1'::jsonb, 'a signed-in user''s dnt event is accepted');
select tests.clear_authentication();
select results_eq(
  $$ select visitor_id collate "default", user_id from analytics.events where org_id = md5('org:aud-other')::uuid and client_event_id = 'dnt:4' $$,
  $$ values (null::text, null::uuid) $$,
  'and stored without the user id log_events would otherwise fill in');

select analytics.ingest_prepare();
insert into pg_temp.ingest_staging (line_no, raw) values
  (1, '{"org_id": "' || md5('org:aud-other')::uuid || '", "event_type": "link_click", "occurred_at": "2026-06-10T11:00:00Z", "visitor_id": "dnt-5", "client_event_id": "dnt:5", "dnt": true}'),
  (2, '{"org_id": "' || md5('org:aud-other')::uuid || '", "event_type": "link_click", "occurred_at": "2026-06-10T11:01:00Z", "visitor_id": "dnt-6", "client_event_id": "dnt:6", "dnt": 1}');
select results_eq($$ select accepted, rejected from analytics.ingest_staged() $$, $$ values (1::bigint, 1::bigint) $$,
  'the bulk path (audiencectl ingest) applies the same rule');
select results_eq(
  $$ select (select visitor_id collate "default" from analytics.events where org_id = md5('org:aud-other')::uuid and client_event_id = 'dnt:5'),
            (select reason from pg_temp.ingest_rejects where line_no = 2) $$,
  $$ values (null::text, 'invalid_type: dnt'::text) $$,
  'ingest stores the dnt event without visitor_id and rejects dnt: 1');

-- 2. Recording and withdrawing an opt-out.
select tests.authenticate_as(tests.audience_user('analyst'));
select throws_ok($$ select public.record_opt_out(md5('org:aud-berlin')::uuid, 'C2') $$, '42501', null, 'an analyst cannot record someone''s opt-out');
select tests.authenticate_as(tests.audience_user('admin'));
select results_eq($$ select visitor_id collate "default" from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 720, 0) where visitor_id in ('C2', 'C7') $$,
  $$ values ('C2'::text) $$, 'before: C2 is a lead (C7 opted out in the fixture)');
select isnt(public.record_opt_out(md5('org:aud-berlin')::uuid, 'C2', 'user_request'), null, 'an admin records C2''s opt-out');
select results_eq($$ select source from audience.opt_outs where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C2' $$,
  $$ values ('user_request'::text) $$, 'stored with its source');
select is(public.record_opt_out(md5('org:aud-berlin')::uuid, 'C2', 'support'),
  (select opted_out_at from audience.opt_outs where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C2'),
  'recording it again keeps the first time');
select is((select count(*)::int from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C2'), 0,
  'customers: C2''s row is deleted at once');
select is_empty($$ select * from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 720, 0) where visitor_id in ('C2', 'C7') $$,
  'hot leads: neither C2 nor C7');
select is(public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'C2'), null::integer, 'propensity: NULL for an opted-out visitor');
select is(public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'C1'), 3, 'and still scored for others (C1: past purchaser)');
select is(public.preview_segment(md5('org:aud-berlin')::uuid, '[]'::jsonb), 6::bigint,
  'segments: the preview of every customer counts 6 (C1, C3, C4, C5, C6, C8), without C2 and C7');
select tests.clear_authentication();
select is(audience.update_customers(md5('org:aud-berlin')::uuid), 0::bigint, 'update_customers does not rebuild C2');

select tests.authenticate_as(tests.audience_user('admin'));
select is(public.withdraw_opt_out(md5('org:aud-berlin')::uuid, 'C2'), true, 'withdrawn');
select is(public.withdraw_opt_out(md5('org:aud-berlin')::uuid, 'C2'), false, 'a second withdrawal finds none');
select tests.clear_authentication();
-- Received after the last apply's bound (clock_timestamp(), as a later transaction would store it).
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type, network_type)
values (md5('org:aud-berlin')::uuid, now() - interval '1 hour', clock_timestamp(), 'page_view', 'C2', 'desktop', 'wifi');
select tests.wait_for_earlier_transactions();   -- the safe bound must pass that receipt
select audience.update_customers(md5('org:aud-berlin')::uuid);
select results_eq($$ select orders_count, revenue_cents from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'C2' $$,
  $$ values (3, 6000::bigint) $$, 'with their next event C2''s row is rebuilt from the whole history (3 orders, 6000)');

-- 3. Users for themselves; errors.
select tests.authenticate_as(tests.audience_user('other'));
select isnt(public.record_opt_out(md5('org:aud-berlin')::uuid), null, 'a signed-in user, not a member, opts themselves out');
select tests.clear_authentication();
select results_eq($$ select visitor_id = 'user:' || tests.audience_user('other')::text, source from audience.opt_outs where org_id = md5('org:aud-berlin')::uuid and visitor_id like 'user:%' $$,
  $$ values (true, 'api'::text) $$, 'under their user key');
select tests.authenticate_as(tests.audience_user('other'));
select throws_ok($$ select public.record_opt_out(md5('org:aud-berlin')::uuid, 'C1') $$, '42501', null, 'but not for another visitor');
select is(public.withdraw_opt_out(md5('org:aud-berlin')::uuid), true, 'and withdraws their own');
select tests.authenticate_as(tests.audience_user('admin'));
select throws_ok($$ select public.record_opt_out(md5('org:aud-berlin')::uuid, 'C1', 'email') $$, '22023', 'unknown opt-out source ''email''', 'unknown source: 22023');
select throws_ok($$ select public.record_opt_out(md5('org:aud-berlin')::uuid, '') $$, '22023', 'visitor key must have 1 to 128 bytes', 'empty key: 22023');
select tests.authenticate_as_anon();
select throws_ok($$ select public.record_opt_out(md5('org:aud-berlin')::uuid, 'C1') $$, '42501', null, 'anon gets 42501');

-- 4. A user's own opt-out covers their devices. Gina (signed in, not a member) browses
-- aud-berlin on device devG; her audience identity there is devG, not user:<gina>.
select tests.clear_authentication();
select tests.create_user('gina@opt.test');
select tests.authenticate_as(md5('gina@opt.test')::uuid);
select is(public.log_events(jsonb_build_array(jsonb_build_object('org_id', md5('org:aud-berlin')::uuid, 'event_type', 'page_view',
            'occurred_at', to_char(now() - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'visitor_id', 'devG'))) -> 'accepted',
          '1'::jsonb, 'gina logs a page view on her device devG');
select tests.authenticate_as(tests.audience_user('admin'));
select results_eq($$ select visitor_id collate "default" from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 720, 0) where visitor_id = 'devG' $$,
  $$ values ('devG'::text) $$, 'before: devG is a lead (score 1 >= 0)');
select tests.authenticate_as(md5('gina@opt.test')::uuid);
select isnt(public.record_opt_out(md5('org:aud-berlin')::uuid), null, 'gina opts herself out');
select tests.authenticate_as(tests.audience_user('admin'));
select results_eq($$ select visitor_id collate "default" from audience.opt_outs where org_id = md5('org:aud-berlin')::uuid
                       and visitor_id in ('devG', 'user:' || md5('gina@opt.test')::uuid::text) order by 1 $$,
  $$ values ('user:' || md5('gina@opt.test')::uuid::text) $$,
  'her user key is opted out; devG, named only by her own signed-in client, is not (anyone may name any device)');
select results_eq($$ select visitor_id collate "default" from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 720, 0) where visitor_id = 'devG' $$,
  $$ values ('devG'::text) $$, 'hot leads: devG stays (no trusted writer links it to her)');
select is(public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'devG'), 0, 'propensity of devG: 0 (scored, not NULL)');
select tests.authenticate_as(tests.audience_user('analyst'));
select is(public.get_user_dashboard(md5('org:aud-berlin')::uuid, (now() - interval '3 days')::date, (now() + interval '1 day')::date,
                                    md5('gina@opt.test')::uuid), null::jsonb,
  'an analyst gets no dashboard of a user who opted out');
-- A device first seen after the opt-out (the back end logs it with her user id): its stored
-- customer row carries user_id gina, and customers_now (segments, exports) leaves it out.
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id)
values (md5('org:aud-berlin')::uuid, now() - interval '1 hour', clock_timestamp(), 'page_view', 'devG2', md5('gina@opt.test')::uuid);
select tests.wait_for_earlier_transactions();
select audience.update_customers(md5('org:aud-berlin')::uuid);
select results_eq($$ select (select count(*) from audience.customers where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'devG2'),
                            (select count(*) from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'devG2') $$,
  $$ values (0::bigint, 0::bigint) $$, 'devG2, linked to her by the back end after her opt-out: no customer row, none in customers_now');
select tests.authenticate_as(tests.audience_user('admin'));
select is_empty($$ select * from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 720, 0) where visitor_id = 'devG2' $$,
  'hot leads: not devG2');
select is(public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'devG2'), null::integer, 'propensity of devG2: NULL');
select tests.authenticate_as(md5('gina@opt.test')::uuid);
select is(public.withdraw_opt_out(md5('org:aud-berlin')::uuid), true, 'gina withdraws her opt-out');
select tests.clear_authentication();
select is((select count(*) from audience.opt_outs where org_id = md5('org:aud-berlin')::uuid
            and visitor_id in ('devG', 'user:' || md5('gina@opt.test')::uuid::text)), 0::bigint, 'none of her opt-outs is left');
-- A device's own opt-out (recorded by support) is not hers to withdraw, though her events name it.
select tests.authenticate_as(tests.audience_user('admin'));
select isnt(public.record_opt_out(md5('org:aud-berlin')::uuid, 'devG', 'support'), null, 'support opts device devG out');
select tests.authenticate_as(md5('gina@opt.test')::uuid);
select isnt(public.record_opt_out(md5('org:aud-berlin')::uuid), null, 'gina opts herself out again');
select is(public.withdraw_opt_out(md5('org:aud-berlin')::uuid), true, 'and withdraws');
select tests.clear_authentication();
select results_eq($$ select source from audience.opt_outs where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'devG' $$,
  $$ values ('support'::text) $$, 'the device''s own opt-out stays');

-- 5. Naming someone else's device in a self-logged event links nothing: Mallory (signed in,
-- not a member) logs an event under C1's visitor id, then opts herself out. C1 keeps its
-- customer row and its score.
select tests.create_user('mallory@opt.test');
select tests.authenticate_as(md5('mallory@opt.test')::uuid);
select public.log_events(jsonb_build_array(jsonb_build_object('org_id', md5('org:aud-berlin')::uuid, 'event_type', 'page_view',
  'occurred_at', to_char(now() - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'visitor_id', 'C1')));
select isnt(public.record_opt_out(md5('org:aud-berlin')::uuid), null, 'mallory opts herself out');
select tests.clear_authentication();
select results_eq($$ select visitor_id collate "default" from audience.opt_outs where org_id = md5('org:aud-berlin')::uuid
                       and visitor_id in ('C1', 'user:' || md5('mallory@opt.test')::uuid::text) $$,
  $$ values ('user:' || md5('mallory@opt.test')::uuid::text) $$, 'only her own key is opted out, not C1');
select tests.wait_for_earlier_transactions();
select audience.update_customers(md5('org:aud-berlin')::uuid);
select is((select count(*)::int from audience.customers_now(md5('org:aud-berlin')::uuid) where visitor_id = 'C1'), 1,
  'C1 keeps its customer row');
select tests.authenticate_as(tests.audience_user('admin'));
select is(public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'C1'), 4, 'and its score: 4, not NULL (her event is C1''s activity: a second session)');

select * from finish();
