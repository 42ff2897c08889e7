-- Contract: public.get_insights, public.get_insights_summary, public.update_insight_status
-- and the RLS of insights.ai_insights / insights.generation_runs.
-- Organization rpc-a holds 55 active insights i = 1..55, created i hours ago, expiring in
-- 5 days: i % 3 = 0 high city_growth (geographic) "City i" (18), i % 3 = 1 medium
-- platform_preference (platform) (19), i % 3 = 2 low peak_activity (timing) (18); plus 2
-- dismissed (tour_gap), 1 expired (device_shift) and 1 active past its expiry
-- (new_market, geographic, medium). Organization rpc-b holds 3 active insights.
select plan(41);

select tests.create_user('owner-a@rpcs.test');
select tests.create_user('analyst-a@rpcs.test');
select tests.create_user('viewer-a@rpcs.test');
select tests.create_user('owner-b@rpcs.test');
select tests.create_org('rpc-a', pg_catalog.md5('owner-a@rpcs.test')::uuid);
select tests.create_org('rpc-b', pg_catalog.md5('owner-b@rpcs.test')::uuid);
select tests.add_member(pg_catalog.md5('org:rpc-a')::uuid, pg_catalog.md5('analyst-a@rpcs.test')::uuid, 'analyst');
select tests.add_member(pg_catalog.md5('org:rpc-a')::uuid, pg_catalog.md5('viewer-a@rpcs.test')::uuid, 'viewer');

insert into insights.ai_insights (id, org_id, insight_type, category, priority, title, description, confidence, data_snapshot,
                                  subject_key, period_start, period_end, expires_at, detector_version, input_hash, created_at)
select pg_catalog.md5('insight:' || i)::uuid, pg_catalog.md5('org:rpc-a')::uuid,
       (array['city_growth', 'platform_preference', 'peak_activity'])[1 + i % 3]::insights.insight_type,
       (array['geographic', 'platform', 'timing'])[1 + i % 3]::insights.insight_category,
       (array['high', 'medium', 'low'])[1 + i % 3]::insights.insight_priority,
       'Insight ' || i, 'Description ' || i || '.', 0.80, pg_catalog.jsonb_build_object('i', i), 'City ' || i,
       '2026-03-01Z', '2026-03-31Z', pg_catalog.now() + interval '5 days', 'sql-1', 'x',
       pg_catalog.now() - pg_catalog.make_interval(hours => i)
from pg_catalog.generate_series(1, 55) as i;
insert into insights.ai_insights (id, org_id, insight_type, category, priority, title, description, confidence, data_snapshot,
                                  subject_key, period_start, period_end, expires_at, detector_version, input_hash,
                                  status, dismissed_at)
