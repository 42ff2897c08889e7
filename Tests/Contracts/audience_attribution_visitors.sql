-- Contract: private.audience_attribution_days moves by the touched visitors' differences
-- (migration 1215): the apply of private.audience_touch_days keeps the rows it replaces in
-- private.audience_touch_retractions, and the attribution's apply subtracts the weights of
-- those visitors' rows as they were at its watermark and adds those as they are at its
-- bound, instead of recomputing whole organization-days. Fixture: as
-- audience_attribution_days.sql (aud-berlin: tests.audience_june_fixture, plus V1 05-25
-- tiktok and V3 05-28 facebook). Every step is compared with a rebuild from the touch rows
-- (compute from '-infinity'), which audience_attribution_days.sql compares with the
-- per-visitor definitions.
select plan(14);

select tests.audience_june_fixture(tests.audience_orgs());
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V1', tests.berlin('2026-05-25 10:00'), 'page_view', 'mobile', '4g', null, 'tiktok', 'social');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V3', tests.berlin('2026-05-28 10:00'), 'page_view', 'desktop', 'wifi', null, 'facebook', 'social');

-- Every day by differences (the fixture's days hold few visitors, so a touched one is more
-- than per_visitor_max_pct of a day's rows); whole days at the end.
update private.audience_settings set value = 1000000 where name = 'per_visitor_max_pct';

-- Stored as private.apply_rollup stores them (this organization only; the watermarks moved
-- past the fixture, inside this rolled-back transaction).
insert into private.audience_touch_days
select * from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
update private.rollups set watermark = clock_timestamp() where name = 'private.audience_touch_days';
insert into private.audience_attribution_days
select * from private.compute_audience_attribution_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
update private.rollups set watermark = (select t.watermark from private.rollups as t where t.name = 'private.audience_touch_days')
 where name = 'private.audience_attribution_days';

-- A late event (received now, after the watermarks).
create function pg_temp.late(p_visitor text, p_at timestamptz, p_type text, p_source text default null, p_medium text default null)
returns void language sql as $$
  select tests.audience_event(md5('org:aud-berlin')::uuid, p_visitor, p_at, p_type, 'mobile', '4g', null, p_source, p_medium);
  update analytics.events set received_at = clock_timestamp()
   where org_id = md5('org:aud-berlin')::uuid and visitor_id = p_visitor and occurred_at = p_at;
$$;
-- The two applies, up to now (the touch rows) and up to the touch rows' watermark, or p_upto.
create function pg_temp.apply_touch() returns bigint language sql as $$
  select private.apply_rollup('private.audience_touch_days', clock_timestamp(), true)
$$;
create function pg_temp.apply_attribution(p_upto timestamptz default null) returns bigint language sql as $$
  select private.apply_rollup('private.audience_attribution_days',
                              coalesce(p_upto, (select r.watermark from private.rollups as r where r.name = 'private.audience_touch_days')), true)
$$;
-- Rows that differ between two sets of attribution rows, both ways.
create function pg_temp.differences(p_left text, p_right text) returns bigint language plpgsql as $$
declare v bigint;
begin
  execute format('select count(*) from ((select * from (%1$s) as l except all select * from (%2$s) as r)
                                        union all (select * from (%2$s) as r except all select * from (%1$s) as l)) as d', p_left, p_right)
  into v;
  return v;
end;
$$;
create function pg_temp.stored() returns setof private.audience_attribution_days language sql as $$
  select * from private.audience_attribution_days where org_id = md5('org:aud-berlin')::uuid
$$;
-- A rebuild from the touch rows as they are now (stored and, through the reader, not yet applied).
create function pg_temp.rebuild() returns setof private.audience_attribution_days language sql as $$
  select * from private.compute_audience_attribution_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity')
$$;
-- The sums of some models over a period (as get_audience_attribution adds them).
create function pg_temp.sums(p_from date, p_to date, p_models text[])
returns table (source text, visitors bigint, clicked bigint)
language sql as $$
  select a.source collate "default", sum(coalesce(a.visitors[width_bucket((a.day - p_from)::smallint, a.gaps)], 0))::bigint,
         sum(coalesce(a.clicked[width_bucket((a.day - p_from)::smallint, a.gaps)], 0))::bigint
  from pg_temp.stored() as a
  where a.day >= p_from and a.day < p_to and a.model = any (p_models)
  group by 1 having sum(coalesce(a.visitors[width_bucket((a.day - p_from)::smallint, a.gaps)], 0)) <> 0
$$;

-- 1. One visitor's late event: V2 (google.com 06-05) again on 06-06 from v2-late.
create temp table before_rows as
select a.ctid as row_id, a.* from private.audience_attribution_days as a where a.org_id = md5('org:aud-berlin')::uuid;
select pg_temp.late('V2', tests.berlin('2026-06-06 12:00'), 'page_view', 'v2-late', 'social');
select pg_temp.apply_touch();
select results_eq(
  $$ select visitor_key::text collate "default", existed, count(*) from private.audience_touch_retractions
     where org_id = md5('org:aud-berlin')::uuid group by 1, 2 order by 1, 2 $$,
  $$ values ('V2'::text, false, 1::bigint), ('V2', true, 1) $$,
  'the touch rows'' apply keeps what it replaces: V2''s 06-05 row (its next day moves) and a marker for its new 06-06 row'
);
select is(pg_temp.differences('select * from private.audience_attribution_days_rows(md5(''org:aud-berlin'')::uuid, ''-infinity'', ''infinity'')',
                              'select * from pg_temp.rebuild()'),
          0::bigint, 'before the attribution''s apply its reader (stored sums moved by the retractions) equals a rebuild');
select pg_temp.apply_attribution();
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from pg_temp.rebuild()'), 0::bigint,
          'after the apply the stored sums equal a rebuild');
