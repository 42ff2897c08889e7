-- Contract: insights.persist_insights (validation, dedup, replace-if-higher, recent
-- type/subject skip, supersede, expiry 7/14/30 days, 8 per run) and insights.expire_stale.
-- Candidates are built by pg_temp.item(type, subject, confidence, period day); periods are
-- 30 days ending at local midnight of the given day in 2026. now() is the transaction time.
select plan(35);

select tests.create_user('owner-a@lifecycle.test');
select tests.create_user('owner-b@lifecycle.test');
select tests.create_org('life-a', pg_catalog.md5('owner-a@lifecycle.test')::uuid);
select tests.create_org('life-b', pg_catalog.md5('owner-b@lifecycle.test')::uuid);

insert into insights.generation_runs (id, org_id, status, is_manual, period_start, period_end)
values (pg_catalog.md5('run:a1')::uuid, pg_catalog.md5('org:life-a')::uuid, 'processing', true, '2026-03-01Z', '2026-03-31Z'),
       (pg_catalog.md5('run:a2')::uuid, pg_catalog.md5('org:life-a')::uuid, 'processing', false, '2026-03-01Z', '2026-03-31Z'),
       (pg_catalog.md5('run:b1')::uuid, pg_catalog.md5('org:life-b')::uuid, 'processing', false, '2026-03-01Z', '2026-03-31Z');
insert into insights.generation_runs (id, org_id, status, is_manual, period_start, period_end, finished_at)
values (pg_catalog.md5('run:done')::uuid, pg_catalog.md5('org:life-a')::uuid, 'completed', false, '2026-03-01Z', '2026-03-31Z', pg_catalog.now());

-- A candidate as insights.detect_candidates would hand it over (period: 30 days to p_day).
create function pg_temp.item(p_type text, p_subject text, p_confidence numeric, p_day date default date '2026-03-31')
returns jsonb
language sql
as $$
  select pg_catalog.jsonb_build_object(
    'insight_type', p_type, 'subject_key', p_subject, 'confidence', p_confidence,
    'title', p_type || ' ' || p_subject, 'description', 'Description of ' || p_type || '.',
    'action_suggestion', 'Do something.', 'data_snapshot', pg_catalog.jsonb_build_object('n', 1),
    'period_start', ((p_day - 30)::timestamp at time zone 'UTC')::text, 'period_end', (p_day::timestamp at time zone 'UTC')::text,
    'metadata', pg_catalog.jsonb_build_object('source', 'template'))
$$;

-- Storing -------------------------------------------------------------------------------

select is(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
            pg_catalog.jsonb_build_array(pg_temp.item('city_growth', 'Berlin, DE', 0.80),
                                         pg_temp.item('platform_preference', 'spotify', 0.85),
                                         pg_temp.item('peak_activity', 'all', 0.70))) - 'items'::text,
  '{"stored": 3, "replaced": 0, "skipped": 0, "skipped_reasons": {}}'::jsonb,
  'three new candidates are stored');
select results_eq(
  $$ select insight_type::text, category::text, priority::text, expires_at - pg_catalog.now(), status::text,
            (metadata->>'rank')::int, generation_run_id = pg_catalog.md5('run:a1')::uuid
     from insights.ai_insights i where i.org_id = pg_catalog.md5('org:life-a')::uuid order by i.priority $$,
  $$ values ('city_growth', 'geographic', 'high', interval '7 days', 'active', 1, true),
            ('platform_preference', 'platform', 'medium', interval '14 days', 'active', 2, true),
            ('peak_activity', 'timing', 'low', interval '30 days', 'active', 3, true) $$,
  'category and priority come from the type; expiry 7 / 14 / 30 days for high / medium / low; rank is the array position');
select is((select insights_generated from insights.generation_runs where id = pg_catalog.md5('run:a1')::uuid), 3,
  'the run counts the 3 insights it stored');

-- Dedup and replace-if-higher -----------------------------------------------------------

select is(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a2')::uuid,
            pg_catalog.jsonb_build_array(pg_temp.item('city_growth', 'Berlin, DE', 0.80),
                                         pg_temp.item('platform_preference', 'spotify', 0.60))) - 'items'::text,
  '{"stored": 0, "replaced": 0, "skipped": 2, "skipped_reasons": {"duplicate_not_higher": 2}}'::jsonb,
  'the same (type, subject, period) with an equal or lower confidence is skipped as duplicate_not_higher');
select is(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a2')::uuid,
            pg_catalog.jsonb_build_array(pg_temp.item('city_growth', 'Berlin, DE', 0.95) || '{"title": "Berlin up 41%"}')) -> 'items' -> 0 ->> 'outcome',
  'replaced', 'the same key with a higher confidence (0.95 > 0.80) replaces the active insight');
