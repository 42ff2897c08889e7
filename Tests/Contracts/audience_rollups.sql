-- Contract: the audience RPCs (overview, acquisition, device x network, paths) answer the
-- same from the rollups (private.audience_*, built by private.refresh_audience_rollups)
-- as from analytics.events alone; late events received after the rollups were built, for
-- days they already hold, are merged in until the next refresh and re-aggregated by it.
-- Answers of an organization without a watermark come from the events only, so each
-- set of answers is taken three ways: events only (watermark row removed), rollups plus
-- the events they do not reflect, rollups alone (watermark moved past every event).
-- Fixture: tests.audience_june_fixture (aud-berlin, Europe/Berlin) plus the sessions below.
select plan(23);

select tests.audience_june_fixture(tests.audience_orgs());
-- V9, V10, V11 and V12 as in audience_paths.sql; V12's session spans 05-31 -> 06-01.
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-13 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-13 10:01'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-13 10:03'), 'purchase');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V10', tests.berlin('2026-06-13 11:00'), 'event_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V10', tests.berlin('2026-06-13 11:02'), 'purchase');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V11', tests.berlin('2026-06-14 15:00') + make_interval(mins => i),
                            (array['page_view', 'event_view', 'page_view', 'ticket_cta', 'checkout_started', 'purchase'])[i + 1])
from generate_series(0, 5) as i;
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V12', tests.berlin('2026-05-31 23:50'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V12', tests.berlin('2026-06-01 00:05'), 'purchase');
-- V13: 06-07 09:00, twelve alternating steps, then a purchase (13 steps: more than the 10
-- a stored session keeps; 'other').
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V13', tests.berlin('2026-06-07 09:00') + make_interval(mins => i),
                            case when i = 12 then 'purchase' when i % 2 = 0 then 'page_view' else 'play' end, 'desktop', 'ethernet', 400)
from generate_series(0, 12) as i;
-- V14: 06-06 23:50 page view (tiktok), 06-07 00:10 purchase: one session over midnight.
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V14', tests.berlin('2026-06-06 23:50'), 'page_view', 'tablet', '5g', 900, 'tiktok', 'social');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V14', tests.berlin('2026-06-07 00:10'), 'purchase', 'tablet', '5g');
select tests.audience_order(md5('org:aud-berlin')::uuid, 'V14', tests.berlin('2026-06-07 00:10'), 1500);

-- Every answer compared, as text, in the RPC's own order.
create temp table rollup_answers (label text, rpc text, n bigint, answer text);
create function pg_temp.snapshot(p_label text) returns void language sql as $$
  insert into rollup_answers
  select p_label, 'overview ' || a.f || ' ' || a.t, x.n, x.r::text
  from (values ('2026-06-01'::date, '2026-06-15'::date), ('2026-06-10', '2026-06-12'), ('2026-05-31', '2026-06-02'),
               ('2026-06-02', '2026-06-09')) as a (f, t),
       lateral (select r, row_number() over () as n from public.get_audience_overview(md5('org:aud-berlin')::uuid, a.f, a.t) as r) as x
  union all
  select p_label, 'acquisition ' || a.f || ' ' || a.t, x.n, x.r::text
  from (values ('2026-06-01'::date, '2026-06-15'::date), ('2026-06-05', '2026-06-13'), ('2026-06-03', '2026-06-06')) as a (f, t),
       lateral (select r, row_number() over () as n from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, a.f, a.t) as r) as x
  union all
  select p_label, 'device ' || a.f || ' ' || a.t, x.n, x.r::text
  from (values ('2026-06-01'::date, '2026-06-15'::date), ('2026-06-10', '2026-06-11'), ('2026-06-02', '2026-06-08')) as a (f, t),
       lateral (select r, row_number() over () as n from public.get_audience_device_network(md5('org:aud-berlin')::uuid, a.f, a.t) as r) as x
  union all
  select p_label, 'paths ' || a.f || ' ' || a.t || ' ' || a.s || ' ' || a.l, x.n, x.r::text
  from (values ('2026-06-01'::date, '2026-06-15'::date, 5, 10), ('2026-06-01', '2026-06-15', 3, 10), ('2026-06-01', '2026-06-15', 10, 2),
               ('2026-05-31', '2026-06-02', 5, 10), ('2026-05-31', '2026-06-01', 5, 10), ('2026-06-06', '2026-06-07', 5, 10),
               ('2026-06-06', '2026-06-08', 5, 10), ('2026-06-03', '2026-06-06', 5, 10), ('2026-06-02', '2026-06-09', 2, 10)) as a (f, t, s, l),
       lateral (select r, row_number() over () as n from public.get_audience_paths(md5('org:aud-berlin')::uuid, a.f, a.t, a.s, a.l) as r) as x
