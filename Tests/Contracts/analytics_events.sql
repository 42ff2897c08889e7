-- Contract: analytics.events — RLS (member, member of another org, anon, service_role),
-- partitions (no API privileges, RLS on), routing of old and future events,
-- analytics.ensure_partitions (idempotent, moves rows out of the DEFAULT partition), and
-- event types added by an INSERT being usable in the same transaction.
select plan(26);

-- Fixtures (as the session user: bypasses RLS). Org A: 3 events, org B: 2 events.
do $$
begin
  perform tests.create_user('ae-owner-a@example.com');
  perform tests.create_user('ae-viewer-a@example.com');
  perform tests.create_user('ae-owner-b@example.com');
  perform tests.create_user('ae-outsider@example.com');
  perform tests.create_org('ae-org-a', md5('ae-owner-a@example.com')::uuid);
  perform tests.create_org('ae-org-b', md5('ae-owner-b@example.com')::uuid);
  perform tests.add_member(md5('org:ae-org-a')::uuid, md5('ae-viewer-a@example.com')::uuid, 'viewer');
  insert into analytics.events (org_id, occurred_at, event_type, visitor_id)
  select md5('org:' || o.slug)::uuid, now() - interval '1 day' - i * interval '1 minute', 'page_view', 'v' || i
  from (values ('ae-org-a', 3), ('ae-org-b', 2)) as o (slug, n)
  cross join lateral generate_series(1, o.n) as i;
end $$;

select ok((select relrowsecurity from pg_class where oid = 'analytics.events'::regclass),
          'RLS is enabled on analytics.events');

-- RLS -----------------------------------------------------------------------------------
select tests.authenticate_as(md5('ae-owner-a@example.com')::uuid);
select is((select count(*) from analytics.events), 3::bigint,
          'the owner of org A sees exactly the 3 events of org A');
select is((select count(*) from analytics.events where org_id = md5('org:ae-org-b')::uuid), 0::bigint,
          'the owner of org A sees none of the 2 events of org B');
select throws_ok($$ insert into analytics.events (org_id, occurred_at, event_type)
                    values (md5('org:ae-org-a')::uuid, now(), 'page_view') $$,
                 '42501', null, 'a member cannot insert events directly (only through log_events)');
select throws_ok($$ select count(*) from analytics.events_default $$, '42501', null,
                 'a member cannot read a partition directly');

select tests.authenticate_as(md5('ae-viewer-a@example.com')::uuid);
select is((select count(*) from analytics.events), 3::bigint, 'a viewer of org A sees the 3 events of org A');

select tests.authenticate_as(md5('ae-owner-b@example.com')::uuid);
select is((select count(*) from analytics.events), 2::bigint,
          'the owner of org B (a member of another org) sees only the 2 events of org B');

select tests.authenticate_as(md5('ae-outsider@example.com')::uuid);
select is((select count(*) from analytics.events), 0::bigint, 'a signed-in user of no org sees 0 events');

select tests.authenticate_as_anon();
select throws_ok($$ select count(*) from analytics.events $$, '42501', null, 'anon cannot read analytics.events');

select tests.authenticate_as_service_role();
select is((select count(*) from analytics.events
           where org_id in (md5('org:ae-org-a')::uuid, md5('org:ae-org-b')::uuid)), 5::bigint,
          'service_role sees the 3 + 2 events of both orgs');
select tests.clear_authentication();

-- Partitions: only through the parent ---------------------------------------------------
do $$ begin perform analytics.ensure_partitions(); end $$;
select is(analytics.ensure_partitions(), 0, 'ensure_partitions() run again creates nothing (idempotent)');
select ok(to_regclass('analytics.events_p' || to_char(now() at time zone 'UTC', 'YYYY_MM')) is not null
          and to_regclass('analytics.events_p' || to_char((now() at time zone 'UTC') + interval '3 months', 'YYYY_MM')) is not null
          and to_regclass('analytics.events_p' || to_char((now() at time zone 'UTC') - interval '1 month', 'YYYY_MM')) is not null,
          'partitions exist from last month to 3 months ahead (UTC months)');

