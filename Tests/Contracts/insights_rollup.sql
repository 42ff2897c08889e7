-- Contract: the stored insight aggregates (migration 0040, insights.refresh_aggregates, the
-- refresh step) give exactly the raw answer of insights.metric_snapshot and
-- insights.detect_candidates for the default period (the last 30 local days vs the 30
-- before), before any refresh, after it, and after a late event for an aggregated day.
-- Organization ins-roll (Europe/Berlin): 58 days of link clicks and page views from
-- returning visitors in three cities, two platforms, two referrers, two devices, and a
-- release published 10 days ago with plays about it.
select plan(14);

select tests.create_user('owner@roll.test');
select tests.create_org('ins-roll', pg_catalog.md5('owner@roll.test')::uuid);
update app.organizations set timezone = 'Europe/Berlin' where slug = 'ins-roll';

insert into app.content_items (id, org_id, kind, title, published_at)
values (pg_catalog.md5('release:roll')::uuid, pg_catalog.md5('org:ins-roll')::uuid, 'release', 'Roll',
        ((pg_catalog.now() at time zone 'Europe/Berlin')::date - 10 + time '10:00') at time zone 'Europe/Berlin');

insert into analytics.events (org_id, occurred_at, event_type, visitor_id, city, country, link_type, platform,
                              referrer_domain, device_type, entity_type, entity_id)
select pg_catalog.md5('org:ins-roll')::uuid,
       ((pg_catalog.now() at time zone 'Europe/Berlin')::date - d + pg_catalog.make_interval(hours => 8 + (i * 5) % 14, mins => i))
         at time zone 'Europe/Berlin',
       case when i % 3 = 0 then 'page_view' when d <= 10 and i % 4 = 1 then 'play' else 'link_click' end,
       'v' || ((i * 7 + d) % 41),
       (array['Berlin', 'Paris', 'Lisbon'])[1 + (i + d) % 3], (array['DE', 'FR', 'PT'])[1 + (i + d) % 3],
       case when i % 3 <> 0 then (array['streaming', 'tickets'])[1 + i % 2] end,
       case when i % 3 <> 0 then (array['spotify', 'apple_music'])[1 + (i * d) % 2] end,
       (array['google.com', 'instagram.com', null])[1 + (i + 2 * d) % 3],
       (array['mobile', 'desktop'])[1 + (d / 20 + i) % 2],
       case when d <= 10 and i % 4 = 1 then 'content_item' end,
       case when d <= 10 and i % 4 = 1 then pg_catalog.md5('release:roll')::uuid end
from pg_catalog.generate_series(1, 58) as d
cross join lateral pg_catalog.generate_series(1, 3 + d % 7 + case when d <= 30 then 4 else 0 end) as i;

-- Raw: nothing is stored yet.
select tests.authenticate_as_service_role();
create temp table roll_raw as
  select insights.metric_snapshot(pg_catalog.md5('org:ins-roll')::uuid) as s,
         (select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) order by c.insight_type, c.subject_key)
          from insights.detect_candidates(pg_catalog.md5('org:ins-roll')::uuid) c) as d;
select tests.clear_authentication();
select is((select count(*) from private.insight_aggregates where org_id = pg_catalog.md5('org:ins-roll')::uuid), 0::bigint,
          'before any refresh nothing is stored: the answer came from raw events');
select is((select array[(s -> 'traffic' ->> 'events')::int, (s -> 'traffic' ->> 'visitors')::int,
                        (s -> 'traffic' ->> 'previous_events')::int, pg_catalog.jsonb_array_length(d)] from roll_raw),
          array[297, 41, 168, 5],
          'the fixture: 297 events of 41 returning visitors now, 168 before, 5 candidates');

-- Refresh: stored, and the same answer.
select is(insights.refresh_aggregates(pg_catalog.md5('org:ins-roll')::uuid), 'computed', 'the refresh step computes the organization''s aggregates');
select is((select count(*) from private.insight_aggregate_rows where org_id = pg_catalog.md5('org:ins-roll')::uuid) > 0, true,
          'the refresh stored the aggregates of the default period');