select results_eq(
  $$ select count(*), max(confidence), max(title), bool_and(generation_run_id = pg_catalog.md5('run:a2')::uuid),
            max((metadata->>'replaced_confidence')::numeric)
     from insights.ai_insights where org_id = pg_catalog.md5('org:life-a')::uuid and insight_type = 'city_growth' $$,
  $$ values (1::bigint, 0.95::numeric(3,2), 'Berlin up 41%', true, 0.80::numeric) $$,
  'replacing keeps one row: new confidence, text and run, the old confidence in metadata');
select is((select pg_catalog.jsonb_agg(e.item - 'id'::text order by e.ord)
           from pg_catalog.jsonb_array_elements(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a2')::uuid,
                  pg_catalog.jsonb_build_array(pg_temp.item('city_growth', 'Berlin, DE', 0.99, date '2026-04-01'),
                                               pg_temp.item('city_growth', 'Hamburg, DE', 0.99, date '2026-04-01'))) -> 'items')
                with ordinality as e (item, ord)),
  pg_catalog.jsonb_build_array(
    pg_catalog.jsonb_build_object('index', 0, 'insight_type', 'city_growth', 'subject_key', 'Berlin, DE', 'outcome', 'skipped',
                                  'reason', 'recently_active'),
    pg_catalog.jsonb_build_object('index', 1, 'insight_type', 'city_growth', 'subject_key', 'Hamburg, DE', 'outcome', 'stored',
                                  'reason', null)),
  'a type/subject already active from the last 7 days is skipped for another period (recently_active); another subject is stored');

-- Dismissed and expired keys ------------------------------------------------------------

update insights.ai_insights set status = 'dismissed', dismissed_at = pg_catalog.now() - interval '2 days'
where org_id = pg_catalog.md5('org:life-a')::uuid and insight_type = 'platform_preference';
update insights.ai_insights set status = 'expired'
where org_id = pg_catalog.md5('org:life-a')::uuid and insight_type = 'peak_activity';
select is(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a2')::uuid,
            pg_catalog.jsonb_build_array(pg_temp.item('platform_preference', 'spotify', 0.99),
                                         pg_temp.item('platform_preference', 'spotify', 0.99, date '2026-04-02'),
                                         pg_temp.item('peak_activity', 'all', 0.99))) -> 'skipped_reasons',
  '{"duplicate_dismissed": 1, "recently_dismissed": 1, "duplicate_expired": 1}'::jsonb,
  'a dismissed key is never re-stored, its type/subject not for 7 days; an expired key is not re-stored');

-- Supersede ------------------------------------------------------------------------------

insert into insights.ai_insights (id, org_id, insight_type, category, priority, title, description, confidence, data_snapshot,
                                  subject_key, period_start, period_end, expires_at, detector_version, input_hash, created_at)
values (pg_catalog.md5('old-device')::uuid, pg_catalog.md5('org:life-a')::uuid, 'device_shift', 'engagement', 'low', 'Old', 'Old one.',
        0.70, '{}', 'mobile', '2026-01-01Z', '2026-01-31Z', pg_catalog.now() + interval '20 days', 'sql-1', 'x',
        pg_catalog.now() - interval '10 days');
select is(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a2')::uuid,
            pg_catalog.jsonb_build_array(pg_temp.item('device_shift', 'mobile', 0.70))) -> 'items' -> 0 ->> 'outcome',
  'stored', 'an active type/subject older than 7 days does not block a new one');
select results_eq(
  $$ select status::text, metadata->>'superseded_by' = (select id::text from insights.ai_insights
                                                       where subject_key = 'mobile' and status = 'active')
     from insights.ai_insights where id = pg_catalog.md5('old-device')::uuid $$,
  $$ values ('expired', true) $$,
  'the older active insight of that type/subject is superseded: expired, naming its successor');

-- At most 8 per run -----------------------------------------------------------------------

select is(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a2')::uuid,
            (select pg_catalog.jsonb_agg(pg_temp.item('new_market', 'City ' || k, 0.60) order by k)
             from pg_catalog.generate_series(1, 10) as k)) - 'items'::text,
  '{"stored": 5, "replaced": 0, "skipped": 5, "skipped_reasons": {"run_limit": 5}}'::jsonb,
  'run a2 already stored or replaced 3 (Berlin replaced, Hamburg, mobile): 5 more reach the limit of 8, the rest are run_limit');
select is((select count(*) from insights.ai_insights where generation_run_id = pg_catalog.md5('run:a2')::uuid), 8::bigint,
  'run a2 holds exactly 8 insights');
