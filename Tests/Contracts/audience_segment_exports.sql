-- Contract: public.request_segment_export and public.fetch_segment_export (issue 14, item 3):
-- contact details leave only after the audit row is committed.
-- Fixture: tests.audience_recent_fixture in aud-berlin as in audience_segments.sql, segment
-- "Buyers" (orders_count >= 1: C1, C3, C4, C5 once C2 has opted out), subscribers C1
-- email c1@example.com, C2 sms (opted out), C3 an unsubscribed e-mail.
-- A contract runs in one transaction, which is rolled back: a request written here is NOT
-- committed, so the fetch must refuse it (55000). The fetch of a committed request is
-- shown by marking the request as written by an earlier transaction (requested_xact of
-- another, committed transaction); the real commit and rollback are exercised by
-- IntegrationTests/ExportAuditTests.
select plan(16);

select tests.audience_orgs();
select tests.audience_recent_fixture(md5('org:aud-berlin')::uuid);
select audience.update_customers(md5('org:aud-berlin')::uuid);
insert into audience.subscribers (org_id, channel, contact, visitor_id) values
  (md5('org:aud-berlin')::uuid, 'email', 'c1@example.com', 'C1'),
  (md5('org:aud-berlin')::uuid, 'sms', '+4915100000001', 'C2');
insert into audience.subscribers (org_id, channel, contact, visitor_id, subscribed_at, unsubscribed_at) values
  (md5('org:aud-berlin')::uuid, 'email', 'c3@example.com', 'C3', now() - interval '9 days', now() - interval '8 days');
insert into audience.opt_outs (org_id, visitor_id) values (md5('org:aud-berlin')::uuid, 'C2');

select tests.authenticate_as(tests.audience_user('analyst'));
create temp table seg as
  select segment_id as id from public.create_segment(md5('org:aud-berlin')::uuid, 'Buyers',
                                                    '[{"field": "orders_count", "op": "gte", "value": 1}]');
grant select on seg to public;
create temp table req (who text, export_id bigint, row_count bigint, expires_at timestamptz);
grant select, insert on req to public;

select throws_ok($$ select * from public.request_segment_export((select id from seg), true, 'Presale e-mail') $$,
                 '42501', null, 'an analyst may not request contact details');
select throws_ok($$ select * from public.request_segment_export((select id from seg), true, ' ') $$,
                 '42501', null, 'the role is checked before the purpose');

select tests.authenticate_as(tests.audience_user('admin'));
select throws_ok($$ select * from public.request_segment_export((select id from seg), true, null) $$,
                 '22023', null, 'no purpose: 22023');
insert into req select 'admin', r.* from public.request_segment_export((select id from seg), true, 'Presale e-mail') as r;
select results_eq($$ select row_count, expires_at = now() + interval '1 hour' from req where who = 'admin' $$,
                  $$ values (4::bigint, true) $$,
                  'the request answers its 4 customers (C1, C3, C4, C5) and a fetch window of one hour');
select results_eq(
  $$ select exported_by, row_count, include_pii, purpose, requested_xact = pg_current_xact_id() from audience.segment_exports
     where org_id = md5('org:aud-berlin')::uuid $$,
  $$ values (tests.audience_user('admin'), 4::bigint, true, 'Presale e-mail'::text, true) $$,
  'the audit row is written by the request, with its transaction');
select throws_ok(format('select * from public.fetch_segment_export(%s)', (select export_id from req where who = 'admin')),
                 '55000',
                 format('segment export %s is not committed yet: its rows are answered only after the transaction that requested it commits',
                        (select export_id from req where who = 'admin')),
                 'a fetch in the transaction that wrote the request is refused: a rollback would erase the audit');

