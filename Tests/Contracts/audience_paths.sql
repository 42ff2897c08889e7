-- Contract: public.get_audience_paths. Fixture: tests.audience_june_fixture (see
-- Tests/Contracts/_support/40_audience_fixtures.sql), aud-berlin in Europe/Berlin, period
-- [2026-06-01, 2026-06-15), plus three sessions added below.
select plan(12);

select tests.audience_june_fixture(tests.audience_orgs());
-- V9:  06-13 10:00 page_view, 10:01 page_view, 10:03 purchase -> page_view > purchase (3 min)
-- V10: 06-13 11:00 event_view, 11:02 purchase -> event_view > purchase (2 min)
-- V11: 06-14 15:00 page_view, 15:01 event_view, 15:02 page_view, 15:03 ticket_cta,
--      15:04 checkout_started, 15:10 purchase: 6 steps, longer than 5 -> 'other' (10 min)
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-13 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-13 10:01'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-13 10:03'), 'purchase');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V10', tests.berlin('2026-06-13 11:00'), 'event_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V10', tests.berlin('2026-06-13 11:02'), 'purchase');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V11', tests.berlin('2026-06-14 15:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V11', tests.berlin('2026-06-14 15:01'), 'event_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V11', tests.berlin('2026-06-14 15:02'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V11', tests.berlin('2026-06-14 15:03'), 'ticket_cta');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V11', tests.berlin('2026-06-14 15:04'), 'checkout_started');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V11', tests.berlin('2026-06-14 15:10'), 'purchase');
-- V12: a session that begins before the period (05-31 23:50 Berlin) and buys inside it
--      (06-01 00:05): not a session of [06-01, ...), one of [05-31, ...).
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V12', tests.berlin('2026-05-31 23:50'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V12', tests.berlin('2026-06-01 00:05'), 'purchase');

select tests.authenticate_as(tests.audience_user('viewer'));

-- 10 sessions start in the period: V1 twice, V2, V3, V4, V6, V7, V9, V10, V11 (the bot's
-- are excluded); 9 of them begin with page_view, 1 with event_view.
-- Purchasing: V1 page_view > ticket_cta > checkout_started > purchase (ten page views
-- collapse into one step; 12 min), V2 page_view > purchase (5 min), V3 page_view >
-- checkout_started > purchase (5 min), V9 page_view > purchase (3 min), V10 event_view >
-- purchase (2 min), V11 6 steps (10 min).
-- Top 3 (sessions, visitors, then path): page_view > purchase (2 sessions, 2/9 began with
-- page_view = 22.2 %), event_view > purchase (1/1), page_view > checkout_started > purchase
-- (began with page_view > checkout_started: only V3, 1/1). Other: V1's path and V11's long
-- one, (12 + 10) / 2 = 11.0 min.
select results_eq(
  $$ select rank, path, label, steps, sessions, visitors, avg_minutes_to_purchase, conversion_pct
     from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', 5, 3) $$,
  $$ values (1, array['page_view', 'purchase'], 'page_view > purchase', 2, 2::bigint, 2::bigint, 4.0, 22.2),
            (2, array['event_view', 'purchase'], 'event_view > purchase', 2, 1::bigint, 1::bigint, 2.0, 100.0),
            (3, array['page_view', 'checkout_started', 'purchase'], 'page_view > checkout_started > purchase', 3, 1::bigint, 1::bigint, 5.0, 100.0),
            (null, null, 'other', null, 2::bigint, 2::bigint, 11.0, null) $$,
  'top 3 journeys to a purchase, with the rest (a rarer path and one longer than 5 steps) summed in other'
);

select results_eq(
  $$ select rank, label, sessions, conversion_pct
     from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') where rank = 4 $$,
  $$ values (4, 'page_view > ticket_cta > checkout_started > purchase', 1::bigint, 50.0) $$,
  'defaults (5 steps, 10 paths): V1''s journey is listed; 2 sessions began page_view > ticket_cta > checkout_started (V1, V6), 1 bought: 50.0 %'
);

select results_eq(
  $$ select count(*)::int, sum(sessions)::int from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values (5, 6) $$,
  'defaults: 4 paths of at most 5 steps plus other (V11''s 6 steps), 6 purchasing sessions in all'
);

select results_eq(
  $$ select label, sessions from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', 3, 10) where label = 'other' $$,
  $$ values ('other', 2::bigint) $$,
  'with at most 3 steps, V1''s 4-step journey joins V11''s in other'
);

select results_eq(
  $$ select label, sessions, avg_minutes_to_purchase from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-10', '2026-06-11') $$,
  $$ values ('page_view > ticket_cta > checkout_started > purchase', 1::bigint, 12.0) $$,
  'a buyer''s ten page views make one step; 12 minutes from the session''s first event to the purchase'
);

select results_eq(
  $$ select label, sessions, avg_minutes_to_purchase, conversion_pct from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-05-31', '2026-06-02') $$,
  $$ values ('page_view > purchase'::text, 1::bigint, 15.0, 50.0) $$,
  'V12''s session counts where it began (05-31, 15 minutes to its purchase; V4''s session on 06-01 began with a page view too: 1 of 2); it is in no row of the period starting 06-01 (see the first test)'
);

select is_empty(
  $$ select * from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-09', '2026-06-10') $$,
  'bots: the bot''s page views and purchase of 06-09 make no journey'
);

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(
  $$ select * from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'a member of another organization gets 42501'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  '42501', null, 'anon gets 42501'
);
select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok(
  $$ select * from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-15', '2026-06-01') $$,
  '22023', null, 'to before from: 22023'
);
select throws_ok(
  $$ select * from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', 1) $$,
  '22023', null, 'p_max_steps 1 (a path needs a step before its purchase): 22023'
);
select throws_ok(
  $$ select * from public.get_audience_paths(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', 5, 0) $$,
  '22023', null, 'p_limit 0: 22023'
);

select * from finish();
