-- Contract: the refresh step of the stored insight aggregates, insights.refresh_all_aggregates,
-- keeps in bulk the organizations that received no event since their stored result and
-- gives every organization the outcome insights.refresh_aggregates(org) would: computed when
-- nothing is stored, when a late event arrived in the read range, or when a release was
-- published in the period; kept otherwise (an event received outside the read range too),
-- also across a retention run whose cutoff lies before the range read; a run whose cutoff
-- reaches into it deletes the stored result (migration 1120), computed again by the next run.
-- Three organizations in UTC (rall-a, rall-b, rall-c), each with 3 link clicks a day on the
-- last 40 local days, received an hour before the test (so the safe bound lies after them).
select plan(16);

select tests.create_user('owner@rall.test');
select tests.create_org('rall-' || x, pg_catalog.md5('owner@rall.test')::uuid) from unnest(array['a', 'b', 'c']) as x;
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country, link_type, platform)
select pg_catalog.md5('org:rall-' || x)::uuid,
       ((pg_catalog.now() at time zone 'UTC')::date - d + pg_catalog.make_interval(hours => 9 + i)) at time zone 'UTC',
       pg_catalog.now() - interval '1 hour', 'link_click', 'v' || ((i + d) % 7), 'Berlin', 'DE', 'streaming', 'spotify'
from unnest(array['a', 'b', 'c']) as x, generate_series(1, 40) as d, generate_series(1, 3) as i;

create temp table rall_orgs as
select pg_catalog.md5('org:rall-' || x)::uuid as id, x from unnest(array['a', 'b', 'c']) as x;
grant select on rall_orgs to service_role;

select results_eq($$ select o.x, r.result from insights.refresh_all_aggregates() as r join rall_orgs as o on o.id = r.org_id order by 1 $$,
                  $$ values ('a', 'computed'), ('b', 'computed'), ('c', 'computed') $$,
                  'nothing stored: each organization computed');
select results_eq($$ select o.x, r.result from insights.refresh_all_aggregates() as r join rall_orgs as o on o.id = r.org_id order by 1 $$,
                  $$ values ('a', 'kept'), ('b', 'kept'), ('c', 'kept') $$,
                  'nothing received since: each kept');
select is((select pg_catalog.count(*) from private.insight_aggregates as a join rall_orgs as o on o.id = a.org_id
           where a.complete_before > pg_catalog.now() - interval '1 hour'), 3::bigint,
          'kept: complete_before advanced past the events'' receipt for all three');

-- b: a late event 20 days ago; a: an event 90 days ago (outside the 60 days read); c: a release 5 days ago.
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country, link_type, platform)
values (pg_catalog.md5('org:rall-b')::uuid, ((pg_catalog.now() at time zone 'UTC')::date - 20 + time '21:30') at time zone 'UTC',
        pg_catalog.clock_timestamp(), 'link_click', 'late', 'Porto', 'PT', 'tickets', 'apple_music'),
       (pg_catalog.md5('org:rall-a')::uuid, ((pg_catalog.now() at time zone 'UTC')::date - 90 + time '12:00') at time zone 'UTC',
        pg_catalog.clock_timestamp(), 'link_click', 'old', 'Paris', 'FR', 'streaming', 'spotify');
insert into app.content_items (id, org_id, kind, title, published_at)
values (pg_catalog.md5('release:rall-c')::uuid, pg_catalog.md5('org:rall-c')::uuid, 'release', 'C',
        ((pg_catalog.now() at time zone 'UTC')::date - 5 + time '10:00') at time zone 'UTC');

select tests.authenticate_as_service_role();
create temp table rall_raw as
select o.x, insights.metric_snapshot(o.id) as s from rall_orgs as o;  -- b read raw (late event), c raw (release)
select tests.clear_authentication();
select is((select (s -> 'traffic' ->> 'link_clicks')::int from rall_raw where x = 'b'), 91,
          'the fixture: b has 91 link clicks in the last 30 days with the late one (90 + 1)');

select results_eq($$ select o.x, r.result from insights.refresh_all_aggregates() as r join rall_orgs as o on o.id = r.org_id order by 1 $$,
                  $$ values ('a', 'kept'), ('b', 'computed'), ('c', 'computed') $$,
                  'a kept (its new event is outside the range read), b computed (late event), c computed (a release in the period)');
