-- Contract: the insight aggregates maintained from their parts (migration 1140,
-- insights.refresh_all_aggregates). After a local day change, a late event, an event
-- received exactly at the stored bound and a retention run, the stored rows equal
-- insights.event_aggregates_raw for the same boundaries, row for row, and the day change
-- and the late events go through the parts ("delta"), not a recomputation.
-- Organization parts (UTC), D = today (UTC). Events received an hour ago:
--   visitor a: page_view D-61 10:00, purchase D-46 10:00
--   visitor b: link_click D-1 10:00 in Berlin, DE (spotify, streaming)
--   visitor c: play D-31 10:00, page_view D-20 10:00 in Paris, FR
--   no visitor: page_view D-5 10:00; a bot: purchase D-2 10:00 (visitor z, never counted)
-- Yesterday's periods (p_now = now - 1 day): comparison [D-61, D-31) split at D-46, period
-- [D-31, D-1) split at D-16; today's: [D-60, D-30) at D-45, [D-30, D) at D-15.
select plan(47);

select tests.create_user('owner@parts.test');
select tests.create_org('parts', pg_catalog.md5('owner@parts.test')::uuid);
update app.organizations set timezone = 'UTC' where slug = 'parts';
create temp table parts_org as select pg_catalog.md5('org:parts')::uuid as id;
grant select on parts_org to service_role;
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country, link_type, platform, is_bot)
select (select id from parts_org), ((pg_catalog.now() at time zone 'UTC')::date - e.d + time '10:00') at time zone 'UTC',
       pg_catalog.now() - interval '1 hour', e.type, e.visitor, e.city, e.country, e.link_type, e.platform, e.bot
from (values (61, 'page_view', 'a', null, null, null, null, false),
             (46, 'purchase', 'a', null, null, null, null, false),
             (1, 'link_click', 'b', 'Berlin', 'DE', 'streaming', 'spotify', false),
             (31, 'play', 'c', null, null, null, null, false),
             (20, 'page_view', 'c', 'Paris', 'FR', null, null, false),
             (5, 'page_view', null, null, null, null, null, false),
             (2, 'purchase', 'z', null, null, null, null, true)) as e (d, type, visitor, city, country, link_type, platform, bot);

-- The stored rows beside the raw ones for the stored boundaries: rows only one side has.
create function pg_temp.parts_diff() returns bigint language sql as $$
  with raw as (
    select x.* from private.insight_aggregates as a
    cross join lateral insights.event_aggregates_raw(a.org_id, a.comparison_start, a.period_start, a.period_end,
                                                     a.timezone, a.window_start, a.window_mid) as x
    where a.org_id = (select id from parts_org)),
  stored as (
    select r.dim, r.key1, r.key2, r.release_id, r.weekday, r.hour, r.events_1, r.events_2, r.events_3, r.events_4,
           r.clicks_1, r.clicks_2, r.clicks_3, r.clicks_4, r.visitors_1, r.visitors_2, r.visitors_3, r.visitors_4,
           r.visitors_now, r.visitors_before, r.engaged_1, r.engaged_2, r.engaged_3, r.engaged_4, r.engaged_now,
           r.engaged_before, r.high_now, r.high_before, r.medium_now, r.medium_before, r.located_now,
           r.recent_1, r.recent_2, r.recent_3, r.recent_4
    from private.insight_aggregate_rows as r where r.org_id = (select id from parts_org))
  select (select pg_catalog.count(*) from (select * from raw except all select * from stored) as x)
       + (select pg_catalog.count(*) from (select * from stored except all select * from raw) as y)
$$;
create function pg_temp.parts_all() returns table (v1 bigint, v2 bigint, v3 bigint, v4 bigint, e1 bigint, e2 bigint,
                                                    e3 bigint, e4 bigint, events bigint)
language sql as $$
  select r.visitors_1, r.visitors_2, r.visitors_3, r.visitors_4, r.engaged_1, r.engaged_2, r.engaged_3, r.engaged_4,
         coalesce(r.events_1, 0) + coalesce(r.events_2, 0) + coalesce(r.events_3, 0) + coalesce(r.events_4, 0)
  from private.insight_aggregate_rows as r where r.org_id = (select id from parts_org) and r.dim = 'all'
$$;
create function pg_temp.parts_result(p_now timestamptz default null) returns text language sql as $$
  select r.result from insights.refresh_all_aggregates(p_now) as r where r.org_id = (select id from parts_org)