values (pg_catalog.md5('insight:d1')::uuid, pg_catalog.md5('org:rpc-a')::uuid, 'tour_gap', 'tour', 'high', 'Gap 1', 'Gap.', 0.7, '{}',
        'Lisbon, PT', '2026-03-01Z', '2026-03-31Z', pg_catalog.now() + interval '5 days', 'sql-1', 'x', 'dismissed', pg_catalog.now()),
       (pg_catalog.md5('insight:d2')::uuid, pg_catalog.md5('org:rpc-a')::uuid, 'tour_gap', 'tour', 'high', 'Gap 2', 'Gap.', 0.7, '{}',
        'Porto, PT', '2026-03-01Z', '2026-03-31Z', pg_catalog.now() + interval '5 days', 'sql-1', 'x', 'dismissed', pg_catalog.now()),
       (pg_catalog.md5('insight:x1')::uuid, pg_catalog.md5('org:rpc-a')::uuid, 'device_shift', 'engagement', 'low', 'Old', 'Old.', 0.7, '{}',
        'mobile', '2026-01-01Z', '2026-01-31Z', pg_catalog.now() - interval '1 day', 'sql-1', 'x', 'expired', null),
       (pg_catalog.md5('insight:x2')::uuid, pg_catalog.md5('org:rpc-a')::uuid, 'new_market', 'geographic', 'medium', 'Late', 'Late.', 0.7, '{}',
        'Rome, IT', '2026-02-01Z', '2026-03-02Z', pg_catalog.now() - interval '1 hour', 'sql-1', 'x', 'active', null),
       (pg_catalog.md5('insight:b1')::uuid, pg_catalog.md5('org:rpc-b')::uuid, 'tour_gap', 'tour', 'high', 'B 1', 'B.', 0.7, '{}',
        'Oslo, NO', '2026-03-01Z', '2026-03-31Z', pg_catalog.now() + interval '5 days', 'sql-1', 'x', 'active', null),
       (pg_catalog.md5('insight:b2')::uuid, pg_catalog.md5('org:rpc-b')::uuid, 'tour_gap', 'tour', 'high', 'B 2', 'B.', 0.7, '{}',
        'Bergen, NO', '2026-03-01Z', '2026-03-31Z', pg_catalog.now() + interval '5 days', 'sql-1', 'x', 'active', null),
       (pg_catalog.md5('insight:b3')::uuid, pg_catalog.md5('org:rpc-b')::uuid, 'tour_gap', 'tour', 'high', 'B 3', 'B.', 0.7, '{}',
        'Trondheim, NO', '2026-03-01Z', '2026-03-31Z', pg_catalog.now() + interval '5 days', 'sql-1', 'x', 'active', null);
insert into insights.generation_runs (org_id, status, is_manual, period_start, period_end, created_at, finished_at, error)
values (pg_catalog.md5('org:rpc-a')::uuid, 'completed', false, '2026-03-01Z', '2026-03-31Z', pg_catalog.now() - interval '3 days', pg_catalog.now() - interval '3 days', null),
       (pg_catalog.md5('org:rpc-a')::uuid, 'completed', true, '2026-03-01Z', '2026-03-31Z', pg_catalog.now() - interval '3 hours', pg_catalog.now() - interval '2 hours', null),
       (pg_catalog.md5('org:rpc-a')::uuid, 'failed', true, '2026-03-01Z', '2026-03-31Z', pg_catalog.now() - interval '70 minutes', pg_catalog.now() - interval '1 hour', 'HTTP 500');

-- get_insights ----------------------------------------------------------------------------

select tests.authenticate_as(pg_catalog.md5('viewer-a@rpcs.test')::uuid);
select is((select r - 'insights'::text || pg_catalog.jsonb_build_object('n', pg_catalog.jsonb_array_length(r->'insights'))
           from public.get_insights(pg_catalog.md5('org:rpc-a')::uuid) as r),
  '{"total": 55, "hasMore": true, "n": 20}'::jsonb,
  'default page: 20 of the 55 active insights (the one past its expiry is not active), hasMore');
select is((select pg_catalog.jsonb_path_query_array(r, '$.insights[0 to 3].subjectKey') from public.get_insights(pg_catalog.md5('org:rpc-a')::uuid) as r),
  '["City 3", "City 6", "City 9", "City 12"]'::jsonb,
  'priority first (high), then newest first (City 3 was created 3 hours ago, City 6 six)');
select is((select pg_catalog.jsonb_path_query_array(r, '$.insights[17 to 19].subjectKey') from public.get_insights(pg_catalog.md5('org:rpc-a')::uuid) as r),
  '["City 54", "City 1", "City 4"]'::jsonb,
  'after the 18 high ones come the medium ones, newest first');
select is((select r - 'insights'::text || pg_catalog.jsonb_build_object('n', pg_catalog.jsonb_array_length(r->'insights'))
           from public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_offset => 40) as r),
  '{"total": 55, "hasMore": false, "n": 15}'::jsonb,
  'the last page (offset 40) holds the remaining 15, hasMore false');
select is((select r - 'insights'::text || pg_catalog.jsonb_build_object('n', pg_catalog.jsonb_array_length(r->'insights'))
           from public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_limit => 100) as r),
  '{"total": 55, "hasMore": true, "n": 50}'::jsonb,
  'p_limit is capped at 50');
