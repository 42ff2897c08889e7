-- Contract: the insights of a usage export (audiencectl export usage --include-insights;
-- public.fetch_usage_export_insights). Fixture: org ue-a (UTC) with an analyst and a viewer;
-- anomalies at 2025-04-10 05:00 (in the period [2025-04-01, 2025-05-01)) and 2025-03-20
-- (before it); recommendations: cheaper_model open (created 2025-01-05), error_hot_spot
-- dismissed created 2025-04-12 (in the period), prompt_caching dismissed created 2025-02-01.
-- A committed request is simulated by an audit row written by an earlier transaction id.
select plan(7);

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
  insert into usage.exports (org_id, exported_by, from_date, to_date, grain, row_count, requested_xact, expires_at, include_insights)
  values (md5('org:ue-a')::uuid, md5('ue-analyst@example.com')::uuid, '2025-04-01', '2025-05-01', 'day', 30, '1', now() + interval '1 hour', true),
         (md5('org:ue-a')::uuid, md5('ue-analyst@example.com')::uuid, '2025-04-01', '2025-05-01', 'day', 30, '1', now() + interval '1 hour', false);
end $$;
create temporary table ue_ids as
select (select max(id) from usage.exports where org_id = md5('org:ue-a')::uuid and include_insights) as with_insights,
       (select max(id) from usage.exports where org_id = md5('org:ue-a')::uuid and not include_insights) as without;
grant select on ue_ids to public;

select tests.authenticate_as(md5('ue-analyst@example.com')::uuid);
select results_eq(
  $$ select record, kind, scope, bucket_start, severity, status, value, estimated_monthly_saving, evidence
     from public.fetch_usage_export_insights((select with_insights from ue_ids)) $$,
  $$ values ('anomaly'::text, 'cost'::text, 'org'::text, '2025-04-10 05:00+00'::timestamptz, 'high'::text, 'open'::text, 9.5::numeric, null::numeric,
             '{"mad": 0.5, "median": 1.25, "z_score": 11.12}'::jsonb),
            ('recommendation', 'cheaper_model', null, null, null, 'open', null, 12.5, '{"requests": 300}'),
            ('recommendation', 'error_hot_spot', null, null, null, 'dismissed', null, null, '{"error_rate": 0.4}') $$,
  'the period''s anomaly with its evidence, the open recommendation and the one created in the period, as stored');
select throws_ok($$ select * from public.fetch_usage_export_insights((select without from ue_ids)) $$,
                 '55000', format('usage export %s was requested without insights', (select without from ue_ids)),
                 'an export requested without insights answers none (55000)');
create temporary table ue_request as
select * from public.request_usage_export(md5('org:ue-a')::uuid, '2025-04-01', '2025-05-01', 'day', true);
select is((select row_count from ue_request), 30::bigint, 'an analyst requests an export of 30 days with insights');
select throws_ok($$ select * from public.fetch_usage_export_insights((select export_id from ue_request)) $$,
                 '55000', null, 'its insights are not answered inside the transaction that requested it');
select tests.clear_authentication();
select is((select include_insights from usage.exports where org_id = md5('org:ue-a')::uuid order by id desc limit 1), true,
          'the audit row records that insights were included');
select tests.authenticate_as(md5('ue-viewer@example.com')::uuid);
select throws_ok($$ select * from public.fetch_usage_export_insights((select with_insights from ue_ids)) $$,
                 '42501', null, 'a viewer cannot fetch them (not the requester, below analyst)');
select throws_ok($$ select * from public.request_usage_export(md5('org:ue-a')::uuid, '2025-04-01', '2025-05-01', 'day', true) $$,
                 '42501', null, 'a viewer cannot request an export with insights');

select * from finish();
