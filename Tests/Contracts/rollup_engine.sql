-- Contract: the rollup engine (migrations/0100): register_rollup, apply_rollup,
-- reset_rollup, rollup_rows, on a toy rollup registered inside this (rolled back)
-- transaction: events per (org, visitor, UTC day) of the organization "engine".
-- Fixture, received_at -> (visitor, UTC day of occurred_at):
--   e1 2030-01-01 10:00  v1 2030-01-01     e2 2030-01-01 11:00  v1 2030-01-01
--   e3 2030-01-01 12:00  v2 2030-01-02
--   e4 2030-01-01 13:00  v3 2030-01-01   (arrives at exactly W1 = 13:00, the first watermark)
--   e5 2030-01-02 09:00  v2 2030-01-01   (late: an old day, received after W1)
-- Rollup after apply up to W1 = 13:00: (v1, 01-01, 2), (v2, 01-02, 1); rollup_rows then
-- counts e4 and e5 too: (v1, 01-01, 2), (v2, 01-01, 1), (v2, 01-02, 1), (v3, 01-01, 1),
-- the raw counts. (A key is recomputed from all the rows visible to the apply, so a row
-- received at or after the watermark may already be reflected when its key was touched
-- below it; the watermark promises only the rows below it.)
-- Then a rollup of it (migrations/0600): visitors per (day, events that day), unit
-- (org_id, day), read from tests.toy_visitor_days. e6 and e7 (v2 and v3 on 01-01, received
-- 2030-01-03 09:00) make every 01-01 visitor a 2-event visitor, so the group (01-01, 1 event)
-- vanishes: apply deletes it and rollup_rows no longer shows it.
-- Last, two rollups with a shared source (migrations/0970): tests.toy_source returns the
-- events of the visitor-days touched in the range (fresh when received in it) and counts
-- its reads in tests.toy_source_reads; tests.toy_a counts events per visitor-day from it,
-- tests.toy_b lists the visitor-days (key only). Applied together they read it once.
-- Then a combinable rollup (migrations/1000): tests.toy_sums, events and the latest
-- occurred_at per (visitor, UTC day) of the organization "engine-sum", whose compute function
-- returns the partial counts of the events received in the range, combined by
-- tests.combine_toy_sums (sum, max). Fixture, received_at -> (visitor, day, occurred_at):
--   s1 2030-02-01 10:00  v1 02-01 09:00    s2 2030-02-01 11:00  v1 02-01 09:30
--   s3 2030-02-01 12:00  v2 02-02 08:00    s4 2030-02-01 13:00  v3 02-01 12:59 (exactly at W1)
--   s5 2030-02-02 09:00  v1 02-01 20:00 (late)    s6 2030-02-03 09:00  v2 02-02 10:00
-- Events are dated 2030 and received in 2030: no real watermark can be past them.
select plan(82);

select tests.create_user('owner@engine.test');
select tests.create_org('engine', md5('owner@engine.test')::uuid);

create table tests.toy_visitor_days (
  org_id uuid not null, visitor_id text not null, day date not null, events integer not null,
  primary key (org_id, visitor_id, day)
);
create function tests.compute_toy_visitor_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof tests.toy_visitor_days
language sql stable as $$
  select e.org_id, e.visitor_id, (e.occurred_at at time zone 'UTC')::date, pg_catalog.count(*)::integer
  from analytics.events as e
  where e.org_id = md5('org:engine')::uuid
    and (e.org_id, e.visitor_id, (e.occurred_at at time zone 'UTC')::date) in (
      select t.org_id, t.visitor_id, (t.occurred_at at time zone 'UTC')::date
      from analytics.events as t
      where t.org_id = md5('org:engine')::uuid and (p_org_id is null or t.org_id = p_org_id)
        and t.received_at >= p_after and t.received_at < p_upto)
  group by 1, 2, 3
$$;
create function tests.toy_raw() returns table (visitor_id text, day date, events integer)
language sql stable as $$
  select e.visitor_id, (e.occurred_at at time zone 'UTC')::date, pg_catalog.count(*)::integer
  from analytics.events as e where e.org_id = md5('org:engine')::uuid group by 1, 2
$$;

-- Registration errors name what is missing.
select throws_ok($$ select private.register_rollup('tests.toy', 'analytics.events', 'tests.toy_visitor_days',
                   'tests.no_such_function', '{org_id,visitor_id,day}', 'day', '{}', 'toy') $$,
                 '22023', 'rollup tests.toy: no function tests.no_such_function(uuid, timestamptz, timestamptz)',
                 'an unknown compute function is refused by name');