select is((select pg_catalog.jsonb_path_query_array(r, '$.insights[*].subjectKey')
           from public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_limit => 2, p_offset => 1) as r),
  '["City 6", "City 9"]'::jsonb, 'limit 2 offset 1: the second and third');
select throws_ok($$ select public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_limit => 0) $$, '22023', null,
  'p_limit below 1 is rejected (22023)');
select throws_ok($$ select public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_offset => -1) $$, '22023', null,
  'a negative offset is rejected (22023)');
select is((public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_category => array['geographic']::insights.insight_category[]) ->> 'total')::int,
  18, 'category geographic: the 18 active city_growth ones (the geographic new_market is past its expiry)');
select is((public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_priority => array['medium', 'low']::insights.insight_priority[]) ->> 'total')::int,
  37, 'priorities medium and low: 19 + 18');
select is((public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, array['geographic', 'timing']::insights.insight_category[],
                               array['low']::insights.insight_priority[]) ->> 'total')::int,
  18, 'category and priority filters combine: geographic or timing, and low = the 18 peak_activity ones');
select is((public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, '{}', '{}') ->> 'total')::int, 55,
  'empty filter arrays filter nothing');
select is((public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_status => 'dismissed') ->> 'total')::int, 2,
  'status dismissed: 2');
select is((select pg_catalog.jsonb_path_query_array(r, '$.insights[*].status')
           from public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_status => 'expired') as r),
  '["expired", "expired"]'::jsonb,
  'status expired: the expired one and the active one past its expiry, both shown as expired');
select is((public.get_insights(pg_catalog.md5('org:rpc-a')::uuid, p_status => null) ->> 'total')::int, 59,
  'status NULL: all 59 insights of rpc-a (none of rpc-b)');
select is((select array_agg(k order by k) from pg_catalog.jsonb_object_keys(public.get_insights(pg_catalog.md5('org:rpc-a')::uuid) -> 'insights' -> 0) as k),
  array['actedOnAt', 'actionSuggestion', 'category', 'comparisonEnd', 'comparisonStart', 'confidence', 'createdAt', 'dataSnapshot',
        'description', 'dismissedAt', 'expiresAt', 'id', 'periodEnd', 'periodStart', 'priority', 'status', 'subjectKey', 'title',
        'type', 'updatedAt'],
  'each insight is returned with camelCase keys');

-- get_insights_summary ------------------------------------------------------------------

select is((select r - 'lastGeneratedAt'::text - 'topInsights'::text from public.get_insights_summary(pg_catalog.md5('org:rpc-a')::uuid) as r),
  '{"totalActive": 55, "byPriority": {"high": 18, "medium": 19, "low": 18}}'::jsonb,
  'summary: 55 active (18 high, 19 medium, 18 low)');
select is((select pg_catalog.jsonb_path_query_array(r, '$.topInsights[*].subjectKey') from public.get_insights_summary(pg_catalog.md5('org:rpc-a')::uuid) as r),
  '["City 3", "City 6", "City 9"]'::jsonb, 'summary: the top 3 by priority then recency');
select is((public.get_insights_summary(pg_catalog.md5('org:rpc-a')::uuid) ->> 'lastGeneratedAt')::timestamptz,
  pg_catalog.now() - interval '2 hours', 'lastGeneratedAt: when the last completed run finished (the failed one an hour ago does not count)');

-- update_insight_status -----------------------------------------------------------------

select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:3')::uuid, 'dismissed') $$, '42501', null,
  'a viewer may not change an insight''s status (analyst or above)');
select tests.authenticate_as(pg_catalog.md5('analyst-a@rpcs.test')::uuid);
select results_eq(
  $$ select r->>'status', r->>'dismissedAt' is not null, r->>'actedOnAt' is null
     from public.update_insight_status(pg_catalog.md5('insight:3')::uuid, 'dismissed') as r $$,
  $$ values ('dismissed', true, true) $$,
  'an analyst dismisses City 3');