select results_eq(
  $$ select distinct a.day from private.audience_attribution_days as a
     where a.org_id = md5('org:aud-berlin')::uuid and (a.ctid, a.org_id, a.day, a.model, a.source, a.medium, a.campaign) not in
           (select b.row_id, b.org_id, b.day, b.model, b.source, b.medium, b.campaign from before_rows as b) $$,
  $$ values ('2026-06-06'::date) $$,
  'only the rows of V2''s new day are written (06-05''s weights did not move; every other day''s row is untouched)'
);
select results_eq(
  $$ select source, visitors, clicked from pg_temp.sums('2026-06-06', '2026-06-07', array['lt']) order by 1 $$,
  $$ values ('v2-late'::text, 1::bigint, 0::bigint) $$,
  'V2 is counted on 06-06 under its new touch'
);

-- 2. An earlier non-direct touch changed: V3 on 05-28 at 09:00 from twitter, before its
-- facebook visit of 10:00, so its 05-28 touch, and the pointer of its direct 06-12, move.
select pg_temp.late('V3', tests.berlin('2026-05-28 09:00'), 'page_view', 'twitter', 'social');
select pg_temp.apply_touch();
select pg_temp.apply_attribution();
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from pg_temp.rebuild()'), 0::bigint,
          'V3''s earlier touch changed: the stored sums equal a rebuild');
select results_eq(
  $$ select source, visitors from pg_temp.sums('2026-06-01', '2026-06-15', array['lt', 'nd30']) where source in ('facebook', 'twitter') $$,
  $$ values ('twitter'::text, 1::bigint) $$,
  'last non-direct (30 days): V3''s direct 06-12 goes to twitter now, not facebook'
);

-- 3. Retractions are consumed once: the next apply of the touch rows deletes those older than
-- the attribution's watermark; two applies of the touch rows, then the attribution applied
-- to the first one's bound and then to the second's.
select pg_temp.late('V7', tests.berlin('2026-06-13 12:00'), 'page_view', 'v7-late', 'social');
select pg_temp.apply_touch();
select is((select count(*) from private.audience_touch_retractions as x
           where x.retracted_at < (select r.watermark from private.rollups as r where r.name = 'private.audience_attribution_days')),
          0::bigint, 'the touch rows'' apply deletes the retractions older than the attribution''s watermark');
create temp table first_bound as
select (select r.watermark from private.rollups as r where r.name = 'private.audience_touch_days') as upto;
create temp table first_rebuild as select * from pg_temp.rebuild();
select pg_temp.late('V7', tests.berlin('2026-06-14 12:00'), 'link_click', 'v7-later', 'social');
select pg_temp.late('V6', tests.berlin('2026-06-07 12:00'), 'page_view', 'v6-late', 'social');
select pg_temp.apply_touch();
select pg_temp.apply_attribution((select f.upto from first_bound as f));
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from first_rebuild'), 0::bigint,
          'applied to the first bound only: the sums of the touch rows as they were then (the later retractions taken back)');
