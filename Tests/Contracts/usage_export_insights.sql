-- Contract: the insights of a usage export (audiencectl export usage --include-insights;
-- public.request_usage_export with p_include_insights, public.fetch_usage_export_insights).
-- Fixture: org ue-a (UTC) with an analyst and a viewer; anomalies at 2025-04-10 05:00 (in the
-- period [2025-04-01, 2025-05-01)) and 2025-03-20 (before it); recommendations: cheaper_model
-- open (created 2025-01-05), error_hot_spot dismissed created 2025-04-12 (in the period),
-- prompt_caching dismissed created 2025-02-01.
-- The analyst requests two exports of April (with and without insights). A contract runs in
-- one transaction: the fetch of a committed request is shown by marking the requests as
-- written by an earlier transaction (as usage_exports does). After the request, the
-- anomaly is resolved, the open recommendation dismissed, and an anomaly of the period and
-- a recommendation are created: the export still answers what it answered at the request
-- (migration 1266).
select plan(10);

do $$
begin
  perform tests.create_user('ue-owner@example.com');
  perform tests.create_user('ue-analyst@example.com');
  perform tests.create_user('ue-viewer@example.com');
  perform tests.create_org('ue-a', md5('ue-owner@example.com')::uuid);
  update app.organizations set timezone = 'UTC' where id = md5('org:ue-a')::uuid;
  perform tests.add_member(md5('org:ue-a')::uuid, md5('ue-analyst@example.com')::uuid, 'analyst');
  perform tests.add_member(md5('org:ue-a')::uuid, md5('ue-viewer@example.com')::uuid, 'viewer');
  insert into usage.anomalies (org_id, metric, scope, bucket_start, value, median, mad, z_score, severity, dedup_key)
  values (md5('org:ue-a')::uuid, 'cost', 'org', '2025-04-10 05:00+00', 9.5, 1.25, 0.5, 11.12, 'high', 'ue:1'),
         (md5('org:ue-a')::uuid, 'requests', 'org', '2025-03-20 05:00+00', 400, 100, 10, 20.23, 'high', 'ue:2');
  insert into usage.recommendations (org_id, kind, title, estimated_monthly_saving, evidence, status, dedup_key, created_at)
  values (md5('org:ue-a')::uuid, 'cheaper_model', 'Use m-small for chat', 12.5, '{"requests": 300}', 'open', 'ue:r1', '2025-01-05 10:00+00'),
         (md5('org:ue-a')::uuid, 'error_hot_spot', 'm-large fails on code', null, '{"error_rate": 0.4}', 'dismissed', 'ue:r2', '2025-04-12 10:00+00'),
         (md5('org:ue-a')::uuid, 'prompt_caching', 'Cache chat prompts', 3, '{}', 'dismissed', 'ue:r3', '2025-02-01 10:00+00');
end $$;
select tests.authenticate_as(md5('ue-analyst@example.com')::uuid);
create temporary table ue_request as
select * from public.request_usage_export(md5('org:ue-a')::uuid, '2025-04-01', '2025-05-01', 'day', true);
create temporary table ue_request_without as
select * from public.request_usage_export(md5('org:ue-a')::uuid, '2025-04-01', '2025-05-01', 'day', false);
select is((select row_count from ue_request), 30::bigint, 'an analyst requests an export of 30 days with insights');
select throws_ok($$ select * from public.fetch_usage_export_insights((select export_id from ue_request)) $$,
                 '55000', null, 'its insights are not answered inside the transaction that requested it');
select tests.clear_authentication();
select is((select include_insights from usage.exports where id = (select export_id from ue_request)), true,
          'the audit row records that insights were included');