select throws_ok($$ select private.register_rollup('tests.toy', 'analytics.events', 'tests.toy_visitor_days',
                   'tests.compute_toy_visitor_days', '{org_id,visitor_id}', 'day', '{}', 'toy') $$,
                 '22023', 'rollup tests.toy: tests.toy_visitor_days has no unique index on exactly (org_id, visitor_id)',
                 'a key without a unique index is refused (apply upserts on it)');
select throws_ok($$ select private.register_rollup('tests.toy', 'app.organizations', 'tests.toy_visitor_days',
                   'tests.compute_toy_visitor_days', '{org_id,visitor_id,day}', 'day', '{}', 'toy') $$,
                 '22023', 'rollup tests.toy: source app.organizations has no received_at timestamptz column',
                 'a source without received_at is refused');
select throws_ok($$ select private.register_rollup('tests.toy', 'analytics.events', 'tests.toy_visitor_days',
                   'tests.compute_toy_visitor_days', '{org_id,visitor_id,day}', 'day', '{tests.nothing}', 'toy') $$,
                 '22023', 'rollup tests.toy depends on tests.nothing, which is not registered',
                 'an unknown dependency is refused');
select lives_ok($$ select private.register_rollup('tests.toy', 'analytics.events', 'tests.toy_visitor_days',
                  'tests.compute_toy_visitor_days', '{org_id,visitor_id,day}', 'day', '{}', 'toy') $$,
                'a well-formed rollup registers');
select is((select watermark from private.rollups where name = 'tests.toy'), '-infinity'::timestamptz,
          'a new rollup starts at watermark -infinity');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
select md5('org:engine')::uuid, x.occurred::timestamptz, x.received::timestamptz, 'page_view', x.visitor
from (values ('2030-01-01 09:00Z', '2030-01-01 10:00Z', 'v1'), ('2030-01-01 09:30Z', '2030-01-01 11:00Z', 'v1'),
             ('2030-01-02 08:00Z', '2030-01-01 12:00Z', 'v2'), ('2030-01-01 12:59Z', '2030-01-01 13:00Z', 'v3'))
     as x (occurred, received, visitor);

select throws_ok($$ select private.apply_rollup('tests.toy', 'infinity') $$, '22023', null,
                 'a bound above the safe bound is refused');
select is(private.apply_rollup('tests.toy', '2030-01-01 13:00Z', true), 2::bigint,
          'apply up to W1 = 13:00 writes the 2 keys of e1-e3');
select results_eq($$ select visitor_id, day, events from tests.toy_visitor_days order by 1, 2 $$,
                  $$ values ('v1', '2030-01-01'::date, 2), ('v2', '2030-01-02'::date, 1) $$,
                  'the rollup holds e1-e3; e4, received exactly at the watermark, is not in it');
select is((select watermark from private.rollups where name = 'tests.toy'), '2030-01-01 13:00Z'::timestamptz,
          'the watermark moved to W1');
select is(private.apply_rollup('tests.toy', '2030-01-01 13:00Z', true), 0::bigint, 'a rerun up to the same bound does nothing');
select is(private.apply_rollup('tests.toy', '2030-01-01 12:00Z', true), 0::bigint, 'the watermark never moves back');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:engine')::uuid, '2030-01-01 20:00Z', '2030-01-02 09:00Z', 'page_view', 'v2');
select results_eq($$ select visitor_id, day, events from private.rollup_rows(null::tests.toy_visitor_days, md5('org:engine')::uuid) order by 1, 2 $$,
                  $$ select * from tests.toy_raw() order by 1, 2 $$,
                  'rollup_rows equals the raw counts before the next apply: (v1, 01-01, 2), (v2, 01-01, 1), (v2, 01-02, 1), (v3, 01-01, 1)');
select results_eq($$ select visitor_id, day, events from private.rollup_rows(null::tests.toy_visitor_days, md5('org:engine')::uuid,
                                                                              '2030-01-01'::date, '2030-01-02'::date) order by 1 $$,
                  $$ values ('v1', '2030-01-01'::date, 2), ('v2', '2030-01-01'::date, 1), ('v3', '2030-01-01'::date, 1) $$,
                  'rollup_rows with bucket bounds [01-01, 01-02): the late event''s key and e4''s key included');
select is((select count(*) from private.rollup_rows(null::tests.toy_visitor_days, md5('org:nobody')::uuid)), 0::bigint,
          'another organization gets no rows');

