-- Contract: between two refreshes, the audience readers that merge the days the rollups do
-- not reflect (get_audience_overview, get_audience_kpis, get_audience_kpi_series through
-- private.audience_overview_periods and private.audience_kpi_days; get_audience_acquisition,
-- get_audience_device_network; get_audience_attribution, whose sums' reader moves by the
-- touched visitors' differences) recompute from the
-- events only the visitors of the events received since the watermark
-- (private.audience_touched), take every other visitor of those days from the stored rows,
-- per-day counts and device sums minus what those hold for the recomputed ones, and answer
-- exactly what they answer once the refresh has run; and the same when every visitor of
-- those days is recomputed (the whole-day rule: per_visitor_max_pct exceeded; the
-- attribution: every visitor's credit, attribution_sums_max_touched_per_mille exceeded).
-- Fixture: tests.audience_june_fixture (aud-berlin, Europe/Berlin) plus W1..W6 on 06-12
-- (W1-W3 mobile, W4-W6 desktop page views), so that 06-12 holds 7 stored visitors (V3 and
-- W1..W6). After the build, received after its watermark: V3 a mobile page view on 06-12
-- 23:40 (V3 was desktop only), W7 (new) a desktop page view and a checkout on 06-12, V1 a
-- page view on 06-09 (a new first day before its 06-10 and 06-11).
select plan(8);

select tests.audience_june_fixture(tests.audience_orgs());
select tests.audience_event(md5('org:aud-berlin')::uuid, 'W' || i, tests.berlin('2026-06-12 12:00') + make_interval(mins => i),
                            'page_view', case when i <= 3 then 'mobile' else 'desktop' end, 'wifi', 500)
from generate_series(1, 6) as i;

create temp table touched_answers (label text, rpc text, n bigint, answer text);
create function pg_temp.snapshot(p_label text) returns void language sql as $$
  insert into touched_answers
  select p_label, 'overview ' || a.f || ' ' || a.t, x.n, x.r::text
  from (values ('2026-06-01'::date, '2026-06-15'::date), ('2026-06-10', '2026-06-13'), ('2026-06-12', '2026-06-13'),
               ('2026-06-05', '2026-06-12'), ('2026-06-09', '2026-06-11'), ('2026-06-13', '2026-06-20')) as a (f, t),
       lateral (select r, row_number() over () as n from public.get_audience_overview(md5('org:aud-berlin')::uuid, a.f, a.t) as r) as x
  union all
  select p_label, 'kpis ' || a.f || ' ' || a.t, x.n, x.r::text
  from (values ('2026-06-08'::date, '2026-06-15'::date), ('2026-06-12', '2026-06-14')) as a (f, t),
       lateral (select r, row_number() over () as n from public.get_audience_kpis(md5('org:aud-berlin')::uuid, a.f, a.t) as r) as x
  union all
  select p_label, 'kpi_series', 1, public.get_audience_kpi_series(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15')::text
  union all
  select p_label, 'acquisition ' || a.f || ' ' || a.t, x.n, x.r::text
  from (values ('2026-06-01'::date, '2026-06-15'::date), ('2026-06-10', '2026-06-13'), ('2026-06-12', '2026-06-13')) as a (f, t),
       lateral (select r, row_number() over () as n from public.get_audience_acquisition(md5('org:aud-berlin')::uuid, a.f, a.t) as r) as x
  union all
  select p_label, 'device ' || a.f || ' ' || a.t, x.n, x.r::text
  from (values ('2026-06-01'::date, '2026-06-15'::date), ('2026-06-10', '2026-06-13'), ('2026-06-12', '2026-06-13')) as a (f, t),
       lateral (select r, row_number() over () as n from public.get_audience_device_network(md5('org:aud-berlin')::uuid, a.f, a.t) as r) as x
  union all
  select p_label, 'attribution ' || a.m || ' ' || a.l, x.n, x.r::text
  from (values ('first_touch', 0), ('first_touch', 30), ('last_touch', 30), ('last_non_direct', 30)) as a (m, l),
       lateral (select r, row_number() over () as n
                from public.get_audience_attribution(md5('org:aud-berlin')::uuid, '2026-06-05', '2026-06-15', a.m, a.l) as r) as x
$$;

-- A refresh: the audience rollups, their watermark moved past every event of this
-- transaction; the registered rollups (the touch days and attribution sums among them)
-- applied up to one bound taken now (the events inserted later are received after it).
create function pg_temp.refresh_all() returns void language plpgsql as $$
declare
  v_bound timestamptz;
begin
  perform private.refresh_audience_rollups(md5('org:aud-berlin')::uuid);
  update private.audience_rollup_watermarks set events_received = clock_timestamp() where org_id = md5('org:aud-berlin')::uuid;
  v_bound := clock_timestamp();
  perform private.apply_rollup(r.name, v_bound, true)
  from (select o.name from private.rollups_in_order() as o order by o.level, o.name) as r;
end;
$$;

-- The build.
select pg_temp.refresh_all();
select is(private.audience_touched(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15'), row('{}'::date[], '{}'::text[], 0),
          'after the build: nothing to recompute');

insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, device_type, network_type, page_load_ms, is_bot)
values (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-12 23:40'), clock_timestamp(), 'page_view', 'V3', 'mobile', '4g', 900, false),
       (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-12 15:00'), clock_timestamp(), 'page_view', 'W7', 'desktop', 'wifi', 600, false),
       (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-12 15:02'), clock_timestamp(), 'checkout_started', 'W7', 'desktop', 'wifi', null, false),
       (md5('org:aud-berlin')::uuid, tests.berlin('2026-06-09 08:00'), clock_timestamp(), 'page_view', 'V1', 'mobile', '4g', 700, false);

select is(private.audience_touched(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15'),
          row('{2026-06-09,2026-06-10,2026-06-12,2026-06-13}'::date[], '{V1,V3,W7}'::text[], 3),
          'received since: the days of those events and the day after each; the three visitors (3 of the 8 stored rows of those days: per visitor)');
-- (The attribution reads its sums, moved by the three visitors' differences: at the default
-- of 3 touched visitors per 1,000 visitor-days of the period it would take every visitor's
-- credit here, as in the whole-day snapshot below.)
update private.audience_settings set value = 1000000 where name = 'attribution_sums_max_touched_per_mille';
select pg_temp.snapshot('per visitor');
update private.audience_settings set value = 0 where name = 'attribution_sums_max_touched_per_mille';
select results_eq(
  $$ select visitors, sessions, checkout_visitors, mobile_visitors, desktop_visitors
     from public.get_audience_overview(md5('org:aud-berlin')::uuid, '2026-06-12', '2026-06-13') where period = 'current' $$,
  $$ values (8::bigint, 9::bigint, 2::bigint, 4::bigint, 5::bigint) $$,
  '06-12 before the refresh: 8 visitors (V3, W1..W7), 9 sessions (V3 two: 09:00 and 23:40; W1..W7 one each), 2 with a checkout (V3, W7), 4 on mobile (W1-W3, V3), 5 on desktop (V3, W4-W7)');

-- The whole-day rule: every visitor of those days recomputed.
update private.audience_settings set value = 0 where name = 'per_visitor_max_pct';
select is((private.audience_touched(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15')).keys, null::text[],
          'per_visitor_max_pct 0: every visitor of those days is recomputed (keys NULL)');
select pg_temp.snapshot('whole days');
update private.audience_settings set value = 50 where name = 'per_visitor_max_pct';
update private.audience_settings set value = 3 where name = 'attribution_sums_max_touched_per_mille';

-- The refresh.
select pg_temp.refresh_all();
select is((private.audience_touched(md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15')).days, '{}'::date[],
          'after the refresh: nothing to recompute');
select pg_temp.snapshot('refreshed');

select isnt_empty($$ select 1 from touched_answers where label = 'refreshed' $$, 'the refreshed answers are there');
select results_eq(
  $$ select rpc, n, answer from touched_answers where label = 'per visitor' order by rpc, n $$,
  $$ select rpc, n, answer from touched_answers where label = 'refreshed' order by rpc, n $$,
  'recomputing only the touched visitors answers what the refresh then answers (overview, KPI cards, KPI series, acquisition, device and network, attribution)');
select results_eq(
  $$ select rpc, n, answer from touched_answers where label = 'whole days' order by rpc, n $$,
  $$ select rpc, n, answer from touched_answers where label = 'refreshed' order by rpc, n $$,
  'recomputing every visitor of those days answers the same');

select * from finish();
