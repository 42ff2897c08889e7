-- Contract: analytics.apply_retention with analytics.retention_state.archive_partitions on:
-- partitions past the retention period are pseudonymized and moved to schema archive
-- instead of being dropped; the rollups registered with the engine are applied first.
-- Fixture (as privacy_apply_retention): organization "arc" in UTC; monthly partitions for
-- the last 8 months; M1 = the month 6 months ago. Events a1 a2 a3 on M1 + 9 days
-- (page_view v1 session s1, play v1, page_view by user fan), all aggregated.
select plan(10);

select tests.create_user('owner@arc.test');
select tests.create_user('fan@arc.test');
select tests.create_org('arc', md5('owner@arc.test')::uuid);
select analytics.ensure_partitions(0, 8);
update analytics.retention_state set archive_partitions = true where id = 1;

create temp table arc_t as
  select (date_trunc('month', now() at time zone 'UTC') - interval '6 months') at time zone 'UTC' as m1;
alter table arc_t add column part text;
update arc_t set part = 'events_p' || to_char(m1 at time zone 'UTC', 'YYYY_MM');

-- received_at: now (the default), as live events: after any watermark of this database.
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, user_id, session_id)
select md5('org:arc')::uuid, x.at, x.type, x.visitor, x.user_id, x.session
from arc_t t
cross join lateral (values
  (t.m1 + interval '9 days 10 hours', 'page_view', 'v1', null::uuid, 's1'),
  (t.m1 + interval '9 days 11 hours', 'play', 'v1', null, null),
  (t.m1 + interval '9 days 12 hours', 'page_view', null, md5('fan@arc.test')::uuid, null)
) as x (at, type, visitor, user_id, session);
select tests.apply_daily_rollups();

-- apply_retention covers the events above only once the engine's safe bound
-- (private.received_upper_bound) passes this transaction's start, which another
-- transaction of this database begun earlier rightly holds back.
select tests.wait_for_earlier_transactions(now());
select tests.authenticate_as_service_role();
create temp table arc_run as select * from analytics.apply_retention(90);
select tests.clear_authentication();

select results_eq($$ select r.action, r.rows from arc_run r, arc_t t where r.target = 'archive.' || t.part $$,
                  $$ values ('archived_partition'::text, 3::bigint) $$,
                  'the M1 partition (3 events, all aggregated) is archived, not dropped');
select is((select to_regclass('analytics.' || part) from arc_t), null, 'it is no longer a partition of analytics.events');
select is((select count(*)::int from analytics.events e, arc_t t
            where e.org_id = md5('org:arc')::uuid and e.occurred_at >= t.m1 and e.occurred_at < t.m1 + interval '1 month'), 0,
          'analytics.events no longer returns its rows');
create temp table arc_rows (event_type text, visitor_id text, user_id uuid, session_id text);
do $$ begin
  execute format('insert into arc_rows select event_type, visitor_id, user_id, session_id from archive.%I where org_id = md5(''org:arc'')::uuid',
                 (select part from arc_t));
end $$;
select is((select count(*)::int from arc_rows), 3, 'the archive holds the 3 events');
select is((select count(*)::int from arc_rows where visitor_id ~ '^anon:[0-9a-f-]{36}$'), 3,
          'every archived row has a pseudonymous visitor id (the user-only event too)');
select is((select count(*)::int from arc_rows where user_id = md5('fan@arc.test')::uuid or session_id = 's1'), 0,
          'no archived row keeps the user id or the session id');
select is((select count(*)::int from arc_rows where user_id is not null), 1, 'the user id is replaced by its keyed hash');
select ok(not has_table_privilege('authenticated', (select 'archive.' || part from arc_t), 'select')
          and not has_schema_privilege('authenticated', 'archive', 'usage'),
          'API roles have no access to the archive');
select ok(exists (select 1 from app.user_data_tables() as u, arc_t t where u.table_name = 'archive.' || t.part),
          'erasure and export cover the archived table');

select results_eq(
  $$ select b.metric collate "default", b.label collate "default", b.events from analytics.org_daily_breakdowns as b, arc_t as t
     where b.org_id = md5('org:arc')::uuid and b.day = (t.m1 at time zone 'UTC')::date + 9 $$,
  $$ values ('play_hour', '11', 1::bigint) $$,
  'the engine''s rollups were applied before the partition left: the archived play is in org_daily_breakdowns');

select * from finish();