select tests.authenticate_as_service_role();
select is(insights.metric_snapshot(pg_catalog.md5('org:ins-roll')::uuid), (select s from roll_raw),
          'metric_snapshot from the stored aggregates equals the raw computation');
select is((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) order by c.insight_type, c.subject_key)
           from insights.detect_candidates(pg_catalog.md5('org:ins-roll')::uuid) c), (select d from roll_raw),
          'detect_candidates from the stored aggregates equals the raw computation');

-- The stored rows are what is read: a marked row shows through (then restored).
select tests.clear_authentication();
update private.insight_aggregate_rows set events_3 = events_3 + 1000000
 where org_id = pg_catalog.md5('org:ins-roll')::uuid and dim = 'all';
select tests.authenticate_as_service_role();
select is((insights.metric_snapshot(pg_catalog.md5('org:ins-roll')::uuid) -> 'traffic' ->> 'events')::bigint,
          (select (s -> 'traffic' ->> 'events')::bigint + 1000000 from roll_raw),
          'a current stored result is read instead of the raw events');
select tests.clear_authentication();
update private.insight_aggregate_rows set events_3 = events_3 - 1000000
 where org_id = pg_catalog.md5('org:ins-roll')::uuid and dim = 'all';

-- A late event: received after the refresh, about a day 20 days ago (already stored).
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, city, country, link_type, platform, device_type)
values (pg_catalog.md5('org:ins-roll')::uuid,
        ((pg_catalog.now() at time zone 'Europe/Berlin')::date - 20 + time '21:30') at time zone 'Europe/Berlin',
        pg_catalog.clock_timestamp(), 'link_click', 'late-visitor', 'Porto', 'PT', 'streaming', 'spotify', 'tablet');
select tests.authenticate_as_service_role();
create temp table roll_late as
  select insights.metric_snapshot(pg_catalog.md5('org:ins-roll')::uuid) as s,
         (select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) order by c.insight_type, c.subject_key)
          from insights.detect_candidates(pg_catalog.md5('org:ins-roll')::uuid) c) as d;
select is((select array[(s -> 'traffic' ->> 'events')::bigint, (s -> 'traffic' ->> 'visitors')::bigint,
                        (s -> 'traffic' ->> 'link_clicks')::bigint] from roll_late),
          (select array[(s -> 'traffic' ->> 'events')::bigint + 1, (s -> 'traffic' ->> 'visitors')::bigint + 1,
                        (s -> 'traffic' ->> 'link_clicks')::bigint + 1] from roll_raw),
          'before the next refresh the late event counts at once (events, visitors, link clicks + 1): its range is read raw');
select is((select s -> 'engagement' -> 'devices' -> 'current' ? 'tablet' from roll_late), true,
          'the late event''s device appears in the snapshot');

-- Without any stored result the raw computation gives the same answer.
select tests.clear_authentication();
delete from private.insight_aggregates where org_id = pg_catalog.md5('org:ins-roll')::uuid;
select tests.authenticate_as_service_role();
select is(insights.metric_snapshot(pg_catalog.md5('org:ins-roll')::uuid), (select s from roll_late),
          'with the late event, the snapshot equals the raw computation');

-- The next refresh recomputes with the late event; stored answers equal the raw ones.
select tests.clear_authentication();
select is(insights.refresh_aggregates(pg_catalog.md5('org:ins-roll')::uuid), 'computed', 'the next refresh step recomputes them (a late event in the range)');
select tests.authenticate_as_service_role();
select is(insights.metric_snapshot(pg_catalog.md5('org:ins-roll')::uuid), (select s from roll_late),
          'after the refresh the stored snapshot includes the late event and equals the raw computation');
select is((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) order by c.insight_type, c.subject_key)
           from insights.detect_candidates(pg_catalog.md5('org:ins-roll')::uuid) c), (select d from roll_late),
          'after the refresh detect_candidates equals the raw computation');
select tests.clear_authentication();
select is((select count(*) from private.insight_aggregate_rows where org_id = pg_catalog.md5('org:ins-roll')::uuid) > 0, true,
          'the second refresh stored the aggregates again');

select * from finish();