select pg_temp.apply_attribution();
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from pg_temp.rebuild()'), 0::bigint,
          'then to the second: equal to a rebuild (no retraction counted twice)');

-- 4. An interrupted apply (rolled back) and its rerun; two refreshes in a row.
select pg_temp.late('V4', tests.berlin('2026-06-02 12:00'), 'page_view', 'v4-late', 'social');
select pg_temp.apply_touch();
-- The apply interrupted: an error after it, caught (its subtransaction rolled back).
create function pg_temp.interrupted() returns text language plpgsql as $$
begin
  perform pg_temp.apply_attribution();
  raise exception 'interrupted' using errcode = 'P0001';
exception when sqlstate 'P0001' then
  return 'interrupted';
end;
$$;
select pg_temp.interrupted();
select pg_temp.apply_attribution();
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from pg_temp.rebuild()'), 0::bigint,
          'an apply rolled back and run again: equal to a rebuild');
select pg_temp.late('V4', tests.berlin('2026-06-03 12:00'), 'page_view');
select pg_temp.apply_touch();
select pg_temp.apply_attribution();
select pg_temp.apply_touch();
select pg_temp.apply_attribution();
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from pg_temp.rebuild()'), 0::bigint,
          'two refreshes in a row (the second with nothing new): equal to a rebuild');

-- 5. Whole days (0 %: every touched day recomputed from all its rows, in the same statement)
-- beside days by differences: V1 clicks on 06-12 and V2 comes back on 06-04.
update private.audience_settings set value = 0 where name = 'per_visitor_max_pct';
select pg_temp.late('V1', tests.berlin('2026-06-12 12:00'), 'link_click', 'v1-late', 'social');
select pg_temp.late('V2', tests.berlin('2026-06-04 12:00'), 'page_view');
select pg_temp.apply_touch();
select pg_temp.apply_attribution();
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from pg_temp.rebuild()'), 0::bigint,
          'whole days (touched visitors over per_visitor_max_pct of a day''s rows): equal to a rebuild');

-- 6. Whole days' rows that look back before their previous row. V9: from a newsletter on
-- 05-01, direct on 05-10 (within 30 days of it) and on 06-13, which a late click changes
-- (nd30: r30 = 05-10, from 05-01's forward 30 days; 05-01 is not the previous row, and
-- 05-10 is not touched). V10: from Instagram on 04-20, a newsletter on 05-05 and direct on
-- 06-13, then a first click on 06-13 (first touch clicked: the rows of the 365 days before
-- it, 04-20 included, which lies before its previous row and latest non-direct touch). V11:
-- the same after a click on 04-15 (the rows after that click only: 04-25 on, not 04-15).
select pg_temp.late('V9', tests.berlin('2026-05-01 12:00'), 'page_view', 'nl-may', 'email');
select pg_temp.late('V9', tests.berlin('2026-05-10 12:00'), 'page_view');
select pg_temp.late('V9', tests.berlin('2026-06-13 12:00'), 'page_view');
select pg_temp.late('V10', tests.berlin('2026-04-20 12:00'), 'page_view', 'ig-april', 'social');
select pg_temp.late('V10', tests.berlin('2026-05-05 12:00'), 'page_view', 'nl-may', 'email');
select pg_temp.late('V10', tests.berlin('2026-06-13 12:00'), 'page_view');
select pg_temp.late('V11', tests.berlin('2026-04-15 12:00'), 'link_click', 'ig-april', 'social');
select pg_temp.late('V11', tests.berlin('2026-04-25 12:00'), 'page_view', 'fb-april', 'social');
select pg_temp.late('V11', tests.berlin('2026-05-05 12:00'), 'page_view', 'nl-may', 'email');
select pg_temp.late('V11', tests.berlin('2026-06-13 12:00'), 'page_view');
select pg_temp.apply_touch();
select pg_temp.apply_attribution();
select pg_temp.late('V9', tests.berlin('2026-06-13 14:00'), 'link_click');
select pg_temp.late('V10', tests.berlin('2026-06-13 14:00'), 'link_click');
select pg_temp.late('V11', tests.berlin('2026-06-13 14:00'), 'link_click');
select pg_temp.apply_touch();
select pg_temp.apply_attribution();
select is(pg_temp.differences('select * from pg_temp.stored()', 'select * from pg_temp.rebuild()'), 0::bigint,
          'whole days: rows credited through a touch before their previous row (r30, first touch clicked): equal to a rebuild');

select * from finish();
