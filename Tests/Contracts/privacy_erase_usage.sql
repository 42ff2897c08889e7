-- Contract: erasure and export cover the usage module (app.user_data_tables lists the usage
-- schema): a user's model requests, feature events, per-user rollup rows (usage.user_days,
-- the 'user' rows of usage.dimension_days), the old versions kept for the combinable
-- rollups (usage.request_retractions) and the budgets of that one user (with their alerts)
-- go; the aggregates without identifiers keep their numbers.
-- Fixture: org er-u (UTC), model er-test/m-e at $1 per million output tokens (1,000,000
-- output tokens a request: $1 each). On 2025-04-01 the fan makes 2 requests (10:00, 11:00)
-- and another user 1 (12:00), received at minute 1 of 2099-01-01, applied up to minute 2;
-- then the price becomes $2 and usage.reprice of April writes the old versions of all 3
-- (minute 3). The fan used feature "router" once. Budgets: the fan's own ($10 a month) and
-- the organization's ($100).
select plan(9);

do $$
begin
  perform tests.create_user('er-owner@example.com');
  perform tests.create_user('er-fan@example.com');
  perform tests.create_user('er-other@example.com');
  perform tests.create_org('er-u', md5('er-owner@example.com')::uuid);
  update app.organizations set timezone = 'UTC' where id = md5('org:er-u')::uuid;
  insert into usage.models (provider, model, display_name) values ('er-test', 'm-e', 'E');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('er-test', 'm-e', 0, 1, tstzrange('2025-01-01 00:00+00', null));
  perform public.log_model_requests(md5('org:er-u')::uuid, jsonb_build_array(
    jsonb_build_object('request_id', 'er-1', 'occurred_at', '2025-04-01T10:00:00Z', 'provider', 'er-test', 'model', 'm-e',
                       'output_tokens', 1000000, 'user_id', md5('er-fan@example.com')::uuid),
    jsonb_build_object('request_id', 'er-2', 'occurred_at', '2025-04-01T11:00:00Z', 'provider', 'er-test', 'model', 'm-e',
                       'output_tokens', 1000000, 'user_id', md5('er-fan@example.com')::uuid),
    jsonb_build_object('request_id', 'er-3', 'occurred_at', '2025-04-01T12:00:00Z', 'provider', 'er-test', 'model', 'm-e',
                       'output_tokens', 1000000, 'user_id', md5('er-other@example.com')::uuid)));
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:01Z' where org_id = md5('org:er-u')::uuid;
  perform private.apply_rollup(n, timestamptz '2099-01-01 00:02Z', true)
  from unnest(array['usage.user_days', 'usage.dimension_days', 'usage.org_days', 'usage.model_days']) as n;
  update usage.prices set output_per_mtok = 2 where provider = 'er-test' and model = 'm-e';
  perform usage.reprice(md5('org:er-u')::uuid, tstzrange('2025-04-01', '2025-05-01'));
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:03Z'
  where org_id = md5('org:er-u')::uuid and received_at = pg_catalog.now();
  update usage.request_retractions set retracted_at = timestamptz '2099-01-01 00:03Z'
  where org_id = md5('org:er-u')::uuid and retracted_at = pg_catalog.now();
  insert into usage.feature_events (org_id, occurred_at, user_id, feature_key, action)
  values (md5('org:er-u')::uuid, '2025-04-01 10:05Z', md5('er-fan@example.com')::uuid, 'router', 'enabled');
  insert into usage.budgets (org_id, id, name, scope, scope_value, amount, starts_on)
  values (md5('org:er-u')::uuid, md5('er-budget-fan')::uuid, 'Fan', 'user', md5('er-fan@example.com')::uuid::text, 10, '2025-01-01'),
         (md5('org:er-u')::uuid, md5('er-budget-org')::uuid, 'Org', 'org', null, 100, '2025-01-01');
end $$;

select is((select jsonb_object_agg(k, jsonb_array_length(v)) from jsonb_each(
             (select app.export_user_data(md5('er-fan@example.com')::uuid))->'tables') as t (k, v) where k like 'usage.%'),
          '{"usage.budgets": 1, "usage.user_days": 1, "usage.dimension_days": 1, "usage.feature_events": 1,
            "usage.model_requests": 2, "usage.request_retractions": 2}'::jsonb,
          'the export holds the fan''s usage rows: 2 requests, 2 old versions, 1 feature event, 1 user-day, 1 user row of dimension_days, 1 budget');

select tests.authenticate_as_service_role();
create temp table er_result as select * from app.erase_user(md5('er-fan@example.com')::uuid);
select tests.clear_authentication();

select results_eq($$ select table_name, rows from er_result where table_name like 'usage.%' order by table_name $$,
  $$ values ('usage.budgets'::text, 1::bigint), ('usage.dimension_days', 1), ('usage.feature_events', 1),
            ('usage.model_requests', 2), ('usage.request_retractions', 2), ('usage.user_days', 1) $$,
  'erase_user removes the fan''s usage rows, table by table');
select results_eq($$ select request_id collate "default", user_id from usage.model_requests where org_id = md5('org:er-u')::uuid $$,
  $$ values ('er-3'::text, md5('er-other@example.com')::uuid) $$,
  'the other user''s request is kept');
select results_eq($$ select dimension collate "default", key collate "default", requests from usage.dimension_days
                      where org_id = md5('org:er-u')::uuid and dimension = 'user' $$,
  $$ values ('user'::text, md5('er-other@example.com')::uuid::text, 1::bigint) $$,
  'dimension_days keeps only the other user''s user row');
select results_eq($$ select user_id from usage.user_days where org_id = md5('org:er-u')::uuid $$,
  $$ values (md5('er-other@example.com')::uuid) $$,
  'user_days keeps only the other user''s row');
select results_eq($$ select name collate "default" from usage.budgets where org_id = md5('org:er-u')::uuid $$,
  $$ values ('Org'::text) $$,
  'the organization''s budget is kept, the fan''s own is gone');
select is((select count(*) from usage.request_retractions where org_id = md5('org:er-u')::uuid), 1::bigint,
  'the other user''s old version is kept');
select results_eq($$ select requests, cost from usage.org_days where org_id = md5('org:er-u')::uuid and day = '2025-04-01' $$,
  $$ values (3::bigint, 3::numeric) $$,
  'the organization''s daily totals (no identifier) keep their numbers: 3 requests, $3 as applied');
select tests.authenticate_as_service_role();
select is(public.log_model_requests(md5('org:er-u')::uuid, jsonb_build_array(
            jsonb_build_object('request_id', 'er-1', 'occurred_at', '2025-04-01T10:00:00Z', 'provider', 'er-test', 'model', 'm-e',
                               'output_tokens', 1000000, 'user_id', md5('er-fan@example.com')::uuid))) -> 'rejected',
          '[{"index": 0, "reason": "erased_user: user_id", "request_id": "er-1"}]'::jsonb,
          'a resend of an erased user''s request is rejected (app.erased_users), not stored again');
select tests.clear_authentication();

select * from finish();
