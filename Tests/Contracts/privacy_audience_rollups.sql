-- Contract: the audience rollups' per-visitor rows (private.audience_visitor_days,
-- audience_visitor_day_combos, audience_sessions) are erased with the user
-- (app.erase_user) and deleted for days before the retention cutoff
-- (analytics.apply_retention).
-- Erasure fixture: tests.create_privacy_fixture() (_support/50_privacy_fixture.sql), with
-- the audience rollups built for era and era-b. In era (UTC) the visitor keys are dev1
-- (the fan's device; 2025-04-01), user:U (the fan's search without a visitor id;
-- 2025-04-01), other (another fan; 2025-04-01) and anon:<key of dev1> (2025-03-31); in
-- era-b dev2 (2025-04-01). Everything but other is the fan's: 4 visitor-day rows.
-- Retention fixture: organization "keep" (UTC), visitor k1 with a page view 100 days ago
-- and one 2 days ago; retention of 90 days deletes the old day's rows only.
select plan(9);

select tests.create_privacy_fixture();
select count(*) from private.refresh_audience_rollups(md5('org:era')::uuid);
select count(*) from private.refresh_audience_rollups(md5('org:era-b')::uuid);

select results_eq(
  $$ select o.slug, d.visitor_key like 'anon:%', d.day::text from private.audience_visitor_days d
       join app.organizations o on o.id = d.org_id where o.slug in ('era', 'era-b') order by 1, 2, 3, d.visitor_key $$,
  $$ values ('era'::text, false, '2025-04-01'::text), ('era', false, '2025-04-01'), ('era', false, '2025-04-01'),
            ('era', true, '2025-03-31'), ('era-b', false, '2025-04-01') $$,
  'the rollups hold the 5 visitor-days of the fixture: dev1, user:U and other in era, the anonymized dev1, dev2 in era-b');

select tests.authenticate_as_service_role();
create temp table erased as select * from app.erase_user(md5('fan@era.test')::uuid);
select is((select rows from erased where table_name = 'private.audience_visitor_days'), 4::bigint,
  'erase_user deletes the fan''s 4 visitor-days from the audience rollups');
select ok((select rows from erased where table_name = 'private.audience_sessions') > 0,
  'and the fan''s sessions');
reset role;
select results_eq(
  $$ select o.slug, d.visitor_key collate "default" from private.audience_visitor_days d
       join app.organizations o on o.id = d.org_id where o.slug in ('era', 'era-b') $$,
  $$ values ('era'::text, 'other'::text) $$,
  'only the other fan''s visitor-day is left');
select is((select count(*) from private.audience_sessions s where s.org_id in (md5('org:era')::uuid, md5('org:era-b')::uuid)
             and s.visitor_key <> 'other'), 0::bigint,
  'no session of the fan is left');
select is((select count(*) from private.audience_visitor_day_combos c where c.org_id in (md5('org:era')::uuid, md5('org:era-b')::uuid)
             and c.visitor_key <> 'other'), 0::bigint,
  'no device x network row of the fan is left');

-- Retention ---------------------------------------------------------------------------

select tests.create_user('owner@keep.test');
select tests.create_org('keep', md5('owner@keep.test')::uuid);
select analytics.ensure_partitions(0, 5);
insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
values (md5('org:keep')::uuid, date_trunc('day', now()) - interval '100 days' + interval '10 hours', now() - interval '1 hour', 'page_view', 'k1'),
       (md5('org:keep')::uuid, date_trunc('day', now()) - interval '2 days' + interval '10 hours', now() - interval '1 hour', 'page_view', 'k1');
select tests.apply_daily_rollups();
select count(*) from private.refresh_audience_rollups(md5('org:keep')::uuid);
select is((select count(*) from private.audience_visitor_days where org_id = md5('org:keep')::uuid), 2::bigint,
  'keep has 2 visitor-days before retention');

select tests.authenticate_as_service_role();
create temp table retained as select * from analytics.apply_retention(90);
reset role;
select ok((select rows from retained where action = 'deleted_visitor_rows' and target = 'private.audience_*') >= 3,
  'apply_retention reports the deleted per-visitor rows (keep alone: a visitor-day, its combination, its session)');
select results_eq(
  $$ select d.day = (now() at time zone 'UTC')::date - 2, s.n, c.n
       from private.audience_visitor_days d,
            (select count(*) as n from private.audience_sessions where org_id = md5('org:keep')::uuid) s,
            (select count(*) as n from private.audience_visitor_day_combos where org_id = md5('org:keep')::uuid) c
      where d.org_id = md5('org:keep')::uuid $$,
  $$ values (true, 1::bigint, 1::bigint) $$,
  'only the recent day of k1 is left: its visitor-day, its session, its combination');

select * from finish();
