-- Contract: audience.compute_customers continues a stored customer row with its new events
-- when they all follow it, recomputes the part from a late event on when they do not
-- (the stored row's prefix kept), and recomputes the whole history otherwise (a new
-- customer, an order, a late event that fills the stored last gap or lowers a capped
-- score); every way the rows equal
-- a recomputation from all raw rows, and a rebuild from empty equals the incremental rows
-- (organization "cust-incr"). Received times are in 2031, above any real watermark; the
-- file moves the watermark itself inside its rolled-back transaction. B = now() - 10 days.
-- Batch 1, received 2031-02-01 10:00 (applied up to W1 = 2031-02-01 12:00):
--   a  B page_view (utm_source news, mobile, DE, Berlin, wifi), B+10m play, B+50m like
--      (referrer blog.example): 3 events, 2 sessions, 2 engaged
--   c  B, B+50m page_view: 2 sessions          d  B, B+1h page_view: 2 sessions
--   e  20 page_views one hour apart: 20 sessions, score 100
--   n  16 page_views one hour apart, likes 1 minute after the first 8: score 5*16 + 2*8 = 96
--   g  B page_view                             h  B page_view, no visitor id, user U1
--   k  B, B+2h page_view: 2 sessions, score 10  m  B+1h page_view (utm_source news)
--   p  20 page_views 40 minutes apart: 20 sessions, score 100
--   q  B, B+2d page_view: 2 sessions
-- Batch 2, received in [W1, W2 = 2031-02-02 12:00):
--   a  B+1d ticket_cta (desktop, 4g), received exactly at W1; B+1d+20m page_view
--      (utm_source mail / email / spring, user U2); a bot event (never counted)
--   c  B+25m page_view: late, joins the two sessions into one and fills the stored last
--      gap (recomputed from its history)
--   d  B+1h play: at the same instant as its stored last event (the part from B+1h on)
--   k  B+1h like: late, a third session, score 17 (the part from B+1h on)
--   m  B page_view (utm_source ads): before its first event (first touch ads)
--   p  B+20m page_view: joins its first two sessions, 19 sessions, score 95 (recomputed)
--   q  B+1d+12h page_view: late, its stored event before it more than a day earlier
--   e  B+2d page_view: 21 sessions, score stays 100
--   n  B+15h+5m like: same session, score 98
--   f  B+1d page_view: a new customer      g  B+1d page_view and an order of 1500 (recomputed)
--   h  B+1d page_view of user U1 (the 'user:<id>' key, continued)
-- Batch 3, received 2031-02-03 10:00 (W3 = 2031-02-03 12:00):
--   a  B+3d page_view; n B+15h+10m like (score 100), B+15h+15m play; c B+3d page_view
select plan(17);

select tests.create_user('owner@cust-incr.test');
select tests.create_org('cust-incr', md5('owner@cust-incr.test')::uuid);
select private.apply_rollup('audience.customers', now(), true);

create temp table incr_events (visitor text, user_no int, after_b interval, received timestamptz, kind text,
                               source text, medium text, campaign text, referrer text, device text, country text,
                               city text, network text, bot boolean default false);