select is((select pg_catalog.jsonb_path_query_array(r, '$.topInsights[*].subjectKey') from public.get_insights_summary(pg_catalog.md5('org:rpc-a')::uuid) as r),
  '["City 6", "City 9", "City 12"]'::jsonb, 'the dismissed insight leaves the top 3');
select is((public.get_insights(pg_catalog.md5('org:rpc-a')::uuid) ->> 'total')::int, 54, '54 active remain');
select results_eq(
  $$ select r->>'status', r->>'actedOnAt' is not null
     from public.update_insight_status(pg_catalog.md5('insight:6')::uuid, 'acted_on') as r $$,
  $$ values ('acted_on', true) $$,
  'an analyst marks City 6 acted_on');
select is((select status_changed_by from insights.ai_insights where id = pg_catalog.md5('insight:6')::uuid),
  pg_catalog.md5('analyst-a@rpcs.test')::uuid, 'the insight records who changed its status');
select results_eq(
  $$ select r->>'status', r->>'dismissedAt' is null, r->>'actedOnAt' is not null
     from public.update_insight_status(pg_catalog.md5('insight:3')::uuid, 'acted_on') as r $$,
  $$ values ('acted_on', true, true) $$,
  'a dismissed insight may be marked acted_on afterwards');
select is((public.update_insight_status(pg_catalog.md5('insight:6')::uuid, 'acted_on') ->> 'status'), 'acted_on',
  'setting the same status again changes nothing');
select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:9')::uuid, 'active') $$, '22023', null,
  'only dismissed or acted_on may be set (active: 22023)');
select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:9')::uuid, 'expired') $$, '22023', null,
  'expired cannot be set by a member (22023)');
select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:x2')::uuid, 'dismissed') $$, '55000', null,
  'an insight past its expiry cannot be dismissed (55000)');
select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:none')::uuid, 'dismissed') $$, '42501', null,
  'an unknown id answers 42501 to a signed-in user (ids cannot be probed)');
select throws_ok($$ update insights.ai_insights set status = 'dismissed' where id = pg_catalog.md5('insight:9')::uuid $$, '42501', null,
  'members cannot update insights directly, only through the RPC');
select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:b1')::uuid, 'dismissed') $$, '42501', null,
  'an analyst of rpc-a cannot change an insight of rpc-b');

-- Tenants, anon, RLS ----------------------------------------------------------------------

select throws_ok($$ select public.get_insights(pg_catalog.md5('org:rpc-b')::uuid) $$, '42501', null,
  'a member of rpc-a cannot list the insights of rpc-b');
select results_eq(
  $$ select (select count(*) from insights.ai_insights), (select count(*) from insights.generation_runs) $$,
  $$ values (59::bigint, 3::bigint) $$,
  'RLS: a member of rpc-a sees its 59 insights and 3 runs, nothing of rpc-b');
select tests.authenticate_as(pg_catalog.md5('owner-b@rpcs.test')::uuid);
select throws_ok($$ select public.get_insights_summary(pg_catalog.md5('org:rpc-a')::uuid) $$, '42501', null,
  'the owner of rpc-b cannot read the summary of rpc-a');
select is((select count(*) from insights.ai_insights), 3::bigint, 'RLS: the owner of rpc-b sees its 3 insights only');
select tests.authenticate_as_anon();
select throws_ok($$ select public.get_insights(pg_catalog.md5('org:rpc-a')::uuid) $$, '42501', null, 'anon cannot call get_insights');
select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:9')::uuid, 'dismissed') $$, '42501', null,
  'anon cannot call update_insight_status');
select throws_ok($$ select count(*) from insights.ai_insights $$, '42501', null, 'anon cannot read insights.ai_insights');
select tests.authenticate_as_service_role();
select throws_ok($$ select public.update_insight_status(pg_catalog.md5('insight:none')::uuid, 'dismissed') $$, 'P0002', null,
  'service_role is told an unknown id does not exist (P0002)');
select tests.clear_authentication();

select * from finish();
