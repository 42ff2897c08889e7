-- Contract: the rollup private.audience_attribution_days (migration 0950), the attribution
-- of private.audience_touch_days as sums. Fixture: tests.audience_june_fixture
-- (aud-berlin, Europe/Berlin), plus V1 05-25 tiktok / social and V3 05-28 facebook / social
-- (as in audience_attribution.sql). Period [2026-06-01, 2026-06-15): V1 (instagram 06-10
-- with a ticket_cta, direct 06-11), V2 (google.com 06-05), V3 (direct 06-12), V4
-- (newsletter 06-01 00:30 Berlin), V6 (instagram 06-08, ticket_cta), V7 (direct 06-03).
select plan(10);

select tests.audience_june_fixture(tests.audience_orgs());
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V1', tests.berlin('2026-05-25 10:00'), 'page_view', 'mobile', '4g', null, 'tiktok', 'social');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V3', tests.berlin('2026-05-28 10:00'), 'page_view', 'desktop', 'wifi', null, 'facebook', 'social');

-- The rollup's rows and the touch rows as read now (through their readers), kept in temp
-- tables so that many periods are cheap to check.
create temp table weights (like private.audience_attribution_days);
create temp table touches (like private.audience_touch_days);
create function pg_temp.capture() returns void language sql as $$
  truncate weights; truncate touches;
  insert into weights select * from private.audience_attribution_days_rows(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
  insert into touches select * from private.audience_touch_days_rows(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
$$;
-- The sums of a model over a period: the visitors and clicked visitors of each channel.
create function pg_temp.sums(p_from date, p_to date, p_models text[])
returns table (source text, medium text, campaign text, visitors bigint, clicked bigint)
language sql as $$
  select a.source, a.medium, a.campaign, sum(coalesce(a.visitors[width_bucket((a.day - p_from)::smallint, a.gaps)], 0))::bigint,
         sum(coalesce(a.clicked[width_bucket((a.day - p_from)::smallint, a.gaps)], 0))::bigint
  from weights as a
  where a.day >= p_from and a.day < p_to and a.model = any (p_models)
  group by 1, 2, 3 having sum(coalesce(a.visitors[width_bucket((a.day - p_from)::smallint, a.gaps)], 0)) <> 0
$$;
-- The per-visitor side below follows the definitions one visitor at a time, every window
-- ending on the visitor's last day in the period: the first row of the period (first touch:
-- its own touch, or ft_* with 30 days), the last (last touch: its touch; last non-direct:
-- its earlier non-direct touch when it is direct and that lies on or after the first day
-- minus the lookback); clicked: a click on a day of the period.
-- Periods x models x lookbacks where the two differ (0 = none): from every day of
-- 05-20 .. 06-15, 1 to 30 days long; both sides computed for all of them at once.
create function pg_temp.mismatches() returns bigint language sql as $$
  with periods as (
    select g::date as f, g::date + n as t, m.model, m.lookback, m.models
    from pg_catalog.generate_series(date '2026-05-20', date '2026-06-15', interval '1 day') as g,
         unnest(array[1, 3, 7, 14, 30]) as n,
         (values ('first_touch', 0, array['ft']), ('first_touch', 30, array['ft', 'ft30']), ('last_touch', 30, array['lt']),
                 ('last_non_direct', 0, array['lt', 'nd0']), ('last_non_direct', 30, array['lt', 'nd30'])) as m (model, lookback, models)
  ),
  sums as (
    select p.f, p.t, p.model, p.lookback, a.source, a.medium, a.campaign,
           sum(coalesce(a.visitors[width_bucket((a.day - p.f)::smallint, a.gaps)], 0)) as visitors,
           sum(coalesce(a.clicked[width_bucket((a.day - p.f)::smallint, a.gaps)], 0)) as clicked
    from periods as p join weights as a on a.day >= p.f and a.day < p.t and a.model = any (p.models)
    group by 1, 2, 3, 4, 5, 6, 7
    having sum(coalesce(a.visitors[width_bucket((a.day - p.f)::smallint, a.gaps)], 0)) <> 0
  ),
  v as (
    select p.f, p.t, p.model, p.lookback, t.visitor_key, min(t.day) as first_day, max(t.day) as last_day, bool_or(t.clicked) as clicked
    from periods as p join touches as t on t.day >= p.f and t.day < p.t
    group by 1, 2, 3, 4, 5
  ),
  credited as (
    select v.f, v.t, v.model, v.lookback, v.clicked,
           case when v.model = 'first_touch' and v.lookback = 0 then array[fr.source, fr.medium, fr.campaign]
                when v.model = 'first_touch' then array[fr.ft_source, fr.ft_medium, fr.ft_campaign]
                when v.model = 'last_non_direct' and l.source = '(direct)' and l.nd_day >= v.first_day - v.lookback
                  then array[l.nd_source, l.nd_medium, l.nd_campaign]
                else array[l.source, l.medium, l.campaign] end as c
    from v
    join touches as fr on fr.visitor_key = v.visitor_key and fr.day = v.first_day
    join touches as l on l.visitor_key = v.visitor_key and l.day = v.last_day
  ),
  per_visitor as (
    select c.f, c.t, c.model, c.lookback, c.c[1] as source, c.c[2] as medium, c.c[3] as campaign,
           count(*) as visitors, count(*) filter (where c.clicked) as clicked
    from credited as c group by 1, 2, 3, 4, 5, 6, 7
  )
  select count(distinct (coalesce(s.f, p.f), coalesce(s.t, p.t), coalesce(s.model, p.model), coalesce(s.lookback, p.lookback)))
  from sums as s
  full join per_visitor as p
    on p.f = s.f and p.t = s.t and p.model = s.model and p.lookback = s.lookback
   and p.source = s.source and p.medium = s.medium and p.campaign = s.campaign
  where s.visitors is distinct from p.visitors or s.clicked is distinct from p.clicked
$$;
select pg_temp.capture();

select results_eq(
  $$ select source, visitors, clicked from pg_temp.sums('2026-06-01', '2026-06-15', array['lt']) order by source $$,
  $$ values ('(direct)'::text, 3::bigint, 1::bigint), ('google.com', 1, 0), ('instagram', 1, 1), ('newsletter', 1, 0) $$,
  'last touch as sums: each visitor''s last day of the period (V1 06-11, V3 06-12 and V7 direct; V1 clicked on 06-10)'
);
select results_eq(
  $$ select source, visitors, clicked from pg_temp.sums('2026-06-01', '2026-06-15', array['lt', 'nd30']) order by source $$,
  $$ values ('(direct)'::text, 1::bigint, 0::bigint), ('facebook', 1, 0), ('google.com', 1, 0), ('instagram', 2, 2), ('newsletter', 1, 0) $$,
  'last non-direct (30 days) as sums: V1''s direct 06-11 goes to instagram (06-10), V3''s direct 06-12 to facebook (05-28), V7 stays direct'
);
select results_eq(
  $$ select source, visitors from pg_temp.sums('2026-06-11', '2026-06-15', array['lt', 'nd0']) order by source $$,
  $$ values ('(direct)'::text, 2::bigint) $$,
  'with lookback 0 a direct last day stays direct when its non-direct touch lies before the first day in the period (V1 06-11, V3 06-12)'
);
select is(pg_temp.mismatches(), 0::bigint,
  'computed by the reader: the sums equal the per-visitor definitions for 135 periods x 5 models and lookbacks');

-- get_audience_attribution's answers while events are newer than the sums (per visitor),
-- for every model with lookbacks 0 and 30.
select tests.authenticate_as(tests.audience_user('viewer'));
create temp table answers_per_visitor as
select m, l, a::text as answer, row_number() over (partition by m, l) as n
from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m, unnest(array[0, 30]) as l,
     public.get_audience_attribution(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', m, l) as a;
select tests.clear_authentication();

-- Stored as private.apply_rollup stores them (this organization only; the watermarks
-- moved past the fixture, inside this rolled-back transaction).
insert into private.audience_touch_days
select * from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
update private.rollups set watermark = clock_timestamp() where name = 'private.audience_touch_days';
insert into private.audience_attribution_days
select * from private.compute_audience_attribution_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
update private.rollups set watermark = clock_timestamp() where name = 'private.audience_attribution_days';
select pg_temp.capture();
select is(pg_temp.mismatches(), 0::bigint, 'from the stored rows: the same');
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select m, l, a::text, row_number() over (partition by m, l)
     from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m, unnest(array[0, 30]) as l,
          public.get_audience_attribution(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', m, l) as a $$,
  $$ select m, l, answer, n from answers_per_visitor $$,
  'nothing received since: get_audience_attribution sums the stored rows, moving the buyers V1 and V3, with the same answers'
);
select tests.clear_authentication();

-- Late events after the watermarks (received now): V3 from a newsletter on 06-01, V9 on
-- 06-02 and 06-05, V6 again on 06-09 (direct). The reader recomputes their days.
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V3', tests.berlin('2026-06-01 08:00'), 'page_view', 'desktop', 'wifi', null, 'newsletter', 'email');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-02 12:00'), 'page_view', 'mobile', '4g', null, 'v9-first', 'social');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-05 12:00'), 'link_click', 'mobile', '4g', null, 'v9-last', 'social');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V6', tests.berlin('2026-06-09 12:00'), 'page_view', 'mobile', '4g');
update analytics.events set received_at = clock_timestamp()
 where org_id = md5('org:aud-berlin')::uuid and occurred_at >= tests.berlin('2026-06-01 00:00') and visitor_id in ('V3', 'V6', 'V9')
   and (visitor_id = 'V9' or occurred_at in (tests.berlin('2026-06-01 08:00'), tests.berlin('2026-06-09 12:00')));