$$;
-- The row ids of the organization's visitor days: a computation from the parts leaves the rows
-- it only reads in place, a computation in full deletes and inserts them all (other
-- organizations of the database may go either way, so the run's counts cannot say it).
create function pg_temp.parts_tids() returns tid[] language sql as $$
  select pg_catalog.array_agg(d.ctid) from private.insight_visitor_days as d where d.org_id = (select id from parts_org)
$$;
create temp table parts_tids (t tid[]);
create function pg_temp.parts_mark() returns void language sql as $$
  delete from parts_tids; insert into parts_tids select pg_temp.parts_tids();
$$;
create function pg_temp.parts_from_parts() returns boolean language sql as $$
  select coalesce(pg_temp.parts_tids() && (select t.t from parts_tids as t), false)
$$;

-- Yesterday: nothing stored, computed in full.
select is(pg_temp.parts_result(pg_catalog.now() - interval '1 day'), 'computed', 'yesterday''s periods: computed');
select is(pg_temp.parts_diff(), 0::bigint, 'yesterday''s stored rows equal the raw ones');
select results_eq($$ select * from pg_temp.parts_all() $$, $$ values (1::bigint, 1::bigint, 1::bigint, 0::bigint, 0::bigint, 1::bigint, 1::bigint, 0::bigint, 5::bigint) $$,
                  'yesterday: a in buckets 1 (page view) and 2 (purchase: engaged), c in 3 (play: engaged), b not yet; 5 events (the one without visitor in bucket 4)');
select is((select pg_catalog.count(*) from private.insight_visitor_days as d where d.org_id = (select id from parts_org)), 5::bigint,
          'five visitor days: a twice, c twice, b (its day is after the period: kept for the next one); none for the bot or the event without visitor');
select is((select pg_catalog.count(*) from private.insight_aggregate_event_parts as t
           where t.org_id = (select id from parts_org) and t.dim = 'all'), 4::bigint,
          'event parts of dim all: one per bucket');

-- The local day changes: from the parts.
select pg_temp.parts_mark();
select is(pg_temp.parts_result(), 'computed', 'today''s periods: computed');
select is(pg_temp.parts_from_parts(), true, 'from its parts (delta), not in full');
select is(pg_temp.parts_diff(), 0::bigint, 'after the local day change the stored rows equal the raw ones');
select results_eq($$ select * from pg_temp.parts_all() $$, $$ values (1::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, 0::bigint, 1::bigint, 5::bigint) $$,
                  'today: a in 1 (purchase), c in 2 (play) and 3 (page view), b in 4 (link click); the page view of D-61 left, the link click of D-1 came in: 5 events');
select is((select pg_catalog.count(*) from private.insight_visitor_days as d
           where d.org_id = (select id from parts_org) and d.day < (pg_catalog.now() at time zone 'UTC')::date - 60), 0::bigint,
          'the visitor day before the new comparison start is dropped');
select results_eq($$ select r.key1, r.key2, r.visitors_4, r.visitors_now, r.clicks_4 from private.insight_aggregate_rows as r
                     where r.org_id = (select id from parts_org) and r.dim = 'city' order by 1 $$,
                  $$ values ('Berlin'::text, 'DE'::text, 1::bigint, 1::bigint, 1::bigint), ('Paris', 'FR', 0, 1, 0) $$,
                  'city rows: Berlin (b, bucket 4, one click) came in, Paris (c, bucket 3)');
select is(pg_temp.parts_result(), 'kept', 'nothing new: kept');

-- A late event (D-10, a new visitor d, high intent) and the event received exactly at the
-- stored bound (D-3, visitor e): both new for the next run, each counted once.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values ((select id from parts_org), ((pg_catalog.now() at time zone 'UTC')::date - 10 + time '10:00') at time zone 'UTC',
        pg_catalog.clock_timestamp(), 'ticket_cta', 'd'),
       ((select id from parts_org), ((pg_catalog.now() at time zone 'UTC')::date - 3 + time '10:00') at time zone 'UTC',
        (select a.complete_before from private.insight_aggregates as a where a.org_id = (select id from parts_org)),
        'page_view', 'e');
select pg_temp.parts_mark();
select is(pg_temp.parts_result(), 'computed', 'late events: computed');
select is(pg_temp.parts_from_parts(), true, 'from the parts (delta)');
select is(pg_temp.parts_diff(), 0::bigint, 'after the late events the stored rows equal the raw ones');
select results_eq($$ select * from pg_temp.parts_all() $$, $$ values (1::bigint, 1::bigint, 1::bigint, 3::bigint, 1::bigint, 1::bigint, 0::bigint, 2::bigint, 7::bigint) $$,
                  'bucket 4: b, d (engaged) and e, each once; 7 events');
select is((select r.high_now from private.insight_aggregate_rows as r where r.org_id = (select id from parts_org) and r.dim = 'all'),
          1::bigint, 'd''s ticket click makes one high-intent visitor of the period');
select is(pg_temp.parts_result(), 'kept', 'the next run keeps it (the event at the old bound is not counted twice)');
select results_eq($$ select * from pg_temp.parts_all() $$, $$ values (1::bigint, 1::bigint, 1::bigint, 3::bigint, 1::bigint, 1::bigint, 0::bigint, 2::bigint, 7::bigint) $$,
                  'unchanged by the kept run');

-- Late events of a visitor already in the bucket (b: link click D-1 in Berlin, DE, bucket 4):
-- a page view there (D-2, Berlin) changes no visitor number (its visitor day is covered by
-- D-1's: same bucket and place, higher intent) and is only counted as an event; a purchase
-- (higher intent) and a page view in Munich (another city of the same country) change them: each time the stored
-- rows equal the raw ones.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country)
values ((select id from parts_org), ((pg_catalog.now() at time zone 'UTC')::date - 2 + time '10:00') at time zone 'UTC',
        pg_catalog.clock_timestamp(), 'page_view', 'b', 'Berlin', 'DE');
select is(pg_temp.parts_result(), 'computed', 'a covered late event: computed');
select is(pg_temp.parts_diff(), 0::bigint, 'after a covered late event the stored rows equal the raw ones');
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country)
values ((select id from parts_org), ((pg_catalog.now() at time zone 'UTC')::date - 2 + time '11:00') at time zone 'UTC',
        pg_catalog.clock_timestamp(), 'purchase', 'b', 'Berlin', 'DE');
