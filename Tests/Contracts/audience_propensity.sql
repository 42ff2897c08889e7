-- Contract: public.calculate_propensity_score and public.get_high_intent_visitors. Scores
-- use the last 30 days before now(), so this fixture is placed relative to now() (t = now):
--   P1  page_view t-3d, ticket_cta t-2h, checkout_started t-1h (2 sessions), wifi: 3+4+1 = 8
--   P2  as P1, plus an order of 2000 at t-10d: 3+4+1+3 = 11, clamped to 10
--   P3  ticket_cta t-1h on 3g: 3-2 = 1
--   P4  page_view t-2h, an order refunded (t-5d): 0
--   P5  checkout_started t-40d (outside the window), page_view t-1h: 0
--   P6  bot: ticket_cta and checkout_started t-1h: 0 (bots excluded)
--   P7  page_view t-1h on 2g: -2, clamped to 0
--   P8  as P1 (8) but opted out (audience.opt_outs)
--   P9  ticket_cta t-31h, checkout_started t-30h50m (one session): 7, not active in the last 24 h
--   U   signed in without a visitor id (key 'user:<id>'): ticket_cta t-1h, checkout t-50min: 7
-- Subscribers: P2 email p2@example.com and sms +4915100000002 (active); P1 an unsubscribed email.
select plan(18);

select tests.audience_orgs();
do $$
declare
  v_org uuid := md5('org:aud-berlin')::uuid;
  v_now timestamptz := pg_catalog.now();
  v_p   text;
begin
  foreach v_p in array array['P1', 'P2', 'P8'] loop
    perform tests.audience_event(v_org, v_p, v_now - interval '3 days', 'page_view', 'mobile', 'wifi');
    perform tests.audience_event(v_org, v_p, v_now - interval '2 hours', 'ticket_cta', 'mobile', 'wifi');
    perform tests.audience_event(v_org, v_p, v_now - interval '1 hour', 'checkout_started', 'mobile', 'wifi');
  end loop;
  perform tests.audience_order(v_org, 'P2', v_now - interval '10 days', 2000);
  perform tests.audience_event(v_org, 'P3', v_now - interval '1 hour', 'ticket_cta', 'mobile', '3g');
  perform tests.audience_event(v_org, 'P4', v_now - interval '2 hours', 'page_view', 'desktop', 'wifi');
  perform tests.audience_order(v_org, 'P4', v_now - interval '6 days', 1500, v_now - interval '5 days');
  perform tests.audience_event(v_org, 'P5', v_now - interval '40 days', 'checkout_started', 'desktop', 'wifi');
  perform tests.audience_event(v_org, 'P5', v_now - interval '1 hour', 'page_view', 'desktop', 'wifi');
  perform tests.audience_event(v_org, 'P6', v_now - interval '1 hour', 'ticket_cta', 'desktop', 'wifi', p_is_bot => true);
  perform tests.audience_event(v_org, 'P6', v_now - interval '55 minutes', 'checkout_started', 'desktop', 'wifi', p_is_bot => true);
  perform tests.audience_event(v_org, 'P7', v_now - interval '1 hour', 'page_view', 'mobile', '2g');
  insert into audience.opt_outs (org_id, visitor_id, source) values (v_org, 'P8', 'do_not_track');
  perform tests.audience_event(v_org, 'P9', v_now - interval '31 hours', 'ticket_cta', 'desktop', 'wifi');
  perform tests.audience_event(v_org, 'P9', v_now - interval '30 hours 50 minutes', 'checkout_started', 'desktop', 'wifi');
  perform tests.audience_event(v_org, null, v_now - interval '1 hour', 'ticket_cta', 'desktop', 'wifi', p_user_id => tests.audience_user('fan'));
  perform tests.audience_event(v_org, null, v_now - interval '50 minutes', 'checkout_started', 'desktop', 'wifi', p_user_id => tests.audience_user('fan'));
  insert into audience.subscribers (org_id, channel, contact, visitor_id) values
    (v_org, 'email', 'p2@example.com', 'P2'),
    (v_org, 'sms', '+4915100000002', 'P2');
  insert into audience.subscribers (org_id, channel, contact, visitor_id, subscribed_at, unsubscribed_at) values
    (v_org, 'email', 'p1@example.com', 'P1', v_now - interval '9 days', v_now - interval '8 days');
end $$;

select tests.authenticate_as(tests.audience_user('analyst'));