select is((select insights_generated from insights.generation_runs where id = pg_catalog.md5('run:a2')::uuid), 8,
  'the run''s insights_generated follows (8)');
select is_empty($$ select 1 from insights.ai_insights where org_id = pg_catalog.md5('org:life-a')::uuid
                    and subject_key in ('City 6', 'City 7', 'City 8', 'City 9', 'City 10') $$,
  'the candidates past the limit (ranked 6 to 10 of that batch) are not stored');

-- Validation: nothing malformed is stored ---------------------------------------------

select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid, '{"a": 1}') $$,
  '22023', 'p_insights must be a JSON array', 'p_insights must be an array (22023)');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7), pg_temp.item('tour_gap', 'Porto, PT', 0.7) || '{"rank": 1}')) $$,
  '22023', 'insight 1: unknown key "rank"', 'an unknown key is rejected with the element index');
select is_empty($$ select 1 from insights.ai_insights where org_id = pg_catalog.md5('org:life-a')::uuid and insight_type = 'tour_gap' $$,
  'a malformed element stops the whole batch: its valid first element is not stored either');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7) - 'title'::text)) $$,
  '22023', 'insight 0: "title" is missing', 'a missing required key is rejected');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7) || pg_catalog.jsonb_build_object('title', pg_catalog.repeat('x', 81)))) $$,
  '22023', 'insight 0: title must be 1 to 80 characters', 'a title over 80 characters is rejected');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('ticket_sellout', 'Lisbon, PT', 0.7))) $$,
  '22023', 'insight 0: unknown insight_type "ticket_sellout"', 'an invented insight type is rejected');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7) || '{"description": "Write to fan@example.com about Lisbon."}')) $$,
  '22023', 'insight 0: texts must not contain e-mail addresses', 'an e-mail address in a text is rejected');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7) || '{"category": "revenue"}')) $$,
  '22023', 'insight 0: category "revenue" does not match type tour_gap (category tour)', 'a category other than the type''s is rejected');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 1.5))) $$,
  '22023', 'insight 0: confidence must be a number from 0 to 1', 'a confidence above 1 is rejected');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7) || '{"period_end": "next tuesday"}')) $$,
  '22023', 'insight 0: a period bound is not a valid timestamp', 'an unreadable timestamp is rejected');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
                      pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7) || '{"data_snapshot": [1, 2]}')) $$,
  '22023', 'insight 0: data_snapshot must be a JSON object', 'a data_snapshot that is not an object is rejected');

-- Runs ----------------------------------------------------------------------------------

select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:b1')::uuid, '[]') $$,
  '22023', null, 'a run of another organization is rejected (22023)');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:done')::uuid, '[]') $$,
  '55000', null, 'a finished run stores nothing more (55000)');
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:none')::uuid, '[]') $$,
  'P0002', null, 'an unknown run is reported (P0002)');

-- Expiry ------------------------------------------------------------------------------

-- expire_stale works on every organization: first expire what a non-empty database holds.
select insights.expire_stale() >= 0 as expired_beforehand;
update insights.ai_insights set expires_at = pg_catalog.now() - interval '1 minute'
where org_id = pg_catalog.md5('org:life-a')::uuid and subject_key = 'Hamburg, DE';
select is(insights.expire_stale(), 1, 'expire_stale marks the one active insight past its expiry');
select is((select status::text from insights.ai_insights where org_id = pg_catalog.md5('org:life-a')::uuid and subject_key = 'Hamburg, DE'), 'expired',
  'that insight is now expired');
select is(insights.expire_stale(), 0, 'running expire_stale again changes nothing');
select is(insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid,
            pg_catalog.jsonb_build_array(pg_temp.item('city_growth', 'Hamburg, DE', 0.99, date '2026-04-03'))) -> 'items' -> 0 ->> 'outcome',
  'stored', 'an expired type/subject does not block a new period');

-- Who may call ------------------------------------------------------------------------

select tests.authenticate_as(pg_catalog.md5('owner-a@lifecycle.test')::uuid);
select throws_ok($$ select insights.persist_insights(pg_catalog.md5('org:life-a')::uuid, pg_catalog.md5('run:a1')::uuid, '[]') $$,
  '42501', null, 'even an owner cannot store insights directly (service_role only)');
select throws_ok($$ select insights.expire_stale() $$, '42501', null, 'nor expire them');
select tests.authenticate_as_service_role();
select is(insights.persist_insights(pg_catalog.md5('org:life-b')::uuid, pg_catalog.md5('run:b1')::uuid,
            pg_catalog.jsonb_build_array(pg_temp.item('tour_gap', 'Lisbon, PT', 0.7))) ->> 'stored',
  '1', 'service_role stores insights');
select tests.clear_authentication();

select * from finish();
