-- Contract: the pointer columns of private.audience_visitor_days (prev_day,
-- prev_checkout_day, prev_mobile_day, prev_desktop_day, next_click_day) after an incremental
-- private.refresh_audience_rollups, which reads per visitor only its rows from the first
-- recomputed day of the organization on and its last row before it (the seed), and carries
-- a changed next_click_day of the seed back to the earlier rows that had the seed's old one.
-- Every value is given by construction, then the rows are compared with a rebuild from empty.
-- Fixture: aud-berlin (Europe/Berlin), Berlin wall-clock, every event mobile / 4g unless said;
-- pv = page_view, click = link_click (ticket_cta counts as a click too).
--   P0  06-05 pv, 06-12 pv;                        later 06-01 click (before its stored days)
--   P1  05-20 pv, 05-25 pv, 06-08 pv, 06-10 click;  later 06-09 click (between stored days)
--   P2  05-18 pv, 05-20 ticket_cta, 05-25 pv, 06-10 click; later 06-09 click
--   P3  05-20 pv, 05-25 pv, 06-08 pv (no click);    later 06-09 click
--   P4  05-10 pv, 05-28 pv, 06-20 click;            later 06-03 pv (a day between two stored days)
--   P5  05-20 checkout_started (desktop), 05-25 pv, 06-10 pv; later 06-05 checkout_started (desktop)
-- The late events recompute 06-01 to 06-06, 06-09 and 06-10 (each day and the next): the first
-- recomputed day is 06-01 (P0), so the seed of P1, P2 and P3 is 05-25, and P1's and P3's
-- 05-20 lie before the seed: only the backwards propagation reaches them.
select plan(8);

select tests.audience_orgs();
select tests.audience_event(md5('org:aud-berlin')::uuid, v, tests.berlin(d || ' 10:00'), t, coalesce(dev, 'mobile'))
from (values ('P0', '2026-06-05', 'page_view', null), ('P0', '2026-06-12', 'page_view', null),
             ('P1', '2026-05-20', 'page_view', null), ('P1', '2026-05-25', 'page_view', null),
             ('P1', '2026-06-08', 'page_view', null), ('P1', '2026-06-10', 'link_click', null),
             ('P2', '2026-05-18', 'page_view', null), ('P2', '2026-05-20', 'ticket_cta', null),
             ('P2', '2026-05-25', 'page_view', null), ('P2', '2026-06-10', 'link_click', null),
             ('P3', '2026-05-20', 'page_view', null), ('P3', '2026-05-25', 'page_view', null),
             ('P3', '2026-06-08', 'page_view', null),
             ('P4', '2026-05-10', 'page_view', null), ('P4', '2026-05-28', 'page_view', null),
             ('P4', '2026-06-20', 'link_click', null),
             ('P5', '2026-05-20', 'checkout_started', 'desktop'), ('P5', '2026-05-25', 'page_view', null),
             ('P5', '2026-06-10', 'page_view', null)) as f (v, d, t, dev);

create function pg_temp.pointer_rows()
returns table (visitor text, day date, prev_day date, prev_checkout_day date, prev_mobile_day date,
               prev_desktop_day date, next_click_day date)
language sql as $$
  select t.visitor_key collate "default", t.day, t.prev_day, t.prev_checkout_day, t.prev_mobile_day,
         t.prev_desktop_day, t.next_click_day
  from private.audience_visitor_days as t
  where t.org_id = md5('org:aud-berlin')::uuid
  order by 1, 2
$$;

-- 1. The first build (no watermark: every visitor's whole history).
select count(*) from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
update private.audience_rollup_watermarks set events_received = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid;
select results_eq(
  $$ select visitor, day, next_click_day from pg_temp.pointer_rows() where visitor in ('P1', 'P2', 'P3') $$,
  $$ values ('P1', '2026-05-20'::date, '2026-06-10'::date), ('P1', '2026-05-25', '2026-06-10'), ('P1', '2026-06-08', '2026-06-10'),
            ('P1', '2026-06-10', '2026-06-10'),
            ('P2', '2026-05-18', '2026-05-20'), ('P2', '2026-05-20', '2026-05-20'), ('P2', '2026-05-25', '2026-06-10'),
            ('P2', '2026-06-10', '2026-06-10'),
            ('P3', '2026-05-20', null), ('P3', '2026-05-25', null), ('P3', '2026-06-08', null) $$,
  'the build: each row''s next click is the first click on or after its day');

-- 2. The late events, received after the watermark.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type, network_type, is_bot)
select md5('org:aud-berlin')::uuid, tests.berlin(d || ' 10:00'), clock_timestamp(), t, v, coalesce(dev, 'mobile'), '4g', false
from (values ('P0', '2026-06-01', 'link_click', null), ('P1', '2026-06-09', 'link_click', null),
             ('P2', '2026-06-09', 'link_click', null), ('P3', '2026-06-09', 'link_click', null),
             ('P4', '2026-06-03', 'page_view', null), ('P5', '2026-06-05', 'checkout_started', 'desktop')) as f (v, d, t, dev);
select results_eq(
  $$ select days from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid) $$,
  $$ values (8) $$,
  'the incremental refresh recomputes 8 days (06-01 to 06-06, 06-09, 06-10)');