select results_eq(
  $$ select v, public.calculate_propensity_score(md5('org:aud-berlin')::uuid, v)
     from unnest(array['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P9', 'nobody']) as v $$,
  $$ values ('P1', 8), ('P2', 10), ('P3', 1), ('P4', 0), ('P5', 0), ('P6', 0), ('P7', 0), ('P9', 7), ('nobody', 0) $$,
  'scores: +3 CTA +4 checkout +1 repeat (P1 8); +3 purchaser clamped (P2 10); -2 slow network (P3 1, P7 0); refunded order (P4 0); signal older than 30 days (P5 0); bots (P6 0); unknown visitor 0'
);

select is(
  public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'user:' || tests.audience_user('fan')),
  7, 'a signed-in visitor without visitor id is scored under the key user:<id>'
);

select results_eq(
  $$ select visitor_id, propensity_score, intent_level::text, viewed_ticket_cta, started_checkout, repeat_visitor,
            slow_network, past_purchaser, recent_events, recent_event_types, email, phone
     from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid) $$,
  $$ values ('P2'::text, 10, 'high'::text, true, true, true, false, true, 2::bigint, array['checkout_started', 'ticket_cta'], null::text, null::text),
            ('P1', 8, 'high', true, true, true, false, false, 2::bigint, array['checkout_started', 'ticket_cta'], null, null),
            ('user:' || tests.audience_user('fan'), 7, 'high', true, true, false, false, false, 2::bigint, array['checkout_started', 'ticket_cta'], null, null) $$,
  'hot leads (24 h, score >= 7) for an analyst: P2, P1, the signed-in fan; no contact details; P8 (opted out) and P9 (30 h ago) absent'
);

select results_eq(
  $$ select visitor_id from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 48, 7) $$,
  $$ values ('P2'::text), ('P1'), ('user:' || tests.audience_user('fan')), ('P9') $$,
  '48 hours: P9 (score 7, active 30 hours 50 minutes ago) joins, after the fan (same score, more recent)'
);

select results_eq(
  $$ select count(*)::int from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 24, 0) $$,
  $$ values (7) $$,
  'min score 0: every human, non-opted-out visitor active in 24 hours (P1-P5, P7, the fan; not the bot P6, not P8)'
);

select results_eq(
  $$ select last_active_at = now() - interval '1 hour', device_type from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid) where visitor_id = 'P1' $$,
  $$ values (true, 'mobile'::text) $$,
  'last active time and device of the recent activity'
);

select tests.authenticate_as(tests.audience_user('admin'));
select results_eq(
  $$ select visitor_id, email, phone from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid) $$,
  $$ values ('P2'::text, 'p2@example.com'::text, '+4915100000002'::text), ('P1', null, null),
            ('user:' || tests.audience_user('fan'), null, null) $$,
  'an admin gets contact details of active subscriptions (P1''s is unsubscribed)'
);

select tests.authenticate_as_service_role();
select results_eq(
  $$ select email from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid) where visitor_id = 'P2' $$,
  $$ values ('p2@example.com'::text) $$,
  'service_role gets contact details'
);

select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok(
  $$ select * from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid) $$,
  '42501', null, 'a viewer may not list visitors (analyst or above)'
);
select throws_ok(
  $$ select public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'P1') $$,
  '42501', null, 'a viewer may not score a visitor (analyst or above)'
);

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(
  $$ select * from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid) $$,
  '42501', null, 'a member of another organization gets 42501 (list)'
);
select throws_ok(
  $$ select public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'P1') $$,
  '42501', null, 'a member of another organization gets 42501 (score)'
);

select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid) $$,
  '42501', null, 'anon gets 42501 (list)'
);
select throws_ok(
  $$ select public.calculate_propensity_score(md5('org:aud-berlin')::uuid, 'P1') $$,
  '42501', null, 'anon gets 42501 (score)'
);

select tests.authenticate_as(tests.audience_user('analyst'));
select throws_ok(
  $$ select * from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 0, 7) $$,
  '22023', null, 'p_hours 0: 22023'
);
select throws_ok(
  $$ select * from public.get_high_intent_visitors(md5('org:aud-berlin')::uuid, 24, 11) $$,
  '22023', null, 'p_min_score 11: 22023'
);
select throws_ok(
  $$ select public.calculate_propensity_score(md5('org:aud-berlin')::uuid, null) $$,
  '22023', null, 'a NULL visitor id: 22023'
);

select tests.authenticate_as(tests.audience_user('analyst'));
select throws_ok($$ select public.calculate_propensity_score(md5('org:aud-berlin')::uuid, repeat('v', 129)) $$,
                 '22023', 'visitor id must have 1 to 128 bytes', 'a visitor id over 128 bytes: 22023 (visitor ids are at most 128)');

select * from finish();
