-- Contract: public.request_usage_export, public.fetch_usage_export_requests and
-- public.fetch_usage_export_days (issue 12 "Export", issue 14 item 3): usage rows leave only
-- after the audit row is committed. Fixture: org ux-berlin (Europe/Berlin) with three
-- requests around the DST change: 2026-03-29 00:30 local ($0.25), 2026-03-29 23:30 local
-- (unpriced, error), 2026-03-30 00:10 local ($1.50).
-- A contract runs in one transaction, which is rolled back: a request written here is not
-- committed, so the fetch must refuse it (55000). The fetch of a committed request is shown
-- by marking the request as written by an earlier transaction; the real commit and COPY
-- are exercised by IntegrationTests/UsageExportTests.
select plan(17);

do $$
begin
  perform tests.create_user('ux-owner@example.com');
  perform tests.create_user('ux-analyst@example.com');
  perform tests.create_user('ux-viewer@example.com');
  perform tests.create_user('ux-outsider@example.com');
  perform tests.create_org('ux-berlin', md5('ux-owner@example.com')::uuid);
  update app.organizations set timezone = 'Europe/Berlin' where id = md5('org:ux-berlin')::uuid;
  perform tests.add_member(md5('org:ux-berlin')::uuid, md5('ux-analyst@example.com')::uuid, 'analyst');
  perform tests.add_member(md5('org:ux-berlin')::uuid, md5('ux-viewer@example.com')::uuid, 'viewer');
  insert into usage.models (provider, model, display_name) values ('ux-test', 'm', 'M');
  insert into usage.model_requests (org_id, request_id, occurred_at, user_id, provider, model, status, output_tokens, cost)
  values (md5('org:ux-berlin')::uuid, 'ux-1', timestamp '2026-03-29 00:30' at time zone 'Europe/Berlin',
          md5('ux-analyst@example.com')::uuid, 'ux-test', 'm', 'ok', 100, 0.25),
         (md5('org:ux-berlin')::uuid, 'ux-2', timestamp '2026-03-29 23:30' at time zone 'Europe/Berlin',
          md5('ux-viewer@example.com')::uuid, 'ux-test', 'm', 'error', 50, null),
         (md5('org:ux-berlin')::uuid, 'ux-3', timestamp '2026-03-30 00:10' at time zone 'Europe/Berlin',
          md5('ux-analyst@example.com')::uuid, 'ux-test', 'm', 'ok', 10, 1.50);
end $$;
create temp table req (grain text, export_id bigint, row_count bigint, expires_at timestamptz);
grant select, insert on req to public;

select tests.authenticate_as(md5('ux-outsider@example.com')::uuid);
select throws_ok($$ select * from public.request_usage_export(md5('org:ux-berlin')::uuid, '2026-03-29', '2026-03-30', 'request') $$,
                 '42501', null, 'a non-member may not export');
select tests.authenticate_as(md5('ux-viewer@example.com')::uuid);
select throws_ok($$ select * from public.request_usage_export(md5('org:ux-berlin')::uuid, '2026-03-29', '2026-03-30', 'request') $$,
                 '42501', null, 'a viewer may not export (analysts and above)');

select tests.authenticate_as(md5('ux-analyst@example.com')::uuid);
select throws_ok($$ select * from public.request_usage_export(md5('org:ux-berlin')::uuid, '2026-03-30', '2026-03-29', 'request') $$,
                 '22023', null, 'a period ending before it starts: 22023');
select throws_ok($$ select * from public.request_usage_export(md5('org:ux-berlin')::uuid, '2026-03-29', '2026-03-30', 'week') $$,
                 '22023', 'unknown grain week', 'an unknown grain: 22023');
insert into req select 'request', r.* from public.request_usage_export(md5('org:ux-berlin')::uuid, '2026-03-29', '2026-03-30', 'request') as r;
insert into req select 'day', r.* from public.request_usage_export(md5('org:ux-berlin')::uuid, '2026-03-28', '2026-03-31', 'day') as r;
select results_eq($$ select grain, row_count, expires_at = now() + interval '1 hour' from req order by export_id $$,
                  $$ values ('request'::text, 2::bigint, true), ('day', 3, true) $$,
                  'the requests answer 2 requests of the local day 2026-03-29 (23 hours) and 3 days, a window of one hour');
select tests.clear_authentication();
select results_eq(
  $$ select exported_by, from_date, to_date, grain collate "default", row_count, requested_xact = pg_current_xact_id()
     from usage.exports where org_id = md5('org:ux-berlin')::uuid order by id $$,
  $$ values (md5('ux-analyst@example.com')::uuid, date '2026-03-29', date '2026-03-30', 'request', 2::bigint, true),
            (md5('ux-analyst@example.com')::uuid, date '2026-03-28', date '2026-03-31', 'day', 3::bigint, true) $$,
  'the audit rows are written by the requests, with their transaction');

select tests.authenticate_as(md5('ux-analyst@example.com')::uuid);
select throws_ok(format('select * from public.fetch_usage_export_requests(%s)', (select export_id from req where grain = 'request')),
                 '55000',
                 format('usage export %s is not committed yet: its rows are answered only after the transaction that requested it commits',
                        (select export_id from req where grain = 'request')),
                 'a fetch in the transaction that wrote the request is refused: a rollback would erase the audit');