$$;

-- 1. From the events only (no watermark yet).
select pg_temp.snapshot('events');

-- 2. Build the rollups; the watermark is moved past every event of this transaction
-- (the refresh's own bound may be earlier while other transactions run).
select count(*) from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
update private.audience_rollup_watermarks set events_received = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid;

select is(
  (private.audience_touched(md5('org:aud-berlin')::uuid, '2026-05-01', '2026-07-01')).days, '{}'::date[],
  'after the build no day of May or June is left to the events');
select results_eq(
  $$ select count(*)::int, count(distinct visitor_key)::int from private.audience_visitor_days where org_id = md5('org:aud-berlin')::uuid $$,
  $$ values (18, 14) $$,
  '18 visitor-days of 14 visitors: V1, V3, V12 (05-31 and 06-01) and V14 (06-06 and 06-07) on two days each, the bot on none');
select results_eq(
  $$ select count(*)::int, count(*) filter (where purchased_at is not null)::int from private.audience_sessions where org_id = md5('org:aud-berlin')::uuid $$,
  $$ values (16, 10) $$,
  '16 sessions (V1 and V3 two each, every other visitor one), 10 with a purchase (all but V1''s second, V4, V5, V6, V7, V8)');
select results_eq(
  $$ select started_at, ended_at, steps, day from private.audience_sessions where org_id = md5('org:aud-berlin')::uuid and visitor_key in ('V12', 'V14') order by 1 $$,
  $$ values (tests.berlin('2026-05-31 23:50'), tests.berlin('2026-06-01 00:05'), array['page_view', 'purchase'], '2026-05-31'::date),
            (tests.berlin('2026-06-06 23:50'), tests.berlin('2026-06-07 00:10'), array['page_view', 'purchase'], '2026-06-06'::date) $$,
  'a session over midnight is one session, on the day it began');
select results_eq(
  $$ select step_count, purchase_step, cardinality(steps) from private.audience_sessions where org_id = md5('org:aud-berlin')::uuid and visitor_key = 'V13' $$,
  $$ values (13, 13, 10) $$,
  'V13''s 13 steps: 10 kept, the purchase is the 13th');
select results_eq(
  $$ select sum(visitors)::int from private.audience_day_counts
     where org_id = md5('org:aud-berlin')::uuid and measure = 'all' and day >= '2026-06-01' and day < '2026-06-15'
       and (prev_day is null or prev_day < '2026-06-01') $$,
  $$ values (12) $$,
  'per-day counts: 12 visitors with a first day in [06-01, 06-15) (V1, V2, V3, V4, V6, V7, V9 to V14; V3 and V12 came before)');

select pg_temp.snapshot('rollups');
select results_eq(
  $$ select rpc, n, answer from rollup_answers where label = 'rollups' order by rpc, n $$,
  $$ select rpc, n, answer from rollup_answers where label = 'events' order by rpc, n $$,
  'every answer from the rollups equals the answer from the events');

-- 3. Late events, received after the build, for days the rollups hold.
create temp table rollup_mark as
select events_received from private.audience_rollup_watermarks where org_id = md5('org:aud-berlin')::uuid;
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, utm_source, utm_medium,
                              device_type, network_type, page_load_ms, is_bot)