insert into incr_events (visitor, user_no, after_b, received, kind, source, referrer, device, country, city, network)
values ('a', null, '0', '2031-02-01 10:00Z', 'page_view', 'news', null, 'mobile', 'DE', 'Berlin', 'wifi'),
       ('a', null, '10 minutes', '2031-02-01 10:00Z', 'play', null, null, null, null, null, null),
       ('a', null, '50 minutes', '2031-02-01 10:00Z', 'like', null, 'blog.example', null, null, null, null),
       ('c', null, '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('c', null, '50 minutes', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('d', null, '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('d', null, '1 hour', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('g', null, '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('k', null, '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('k', null, '2 hours', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('m', null, '1 hour', '2031-02-01 10:00Z', 'page_view', 'news', null, null, null, null, null),
       ('q', null, '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       ('q', null, '2 days', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null),
       (null, 1, '0', '2031-02-01 10:00Z', 'page_view', null, null, null, null, null, null);
insert into incr_events (visitor, after_b, received, kind)
select 'e', make_interval(hours => i), '2031-02-01 10:00Z'::timestamptz, 'page_view' from generate_series(0, 19) as i
union all
select 'n', make_interval(hours => i), '2031-02-01 10:00Z'::timestamptz, 'page_view' from generate_series(0, 15) as i
union all
select 'n', make_interval(hours => i, mins => 1), '2031-02-01 10:00Z'::timestamptz, 'like' from generate_series(0, 7) as i
union all
select 'p', make_interval(mins => 40 * i), '2031-02-01 10:00Z'::timestamptz, 'page_view' from generate_series(0, 19) as i;

create function pg_temp.load_incr(p_received_from timestamptz, p_received_to timestamptz) returns void
language sql as $$
  insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id, utm_source, utm_medium,
                                utm_campaign, referrer_domain, device_type, country, city, network_type, is_bot)
  select md5('org:cust-incr')::uuid, now() - interval '10 days' + x.after_b, x.received, x.kind, x.visitor,
         case when x.user_no is not null then md5('user:cust-incr:' || x.user_no)::uuid end,
         x.source, x.medium, x.campaign, x.referrer, x.device, x.country, x.city, x.network, x.bot
  from pg_temp.incr_events as x
  where x.received >= p_received_from and x.received < p_received_to
$$;
select pg_temp.load_incr('-infinity', 'infinity');
select is(private.apply_rollup('audience.customers', '2031-02-01 12:00Z', true), 11::bigint,
          'batch 1 applied up to W1: 11 customers (a, c, d, e, g, k, m, n, p, q and user U1)');
select results_eq(
  $$ select visitor_id collate "default", events_count, sessions_count, engagement_score::int
     from audience.customers where org_id = md5('org:cust-incr')::uuid order by visitor_id $$,
  $$ values ('a', 3::bigint, 2::bigint, 14), ('c', 2, 2, 10), ('d', 2, 2, 10), ('e', 20, 20, 100), ('g', 1, 1, 5),
            ('k', 2, 2, 10), ('m', 1, 1, 5), ('n', 24, 16, 96), ('p', 20, 20, 100), ('q', 2, 2, 10), ('user:' || md5('user:cust-incr:1')::uuid, 1, 1, 5) $$,
  'batch 1: events, sessions and scores as constructed');

insert into incr_events (visitor, user_no, after_b, received, kind, source, medium, campaign, device, network, bot)
values ('a', null, '1 day', '2031-02-01 12:00Z', 'ticket_cta', null, null, null, 'desktop', '4g', false),
       ('a', 2, '1 day 20 minutes', '2031-02-01 13:00Z', 'page_view', 'mail', 'email', 'spring', null, null, false),
       ('a', null, '1 day 30 minutes', '2031-02-01 13:00Z', 'play', null, null, null, 'tablet', null, true),
       ('c', null, '25 minutes', '2031-02-01 13:00Z', 'page_view', null, null, null, null, null, false),
       ('d', null, '1 hour', '2031-02-01 13:00Z', 'play', null, null, null, null, null, false),
       ('e', null, '2 days', '2031-02-01 13:00Z', 'page_view', null, null, null, null, null, false),
       ('n', null, '15 hours 5 minutes', '2031-02-01 13:00Z', 'like', null, null, null, null, null, false),
       ('f', null, '1 day', '2031-02-01 13:00Z', 'page_view', null, null, null, null, null, false),
       ('g', null, '1 day', '2031-02-01 13:00Z', 'page_view', null, null, null, null, null, false),
       ('k', null, '1 hour', '2031-02-01 13:00Z', 'like', null, null, null, null, null, false),
       ('m', null, '0', '2031-02-01 13:00Z', 'page_view', 'ads', null, null, null, null, false),
       ('p', null, '20 minutes', '2031-02-01 13:00Z', 'page_view', null, null, null, null, null, false),
       ('q', null, '1 day 12 hours', '2031-02-01 13:00Z', 'page_view', null, null, null, null, null, false),
       (null, 1, '1 day', '2031-02-02 11:59:59.999999Z', 'page_view', null, null, null, 'tablet', null, false);
select pg_temp.load_incr('2031-02-01 12:00Z', '2031-02-02 12:00Z');
insert into audience.orders (org_id, kind, visitor_id, amount_cents, currency, occurred_at, received_at)
values (md5('org:cust-incr')::uuid, 'purchase', 'g', 1500, 'EUR', now() - interval '9 days', '2031-02-01 14:00Z');

-- Which rows are continued: a marker written into a stored column that no new event
-- changes (first touch) survives where the stored row is continued and is gone where the
-- customer's whole history is recomputed.
create temp table incr_stored as select * from audience.customers where org_id = md5('org:cust-incr')::uuid;
update audience.customers set first_campaign = 'marker' where org_id = md5('org:cust-incr')::uuid;
select results_eq(
  $$ select visitor_id collate "default", first_campaign = 'marker'
     from audience.compute_customers(md5('org:cust-incr')::uuid, '2031-02-01 12:00Z', '2031-02-02 12:00Z') order by visitor_id $$,
  $$ values ('a', true), ('c', false), ('d', true), ('e', true), ('f', false), ('g', false), ('k', true), ('m', false),
            ('n', true), ('p', false), ('q', true), ('user:' || md5('user:cust-incr:1')::uuid, true) $$,
  'continued: a, e, n, the user key (after the stored row), d, k, q (from a late event on; q''s stored event before it 36 hours earlier); recomputed: c (gap filled), f (new), g (an order), p (capped score lowered); m (before its first event: first touch recomputed)');
update analytics.retention_state set last_cutoff = now() - interval '10 days' + interval '1 minute' where id = 1;
select results_eq(
  $$ select pg_catalog.count(*) filter (where first_campaign = 'marker')
     from audience.compute_customers(md5('org:cust-incr')::uuid, '2031-02-01 12:00Z', '2031-02-02 12:00Z') $$,
  $$ values (0::bigint) $$,
  'a retention cutoff after the first_seen_at of a stored row: every such customer is recomputed');
update analytics.retention_state as s set last_cutoff = null where s.id = 1;
update audience.customers as c set first_campaign = b.first_campaign
from incr_stored as b where b.org_id = c.org_id and b.visitor_id = c.visitor_id;

select is(private.apply_rollup('audience.customers', '2031-02-02 12:00Z', true), 12::bigint,
          'batch 2 applied up to W2: the 12 touched customers (the bot event touches nobody)');
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:cust-incr')::uuid order by visitor_id $$,
  $$ select * from audience.compute_customers(md5('org:cust-incr')::uuid, '-infinity', 'infinity') order by visitor_id $$,
  'after batch 2 every stored row equals the recomputation from all raw rows, column by column');
select results_eq(
  $$ select visitor_id collate "default", events_count, sessions_count, engagement_score::int, device_type collate "default",
            country::text collate "default", city, user_id = md5('user:cust-incr:2')::uuid, last_network_type collate "default",
            last_ticket_cta_at = now() - interval '9 days', last_gap_at = now() - interval '10 days' + interval '50 minutes'
     from audience.customers where org_id = md5('org:cust-incr')::uuid and visitor_id in ('a', 'c', 'e', 'n') order by visitor_id $$,
  $$ values ('a', 5::bigint, 3::bigint, 19, 'desktop', 'DE', 'Berlin', true, null, true, true),
            ('c', 3, 1, 5, null, null, null, null, null, null, null),
            ('e', 21, 21, 100, null, null, null, null, null, null, false),
            ('n', 25, 16, 98, null, null, null, null, null, null, false) $$,
  'a continued (3 sessions, 2 engaged events: 19; a new session, the ticket CTA at W1, user U2, its last event without a network type, the gap after its stored last event), c joined into one session, e capped, n one engaged event more');
select results_eq(
  $$ select visitor_id collate "default", orders_count, revenue_cents from audience.customers
     where org_id = md5('org:cust-incr')::uuid and visitor_id in ('f', 'g') order by visitor_id $$,
  $$ values ('f', 0, 0::bigint), ('g', 1, 1500::bigint) $$,
  'f new, g with its order');
select results_eq(
  $$ select visitor_id collate "default", events_count, sessions_count, engagement_score::int, first_seen_at = now() - interval '10 days',
            last_gap_at - (now() - interval '10 days')
     from audience.customers where org_id = md5('org:cust-incr')::uuid and visitor_id in ('d', 'k', 'm', 'p', 'q') order by visitor_id $$,
  $$ values ('d', 3::bigint, 2::bigint, 12, true, interval '0'), ('k', 3, 3, 17, true, interval '1 hour'),
            ('m', 2, 2, 10, true, interval '0'), ('p', 21, 19, 95, true, interval '12 hours'),
            ('q', 3, 3, 15, true, interval '1 day 12 hours') $$,
  'late events: d one engaged event more; k a third session (score 17, last gap B+1h); m first seen at B; p 19 sessions (95); q a third session');
select is((select first_source collate "default" from audience.customers where org_id = md5('org:cust-incr')::uuid and visitor_id = 'm'),
          (select first_source collate "default" from audience.compute_customers(md5('org:cust-incr')::uuid, '-infinity', 'infinity') where visitor_id = 'm'),
          'm: the first touch of its new first event');
select is((select device_type collate "default" from audience.customers
           where org_id = md5('org:cust-incr')::uuid and visitor_id = 'user:' || md5('user:cust-incr:1')::uuid),
          'tablet', 'the user key continued with the event received just before W2');

insert into incr_events (visitor, after_b, received, kind)
values ('a', '3 days', '2031-02-03 10:00Z', 'page_view'),
       ('n', '15 hours 10 minutes', '2031-02-03 10:00Z', 'like'),
       ('n', '15 hours 15 minutes', '2031-02-03 10:00Z', 'play'),
       ('c', '3 days', '2031-02-03 10:00Z', 'page_view');
select pg_temp.load_incr('2031-02-02 12:00Z', '2031-02-04 00:00Z');
select is(private.apply_rollup('audience.customers', '2031-02-03 12:00Z', true), 3::bigint,
          'batch 3 applied up to W3: a, c, n');
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:cust-incr')::uuid order by visitor_id $$,
  $$ select * from audience.compute_customers(md5('org:cust-incr')::uuid, '-infinity', 'infinity') order by visitor_id $$,
  'after batch 3 every stored row equals the recomputation from all raw rows');
select results_eq(
  $$ select visitor_id collate "default", sessions_count, engagement_score::int,
            last_gap_at = now() - interval '9 days' + interval '20 minutes'
     from audience.customers where org_id = md5('org:cust-incr')::uuid and visitor_id in ('a', 'n') order by visitor_id $$,
  $$ values ('a', 4::bigint, 24, true), ('n', 16::bigint, 100, false) $$,
  'a: a fourth session (score 24), the gap after B+1d+20m; n: capped at 100 (5 x 16 + 2 x 11)');

create temp table incr_before as select * from audience.customers where org_id = md5('org:cust-incr')::uuid;
select lives_ok($$ select private.reset_rollup('audience.customers') $$, 'reset empties the rollup');
select lives_ok($$ select private.apply_rollup('audience.customers', '2031-02-03 12:00Z', true) $$, 'and the apply rebuilds it');
select results_eq(
  $$ select * from audience.customers where org_id = md5('org:cust-incr')::uuid order by visitor_id $$,
  $$ select * from incr_before order by visitor_id $$,
  'the rebuild from empty equals the rows maintained over three batches');

select * from finish();
