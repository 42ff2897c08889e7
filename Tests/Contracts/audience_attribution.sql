-- Contract: public.get_audience_attribution (first touch, last touch, last non-direct touch
-- with a lookback window). Fixture: tests.audience_june_fixture (aud-berlin,
-- Europe/Berlin), period [2026-06-01, 2026-06-15), plus two touches before the period:
--   V1  05-25 page view from tiktok / social (16 days before its first day in the period, 06-10)
--   V3  05-28 page view from facebook / social (V3: direct 05-20, direct 06-12 when it buys 4000)
select plan(19);

select tests.audience_june_fixture(tests.audience_orgs());
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V1', tests.berlin('2026-05-25 10:00'), 'page_view', 'mobile', '4g', null, 'tiktok', 'social');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V3', tests.berlin('2026-05-28 10:00'), 'page_view', 'desktop', 'wifi', null, 'facebook', 'social');

create function pg_temp.attribution(p_model text, p_lookback int)
returns table (source text, medium text, campaign text, visitors bigint, clicked_visitors bigint, click_through_rate_pct numeric,
               buyers bigint, conversion_rate_pct numeric, orders bigint, revenue_cents bigint, aov_cents bigint, ltv_cents bigint,
               quality_score integer)
language sql as $$
  select * from public.get_audience_attribution(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15', p_model, p_lookback)
$$;

select tests.authenticate_as(tests.audience_user('viewer'));

select results_eq(
  $$ select * from public.get_audience_attribution(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  $$ values ('tiktok'::text, 'social'::text, '(none)'::text, 1::bigint, 1::bigint, 100.0, 1::bigint, 100.0, 1::bigint, 5000::bigint, 5000::bigint, 5000::bigint, 93),
            ('(direct)', '(none)', '(none)', 2, 0, 0.0, 1, 50.0, 1, 4000, 4000, 6000, 60),
            ('google.com', 'referral', '(none)', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0),
            ('instagram', 'social', 'summer', 1, 1, 100.0, 0, 0.0, 0, 0, null, null, 20),
            ('newsletter', 'email', 'june-news', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0) $$,
  'default first touch, 30-day lookback: V1 is credited to tiktok (05-25), V3 to direct (05-20); quality 40 + 33.3 + 20 = 93 and 20 + 40 = 60'
);

select results_eq(
  $$ select * from pg_temp.attribution('first_touch', 0) $$,
  $$ select * from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$,
  'first touch with lookback 0 is get_audience_acquisition, row for row'
);

select results_eq(
  $$ select * from pg_temp.attribution('last_touch', 30) $$,
  $$ values ('instagram'::text, 'social'::text, 'summer'::text, 2::bigint, 2::bigint, 100.0, 1::bigint, 50.0, 1::bigint, 5000::bigint, 5000::bigint, 5000::bigint, 93),
            ('(direct)', '(none)', '(none)', 2, 0, 0.0, 1, 50.0, 1, 4000, 4000, 6000, 80),
            ('google.com', 'referral', '(none)', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0),
            ('newsletter', 'email', 'june-news', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0) $$,
  'last touch: V1''s last touch up to its purchase day 06-10 is instagram (its direct 06-11 visit comes after), V3''s is direct (06-12)'
);

select results_eq(
  $$ select * from pg_temp.attribution('last_non_direct', 30) $$,
  $$ values ('instagram'::text, 'social'::text, 'summer'::text, 2::bigint, 2::bigint, 100.0, 1::bigint, 50.0, 1::bigint, 5000::bigint, 5000::bigint, 5000::bigint, 73),
            ('facebook', 'social', '(none)', 1, 0, 0.0, 1, 100.0, 1, 4000, 4000, 6000, 80),
            ('(direct)', '(none)', '(none)', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0),
            ('google.com', 'referral', '(none)', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0),
            ('newsletter', 'email', 'june-news', 1, 0, 0.0, 0, 0.0, 0, 0, null, null, 0) $$,
  'last non-direct: V3 goes to facebook (05-28, within 30 days of 06-12), V7 stays direct (no other touch); quality 20 + 33.3 + 20 = 73 and 40 + 40 = 80'
);

select results_eq(
  $$ select source, visitors, buyers from pg_temp.attribution('last_non_direct', 14) where source in ('facebook', '(direct)') $$,
  $$ values ('(direct)'::text, 2::bigint, 1::bigint) $$,
  'a 14-day lookback starts V3''s window on 05-29: facebook (05-28) is outside, V3 stays direct'
);

select results_eq(
  $$ select sum(visitors)::bigint, sum(revenue_cents)::bigint, sum(orders)::bigint from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m, pg_temp.attribution(m, 30) group by m order by m $$,
  $$ values (6::bigint, 9000::bigint, 2::bigint), (6, 9000, 2), (6, 9000, 2) $$,
  'every model credits the 6 visitors of the period once and the 9000 of revenue once (V8 and the lookback-only touches add no visitor)'
);

-- From the rollups: the same answers.
select tests.clear_authentication();
create temp table attribution_before as
select m, l, a::text as answer, row_number() over (partition by m, l) as n
from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m, unnest(array[0, 14, 30]) as l, pg_temp.attribution(m, l) as a;
select count(*) from private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
update private.audience_rollup_watermarks set events_received = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid;
select results_eq(
  $$ select m, l, a::text, row_number() over (partition by m, l)
     from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m, unnest(array[0, 14, 30]) as l, pg_temp.attribution(m, l) as a $$,
  $$ select m, l, answer, n from attribution_before $$,
  'the rollups give the same answers as the events for every model and lookback'
);

-- The touch rollup (private.audience_touch_days, read through private.rollup_rows) stored
-- as private.apply_rollup stores it (this organization only; the watermark moved past the
-- fixture, inside this rolled-back transaction): the same answers from the stored rows.
insert into private.audience_touch_days
select * from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
update private.rollups set watermark = clock_timestamp() where name = 'private.audience_touch_days';
select results_eq(
  $$ select day, source collate "default", clicked, nd_day, nd_source collate "default" from private.audience_touch_days
     where org_id = md5('org:aud-berlin')::uuid and visitor_key = 'V3' order by day $$,
  $$ values ('2026-05-20'::date, '(direct)'::text, false, null::date, null::text),
            ('2026-05-28', 'facebook', false, null, null),
            ('2026-06-12', '(direct)', false, '2026-05-28', 'facebook') $$,
  'V3''s touches: direct 05-20, facebook 05-28, direct 06-12 pointing back to facebook on 05-28 (its latest non-direct touch)'
);
select results_eq(
  $$ select m, l, a::text, row_number() over (partition by m, l)
     from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m, unnest(array[0, 14, 30]) as l, pg_temp.attribution(m, l) as a $$,
  $$ select m, l, answer, n from attribution_before $$,
  'the stored touch rows give the same answers for every model and lookback'
);

-- A late event after the watermark: V3 from a newsletter on 06-01 (received now, in the
-- period). The reader recomputes V3's 06-01 and the pointer of its later day (06-12).
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V3', tests.berlin('2026-06-01 08:00'), 'page_view', 'desktop', 'wifi', null, 'newsletter', 'email');
update analytics.events set received_at = clock_timestamp()
 where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'V3' and occurred_at = tests.berlin('2026-06-01 08:00');
select results_eq(
  $$ select r.* from private.rollup_rows(null::private.audience_touch_days, md5('org:aud-berlin')::uuid) as r order by r.day, r.visitor_key $$,
  $$ select c.* from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') as c order by c.day, c.visitor_key $$,
  'after a late event the rows read (stored, with V3''s days recomputed) equal a rebuild from the events'
);
select results_eq(
  $$ select source, medium, campaign, visitors, buyers, revenue_cents from pg_temp.attribution('last_non_direct', 30)
     where source in ('facebook', 'newsletter') $$,
  $$ values ('newsletter'::text, 'email'::text, '(none)'::text, 1::bigint, 1::bigint, 4000::bigint),
            ('newsletter', 'email', 'june-news', 1, 0, 0) $$,
  'last non-direct now credits V3 (and its 4000) to the newsletter of 06-01, the later non-direct touch'
);

-- Retention of the touch rows (a step of analytics.apply_retention): with the cutoff at
-- 05-29 00:00 Berlin, the rows of V1 05-25, V3 05-20 and 05-28, V8 05-25 go, and the pointer of
-- V3's 06-01 to 05-28 is cleared (06-12 keeps its pointer to 06-01).
delete from private.audience_touch_days where org_id = md5('org:aud-berlin')::uuid;
insert into private.audience_touch_days
select * from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
create temp table touch_rows_before as
select count(*) filter (where day < '2026-05-29') as old, count(*) as total
from private.audience_touch_days where org_id = md5('org:aud-berlin')::uuid;
select private.retain_audience_touch_days(tests.berlin('2026-05-29 00:00'));
select results_eq(
  $$ select b.old, b.total - (select count(*) from private.audience_touch_days where org_id = md5('org:aud-berlin')::uuid)
     from touch_rows_before as b $$,
  $$ values (4::bigint, 4::bigint) $$,
  'retention deletes the 4 touch rows of days before the cutoff (V1 05-25, V3 05-20 and 05-28, V8 05-25), no other'
);
select results_eq(
  $$ select day, source collate "default", nd_day, nd_source collate "default" from private.audience_touch_days
     where org_id = md5('org:aud-berlin')::uuid and visitor_key = 'V3' order by day $$,
  $$ values ('2026-06-01'::date, 'newsletter'::text, null::date, null::text), ('2026-06-12', '(direct)', '2026-06-01', 'newsletter') $$,
  'a pointer to a deleted day is cleared; pointers to kept days stay'
);

-- A visitor who does not buy: the window ends on their last day in the period. V9 comes
-- from v9-first on 06-02 and from v9-last on 06-05 (received now: the reader computes them).
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-02 12:00'), 'page_view', 'mobile', '4g', null, 'v9-first', 'social');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'V9', tests.berlin('2026-06-05 12:00'), 'page_view', 'mobile', '4g', null, 'v9-last', 'social');
update analytics.events set received_at = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'V9';
select results_eq(
  $$ select m, a.source, a.visitors from unnest(array['first_touch', 'last_touch', 'last_non_direct']) as m, pg_temp.attribution(m, 30) as a
     where a.source like 'v9-%' order by 1 $$,
  $$ values ('first_touch'::text, 'v9-first'::text, 1::bigint), ('last_non_direct', 'v9-last', 1), ('last_touch', 'v9-last', 1) $$,
  'a non-buyer''s last touch is that of their last day in the period (06-05), the first touch that of their first (06-02)'
);

select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok($$ select * from pg_temp.attribution('linear', 30) $$, '22023', 'unknown attribution model ''linear''', 'an unknown model: 22023, named');
select throws_ok($$ select * from pg_temp.attribution('last_touch', 366) $$, '22023', 'lookback of 366 days is out of range', 'a lookback over 365 days: 22023');
select throws_ok($$ select * from pg_temp.attribution('last_touch', -1) $$, '22023', 'lookback of -1 days is out of range', 'a negative lookback: 22023');
select tests.authenticate_as(tests.audience_user('other'));
select throws_ok($$ select * from pg_temp.attribution('last_touch', 30) $$, '42501', null, 'a member of another organization gets 42501');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.get_audience_attribution(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15') $$, '42501', null, 'anon gets 42501');

select * from finish();
