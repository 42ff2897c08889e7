-- Contract: public.get_conversion_funnel(p_org_id, p_steps, p_from, p_to, p_window).
-- Fixture: organization "fun" in Europe/Berlin (UTC+1 in March 2025), period
-- [2025-03-10, 2025-03-12) local, steps page_view -> ticket_cta -> purchase. Times UTC:
--   f1  pv 03-10 09:00, cta 09:10, purchase 09:30                 -> 3 steps (600 s, 1200 s)
--   f2  pv 03-10 10:00, cta 10:20                                  -> 2 steps (1200 s)
--   f3  cta 03-10 08:00, pv 08:30, purchase 09:00                  -> 1 step: the cta came before the entry
--   f4  pv 03-10 12:00, pv 13:00, cta 03-11 12:00, purchase 03-20 12:00
--                                                                  -> 3 steps (86400 s, 777600 s):
--                                                                     the window runs from the entry, past p_to
--   f5  pv 03-10 14:00, cta 03-26 14:00                            -> 1 step: 16 days > 14-day window
--   f6  pv 03-09 22:59:59 (local 03-09 23:59:59, before the period), pv 03-09 23:00:00
--       (local 03-10 00:00:00: the entry), cta 03-09 23:30         -> 2 steps (1800 s)
--   f7  pv 03-11 23:00:00 (local 03-12 00:00:00: after the period) -> no entry
--   f8  pv, cta, purchase on 03-10 by a bot                        -> never counted
--   f9  (no visitor_id, user U) pv 03-11 10:00, cta 10:05, purchase 10:10 -> 3 steps (300 s, 300 s)
--   f10 pv 03-10 15:00, purchase 15:10, cta 15:20                  -> 2 steps (1200 s): the purchase came
--                                                                     before the cta and does not count
-- Step 1: 8 visitors; step 2: f1 f2 f4 f6 f9 f10 = 6 (median of 300 600 1200 1200 1800 86400 = 1200);
-- step 3: f1 f4 f9 = 3 (median of 300 1200 777600 = 1200).
select plan(14);

select tests.create_user('owner@fun.test');
select tests.create_user('outsider@fun.test');
select tests.create_user('fan@fun.test');
select tests.create_org('fun', md5('owner@fun.test')::uuid);
select tests.create_org('fun-other', md5('outsider@fun.test')::uuid);
update app.organizations set timezone = 'Europe/Berlin' where id = md5('org:fun')::uuid;

insert into analytics.events (org_id, occurred_at, event_type, visitor_id, user_id, is_bot)
select md5('org:fun')::uuid, x.at::timestamptz, x.type,
       case when x.visitor <> 'f9' then x.visitor end,
       case when x.visitor = 'f9' then md5('fan@fun.test')::uuid end,
       x.visitor = 'f8'
from (values
  ('f1', '2025-03-10 09:00:00Z', 'page_view'), ('f1', '2025-03-10 09:10:00Z', 'ticket_cta'), ('f1', '2025-03-10 09:30:00Z', 'purchase'),
  ('f2', '2025-03-10 10:00:00Z', 'page_view'), ('f2', '2025-03-10 10:20:00Z', 'ticket_cta'),
  ('f3', '2025-03-10 08:00:00Z', 'ticket_cta'), ('f3', '2025-03-10 08:30:00Z', 'page_view'), ('f3', '2025-03-10 09:00:00Z', 'purchase'),
  ('f4', '2025-03-10 12:00:00Z', 'page_view'), ('f4', '2025-03-10 13:00:00Z', 'page_view'),
  ('f4', '2025-03-11 12:00:00Z', 'ticket_cta'), ('f4', '2025-03-20 12:00:00Z', 'purchase'),
  ('f5', '2025-03-10 14:00:00Z', 'page_view'), ('f5', '2025-03-26 14:00:00Z', 'ticket_cta'),
  ('f6', '2025-03-09 22:59:59Z', 'page_view'), ('f6', '2025-03-09 23:00:00Z', 'page_view'), ('f6', '2025-03-09 23:30:00Z', 'ticket_cta'),
  ('f7', '2025-03-11 23:00:00Z', 'page_view'),
  ('f8', '2025-03-10 09:00:00Z', 'page_view'), ('f8', '2025-03-10 09:01:00Z', 'ticket_cta'), ('f8', '2025-03-10 09:02:00Z', 'purchase'),
  ('f9', '2025-03-11 10:00:00Z', 'page_view'), ('f9', '2025-03-11 10:05:00Z', 'ticket_cta'), ('f9', '2025-03-11 10:10:00Z', 'purchase'),
  ('f10', '2025-03-10 15:00:00Z', 'page_view'), ('f10', '2025-03-10 15:10:00Z', 'purchase'), ('f10', '2025-03-10 15:20:00Z', 'ticket_cta')
) as x (visitor, at, type);
-- The same sequence in another organization must not leak in.
insert into analytics.events (org_id, occurred_at, event_type, visitor_id)
values (md5('org:fun-other')::uuid, '2025-03-10 09:00:00Z', 'page_view', 'f1'),
       (md5('org:fun-other')::uuid, '2025-03-10 09:05:00Z', 'ticket_cta', 'f1');

