-- Contract: the recency rollups of migration 0920 (analytics.org_daily_recency, a rollup of
-- visitor_daily_counts; analytics.entity_daily_recency, a rollup of entity_daily_visitors):
-- the distinct visitors (and listeners) of EVERY period of the fixture, and each visitor's
-- first-day attributes, are exact sums of their rows, before any apply (the readers), after
-- it, after a late event that shortens a later day's gap, and with an event received
-- exactly at the watermark; the rebuild from empty equals the incremental result.
-- Fixture: organization "recy" (UTC), local days 2025-02-01 .. 02-10, entity e1.
--   a: 02-01 page_view US mobile (utm x); 02-03 play e1 DE desktop; 02-08 page_view (nothing reported)
--   b: 02-02 play e1 FR tablet (utm y); 02-03 like e1; 02-09 play e1
--   c: 02-05 page_view GB; 02-06 like e1
--   user U without visitor id: 02-07 play e1 (visitor 'user:U')
--   02-04 a page_view with neither visitor nor user (no visitor); 02-05 a bot play of e1
-- The all-period checks compare, for each of the 55 periods [f, t) within 02-01 .. 02-11,
-- the rollup sums with count(distinct ...) over the raw events (visitors, listeners) and
-- with the old dashboard definition over the visitor sets (first-day labels).
select plan(15);
select tests.reset_retention_horizon();  -- fixture in past months: see _support/00_tests_helpers.sql

select tests.create_user('owner@recy.test');
select tests.create_org('recy', md5('owner@recy.test')::uuid);
update app.organizations set timezone = 'UTC' where id = md5('org:recy')::uuid;

insert into analytics.events (org_id, occurred_at, event_type, entity_type, entity_id, visitor_id, user_id,
                              country, device_type, utm_source, is_bot)
select md5('org:recy')::uuid, x.at::timestamptz, x.type, case when x.e1 then 'content_item' end,
       case when x.e1 then '00000000-0000-4000-8000-0000000ecce1'::uuid end,
       x.visitor, case when x.visitor is null and x.fan then md5('fan@recy.test')::uuid end,
       x.country, x.device, x.utm, coalesce(x.visitor = 'bot', false)
from (values
  ('2025-02-01 10:00:00Z', 'page_view', false, 'a', false, 'US', 'mobile', 'x'),
  ('2025-02-03 10:00:00Z', 'play', true, 'a', false, 'DE', 'desktop', null),
  ('2025-02-08 10:00:00Z', 'page_view', false, 'a', false, null, null, null),
  ('2025-02-02 10:00:00Z', 'play', true, 'b', false, 'FR', 'tablet', 'y'),
  ('2025-02-03 11:00:00Z', 'like', true, 'b', false, null, null, null),
  ('2025-02-09 10:00:00Z', 'play', true, 'b', false, null, null, null),
  ('2025-02-05 10:00:00Z', 'page_view', false, 'c', false, 'GB', null, null),
  ('2025-02-06 10:00:00Z', 'like', true, 'c', false, null, null, null),
  ('2025-02-07 10:00:00Z', 'play', true, null, true, null, null, null),
  ('2025-02-04 10:00:00Z', 'page_view', false, null, false, null, null, null),
  ('2025-02-05 12:00:00Z', 'play', true, 'bot', false, null, null, null)
) as x (at, type, e1, visitor, fan, country, device, utm);

-- Applies the daily rollups up to now (clock_timestamp), then the two recency rollups up
-- to their upstreams' watermark (a dependent is never applied past it).
create function tests.apply_recency() returns bigint language plpgsql as $$
declare
  v_rows bigint := tests.apply_daily_rollups();
begin
  return v_rows
         + private.apply_rollup('analytics.org_daily_recency',
                                (select r.watermark from private.rollups as r where r.name = 'analytics.visitor_daily_counts'), true)
         + private.apply_rollup('analytics.entity_daily_recency',
                                (select r.watermark from private.rollups as r where r.name = 'analytics.entity_daily_visitors'), true);
end;
$$;