-- Routing: an event from 2019, one from this month, one from next year (always beyond the
-- partitions made 3 months ahead).
insert into analytics.events (org_id, occurred_at, event_type, client_event_id) values
  (md5('org:ae-org-a')::uuid, '2019-06-01 12:00:00+00', 'page_view', 'ae-2019'),
  (md5('org:ae-org-a')::uuid, now(), 'page_view', 'ae-now'),
  (md5('org:ae-org-a')::uuid, date_trunc('year', now()) + interval '1 year 6 months 1 day', 'page_view', 'ae-next-year');
select is((select tableoid::regclass::text from analytics.events where client_event_id = 'ae-2019'),
          'analytics.events_default', 'an event from 2019 is stored, in the DEFAULT partition');
select is((select tableoid::regclass::text from analytics.events where client_event_id = 'ae-now'),
          'analytics.events_p' || to_char(now() at time zone 'UTC', 'YYYY_MM'),
          'an event from now is stored in this month''s partition');
select is((select tableoid::regclass::text from analytics.events where client_event_id = 'ae-next-year'),
          'analytics.events_default', 'an event from next year is stored, in the DEFAULT partition');

-- Creating the partition of next year's month moves that row out of the DEFAULT partition.
select is(analytics.ensure_partitions(20, 0), 17,
          'ensure_partitions(20, 0) creates the 17 partitions 4 to 20 months ahead (0 to 3 exist)');
select is((select tableoid::regclass::text from analytics.events where client_event_id = 'ae-next-year'),
          'analytics.events_p' || to_char(date_trunc('year', now()) + interval '1 year 6 months', 'YYYY_MM'),
          'the next-year event moved from the DEFAULT partition into its new monthly partition');
select is((select count(*) from analytics.events where client_event_id in ('ae-2019', 'ae-now', 'ae-next-year')), 3::bigint,
          'no event was lost or duplicated by the move');
select is((select tableoid::regclass::text from analytics.events where client_event_id = 'ae-2019'),
          'analytics.events_default', 'the 2019 event stays in the DEFAULT partition');

select is((select count(*)
           from pg_inherits i
           where i.inhparent = 'analytics.events'::regclass
             and (has_table_privilege('anon', i.inhrelid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                  or has_table_privilege('authenticated', i.inhrelid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))),
          0::bigint, 'no partition (old or new) grants any privilege to anon or authenticated');
select is((select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid
           where i.inhparent = 'analytics.events'::regclass and not c.relrowsecurity),
          0::bigint, 'every partition has RLS enabled');

select tests.authenticate_as(md5('ae-owner-a@example.com')::uuid);
select throws_ok($$ select analytics.ensure_partitions() $$, '42501', null,
                 'a signed-in user cannot run ensure_partitions');
select tests.clear_authentication();

-- Event types ---------------------------------------------------------------------------
select tests.authenticate_as(md5('ae-outsider@example.com')::uuid);
select is((select count(*) from analytics.event_types
           where event_type in ('page_view', 'link_click', 'profile_view', 'play', 'like', 'share', 'comment', 'follow',
                                'search', 'impression', 'event_view', 'ticket_cta', 'checkout_started', 'purchase', 'tip',
                                'subscribe', 'unsubscribe', 'email_open', 'email_click', 'download', 'export')),
          21::bigint, 'signed-in users read the event types, the 21 of the tracking plan among them');
select tests.clear_authentication();

select is(analytics.validate_event(jsonb_build_object('org_id', md5('org:ae-org-a')::uuid, 'event_type', 'ticket_scan',
                                                      'occurred_at', '2026-01-01T00:00:00Z'), '2026-06-01'),
          'unknown_event_type: ticket_scan', 'ticket_scan is not a known event type');
insert into analytics.event_types (event_type, category, client_loggable, description)
values ('ticket_scan', 'commerce', false, 'A ticket was scanned at the door.');
select is(analytics.validate_event(jsonb_build_object('org_id', md5('org:ae-org-a')::uuid, 'event_type', 'ticket_scan',
                                                      'occurred_at', '2026-01-01T00:00:00Z'), '2026-06-01'),
          null, 'a type inserted into analytics.event_types is accepted in the same transaction');
select is(analytics.event_type_names(), (select array_agg(event_type order by event_type) from analytics.event_types),
          'analytics.event_type_names() was regenerated: exactly the table''s types, ticket_scan included');

select * from finish();