select is(pg_temp.parts_result(), 'computed', 'a late event of higher intent: computed');
select is(pg_temp.parts_diff(), 0::bigint, 'after a late event of higher intent the stored rows equal the raw ones');
select is((select r.high_now from private.insight_aggregate_rows as r where r.org_id = (select id from parts_org) and r.dim = 'all'),
          2::bigint, 'b''s purchase makes b a high-intent visitor of the period: two');
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country)
values ((select id from parts_org), ((pg_catalog.now() at time zone 'UTC')::date - 3 + time '10:00') at time zone 'UTC',
        pg_catalog.clock_timestamp(), 'page_view', 'b', 'Munich', 'DE');
select is(pg_temp.parts_result(), 'computed', 'a late event in another place: computed');
select is(pg_temp.parts_diff(), 0::bigint, 'after a late event in another place the stored rows equal the raw ones');
select results_eq($$ select r.key1, r.visitors_4, r.visitors_now from private.insight_aggregate_rows as r
                     where r.org_id = (select id from parts_org) and r.dim = 'city' order by 1 $$,
                  $$ values ('Berlin'::text, 1::bigint, 1::bigint), ('Munich', 1, 1), ('Paris', 0, 1) $$,
                  'Munich (same country as Berlin): b in bucket 4');

-- Retention whose cutoff reaches the range (59 days): the stored result is deleted; the next
-- run computes it in full, with the visitor days rebuilt.
create temp table parts_ret59 as select * from analytics.apply_retention(59);
select pg_temp.parts_mark();
select is(pg_temp.parts_result(), 'computed', 'after a retention run into the range: computed');
select is(pg_temp.parts_from_parts(), false, 'in full (its visitor days rebuilt)');
select is(pg_temp.parts_diff(), 0::bigint, 'after retention the stored rows equal the raw ones');

-- Deleting the organization deletes its parts (private.derived_tables).
select tests.authenticate_as_service_role();
delete from app.organizations where slug = 'parts';
reset role;
select is((select pg_catalog.count(*) from private.insight_aggregate_event_parts where org_id = (select id from parts_org))
        + (select pg_catalog.count(*) from private.insight_aggregate_visitor_parts where org_id = (select id from parts_org))
        + (select pg_catalog.count(*) from private.insight_visitor_days where org_id = (select id from parts_org))
        + (select pg_catalog.count(*) from private.insight_aggregate_parts_state where org_id = (select id from parts_org)),
          0::bigint, 'the deleted organization''s parts, visitor days and state are gone');

-- A midpoint that is not a local midnight (Europe/Berlin, DST ended 2026-10-25): periods
-- ending 2026-11-10, then 2026-11-11 (p_now), split at 2026-10-25 23:30 and 2026-10-26 23:30
-- local time. Visitor x: page view 10-25 23:00, purchase 10-25 23:45; y: play 10-26 23:00,
-- link click 10-26 23:45; w: page view 10-11 10:00 (leaves the period for the comparison);
-- v: link click 11-10 10:00 (enters). Local times.
select tests.create_org('parts-dst', pg_catalog.md5('owner@parts.test')::uuid);
update app.organizations set timezone = 'Europe/Berlin' where slug = 'parts-dst';
update parts_org set id = pg_catalog.md5('org:parts-dst')::uuid;
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, link_type, platform)
select (select id from parts_org), e.at::timestamp at time zone 'Europe/Berlin', pg_catalog.now() - interval '1 hour',
       e.type, e.visitor, e.link_type, e.platform