-- Periods whose rollup sums differ from the raw answer: organization visitors (device
-- rows), each dimension's label counts, entity visitors and listeners. 0 when exact.
create function tests.recency_mismatches() returns bigint language sql as $$
  with days as (select d::date as d from pg_catalog.generate_series('2025-02-01'::date, '2025-02-10', interval '1 day') as d),
  periods as (select f.d as f, t.d + 1 as t from days as f join days as t on t.d >= f.d),
  raw as (
    select (e.occurred_at at time zone 'UTC')::date as day, coalesce(e.visitor_id, 'user:' || e.user_id::text) as visitor,
           e.entity_id is not null as on_e1, e.event_type = 'play' and e.entity_id is not null as played
    from analytics.events as e
    where e.org_id = md5('org:recy')::uuid and not e.is_bot and (e.visitor_id is not null or e.user_id is not null)
  ),
  org_rows as (select r.* from private.org_daily_recency_rows(md5('org:recy')::uuid, '-infinity', 'infinity') as r),
  entity_rows as (select r.* from private.entity_daily_recency_rows(md5('org:recy')::uuid, '-infinity', 'infinity') as r),
  sums as (
    select p.f, p.t, r.dimension, r.label::text as label,
           pg_catalog.sum(r.visitors - coalesce(r.returning_visitors[pg_catalog.width_bucket(r.day - p.f, r.gaps)], 0)) as n
    from periods as p join org_rows as r on r.day >= p.f and r.day < p.t
    group by 1, 2, 3, 4
    union all
    select p.f, p.t, 'visitors', '', pg_catalog.sum(r.visitors - coalesce(r.returning_visitors[pg_catalog.width_bucket(r.day - p.f, r.gaps)], 0))
    from periods as p join org_rows as r on r.day >= p.f and r.day < p.t and r.dimension = 'device_type'
    group by 1, 2
    union all
    select p.f, p.t, 'entity visitors', '',
           pg_catalog.sum(r.visitors - coalesce(r.returning_visitors[pg_catalog.width_bucket(r.day - p.f, r.visitor_gaps)], 0))
    from periods as p join entity_rows as r on r.day >= p.f and r.day < p.t
    group by 1, 2
    union all
    select p.f, p.t, 'entity listeners', '',
           pg_catalog.sum(r.listeners - coalesce(r.returning_listeners[pg_catalog.width_bucket(r.day - p.f, r.listener_gaps)], 0))
    from periods as p join entity_rows as r on r.day >= p.f and r.day < p.t
    group by 1, 2
  ),
  firsts as (
    -- The old dashboard definition: each visitor once, with the attributes of their first day in the period.
    select distinct on (p.f, p.t, v.visitor_key) p.f, p.t, v.source, v.country, v.device_type
    from periods as p
    join private.org_daily_visitors_rows(md5('org:recy')::uuid, '-infinity', 'infinity') as v on v.day >= p.f and v.day < p.t
    order by p.f, p.t, v.visitor_key, v.day
  ),
  expected as (
    select f.f, f.t, x.dimension, x.label, pg_catalog.count(*) as n
    from firsts as f
    cross join lateral (values ('source', f.source::text), ('country', coalesce(f.country::text, '(unknown)')),
                               ('device_type', coalesce(f.device_type::text, '(unknown)'))) as x (dimension, label)
    group by 1, 2, 3, 4
    union all
    select p.f, p.t, 'visitors', '', pg_catalog.count(distinct r.visitor) from periods as p join raw as r on r.day >= p.f and r.day < p.t group by 1, 2
    union all
    select p.f, p.t, 'entity visitors', '', pg_catalog.count(distinct r.visitor)
    from periods as p join raw as r on r.day >= p.f and r.day < p.t and r.on_e1 group by 1, 2
    union all
    select p.f, p.t, 'entity listeners', '', pg_catalog.count(distinct r.visitor)
    from periods as p join raw as r on r.day >= p.f and r.day < p.t and r.played group by 1, 2
  )
  select pg_catalog.count(*) from sums as s full join expected as e using (f, t, dimension, label)
  where coalesce(s.n, 0) is distinct from coalesce(e.n, 0)
$$;

-- Lifetime entity visitors and listeners: the first-timers' sum against count(distinct).
create function tests.recency_lifetime() returns table (visitors bigint, listeners bigint) language sql as $$
  select pg_catalog.sum(r.first_visitors)::bigint, pg_catalog.sum(r.first_listeners)::bigint
  from private.entity_daily_recency_rows(md5('org:recy')::uuid, '-infinity', 'infinity') as r
$$;

select is(tests.recency_mismatches(), 0::bigint,
          'before any apply, the readers'' sums equal the raw distinct visitors, listeners and first-day labels of all 55 periods');
select results_eq($$ select * from tests.recency_lifetime() $$, $$ values (4::bigint, 3::bigint) $$,
                  'e1''s lifetime: 4 visitors (a, b, c, U) and 3 listeners (a, b, U)');

select cmp_ok(tests.apply_recency(), '>', 0::bigint, 'apply the daily rollups and the recency rollups');
select results_eq(
  $$ select day, label collate "default", visitors, gaps, returning_visitors from analytics.org_daily_recency
      where org_id = md5('org:recy')::uuid and dimension = 'device_type' order by day, label collate "C" $$,
  $$ values ('2025-02-01'::date, 'mobile', 1, '{}'::integer[], '{}'::integer[]), ('2025-02-02', 'tablet', 1, '{}', '{}'),
            ('2025-02-03', '(unknown)', 1, '{1}', '{1}'), ('2025-02-03', 'desktop', 1, '{2}', '{1}'),
            ('2025-02-05', '(unknown)', 1, '{}', '{}'), ('2025-02-06', '(unknown)', 1, '{1}', '{1}'),
            ('2025-02-07', '(unknown)', 1, '{}', '{}'), ('2025-02-08', '(unknown)', 1, '{5}', '{1}'),
            ('2025-02-09', '(unknown)', 1, '{6}', '{1}') $$,
  'the stored device rows: b back after 1 day on 02-03, a after 2; a''s 02-08 after 5 days, b''s 02-09 after 6; no row for the visitor-less 02-04');