select tests.authenticate_as(md5('owner@fun.test')::uuid);
select results_eq(
  $$ select step, event_type, visitors, conversion_from_previous_pct, conversion_from_first_pct, median_seconds_from_previous
     from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,ticket_cta,purchase}', '2025-03-10', '2025-03-12') $$,
  $$ values (1, 'page_view', 8::bigint, 100.0, 100.0, null::numeric),
            (2, 'ticket_cta', 6::bigint, 75.0, 75.0, 1200.0),
            (3, 'purchase', 3::bigint, 50.0, 37.5, 1200.0) $$,
  'default 14-day window: 8 -> 6 -> 3 visitors, 75.0 % then 50.0 % (37.5 % of the first), medians 1200 s');
select results_eq(
  $$ select step, visitors, conversion_from_previous_pct, conversion_from_first_pct, median_seconds_from_previous
     from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,ticket_cta,purchase}', '2025-03-10', '2025-03-12', '1 hour') $$,
  $$ values (1, 8::bigint, 100.0, 100.0, null::numeric), (2, 5::bigint, 62.5, 62.5, 1200.0), (3, 2::bigint, 40.0, 25.0, 750.0) $$,
  'a 1-hour window drops f4 (its cta a day later): 8 -> 5 -> 2, median of 300 and 1200 = 750 s');
select results_eq(
  $$ select step, visitors, median_seconds_from_previous
     from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,page_view}', '2025-03-10', '2025-03-12') $$,
  $$ values (1, 8::bigint, null::numeric), (2, 1::bigint, 3600.0) $$,
  'a repeated step needs a second, later event: only f4 (12:00 then 13:00)');
select results_eq(
  $$ select step, visitors
     from public.get_conversion_funnel(md5('org:fun')::uuid, '{ticket_cta,page_view}', '2025-03-10', '2025-03-12') $$,
  $$ values (1, 7::bigint), (2, 1::bigint) $$,
  'steps in the other order: 7 visitors had a cta in the period (f1 f2 f3 f4 f6 f9 f10; f5''s is too late), only f3 viewed a page after it');
select results_eq(
  $$ select step, visitors
     from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,ticket_cta}', '2025-03-11', '2025-03-12') $$,
  $$ values (1, 1::bigint), (2, 1::bigint) $$,
  'on local 03-11 only f9 enters (f4 entered the day before); one count per visitor');

select tests.authenticate_as_service_role();
select is((select visitors from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,ticket_cta,purchase}', '2025-03-10', '2025-03-12') where step = 3),
          3::bigint, 'service_role gets the same funnel');

select tests.authenticate_as(md5('outsider@fun.test')::uuid);
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,purchase}', '2025-03-10', '2025-03-12') $$,
                 '42501', null, 'a member of another organization gets 42501');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,purchase}', '2025-03-10', '2025-03-12') $$,
                 '42501', null, 'anon gets 42501');
select tests.authenticate_as(md5('owner@fun.test')::uuid);
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view}', '2025-03-10', '2025-03-12') $$,
                 '22023', null, 'one step is not a funnel: 22023');
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,no_such_type}', '2025-03-10', '2025-03-12') $$,
                 '22023', null, 'an unknown event type is 22023');
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, array['page_view', null], '2025-03-10', '2025-03-12') $$,
                 '22023', null, 'a NULL step is 22023');
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,purchase}', '2025-03-10', '2025-03-12', '0 seconds') $$,
                 '22023', null, 'a window of 0 is 22023');
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,purchase}', '2025-03-10', '2025-03-12', '91 days') $$,
                 '22023', null, 'a window over 90 days is 22023');
select throws_ok($$ select * from public.get_conversion_funnel(md5('org:fun')::uuid, '{page_view,purchase}', '2025-03-12', '2025-03-10') $$,
                 '22023', null, 'a reversed period is 22023');

select * from finish();