select results_eq(
  $$ select r::text from private.audience_attribution_days_rows(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') as r order by 1 $$,
  $$ select c::text from private.compute_audience_attribution_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') as c order by 1 $$,
  'after late events the rows read (stored, with the touched days recomputed) equal a rebuild'
);
select pg_temp.capture();
select is(pg_temp.mismatches(), 0::bigint, 'after late events: the sums still equal the per-visitor credits');

-- Retention (cutoff 05-29 00:00 Berlin, as analytics.apply_retention records it): the rows
-- of the days before go, and the attribution reads the touch rows for periods that start
-- less than 30 days after the cutoff (the touch rows' pointers to deleted days are cleared).
select private.retain_audience_touch_days(tests.berlin('2026-05-29 00:00'));
update analytics.retention_state set last_cutoff = tests.berlin('2026-05-29 00:00');
select is((select count(*) from private.audience_attribution_days where org_id = md5('org:aud-berlin')::uuid and day < '2026-05-29'),
          0::bigint, 'retention deletes the rows of the days before its cutoff');
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq(
  $$ select source, campaign, visitors, clicked_visitors, revenue_cents
     from public.get_audience_attribution(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', 'last_non_direct', 30) $$,
  $$ values ('instagram'::text, 'summer'::text, 2::bigint, 2::bigint, 5000::bigint), ('newsletter', '(none)', 1, 0, 4000),
            ('(direct)', '(none)', 1, 0, 0), ('google.com', '(none)', 1, 0, 0), ('newsletter', 'june-news', 1, 0, 0),
            ('v9-last', '(none)', 1, 1, 0) $$,
  'after retention, last non-direct over the touch rows: V6''s direct 06-09 goes to instagram (06-08), V3''s 06-12 to the newsletter of 06-01'
);

select * from finish();