create temporary table ue_ids as
select (select export_id from ue_request) as with_insights, (select export_id from ue_request_without) as without;
grant select on ue_ids to public;
-- As if the requests had been committed by an earlier transaction (see the header); then the
-- insights change after the request.
do $$
begin
  update usage.exports set requested_xact = '1'::xid8 where org_id = md5('org:ue-a')::uuid;
  update usage.anomalies set status = 'resolved' where org_id = md5('org:ue-a')::uuid and dedup_key = 'ue:1';
  update usage.recommendations set status = 'dismissed' where org_id = md5('org:ue-a')::uuid and dedup_key = 'ue:r1';
  insert into usage.anomalies (org_id, metric, scope, bucket_start, value, median, mad, z_score, severity, dedup_key)
  values (md5('org:ue-a')::uuid, 'error_rate', 'org', '2025-04-20 08:00+00', 0.5, 0.01, 0.01, 33, 'high', 'ue:3');
  insert into usage.recommendations (org_id, kind, title, estimated_monthly_saving, evidence, status, dedup_key)
  values (md5('org:ue-a')::uuid, 'enable_routing', 'Route chat', 7, '{}', 'open', 'ue:r4');
end $$;
select tests.authenticate_as(md5('ue-analyst@example.com')::uuid);
select results_eq(
  $$ select record, kind, scope, bucket_start, severity, status, value, estimated_monthly_saving, evidence
     from public.fetch_usage_export_insights((select with_insights from ue_ids)) $$,
  $$ values ('anomaly'::text, 'cost'::text, 'org'::text, '2025-04-10 05:00+00'::timestamptz, 'high'::text, 'open'::text, 9.5::numeric, null::numeric,
             '{"mad": 0.5, "median": 1.25, "z_score": 11.12}'::jsonb),
            ('recommendation', 'cheaper_model', null, null, null, 'open', null, 12.5, '{"requests": 300}'),
            ('recommendation', 'error_hot_spot', null, null, null, 'dismissed', null, null, '{"error_rate": 0.4}') $$,
  'the period''s anomaly with its evidence, the open recommendation and the one created in the period, as they were at the request');
create temporary table ue_request_after as
select * from public.request_usage_export(md5('org:ue-a')::uuid, '2025-04-01', '2025-05-01', 'day', true);
select tests.clear_authentication();
update usage.exports set requested_xact = '1'::xid8 where id = (select export_id from ue_request_after);
select tests.authenticate_as(md5('ue-analyst@example.com')::uuid);
select results_eq(
  $$ select record, kind, status from public.fetch_usage_export_insights((select export_id from ue_request_after)) $$,
  $$ values ('anomaly'::text, 'cost'::text, 'resolved'::text), ('anomaly', 'error_rate', 'open'),
            ('recommendation', 'error_hot_spot', 'dismissed'), ('recommendation', 'enable_routing', 'open') $$,
  'an export requested after the changes answers them (cheaper_model, dismissed and created before the period, is out)');
select tests.clear_authentication();
select is((select count(*) from private.usage_export_insights where export_id = (select with_insights from ue_ids)), 3::bigint,
          'the first request kept its 3 rows');
select is((select count(*) from private.usage_export_insights where export_id = (select without from ue_ids)), 0::bigint,
          'the export without insights kept none');
select tests.authenticate_as(md5('ue-analyst@example.com')::uuid);
select throws_ok($$ select * from public.fetch_usage_export_insights((select without from ue_ids)) $$,
                 '55000', format('usage export %s was requested without insights', (select without from ue_ids)),
                 'an export requested without insights answers none (55000)');
select tests.clear_authentication();
select tests.authenticate_as(md5('ue-viewer@example.com')::uuid);
select throws_ok($$ select * from public.fetch_usage_export_insights((select with_insights from ue_ids)) $$,
                 '42501', null, 'a viewer cannot fetch them (not the requester, below analyst)');
select throws_ok($$ select * from public.request_usage_export(md5('org:ue-a')::uuid, '2025-04-01', '2025-05-01', 'day', true) $$,
                 '42501', null, 'a viewer cannot request an export with insights');

select * from finish();