from (values ('2026-10-25 23:00', 'page_view', 'x', null, null), ('2026-10-25 23:45', 'purchase', 'x', null, null),
             ('2026-10-26 23:00', 'play', 'y', null, null), ('2026-10-26 23:45', 'link_click', 'y', 'streaming', 'spotify'),
             ('2026-10-11 10:00', 'page_view', 'w', null, null),
             ('2026-11-10 10:00', 'link_click', 'v', 'streaming', 'spotify')) as e (at, type, visitor, link_type, platform);
select is(pg_temp.parts_result('2026-11-10 12:00+00'), 'computed', 'DST: the periods ending 2026-11-10 computed');
select is((select (a.period_mid at time zone 'Europe/Berlin')::text from private.insight_aggregates as a
           where a.org_id = (select id from parts_org)), '2026-10-25 23:30:00', 'the fixture: the period''s midpoint is at 23:30 local time');
select is(pg_temp.parts_diff(), 0::bigint, 'DST: the stored rows equal the raw ones');
select results_eq($$ select * from pg_temp.parts_all() $$, $$ values (0::bigint, 0::bigint, 2::bigint, 2::bigint, 0::bigint, 0::bigint, 0::bigint, 2::bigint, 5::bigint) $$,
                  'bucket 3: x (page view before the midpoint) and w; bucket 4: x (purchase after it) and y');
select pg_temp.parts_mark();
select is(pg_temp.parts_result('2026-11-11 12:00+00'), 'computed', 'DST: the next local day computed');
select is(pg_temp.parts_from_parts(), true, 'from the parts (delta), with split days');
select results_eq($$ select * from pg_temp.parts_all() $$, $$ values (0::bigint, 1::bigint, 2::bigint, 2::bigint, 0::bigint, 0::bigint, 2::bigint, 2::bigint, 6::bigint) $$,
                  'bucket 2: w; bucket 3: x (both events, engaged) and y (play, engaged); bucket 4: y (link click after 23:30) and v; and equal to the raw rows:');

select is(pg_temp.parts_diff(), 0::bigint, 'DST: after the day change the stored rows equal the raw ones');

-- Erasure: the visitor days of the erased user's visitor go, and with them the
-- organization's parts state: the stored numbers are kept (as every aggregate without
-- identifiers keeps them), and the next computation (a local day change) is in full. Organization parts-erase
-- (UTC): visitor u1 (the user, signed in) and visitor k, a page view each on D-3.
select tests.create_user('erased@parts.test');
select tests.create_org('parts-erase', pg_catalog.md5('owner@parts.test')::uuid);
update app.organizations set timezone = 'UTC' where slug = 'parts-erase';
update parts_org set id = pg_catalog.md5('org:parts-erase')::uuid;
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id)
select (select id from parts_org), ((pg_catalog.now() at time zone 'UTC')::date - 3 + time '10:00') at time zone 'UTC',
       pg_catalog.now() - interval '1 hour', 'page_view', v.visitor, v.user_id
from (values ('u1', pg_catalog.md5('erased@parts.test')::uuid), ('k', null)) as v (visitor, user_id);
select is(pg_temp.parts_result(), 'computed', 'erasure: computed before');
select is((select pg_catalog.count(*) from private.insight_visitor_days where org_id = (select id from parts_org)), 2::bigint,
          'two visitor days, u1 and k');
select tests.authenticate_as_service_role();
create temp table parts_erased as select * from app.erase_user(pg_catalog.md5('erased@parts.test')::uuid);
reset role;
select is((select e.rows from parts_erased as e where e.table_name = 'private.insight_visitor_days'), 1::bigint,
          'the erasure deletes u1''s visitor day and says so');
select is((select pg_catalog.count(*) from private.insight_aggregate_parts_state where org_id = (select id from parts_org)), 0::bigint,
          'and the organization''s parts state');
select is(pg_temp.parts_result(), 'kept', 'the next run keeps the stored numbers (aggregates keep their numbers, as before)');
select pg_temp.parts_mark();
select is(pg_temp.parts_result(pg_catalog.now() + interval '1 day'), 'computed', 'the next local day computes it');
select is(pg_temp.parts_from_parts(), false, 'in full (its visitor days rebuilt)');
select results_eq($$ select r.visitors_4, r.events_4 from private.insight_aggregate_rows as r
                     where r.org_id = (select id from parts_org) and r.dim = 'all' $$,
                  $$ values (1::bigint, 1::bigint) $$, 'without u1: one visitor, one event');

select * from finish();