-- The generated reader (private.create_rollup_reader): same rows, inlined into the caller.
select is(pg_catalog.to_regprocedure('private.toy_visitor_days_rows(uuid, date, date)') is not null, true,
          'register_rollup created the reader private.toy_visitor_days_rows(uuid, date, date)');
select results_eq($$ select visitor_id, day, events from private.toy_visitor_days_rows(md5('org:engine')::uuid, '-infinity', 'infinity') order by 1, 2 $$,
                  $$ select * from tests.toy_raw() order by 1, 2 $$,
                  'the reader equals the raw counts before the next apply');
select results_eq($$ select visitor_id, events from private.toy_visitor_days_rows(md5('org:engine')::uuid, '2030-01-01', '2030-01-02')
                     where visitor_id in ('v2', 'v3') order by 1 $$,
                  $$ values ('v2', 1), ('v3', 1) $$,
                  'the reader with bounds [01-01, 01-02) and a caller filter: the late event''s key (v2) and e4''s (v3)');
select is((select count(*) from private.toy_visitor_days_rows(md5('org:engine')::uuid, null, 'infinity')), 0::bigint,
          'a NULL bound matches nothing (bounds are required; -infinity / infinity are the open ends)');
create function tests.toy_plan() returns text language plpgsql as $f$
declare v_line text; v_plan text := '';
begin
  for v_line in explain (costs off) select * from private.toy_visitor_days_rows(md5('org:engine')::uuid, '2030-01-01', '2030-01-02') where visitor_id = 'v2' loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  return v_plan;
end $f$;
select ok(tests.toy_plan() !~ 'toy_visitor_days_rows' and tests.toy_plan() ~ 'Seq Scan on toy_visitor_days t|Index Scan[^\n]* on toy_visitor_days t',
          'the reader is inlined: the plan scans the target itself, no function scan of the reader');
select ok(tests.toy_plan() ~ 'visitor_id = ''v2''',
          'the caller''s filter on a key column reaches the scan of the stored rows');
select is(has_function_privilege('authenticated', 'private.toy_visitor_days_rows(uuid, date, date)', 'execute'), false,
          'API roles cannot execute a reader');
-- The reader given the fresh rows (p_fresh): the same rows from the array the caller computed once.
select results_eq($$ select visitor_id, day, events from private.toy_visitor_days_rows(md5('org:engine')::uuid, '-infinity', 'infinity',
                       array(select f from private.rollup_fresh(null::tests.toy_visitor_days, md5('org:engine')::uuid) as f)) order by 1, 2 $$,
                  $$ values ('v1', '2030-01-01'::date, 2), ('v2', '2030-01-01'::date, 1), ('v2', '2030-01-02'::date, 1), ('v3', '2030-01-01'::date, 1) $$,
                  'the reader given rollup_fresh''s rows as p_fresh: (v1, 01-01, 2), (v2, 01-01, 1: the late event), (v2, 01-02, 1), (v3, 01-01, 1)');
select is((select count(*) from private.toy_visitor_days_rows(md5('org:engine')::uuid, '-infinity', 'infinity', '{}')), 2::bigint,
          'the reader given no fresh rows: the 2 stored rows whose keys nothing touched since W1 ((v1, 01-01), (v2, 01-02)), the touched ones left out');
select is(has_function_privilege('authenticated', 'private.toy_visitor_days_rows(uuid, date, date, tests.toy_visitor_days[])', 'execute'), false,
          'API roles cannot execute the reader given fresh rows');

select is(private.apply_rollup('tests.toy', '2030-01-02 10:00Z', true), 2::bigint,
          'the next apply writes exactly the 2 keys touched since W1: (v3, 01-01) and (v2, 01-01)');
select results_eq($$ select visitor_id, day, events from tests.toy_visitor_days order by 1, 2 $$,
                  $$ select * from tests.toy_raw() order by 1, 2 $$,
                  'after it the stored rollup equals the raw counts');

create temp table toy_before as select * from tests.toy_visitor_days;
select lives_ok($$ select private.reset_rollup('tests.toy') $$, 'reset empties the rollup');
select is(private.apply_rollup('tests.toy', '2030-01-02 10:00Z', true), 4::bigint,
          'a full rebuild is the same apply from -infinity: 4 rows');
select results_eq($$ select * from tests.toy_visitor_days order by 1, 2, 3 $$,
                  $$ select * from toy_before order by 1, 2, 3 $$,
                  'the rebuild equals the incrementally maintained rollup');