select results_eq(
  $$ select day, prev_day, next_click_day from pg_temp.pointer_rows() where visitor = 'P0' $$,
  $$ values ('2026-06-01'::date, null::date, '2026-06-01'::date), ('2026-06-05', '2026-06-01', null), ('2026-06-12', '2026-06-05', null) $$,
  'P0: a click before every stored day is the first row; the later rows point back to it and have no next click');
select results_eq(
  $$ select visitor, day, prev_day, next_click_day from pg_temp.pointer_rows() where visitor in ('P1', 'P2', 'P3') $$,
  $$ values ('P1', '2026-05-20'::date, null::date, '2026-06-09'::date), ('P1', '2026-05-25', '2026-05-20', '2026-06-09'),
            ('P1', '2026-06-08', '2026-05-25', '2026-06-09'), ('P1', '2026-06-09', '2026-06-08', '2026-06-09'),
            ('P1', '2026-06-10', '2026-06-09', '2026-06-10'),
            ('P2', '2026-05-18', null, '2026-05-20'), ('P2', '2026-05-20', '2026-05-18', '2026-05-20'),
            ('P2', '2026-05-25', '2026-05-20', '2026-06-09'), ('P2', '2026-06-09', '2026-05-25', '2026-06-09'),
            ('P2', '2026-06-10', '2026-06-09', '2026-06-10'),
            ('P3', '2026-05-20', null, '2026-06-09'), ('P3', '2026-05-25', '2026-05-20', '2026-06-09'),
            ('P3', '2026-06-08', '2026-05-25', '2026-06-09'), ('P3', '2026-06-09', '2026-06-08', '2026-06-09') $$,
  'P1, P2, P3: a late click between stored days is every earlier row''s next click back to the last click before it (P2''s 05-20), also before the seed 05-25 and where there was none (P3)');
select results_eq(
  $$ select day, prev_day, next_click_day from pg_temp.pointer_rows() where visitor = 'P4' $$,
  $$ values ('2026-05-10'::date, null::date, '2026-06-20'::date), ('2026-05-28', '2026-05-10', '2026-06-20'),
            ('2026-06-03', '2026-05-28', '2026-06-20'), ('2026-06-20', '2026-06-03', '2026-06-20') $$,
  'P4: a late day between two stored days points back to the earlier one and on to the click; the later one points back to it');
select results_eq(
  $$ select day, prev_day, prev_checkout_day, prev_mobile_day, prev_desktop_day from pg_temp.pointer_rows() where visitor = 'P5' $$,
  $$ values ('2026-05-20'::date, null::date, null::date, null::date, null::date),
            ('2026-05-25', '2026-05-20', '2026-05-20', null, '2026-05-20'),
            ('2026-06-05', '2026-05-25', '2026-05-20', '2026-05-25', '2026-05-20'),
            ('2026-06-10', '2026-06-05', '2026-06-05', '2026-05-25', '2026-06-05') $$,
  'P5: the late checkout day (desktop) takes its previous checkout and desktop days from before the seed, its mobile day from the seed');
select results_eq(
  $$ select prev_day, next_day, sum(visitors)::int from private.audience_day_counts
     where org_id = md5('org:aud-berlin')::uuid and measure = 'channel' and day = '2026-05-20'
     group by 1, 2 order by 1 nulls first, 2 nulls first $$,
  $$ values (null::date, null::date, 1), (null, '2026-06-09'::date, 2), ('2026-05-18', '2026-05-20', 1) $$,
  'the channel counts of 05-20, a day only the propagation changed, are recounted: P5 (no click), P1 and P3 (next click 06-09), P2');

-- 3. The same rows as a rebuild from empty (no watermark) of the same events.
create temp table pointers_incremental as
select 'days' as tab, r::text as row from private.audience_visitor_days as r where r.org_id = md5('org:aud-berlin')::uuid
union all select 'combos', r::text from private.audience_visitor_day_combos as r where r.org_id = md5('org:aud-berlin')::uuid
union all select 'counts', r::text from private.audience_day_counts as r where r.org_id = md5('org:aud-berlin')::uuid;
delete from private.audience_rollup_watermarks where org_id = md5('org:aud-berlin')::uuid;
select count(*) from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
select results_eq(
  $$ select tab, count(*)::int from (
       (select * from pointers_incremental
        except all
        (select 'days', r::text from private.audience_visitor_days as r where r.org_id = md5('org:aud-berlin')::uuid
         union all select 'combos', r::text from private.audience_visitor_day_combos as r where r.org_id = md5('org:aud-berlin')::uuid
         union all select 'counts', r::text from private.audience_day_counts as r where r.org_id = md5('org:aud-berlin')::uuid))
       union all
       ((select 'days', r::text from private.audience_visitor_days as r where r.org_id = md5('org:aud-berlin')::uuid
         union all select 'combos', r::text from private.audience_visitor_day_combos as r where r.org_id = md5('org:aud-berlin')::uuid
         union all select 'counts', r::text from private.audience_day_counts as r where r.org_id = md5('org:aud-berlin')::uuid)
        except all
        select * from pointers_incremental)) as x
     group by tab $$,
  $$ select null::text, null::int where false $$,
  'visitor-days, combinations and day counts equal a rebuild from empty: no row differs either way');

select * from finish();