-- As if the request had been committed by an earlier transaction (see the header).
select tests.clear_authentication();
update audience.segment_exports set requested_xact = '3'::xid8 where org_id = md5('org:aud-berlin')::uuid;
-- A refresh between request and fetch stores a new buyer, C9: the segment matches 5 now,
-- but the export answers the 4 customers its audit row counted.
insert into audience.customers
select (jsonb_populate_record(c, '{"visitor_id": "C9", "user_id": null}')).*
from audience.customers as c where c.org_id = md5('org:aud-berlin')::uuid and c.visitor_id = 'C1';

select tests.authenticate_as(tests.audience_user('admin'));
select results_eq(
  format('select visitor_id, email, phone from public.fetch_segment_export(%s)', (select export_id from req where who = 'admin')),
  $$ values ('C1'::text, 'c1@example.com'::text, null::text), ('C3', null, null), ('C4', null, null), ('C5', null, null) $$,
  'a committed request: the requester gets contact details of active subscriptions (C3''s e-mail is unsubscribed); C2 opted out; not C9, who joined after the request');
select is((select row_count from audience.segment_exports where id = (select export_id from req where who = 'admin')), 4::bigint,
          'the audit row counted those 4: the export answers no more than it audited');

select tests.authenticate_as(tests.audience_user('owner'));
select throws_ok(format('select * from public.fetch_segment_export(%s)', (select export_id from req where who = 'admin')),
                 '42501',
                 format('segment export %s does not exist or is not in your organizations', (select export_id from req where who = 'admin')),
                 'another member (even the owner) may not fetch the admin''s request');
select tests.authenticate_as(tests.audience_user('other'));
select throws_ok(format('select * from public.fetch_segment_export(%s)', (select export_id from req where who = 'admin')),
                 '42501',
                 format('segment export %s does not exist or is not in your organizations', (select export_id from req where who = 'admin')),
                 'a stranger: 42501 for the real request ...');
select throws_ok($$ select * from public.fetch_segment_export(9000000000000000001) $$,
                 '42501', 'segment export 9000000000000000001 does not exist or is not in your organizations',
                 '... and the very same text for an id that does not exist');

-- Demoted since the request: the role is checked again at the fetch.
select tests.clear_authentication();
update app.memberships set role = 'analyst'
where org_id = md5('org:aud-berlin')::uuid and user_id = tests.audience_user('admin');
select tests.authenticate_as(tests.audience_user('admin'));
select throws_ok(format('select * from public.fetch_segment_export(%s)', (select export_id from req where who = 'admin')),
                 '42501', null, 'a requester demoted to analyst may no longer fetch contact details');
select tests.clear_authentication();
update app.memberships set role = 'admin'
where org_id = md5('org:aud-berlin')::uuid and user_id = tests.audience_user('admin');

select tests.clear_authentication();
update audience.segment_exports set expires_at = now() - interval '1 second' where org_id = md5('org:aud-berlin')::uuid;
select tests.authenticate_as(tests.audience_user('admin'));
select throws_ok(format('select * from public.fetch_segment_export(%s)', (select export_id from req where who = 'admin')),
                 '55000', null, 'an expired request: 55000');

-- Without contact details the analyst may request; service_role may fetch any request.
select tests.authenticate_as(tests.audience_user('analyst'));
insert into req select 'analyst', r.* from public.request_segment_export((select id from seg), false, 'Spring newsletter') as r;
select tests.clear_authentication();
update audience.segment_exports set requested_xact = '3'::xid8 where org_id = md5('org:aud-berlin')::uuid and not include_pii;
select tests.authenticate_as_service_role();
select results_eq(
  format('select count(*), count(email) from public.fetch_segment_export(%s)', (select export_id from req where who = 'analyst')),
  $$ values (5::bigint, 0::bigint) $$,
  'service_role fetches the analyst''s request: 5 customers (C9 was there when it was requested), no contact details');
select throws_ok($$ select * from public.fetch_segment_export(9000000000000000001) $$,
                 'P0002', null, 'service_role: P0002 for an unknown request');

select tests.clear_authentication();
select results_eq($$ select export_count from audience.segments where id = (select id from seg) $$,
                  $$ values (2) $$, 'the segment counts both requests');

select * from finish();