-- A rollup of a rollup with a unit of replacement.
create table tests.toy_day_sizes (
  org_id uuid not null, day date not null, events integer not null, visitors integer not null,
  primary key (org_id, day, events)
);
create function tests.compute_toy_day_sizes(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof tests.toy_day_sizes
language sql stable as $$
  with touched as (
    select distinct t.org_id, (t.occurred_at at time zone 'UTC')::date as day
    from analytics.events as t
    where t.org_id = md5('org:engine')::uuid and (p_org_id is null or t.org_id = p_org_id)
      and t.received_at >= p_after and t.received_at < p_upto
  ), upstream as (
    select v.org_id, v.day, v.events from tests.toy_visitor_days as v where p_org_id is null
    union all
    select v.org_id, v.day, v.events
    from private.rollup_rows(null::tests.toy_visitor_days, p_org_id) as v where p_org_id is not null
  )
  select u.org_id, u.day, u.events, pg_catalog.count(*)::integer
  from upstream as u join touched as d on d.org_id = u.org_id and d.day = u.day
  group by 1, 2, 3
$$;
create function tests.toy_sizes_raw() returns table (day date, events integer, visitors integer)
language sql stable as $$
  select r.day, r.events, pg_catalog.count(*)::integer from tests.toy_raw() as r group by 1, 2
$$;

select throws_ok($$ select private.register_rollup('tests.toy_sizes', 'analytics.events', 'tests.toy_day_sizes',
                   'tests.compute_toy_day_sizes', '{org_id,day,events}', 'day', '{tests.toy}', 'toy sizes', '{day}') $$,
                 '22023', 'rollup tests.toy_sizes: unit columns (day) are not a subset of the key (org_id, day, events) with org_id',
                 'a unit without org_id is refused');
select lives_ok($$ select private.register_rollup('tests.toy_sizes', 'analytics.events', 'tests.toy_day_sizes',
                  'tests.compute_toy_day_sizes', '{org_id,day,events}', 'day', '{tests.toy}', 'toy sizes', '{org_id,day}') $$,
                'a rollup of tests.toy with unit (org_id, day) registers');
select throws_ok($$ select private.apply_rollup('tests.toy_sizes', '2030-01-03 10:00Z', true) $$, '22023',
                 'rollup tests.toy_sizes: 2030-01-03 10:00:00+00 is past the watermark 2030-01-02 10:00:00+00 of a rollup it reads',
                 'a dependent is never applied past its dependency''s watermark, even with p_allow_unsafe_upto');
select is(private.apply_rollup('tests.toy_sizes', '2030-01-02 10:00Z', true), 3::bigint,
          'applied up to tests.toy''s watermark: (01-01, 1 event, 2 visitors), (01-01, 2, 1), (01-02, 1, 1)');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:engine')::uuid, '2030-01-01 21:00Z', '2030-01-03 09:00Z', 'page_view', 'v2'),
       (md5('org:engine')::uuid, '2030-01-01 22:00Z', '2030-01-03 09:00Z', 'page_view', 'v3');
select results_eq($$ select day, events, visitors from private.rollup_rows(null::tests.toy_day_sizes, md5('org:engine')::uuid) order by 1, 2 $$,
                  $$ select * from tests.toy_sizes_raw() order by 1, 2 $$,
                  'before any apply, rollup_rows replaces the touched unit whole: (01-01, 2 events, 3 visitors), (01-02, 1, 1); the vanished group is not shown');
select is(private.apply_rollup('tests.toy', '2030-01-03 10:00Z', true) + private.apply_rollup('tests.toy_sizes', '2030-01-03 10:00Z', true),
          4::bigint, 'apply: 2 visitor-days changed, then (01-01, 2) changed and (01-01, 1) deleted');
select results_eq($$ select day, events, visitors from tests.toy_day_sizes order by 1, 2 $$,
                  $$ select * from tests.toy_sizes_raw() order by 1, 2 $$,
                  'the stored dependent equals the raw counts: the vanished group is deleted');

-- A shared source (migrations/0970).
create sequence tests.toy_source_reads;
create function tests.toy_source(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, visitor_id text, day date, fresh boolean)
language plpgsql stable as $f$
#variable_conflict use_column
declare
  v_memo text := private.shared_source_memo('tests.toy_source', p_org_id, p_after, p_upto);
begin
  if v_memo is not null then
    return query execute 'select * from ' || v_memo;
    return;
  end if;
  perform pg_catalog.nextval('tests.toy_source_reads');
  return query
  select e.org_id, e.visitor_id, (e.occurred_at at time zone 'UTC')::date, e.received_at >= p_after and e.received_at < p_upto
  from analytics.events as e
  where e.org_id = md5('org:engine')::uuid
    and (e.org_id, e.visitor_id, (e.occurred_at at time zone 'UTC')::date) in (
      select t.org_id, t.visitor_id, (t.occurred_at at time zone 'UTC')::date
      from analytics.events as t
      where t.org_id = md5('org:engine')::uuid and (p_org_id is null or t.org_id = p_org_id)
        and t.received_at >= p_after and t.received_at < p_upto);
end
$f$;
create table tests.toy_a (
  org_id uuid not null, visitor_id text not null, day date not null, events integer not null,
  primary key (org_id, visitor_id, day)
);
create function tests.compute_toy_a(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof tests.toy_a
language sql stable as $$
  select s.org_id, s.visitor_id, s.day, pg_catalog.count(*)::integer
  from tests.toy_source(p_org_id, p_after, p_upto) as s group by 1, 2, 3 having pg_catalog.bool_or(s.fresh)
$$;
create table tests.toy_b (org_id uuid not null, visitor_id text not null, day date not null, primary key (org_id, visitor_id, day));
create function tests.compute_toy_b(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof tests.toy_b
language sql stable as $$
  select distinct s.org_id, s.visitor_id, s.day from tests.toy_source(p_org_id, p_after, p_upto) as s where s.fresh
$$;
create function tests.toy_reads() returns bigint language sql as $$ select last_value from tests.toy_source_reads $$;

select throws_ok($$ select private.register_rollup('tests.toy_a', 'analytics.events', 'tests.toy_a', 'tests.compute_toy_a',
                   '{org_id,visitor_id,day}', 'day', '{}', 'toy a', p_shared_source => 'tests.no_source') $$,
                 '22023', 'rollup tests.toy_a: no set-returning function tests.no_source(uuid, timestamptz, timestamptz) to share',
                 'an unknown shared source is refused by name');
select lives_ok($$ select private.register_rollup('tests.toy_a', 'analytics.events', 'tests.toy_a', 'tests.compute_toy_a',
                    '{org_id,visitor_id,day}', 'day', '{}', 'toy a', p_shared_source => 'tests.toy_source'),
                         private.register_rollup('tests.toy_b', 'analytics.events', 'tests.toy_b', 'tests.compute_toy_b',
                    '{org_id,visitor_id,day}', 'day', '{}', 'toy b', p_shared_source => 'tests.toy_source') $$,
                'two rollups register with the shared source tests.toy_source');
select is(private.apply_rollup('tests.toy_a', '2030-01-01 13:00Z', true) + private.apply_rollup('tests.toy_b', '2030-01-01 13:00Z', true),
          4::bigint, 'applied together up to W1: 2 keys each (e1-e3; e4, at the watermark, is not in them)');
select is(tests.toy_reads(), 1::bigint, 'the two applies read the shared source once');
select is(pg_catalog.to_regclass('pg_temp.rollup_memo_' || pg_catalog.to_regprocedure('tests.toy_source(uuid, timestamptz, timestamptz)')::oid::text),
          null, 'the read is dropped once both rollups are past it');
select results_eq($$ select a.visitor_id, a.day, a.events from tests.toy_a as a join tests.toy_b as b using (org_id, visitor_id, day) order by 1, 2 $$,
                  $$ values ('v1', '2030-01-01'::date, 2), ('v2', '2030-01-02'::date, 1) $$,
                  'both hold the keys of e1-e3, computed from the one read');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:engine')::uuid, '2030-01-01 23:00Z', '2030-01-04 09:00Z', 'page_view', 'v1');
select results_eq($$ select visitor_id, day, events from private.toy_a_rows(md5('org:engine')::uuid, '-infinity', 'infinity') order by 1, 2 $$,
                  $$ select * from tests.toy_raw() order by 1, 2 $$,
                  'the reader (no shared read: one organization) equals the raw counts before the next apply, late events included');
select is(private.shared_source_memo('tests.toy_source', null, '2030-01-01 13:00Z', '2030-01-05 00:00Z'), null,
          'outside an apply the source''s reader finds no shared read');
select is(private.apply_rollup('tests.toy_a', '2030-01-05 00:00Z', true) + private.apply_rollup('tests.toy_b', '2030-01-05 00:00Z', true),
          5::bigint, 'the next round: (v1, 01-01) changed, (v2, 01-01) and (v3, 01-01) new in toy_a; the 2 new keys in toy_b');
select is(tests.toy_reads(), 3::bigint, 'one more read for both rollups (the reader above made one of its own)');
select results_eq($$ select visitor_id, day, events from tests.toy_a order by 1, 2 $$,
                  $$ select * from tests.toy_raw() order by 1, 2 $$,
                  'toy_a equals the compute over everything: the raw counts, with e4 (at the watermark) and the late events');

create temp table toy_a_before as select * from tests.toy_a;
select lives_ok($$ select private.reset_rollup('tests.toy_a'), private.reset_rollup('tests.toy_b') $$, 'reset empties both');
select is(private.apply_rollup('tests.toy_a', '2030-01-05 00:00Z', true) + private.apply_rollup('tests.toy_b', '2030-01-05 00:00Z', true)
          || ' rows, ' || tests.toy_reads() || ' reads', '8 rows, 4 reads',
          'the rebuild from empty reads the shared source once for both: 4 rows each');
select results_eq($$ select * from tests.toy_a order by 1, 2, 3 $$, $$ select * from toy_a_before order by 1, 2, 3 $$,
                  'the rebuild equals the incrementally maintained rollup');

-- An erasure committed between a shared read and its use (migrations/0980): the read is
-- stale, the second rollup's compute function reads the source itself.
select lives_ok($$ select private.reset_rollup('tests.toy_a'), private.reset_rollup('tests.toy_b') $$, 'reset empties both again');
select is(private.apply_rollup('tests.toy_a', '2030-01-05 00:00Z', true) || ' rows, ' || tests.toy_reads() || ' reads', '4 rows, 5 reads',
          'toy_a starts a round: one shared read');
update private.erasure_epoch set epoch = epoch + 1;
select is(private.apply_rollup('tests.toy_b', '2030-01-05 00:00Z', true) || ' rows, ' || tests.toy_reads() || ' reads', '4 rows, 6 reads',
          'after an erasure (private.erasure_epoch moved) toy_b does not use the shared read: it reads the source again');

-- A combinable rollup (migrations/1000): partial sums of the rows received in the range,
-- combined with the stored row.
select tests.create_org('engine-sum', md5('owner@engine.test')::uuid);
create table tests.toy_sums (
  org_id uuid not null, visitor_id text not null, day date not null, events integer not null, last_at timestamptz not null,
  primary key (org_id, visitor_id, day)
);
create function tests.compute_toy_sums(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof tests.toy_sums
language sql stable as $$
  select e.org_id, e.visitor_id, (e.occurred_at at time zone 'UTC')::date, pg_catalog.count(*)::integer, pg_catalog.max(e.occurred_at)
  from analytics.events as e
  where e.org_id = md5('org:engine-sum')::uuid and (p_org_id is null or e.org_id = p_org_id)
    and e.received_at >= p_after and e.received_at < p_upto
  group by 1, 2, 3
$$;
create function tests.combine_toy_sums(p_stored tests.toy_sums, p_delta tests.toy_sums)
returns tests.toy_sums
language sql immutable as $$
  select p_delta.org_id, p_delta.visitor_id, p_delta.day, coalesce(p_stored.events, 0) + p_delta.events,
         greatest(p_stored.last_at, p_delta.last_at)
$$;
create function tests.toy_sums_raw() returns table (visitor_id text, day date, events integer, last_at timestamptz)
language sql stable as $$
  select e.visitor_id, (e.occurred_at at time zone 'UTC')::date, pg_catalog.count(*)::integer, pg_catalog.max(e.occurred_at)
  from analytics.events as e where e.org_id = md5('org:engine-sum')::uuid group by 1, 2
$$;
select throws_ok($$ select private.register_rollup('tests.toy_sums', 'analytics.events', 'tests.toy_sums', 'tests.compute_toy_sums',
                   '{org_id,visitor_id,day}', 'day', '{}', 'toy sums', p_combine_function => 'tests.no_such_combine') $$,
                 '22023', 'rollup tests.toy_sums: no function tests.no_such_combine(tests.toy_sums, tests.toy_sums) returning tests.toy_sums',
                 'a combine function that is not c(target, target) returns target is refused by name');
select throws_ok($$ select private.register_rollup('tests.toy_sums', 'analytics.events', 'tests.toy_sums', 'tests.compute_toy_sums',
                   '{org_id,visitor_id,day}', 'day', '{}', 'toy sums', '{org_id,day}', p_combine_function => 'tests.combine_toy_sums') $$,
                 '22023', 'rollup tests.toy_sums: a combinable rollup has no unit of replacement',
                 'a combinable rollup with a unit of replacement is refused');
select lives_ok($$ select private.register_rollup('tests.toy_sums', 'analytics.events', 'tests.toy_sums', 'tests.compute_toy_sums',
                  '{org_id,visitor_id,day}', 'day', '{}', 'toy sums', p_combine_function => 'tests.combine_toy_sums') $$,
                'a combinable rollup registers');
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
select md5('org:engine-sum')::uuid, x.occurred::timestamptz, x.received::timestamptz, 'page_view', x.visitor
from (values ('2030-02-01 09:00Z', '2030-02-01 10:00Z', 'v1'), ('2030-02-01 09:30Z', '2030-02-01 11:00Z', 'v1'),
             ('2030-02-02 08:00Z', '2030-02-01 12:00Z', 'v2'), ('2030-02-01 12:59Z', '2030-02-01 13:00Z', 'v3'))
     as x (occurred, received, visitor);
select is(private.apply_rollup('tests.toy_sums', '2030-02-01 13:00Z', true), 2::bigint,
          'combinable: apply up to W1 = 13:00 writes the 2 keys of s1-s3');
select results_eq($$ select visitor_id, day, events, last_at from tests.toy_sums order by 1, 2 $$,
                  $$ values ('v1', '2030-02-01'::date, 2, '2030-02-01 09:30Z'::timestamptz), ('v2', '2030-02-02'::date, 1, '2030-02-02 08:00Z'::timestamptz) $$,
                  'combinable: the stored rows count exactly the rows received before W1 (s4, visible but received at W1, is not in them)');
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:engine-sum')::uuid, '2030-02-01 20:00Z', '2030-02-02 09:00Z', 'page_view', 'v1');
select results_eq($$ select visitor_id, day, events, last_at from private.toy_sums_rows(md5('org:engine-sum')::uuid, '-infinity', 'infinity') order by 1, 2 $$,
                  $$ select * from tests.toy_sums_raw() order by 1, 2 $$,
                  'combinable reader = raw counts: (v1, 02-01, 3: stored 2 + the late s5, last 20:00), (v2, 02-02, 1), (v3, 02-01, 1: s4 at the watermark)');
select results_eq($$ select visitor_id, events from private.toy_sums_rows(md5('org:engine-sum')::uuid, '2030-02-01', '2030-02-02') order by 1 $$,
                  $$ values ('v1', 3), ('v3', 1) $$,
                  'combinable reader with bucket bounds [02-01, 02-02)');
select results_eq($$ select visitor_id, events from private.toy_sums_rows(md5('org:engine-sum')::uuid, '2030-02-01', '2030-02-02',
                       array(select f from private.rollup_fresh(null::tests.toy_sums, md5('org:engine-sum')::uuid) as f)) order by 1 $$,
                  $$ values ('v1', 3), ('v3', 1) $$,
                  'combinable reader given rollup_fresh''s deltas as p_fresh: the same rows (v1 stored 2 + 1, v3 1)');
-- An apply interrupted after its upsert (its subtransaction rolled back).
select throws_ok($$ do $i$ begin perform private.apply_rollup('tests.toy_sums', '2030-02-02 10:00Z', true);
                   raise exception 'interrupted' using errcode = 'P0001'; end $i$ $$,
                 'P0001', 'interrupted', 'an apply interrupted after its upsert fails as a whole');
select results_eq($$ select visitor_id, day, events, (select watermark from private.rollups where name = 'tests.toy_sums')::text from tests.toy_sums order by 1, 2 $$,
                  $$ values ('v1', '2030-02-01'::date, 2, '2030-02-01 13:00:00+00'), ('v2', '2030-02-02'::date, 1, '2030-02-01 13:00:00+00') $$,
                  'an interrupted apply leaves the stored rows and the watermark as they were');
select is(private.apply_rollup('tests.toy_sums', '2030-02-02 10:00Z', true), 2::bigint,
          'combinable: apply up to 02-02 10:00 combines v1 (2 + 1) and inserts v3');
select is(private.apply_rollup('tests.toy_sums', '2030-02-02 10:00Z', true), 0::bigint,
          'combinable: a rerun (or a second run that waited for the first) finds the watermark moved and adds nothing');
select results_eq($$ select visitor_id, day, events, last_at from tests.toy_sums order by 1, 2 $$,
                  $$ select * from tests.toy_sums_raw() order by 1, 2 $$,
                  'combinable: after the apply the stored rows are the raw counts (each event counted once)');
create temporary table toy_sums_incremental as select * from tests.toy_sums;
select lives_ok($$ select private.reset_rollup('tests.toy_sums') $$, 'combinable: reset empties the rollup');
select is(private.apply_rollup('tests.toy_sums', '2030-02-02 10:00Z', true), 3::bigint,
          'combinable: the full rebuild is the same apply from -infinity (3 keys)');
select results_eq($$ select * from tests.toy_sums order by 1, 2, 3 $$, $$ select * from toy_sums_incremental order by 1, 2, 3 $$,
                  'combinable: the rebuild equals the incremental result');
-- An erasure of v1 (as app.erase_user does for per-person rows: raw and derived rows deleted),
-- then s6 for v2.
delete from analytics.events where org_id = md5('org:engine-sum')::uuid and visitor_id = 'v1';
delete from tests.toy_sums where visitor_id = 'v1';
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:engine-sum')::uuid, '2030-02-02 10:00Z', '2030-02-03 09:00Z', 'page_view', 'v2');
select results_eq($$ select visitor_id, day, events, last_at from private.toy_sums_rows(md5('org:engine-sum')::uuid, '-infinity', 'infinity') order by 1, 2 $$,
                  $$ values ('v2', '2030-02-02'::date, 2, '2030-02-02 10:00Z'::timestamptz), ('v3', '2030-02-01'::date, 1, '2030-02-01 12:59Z'::timestamptz) $$,
                  'combinable reader after an erasure of v1: no v1 row; v2 = stored 1 + s6');
select is(private.apply_rollup('tests.toy_sums', '2030-02-04 00:00Z', true), 1::bigint, 'combinable: apply adds s6 to v2');
select results_eq($$ select visitor_id, day, events, last_at from tests.toy_sums order by 1, 2 $$,
                  $$ select * from tests.toy_sums_raw() order by 1, 2 $$,
                  'combinable: the erased visitor is never written back; the rows equal the raw counts');
-- Becoming combinable: stored rows recomputed over whole keys may count rows received at or
-- after the watermark, so a rollup that becomes combinable while such rows exist is reset.
select lives_ok($$ select private.register_rollup('tests.toy_sums', 'analytics.events', 'tests.toy_sums', 'tests.compute_toy_sums',
                  '{org_id,visitor_id,day}', 'day', '{}', 'toy sums') $$, 'registered again without a combine function');
select is((select watermark from private.rollups where name = 'tests.toy_sums'), '2030-02-04 00:00Z'::timestamptz,
          'a rollup that stops being combinable keeps its watermark and rows');
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:engine-sum')::uuid, '2030-02-04 10:00Z', '2030-02-04 11:00Z', 'page_view', 'v4');
select lives_ok($$ select private.register_rollup('tests.toy_sums', 'analytics.events', 'tests.toy_sums', 'tests.compute_toy_sums',
                  '{org_id,visitor_id,day}', 'day', '{}', 'toy sums', p_combine_function => 'tests.combine_toy_sums') $$,
                'registered as combinable again');
select is((select watermark::text || ', ' || (select count(*) from tests.toy_sums) || ' rows' from private.rollups where name = 'tests.toy_sums'),
          '-infinity, 0 rows',
          'becoming combinable while the source holds a row received after the watermark resets the rollup (rebuilt by the next apply)');

-- The refresh plan and its step procedure (private.refresh_plan, private.run_refresh_step).
select is((select string_agg(step, ', ' order by phase, level, step) from private.refresh_plan() where phase = 0),
          'analytics.ensure_partitions, private.analyze_grown_partitions',
          'the plan opens with partitions, then the statistics of grown partitions');
select is((select phase::text || '/' || level::text from private.refresh_plan(null, 'insights.refresh_aggregates')),
          '1/0', 'the insight aggregates run beside the level-0 rollups');
select throws_ok($$ call private.run_refresh_step(1, 'tests.step', 'select 1') $$, '55000',
                 'refresh step tests.step of run 1 outside a live refresh run: this session has not joined it, or its first session no longer holds the refresh lock',
                 'a step outside a refresh run (no session holds the refresh lock) is refused before it logs anything');
select throws_ok($$ select private.join_refresh(1) $$, '55000',
                 'refresh run 1 is not running: no session holds the refresh lock for it',
                 'a session cannot join a run that is not running');
select is((select count(*) from pg_catalog.pg_locks where pid = pg_catalog.pg_backend_pid() and locktype = 'advisory' and classid = 1920229733),
          0::bigint, 'and the refused join leaves no lock of the run behind');

select * from finish();