-- As if the requests had been committed by an earlier transaction (see the header).
select tests.clear_authentication();
update usage.exports set requested_xact = '3'::xid8 where org_id = md5('org:ux-berlin')::uuid;

select tests.authenticate_as(md5('ux-analyst@example.com')::uuid);
select results_eq(
  format('select request_id, day, status, cost from public.fetch_usage_export_requests(%s)', (select export_id from req where grain = 'request')),
  $$ values ('ux-1'::text, date '2026-03-29', 'ok'::text, 0.25::numeric), ('ux-2', date '2026-03-29', 'error', null) $$,
  'grain request: the requests of the local day, in order, unpriced as NULL');
select results_eq(
  format('select day, requests, errors, cost, unpriced, output_tokens, active_users from public.fetch_usage_export_days(%s)',
         (select export_id from req where grain = 'day')),
  $$ values (date '2026-03-28', 0::bigint, 0::bigint, 0::numeric, 0::bigint, 0::bigint, 0::bigint),
            (date '2026-03-29', 2, 1, 0.25, 1, 150, 2),
            (date '2026-03-30', 1, 0, 1.5, 0, 10, 1) $$,
  'grain day: every local day, zeros included');
select throws_ok(format('select * from public.fetch_usage_export_days(%s)', (select export_id from req where grain = 'request')),
                 '55000', null, 'a request export is not fetched at grain day');

select tests.authenticate_as(md5('ux-outsider@example.com')::uuid);
select throws_ok(format('select * from public.fetch_usage_export_days(%s)', (select export_id from req where grain = 'day')),
                 '42501', format('usage export %s does not exist or is not in your organizations', (select export_id from req where grain = 'day')),
                 'a stranger may not fetch a real export');
select throws_ok('select * from public.fetch_usage_export_days(-1)',
                 '42501', 'usage export -1 does not exist or is not in your organizations',
                 'and gets the same answer for a missing one');

-- A late request of the exported local day, logged after the export requests (migration
-- 1264): the audit rows counted 2 requests and the day rows without it, and the fetches
-- answer exactly that (before 1264 they answered 3 requests and day 2026-03-29 with 3).
select tests.clear_authentication();
insert into usage.model_requests (org_id, request_id, occurred_at, user_id, provider, model, status, output_tokens, cost)
values (md5('org:ux-berlin')::uuid, 'ux-4', timestamp '2026-03-29 12:00' at time zone 'Europe/Berlin',
        md5('ux-owner@example.com')::uuid, 'ux-test', 'm', 'ok', 1000, 9);
select tests.authenticate_as(md5('ux-analyst@example.com')::uuid);
select results_eq(
  format('select count(*) from public.fetch_usage_export_requests(%s)', (select export_id from req where grain = 'request')),
  format('values (%s::bigint)', (select row_count from req where grain = 'request')),
  'grain request: a request logged after the export request is not answered: the fetch answers the 2 rows its audit row counted');
select results_eq(
  format('select day, requests, errors, cost, unpriced, output_tokens, active_users from public.fetch_usage_export_days(%s)',
         (select export_id from req where grain = 'day')),
  $$ values (date '2026-03-28', 0::bigint, 0::bigint, 0::numeric, 0::bigint, 0::bigint, 0::bigint),
            (date '2026-03-29', 2, 1, 0.25, 1, 150, 2),
            (date '2026-03-30', 1, 0, 1.5, 0, 10, 1) $$,
  'grain day: the day rows as they were at the request (the late request changes no number)');

-- Erasure covers the kept keys (user_id), and a request erased since is left out.
select tests.authenticate_as_service_role();
select ok((select count(*) from app.erase_user(md5('ux-viewer@example.com')::uuid) where table_name = 'private.usage_export_requests') = 1,
          'erase_user deletes the viewer''s kept request key (private.usage_export_requests, by user_id)');
select tests.authenticate_as(md5('ux-analyst@example.com')::uuid);
select results_eq(
  format('select request_id from public.fetch_usage_export_requests(%s)', (select export_id from req where grain = 'request')),
  $$ values ('ux-1'::text) $$,
  'the erased viewer''s request is no longer answered: 1 row, never more than audited');

-- The next request of the organization deletes the kept rows of its expired requests.
select tests.clear_authentication();
update usage.exports set expires_at = now() - interval '1 second' where org_id = md5('org:ux-berlin')::uuid;
select tests.authenticate_as(md5('ux-analyst@example.com')::uuid);
do $$ begin perform public.request_usage_export(md5('org:ux-berlin')::uuid, '2026-03-30', '2026-03-31', 'request'); end $$;
select tests.clear_authentication();
select results_eq(
  $$ select (select count(*) from private.usage_export_requests where org_id = md5('org:ux-berlin')::uuid),
            (select count(*) from private.usage_export_days where org_id = md5('org:ux-berlin')::uuid) $$,
  $$ values (1::bigint, 0::bigint) $$,
  'a new request deletes the kept rows of the expired ones and keeps its own (1 request of 2026-03-30)');

select * from finish();