values
  -- V20, new: 06-05 page view (tiktok, mobile / 5g), checkout, purchase (order below).
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-05 10:00'), clock_timestamp(), 'page_view', 'V20', 'tiktok', 'social', 'mobile', '5g', 800, false),
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-05 10:02'), clock_timestamp(), 'checkout_started', 'V20', null, null, 'mobile', '5g', null, false),
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-05 10:04'), clock_timestamp(), 'purchase', 'V20', null, null, 'mobile', '5g', null, false),
  -- V7: a ticket CTA 20 minutes into the session of 06-03, and a first visit on 06-02 (desktop).
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-03 12:20'), clock_timestamp(), 'ticket_cta', 'V7', null, null, 'mobile', '3g', null, false),
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-02 08:00'), clock_timestamp(), 'page_view', 'V7', 'facebook', 'social', 'desktop', 'wifi', 300, false),
  -- V14: the midnight session goes on at 00:35; V12's begins earlier, at 23:30.
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-07 00:35'), clock_timestamp(), 'page_view', 'V14', null, null, 'tablet', '5g', 650, false),
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-05-31 23:30'), clock_timestamp(), 'event_view', 'V12', null, null, 'mobile', '4g', 1200, false),
  -- V2: a second purchase session on 06-05 (a new session: 16:00, two hours after the first).
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-05 16:00'), clock_timestamp(), 'page_view', 'V2', null, null, 'desktop', 'wifi', 450, false),
  (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-05 16:03'), clock_timestamp(), 'purchase', 'V2', null, null, 'desktop', 'wifi', null, false);
select tests.audience_order(md5('org:aud-berlin')::uuid, 'V20', tests.berlin('2026-06-05 10:04'), 2500);

select is(
  (private.audience_touched(md5('org:aud-berlin')::uuid, '2026-05-01', '2026-07-01')).days,
  array['2026-05-31', '2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05', '2026-06-06', '2026-06-07', '2026-06-08']::date[],
  'the late events'' days (05-31, 06-02, 06-03, 06-05, 06-07) and the day after each are left to the events');

select pg_temp.snapshot('late, merged');
delete from private.audience_rollup_watermarks where org_id = md5('org:aud-berlin')::uuid;
select pg_temp.snapshot('late, events');
select isnt_empty(
  $$ select rpc, n, answer from rollup_answers where label = 'late, events'
     except select rpc, n, answer from rollup_answers where label = 'events' $$,
  'the late events change the answers');
select results_eq(
  $$ select rpc, n, answer from rollup_answers where label = 'late, merged' order by rpc, n $$,
  $$ select rpc, n, answer from rollup_answers where label = 'late, events' order by rpc, n $$,
  'before the next refresh, the rollups merged with the late events answer as the events do');

-- 4. The next refresh re-aggregates those days (incremental: from the old watermark).
insert into private.audience_rollup_watermarks (org_id, events_received)
select md5('org:aud-berlin')::uuid, events_received from rollup_mark;
select results_eq(
  $$ select days from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid) $$,
  $$ values (9) $$,
  'the incremental refresh recomputes those 9 days');
update private.audience_rollup_watermarks set events_received = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid;
select pg_temp.snapshot('late, refreshed');
select results_eq(
  $$ select rpc, n, answer from rollup_answers where label = 'late, refreshed' order by rpc, n $$,
  $$ select rpc, n, answer from rollup_answers where label = 'late, events' order by rpc, n $$,
  'after it, the rollups alone answer as the events do');
select results_eq(
  $$ select started_at, ended_at, steps from private.audience_sessions where org_id = md5('org:aud-berlin')::uuid and visitor_key in ('V12', 'V14') order by 1 $$,
  $$ values (tests.berlin('2026-05-31 23:30'), tests.berlin('2026-06-01 00:05'), array['event_view', 'page_view', 'purchase']),
            (tests.berlin('2026-06-06 23:50'), tests.berlin('2026-06-07 00:35'), array['page_view', 'purchase', 'page_view']) $$,
  'the midnight sessions were recomputed whole: V12''s begins at 23:30, V14''s ends at 00:35');
