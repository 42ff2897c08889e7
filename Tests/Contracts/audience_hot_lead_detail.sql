-- Contract: public.get_hot_lead_detail (a hot lead's activity per event type, with the card
-- wording) and audience.activity_phrase. Fixture (aud-berlin, relative to now = t):
--   L1  t-2h..t-1h: 5 page views, event_view of shows S1, S2, S3 and S1 again (4 views of 3
--       shows), ticket_cta on S1 twice, 1 checkout_started; t-30h a play (outside 24 h,
--       inside 48 h); a bot event with the same visitor id (never counted)
--   U   a signed-in user's events without visitor_id: 2 likes t-3h (key 'user:<id>')
--   L2  a ticket_cta t-1h, opted out
select plan(11);

select tests.audience_orgs();
create temp table t0 as select now() as t;
select tests.audience_event(md5('org:aud-berlin')::uuid, 'L1', (select t from t0) - interval '2 hours' + i * interval '1 minute', 'page_view')
from generate_series(1, 5) as i;
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, entity_type, entity_id, is_bot)
select md5('org:aud-berlin')::uuid, (select t from t0) - interval '90 minutes' + x.m * interval '1 minute', x.type, 'L1', 'tour_date', md5(x.show)::uuid, x.bot
from (values (1, 'event_view', 'S1', false), (2, 'event_view', 'S2', false), (3, 'event_view', 'S3', false), (4, 'event_view', 'S1', false),
             (5, 'ticket_cta', 'S1', false), (6, 'ticket_cta', 'S1', false), (7, 'checkout_started', 'S1', false),
             (8, 'ticket_cta', 'S2', true)) as x (m, type, show, bot);
select tests.audience_event(md5('org:aud-berlin')::uuid, 'L1', (select t from t0) - interval '30 hours', 'play');
select tests.audience_event(md5('org:aud-berlin')::uuid, null, (select t from t0) - interval '3 hours' + i * interval '1 minute', 'like', p_user_id => tests.audience_user('viewer'))
from generate_series(1, 2) as i;
select tests.audience_event(md5('org:aud-berlin')::uuid, 'L2', (select t from t0) - interval '1 hour', 'ticket_cta');
insert into audience.opt_outs (org_id, visitor_id) values (md5('org:aud-berlin')::uuid, 'L2');
grant select on t0 to authenticated;

select tests.authenticate_as(tests.audience_user('analyst'));
select results_eq(
  $$ select event_type, events, entities, phrase from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L1') $$,
  $$ values ('ticket_cta'::text, 2::bigint, 1::bigint, 'clicked Get Tickets 2x'::text),
            ('checkout_started', 1, 1, 'started checkout 1x'),
            ('page_view', 5, 5, 'viewed 5 pages'),
            ('event_view', 4, 3, 'viewed 3 events') $$,
  'L1 in the last 24 hours: commerce first, then by count; 4 event views of 3 shows read "viewed 3 events"; the bot''s ticket_cta and the play 30 hours ago are not counted'
);
select is(
  (select string_agg(phrase, ', ') from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L1')),
  'clicked Get Tickets 2x, started checkout 1x, viewed 5 pages, viewed 3 events',
  'the card: the phrases joined in order');
select results_eq(
  $$ select first_at = (select t from t0) - interval '85 minutes', last_at = (select t from t0) - interval '85 minutes' + interval '1 minute'
     from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L1') where event_type = 'ticket_cta' $$,
  $$ values (true, true) $$,
  'first_at and last_at of the two ticket CTAs');
select results_eq(
  $$ select event_type, events from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L1', 48) where event_type = 'play' $$,
  $$ values ('play'::text, 1::bigint) $$,
  'with p_hours 48 the play of 30 hours ago is in');
select results_eq(
  $$ select event_type, events, phrase from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'user:' || tests.audience_user('viewer')) $$,
  $$ values ('like'::text, 2::bigint, 'liked 2x'::text) $$,
  'a user key reads the user''s events without visitor_id');
select is_empty($$ select * from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L2') $$,
  'an opted-out visitor has no detail');
select results_eq(
  $$ select audience.activity_phrase('event_view', 1), audience.activity_phrase('interested', 2), audience.activity_phrase('mashup_exported', 3) $$,
  $$ values ('viewed 1 event'::text, 'marked 2 shows interesting'::text, 'mashup_exported 3x'::text) $$,
  'singular, plural, and a type without its own wording');

select throws_ok($$ select * from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L1', 721) $$, '22023', null, 'p_hours over 720: 22023');
select throws_ok($$ select * from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, '') $$, '22023', 'visitor id must have 1 to 128 bytes', 'empty key: 22023');
select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok($$ select * from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L1') $$, '42501', null, 'a viewer (below analyst) gets 42501');
select tests.authenticate_as(tests.audience_user('other'));
select throws_ok($$ select * from public.get_hot_lead_detail(md5('org:aud-berlin')::uuid, 'L1') $$, '42501', null, 'a non-member gets 42501');

select * from finish();