select tests.authenticate_as_service_role();
select is(insights.metric_snapshot(o.id), (select s from rall_raw where x = o.x), 'the stored snapshot of ' || o.x || ' equals the raw one')
from rall_orgs as o order by o.x;
select tests.clear_authentication();
select results_eq($$ select o.x, r.result from insights.refresh_all_aggregates() as r join rall_orgs as o on o.id = r.org_id order by 1 $$,
                  $$ values ('a', 'kept'), ('b', 'kept'), ('c', 'kept') $$,
                  'the next run keeps all three');
select is((select pg_catalog.count(*) from insights.refresh_all_aggregates()), (select pg_catalog.count(*) from app.organizations),
          'one row per organization');

-- Organizations of several time zones in one run (the boundaries are computed once per
-- zone): rall-k in Asia/Kolkata (UTC+05:30) gets its own zone's boundaries and numbers.
select tests.create_org('rall-k', pg_catalog.md5('owner@rall.test')::uuid);
update app.organizations set timezone = 'Asia/Kolkata' where slug = 'rall-k';
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country, link_type, platform)
select pg_catalog.md5('org:rall-k')::uuid,
       ((pg_catalog.now() at time zone 'Asia/Kolkata')::date - d + time '00:10') at time zone 'Asia/Kolkata',
       pg_catalog.now() - interval '1 hour', 'link_click', 'k' || (d % 3), 'Mumbai', 'IN', 'tickets', 'spotify'
from generate_series(1, 40) as d;
select tests.authenticate_as_service_role();
create temp table rall_k_raw as select insights.metric_snapshot(pg_catalog.md5('org:rall-k')::uuid) as s;
select tests.clear_authentication();
select count(*) from insights.refresh_all_aggregates();
select is_empty(
  $$ select o.slug from app.organizations as o
     join private.insight_aggregates as a on a.org_id = o.id
     cross join lateral insights.aggregate_bounds(o.id) as b
     where o.slug in ('rall-a', 'rall-k')
       and (a.comparison_start, a.comparison_mid, a.period_start, a.period_mid, a.period_end, a.window_start,
            a.window_before_mid, a.window_mid, a.window_after_mid, a.timezone)
           is distinct from (b.comparison_start, b.comparison_mid, b.period_start, b.period_mid, b.period_end,
                             b.window_start, b.window_before_mid, b.window_mid, b.window_after_mid, b.timezone) $$,
  'one run, two time zones: the stored boundaries of rall-a (UTC) and rall-k (Asia/Kolkata) are each their own');
select tests.authenticate_as_service_role();
select is(insights.metric_snapshot(pg_catalog.md5('org:rall-k')::uuid), (select s from rall_k_raw),
          'and rall-k''s stored snapshot equals the raw one');
select tests.clear_authentication();

-- Retention (rolled back with the rest): 90 days, the cutoff before every range read (60 days);
-- 59 days, the cutoff inside them (the fixture's events are all after it).
create temp table rall_ret90 as select * from analytics.apply_retention(90);
select results_eq($$ select o.x, r.result from insights.refresh_all_aggregates() as r join rall_orgs as o on o.id = r.org_id order by 1 $$,
                  $$ values ('a', 'kept'), ('b', 'kept'), ('c', 'kept') $$,
                  'a retention run whose cutoff lies before the ranges read: all three kept');
create temp table rall_ret59 as select * from analytics.apply_retention(59);
select is((select pg_catalog.count(*) from private.insight_aggregates as a join rall_orgs as o on o.id = a.org_id), 0::bigint,
          'a retention run whose cutoff lies inside the ranges read deletes their stored results');
select ok((select r.rows >= 3 from rall_ret59 as r where r.action = 'deleted_insight_aggregates'),
          'and says so (deleted_insight_aggregates, at least the three)');
select results_eq($$ select o.x, r.result from insights.refresh_all_aggregates() as r join rall_orgs as o on o.id = r.org_id order by 1 $$,
                  $$ values ('a', 'computed'), ('b', 'computed'), ('c', 'computed') $$,
                  'the next run computes all three again');

select * from finish();