select is(tests.recency_mismatches(), 0::bigint, 'after the apply, the stored rows give the same answers for all 55 periods');

-- A late event: a on 02-05 in Japan. a's 02-08 gap shrinks from 5 to 3 days, so the day
-- 02-08 is recomputed as well as 02-05; in [02-04, 02-09) a now counts under JP.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, country)
values (md5('org:recy')::uuid, '2025-02-05 09:00:00Z', clock_timestamp(), 'page_view', 'a', 'JP');
select is(tests.recency_mismatches(), 0::bigint, 'before the next apply, the readers already have the late event, in all 55 periods');
select results_eq(
  $$ select gaps, returning_visitors from private.org_daily_recency_rows(md5('org:recy')::uuid, '2025-02-08', '2025-02-09')
      where dimension = 'device_type' $$,
  $$ values ('{3}'::integer[], '{1}'::integer[]) $$, 'the reader''s 02-08 row: a was last seen 3 days before (on 02-05)');
select lives_ok($$ select tests.apply_recency() $$, 'apply');
select results_eq(
  $$ select gaps, returning_visitors from analytics.org_daily_recency
      where org_id = md5('org:recy')::uuid and day = '2025-02-08' and dimension = 'device_type' $$,
  $$ values ('{3}'::integer[], '{1}'::integer[]) $$, 'the applied 02-08 row agrees');

-- A play of e1 by c on 02-10, received exactly at the recency rollups' watermark: the next
-- apply's ([watermark, bound)); readers count it at once.
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
select md5('org:recy')::uuid, '2025-02-10 10:00:00Z', r.watermark, 'play', 'content_item', '00000000-0000-4000-8000-0000000ecce1', 'c'
from private.rollups as r where r.name = 'analytics.entity_daily_recency';
select results_eq($$ select * from tests.recency_lifetime() $$, $$ values (4::bigint, 4::bigint) $$,
                  'the play received at the watermark makes c e1''s fourth listener at once');
select lives_ok($$ select tests.apply_recency() $$, 'apply');
select results_eq(
  $$ select visitors, first_visitors, visitor_gaps, returning_visitors, listeners, first_listeners, listener_gaps
     from analytics.entity_daily_recency where org_id = md5('org:recy')::uuid and day = '2025-02-10' $$,
  $$ values (1, 0, '{4}'::integer[], '{1}'::integer[], 1, 1, '{}'::integer[]) $$,
  'the applied 02-10 row of e1 (the organization''s latest day: no later day to look for): c back 4 days after 02-06, listening for the first time');

-- A late like of e1 by b on 02-07 (a day before the latest stored one): b's next day on e1,
-- 02-09, is recomputed, its gap 6 becoming 2; b played on 02-02 and 02-09 only, so the
-- listener gap of 02-09 stays 7.
insert into analytics.events (org_id, occurred_at, received_at, event_type, entity_type, entity_id, visitor_id)
values (md5('org:recy')::uuid, '2025-02-07 10:00:00Z', clock_timestamp(), 'like', 'content_item', '00000000-0000-4000-8000-0000000ecce1', 'b');
select lives_ok($$ select tests.apply_recency() $$, 'apply');
select results_eq(
  $$ select visitors, visitor_gaps, listeners, listener_gaps
     from analytics.entity_daily_recency where org_id = md5('org:recy')::uuid and day = '2025-02-09' $$,
  $$ values (1, '{2}'::integer[], 1, '{7}'::integer[]) $$,
  'the applied 02-09 row of e1: b back 2 days after the late 02-07, 7 days after its previous play');

-- The rebuild from empty (the same compute functions over every received row) equals the
-- incremental result, row for row.
select is((select count(*) from (
             (select 'o', to_jsonb(c) from analytics.compute_org_daily_recency(md5('org:recy')::uuid, '-infinity', 'infinity') c
              union all select 'e', to_jsonb(c) from analytics.compute_entity_daily_recency(md5('org:recy')::uuid, '-infinity', 'infinity') c)
             except all
             (select 'o', to_jsonb(t) from analytics.org_daily_recency t where t.org_id = md5('org:recy')::uuid
              union all select 'e', to_jsonb(t) from analytics.entity_daily_recency t where t.org_id = md5('org:recy')::uuid)) as d)
          + (select count(*) from analytics.org_daily_recency t where t.org_id = md5('org:recy')::uuid)
          + (select count(*) from analytics.entity_daily_recency t where t.org_id = md5('org:recy')::uuid)
          - (select count(*) from analytics.compute_org_daily_recency(md5('org:recy')::uuid, '-infinity', 'infinity'))
          - (select count(*) from analytics.compute_entity_daily_recency(md5('org:recy')::uuid, '-infinity', 'infinity')),
          0::bigint, 'every row recomputed from empty is a stored row, and no stored row is missing');

select * from finish();