select results_eq(
  $$ select count(*)::int, count(distinct visitor_key)::int from private.audience_visitor_days where org_id = md5('org:aud-berlin')::uuid $$,
  $$ values (20, 15) $$,
  '20 visitor-days of 15 visitors (V20 on 06-05, V7 also on 06-02)');
select results_eq(
  $$ select prev_day, prev_desktop_day, prev_mobile_day from private.audience_visitor_days
     where org_id = md5('org:aud-berlin')::uuid and visitor_key = 'V7' and day = '2026-06-03' $$,
  $$ values ('2026-06-02'::date, '2026-06-02'::date, null::date) $$,
  'V7''s day 06-03 now points back to 06-02 (desktop), its first mobile day stays 06-03');

-- 5. Nothing received since: the organization is not visited, only its watermark moves up.
update private.audience_rollup_watermarks set events_received = clock_timestamp()
where org_id = md5('org:aud-berlin')::uuid;
create temp table rollup_counts_before as
select (select count(*) from private.audience_visitor_days where org_id = md5('org:aud-berlin')::uuid) as visitor_days,
       (select count(*) from private.audience_sessions where org_id = md5('org:aud-berlin')::uuid) as sessions;
select is_empty(
  $$ select * from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid) $$,
  'a refresh with nothing received since the watermark changes no organization');
select results_eq(
  $$ select w.events_received > now(),
            (select count(*) from private.audience_visitor_days where org_id = md5('org:aud-berlin')::uuid) = b.visitor_days,
            (select count(*) from private.audience_sessions where org_id = md5('org:aud-berlin')::uuid) = b.sessions
     from private.audience_rollup_watermarks as w, rollup_counts_before as b
     where w.org_id = md5('org:aud-berlin')::uuid $$,
  $$ values (true, true, true) $$,
  'its watermark moved up to the refresh''s bound (later than this transaction''s start), its rollups unchanged');

-- 6. One visitor's late event on the day with the most visitors: only that visitor's days
-- are recomputed (the other visitors' rows of the day stay where they are, row ids kept),
-- and the device sums move by its new share minus its old one (migration 1180).
create temp table pv_day as
select day from private.audience_visitor_days where org_id = md5('org:aud-berlin')::uuid
group by day order by count(*) desc, day limit 1;
create temp table pv_rows as
select visitor_key, ctid as row_id from private.audience_visitor_days
where org_id = md5('org:aud-berlin')::uuid and day = (select day from pv_day);
create function pg_temp.pv_kept() returns bigint language sql as $$
  select count(*) from pv_rows as p
  join private.audience_visitor_days as t
    on t.org_id = md5('org:aud-berlin')::uuid and t.visitor_key = p.visitor_key and t.day = (select day from pv_day)
  where t.ctid = p.row_id
$$;
create function pg_temp.pv_late_event() returns void language sql as $$
  insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type, network_type,
                                page_load_ms, is_bot)
  select md5('org:aud-berlin')::uuid, ((select day from pv_day) + time '12:00') at time zone 'Europe/Berlin',
         clock_timestamp(), 'page_view', pg_catalog.min(p.visitor_key), 'desktop', 'wifi', 500, false
  from pv_rows as p
$$;
-- (this fixture's days hold a handful of visitors: per visitor whatever the share)
update private.audience_settings set value = 1000 where name = 'per_visitor_max_pct';
select pg_temp.pv_late_event();
select count(*) from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
select is(
  pg_temp.pv_kept(), (select count(*) - 1 from pv_rows),
  'a late event of one visitor: the other visitors'' rows of its day are kept, not rewritten');
update private.audience_rollup_watermarks set events_received = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid;
select pg_temp.snapshot('one visitor, refreshed');
create temp table pv_mark as
select events_received from private.audience_rollup_watermarks where org_id = md5('org:aud-berlin')::uuid;
delete from private.audience_rollup_watermarks where org_id = md5('org:aud-berlin')::uuid;
select pg_temp.snapshot('one visitor, events');
insert into private.audience_rollup_watermarks (org_id, events_received)
select md5('org:aud-berlin')::uuid, events_received from pv_mark;
select results_eq(
  $$ select rpc, n, answer from rollup_answers where label = 'one visitor, refreshed' order by rpc, n $$,
  $$ select rpc, n, answer from rollup_answers where label = 'one visitor, events' order by rpc, n $$,
  'after it, the rollups alone answer as the events do');
select is_empty(
  $$ select day, device_type, network_type, sessions, events, page_load_ms, page_loads from private.audience_device_days
     where org_id = md5('org:aud-berlin')::uuid
     except all
     select day, device_type, network_type, sum(sessions)::int, sum(events)::int, sum(page_load_ms), sum(page_loads)::int
     from private.audience_visitor_day_combos where org_id = md5('org:aud-berlin')::uuid
     group by 1, 2, 3 $$,
  'every device sum equals the sum of the visitors'' shares');
-- Shares missing (rows written before migration 1180): the day is recomputed whole.
update private.audience_visitor_day_combos set events = null
where org_id = md5('org:aud-berlin')::uuid and day = (select day from pv_day)
  and visitor_key = (select min(visitor_key) from pv_rows);
truncate pv_rows;
insert into pv_rows
select visitor_key, ctid from private.audience_visitor_days
where org_id = md5('org:aud-berlin')::uuid and day = (select day from pv_day);
select pg_temp.pv_late_event();
select count(*) from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
select results_eq(
  $$ select pg_temp.pv_kept()::int,
            (select count(*)::int from private.audience_visitor_day_combos
             where org_id = md5('org:aud-berlin')::uuid and events is null) $$,
  $$ values (0, 0) $$,
  'a touched visitor-day without shares: its day is recomputed whole (no row kept), the shares written');
select is_empty(
  $$ select prefix, day, sessions from private.audience_session_prefixes where org_id = md5('org:aud-berlin')::uuid
     except all
     select s.steps[1:k.n], s.day, pg_catalog.count(*)::int
     from private.audience_sessions as s
     cross join lateral pg_catalog.generate_series(0, least(9, pg_catalog.cardinality(s.steps))) as k (n)
     where s.org_id = md5('org:aud-berlin')::uuid
     group by 1, 2 $$,
  'after the incremental refreshes, every session prefix count equals a recount of the stored sessions (none left at 0)');
-- The cumulated-by-gap rows (migration 1210) after the incremental refreshes above (whole
-- days, per visitor, a late event, the fallback): each equals its day's counts cumulated,
-- and no day's counts lack one (a row of 0 visitors: a key whose counts are gone).
select is_empty(
  $$ (select measure, day, visitors, gaps, returning_visitors from private.audience_day_recency
      where org_id = md5('org:aud-berlin')::uuid and visitors > 0
      except all
      select measure, day, sum(visitors)::int,
             coalesce(array_agg(gap order by gap) filter (where gap <= 366), '{}'),
             coalesce(array_agg(cum order by gap) filter (where gap <= 366), '{}')
      from (select measure, day, gap, visitors,
                   sum(visitors) over (partition by measure, day order by gap rows unbounded preceding)::int as cum
            from (select measure, day, day - prev_day as gap, sum(visitors)::int as visitors
                  from private.audience_day_counts
                  where org_id = md5('org:aud-berlin')::uuid and measure in ('all', 'checkout', 'mobile', 'desktop')
                  group by 1, 2, 3) as g) as c
      group by 1, 2)
     union all
     (select measure, day, null::int, null::int[], null::int[] from private.audience_day_counts
      where org_id = md5('org:aud-berlin')::uuid and measure in ('all', 'checkout', 'mobile', 'desktop')
      except
      select measure, day, null, null, null from private.audience_day_recency
      where org_id = md5('org:aud-berlin')::uuid and visitors > 0) $$,
  'after the incremental refreshes, every audience_day_recency row equals its day''s counts cumulated by gap, and every day with counts has one');

select * from finish();
