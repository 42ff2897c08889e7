-- Contract: ingestion. public.log_events (every rejection reason, valid events of a mixed
-- batch stored, the same batch twice stored once, batch limits, who may log), its
-- wrappers (log_event, log_user_interaction, log_user_interactions_batch), the typed
-- columns filled from properties, and the bulk path (analytics.ingest_prepare /
-- ingest_staged) with the same validation.
-- Fixtures: org le-a (owner le-owner), a fan who belongs to no organization, another user.
select plan(46);

do $$
begin
  perform tests.create_user('le-owner@example.com');
  perform tests.create_user('le-fan@example.com');
  perform tests.create_user('le-other@example.com');
  perform tests.create_org('le-a', md5('le-owner@example.com')::uuid);
end $$;

-- A base event of org le-a, one hour ago (RFC 3339, UTC), and the batch with every reason.
create temporary table le_base as
select jsonb_build_object('org_id', md5('org:le-a')::uuid, 'event_type', 'page_view',
                          'occurred_at', to_char(now() at time zone 'UTC' - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) as b;
grant select on le_base to public;

create temporary table le_batch as
select jsonb_agg(e.event order by e.i) as events
from le_base,
lateral (values
  (0,  b || '{"client_event_id": "le-ok-0", "visitor_id": "le-v0",
              "properties": {"utm_source": " Instagram ", "utm_campaign": "Spring", "country": "de",
                             "device_type": "Mobile", "referrer": "https://www.instagram.com/p/1?x=1",
                             "page_load_ms": 420, "is_bot": false, "track": "moth-light"}}'),
  (1,  '42'::jsonb),
  (2,  b || '{"foo": 1}'),
  (3,  b - 'org_id'),
  (4,  b - 'event_type'),
  (5,  b - 'occurred_at'),
  (6,  b || '{"org_id": "not-a-uuid"}'),
  (7,  b || '{"user_id": "nope"}'),
  (8,  b || '{"entity_id": "nope"}'),
  (9,  b || '{"event_type": "foo"}'),
  (10, b || '{"occurred_at": "2026-02-30T10:00:00Z"}'),
  (11, b || '{"occurred_at": "1999-12-31T23:59:59Z"}'),
  (12, b || jsonb_build_object('occurred_at', to_char(now() at time zone 'UTC' + interval '10 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))),
  (13, b || jsonb_build_object('visitor_id', repeat('v', 129))),
  (14, b || jsonb_build_object('session_id', repeat('s', 129))),
  (15, b || jsonb_build_object('client_event_id', repeat('c', 129))),
  (16, b || jsonb_build_object('entity_type', repeat('e', 65))),
  (17, b || '{"properties": "x"}'),
  (18, b || jsonb_build_object('properties', jsonb_build_object('blob', repeat('x', 9000)))),
  (19, b || jsonb_build_object('properties', jsonb_build_object('utm_source', repeat('u', 201)))),
  (20, b || jsonb_build_object('properties', jsonb_build_object('utm_medium', repeat('u', 201)))),
  (21, b || jsonb_build_object('properties', jsonb_build_object('utm_campaign', repeat('u', 201)))),
  (22, b || jsonb_build_object('properties', jsonb_build_object('utm_content', repeat('u', 201)))),
  (23, b || jsonb_build_object('properties', jsonb_build_object('utm_term', repeat('u', 201)))),
  (24, b || jsonb_build_object('properties', jsonb_build_object('referrer', 'https://' || repeat('r', 2041)))),
  (25, b || jsonb_build_object('properties', jsonb_build_object('referrer_domain', repeat('r', 256)))),
  (26, b || jsonb_build_object('properties', jsonb_build_object('link_type', repeat('l', 65)))),
  (27, b || jsonb_build_object('properties', jsonb_build_object('platform', repeat('p', 65)))),
  (28, b || jsonb_build_object('properties', jsonb_build_object('device_os', repeat('o', 65)))),
  (29, b || jsonb_build_object('properties', jsonb_build_object('device_browser', repeat('b', 65)))),
  (30, b || jsonb_build_object('properties', jsonb_build_object('network_type', repeat('n', 33)))),
  (31, b || jsonb_build_object('properties', jsonb_build_object('city', repeat('c', 129)))),
  (32, b || '{"properties": {"country": "Germany"}}'),
  (33, b || '{"properties": {"currency": "EURO"}}'),
  (34, b || '{"properties": {"device_type": "watch"}}'),
  (35, b || '{"properties": {"is_bot": "maybe"}}'),
  (36, b || '{"properties": {"page_load_ms": -5}}'),
  (37, b || '{"properties": {"revenue_cents": 12.5}}'),
  (38, b || '{"org_id": "00000000-0000-4000-8000-000000000000"}'),
  (39, b || '{"client_event_id": "le-ok-39", "event_type": "purchase", "properties": {"revenue_cents": 2500, "currency": "eur"}}'),
  (40, b || '{"client_event_id": "le-ok-2019", "occurred_at": "2019-06-01T12:00:00Z"}')
) as e (i, event);
grant select on le_batch to public;

-- Every rejection reason, exactly -------------------------------------------------------
select tests.authenticate_as_service_role();
create temporary table le_first as select public.log_events((select events from le_batch)) as result;
select results_eq(
  $$ select (r ->> 'index')::int, r ->> 'reason' from le_first, jsonb_array_elements(result -> 'rejected') as r $$,
  $$ values (1, 'invalid_event: not a JSON object'), (2, 'unknown_field: foo'), (3, 'missing_field: org_id'),
            (4, 'missing_field: event_type'), (5, 'missing_field: occurred_at'), (6, 'invalid_uuid: org_id'),
            (7, 'invalid_uuid: user_id'), (8, 'invalid_uuid: entity_id'), (9, 'unknown_event_type: foo'),
            (10, 'invalid_timestamp'), (11, 'too_old'), (12, 'occurred_in_future'),
            (13, 'field_too_long: visitor_id'), (14, 'field_too_long: session_id'),
            (15, 'field_too_long: client_event_id'), (16, 'field_too_long: entity_type'),
            (17, 'invalid_type: properties'), (18, 'properties_too_large'),
            (19, 'field_too_long: utm_source'), (20, 'field_too_long: utm_medium'),
            (21, 'field_too_long: utm_campaign'), (22, 'field_too_long: utm_content'),
            (23, 'field_too_long: utm_term'), (24, 'field_too_long: referrer'),
            (25, 'field_too_long: referrer_domain'), (26, 'field_too_long: link_type'),
            (27, 'field_too_long: platform'), (28, 'field_too_long: device_os'),
            (29, 'field_too_long: device_browser'), (30, 'field_too_long: network_type'),
            (31, 'field_too_long: city'), (32, 'invalid_country'), (33, 'invalid_currency'),
            (34, 'invalid_device_type'), (35, 'invalid_type: is_bot'), (36, 'invalid_number: page_load_ms'),
            (37, 'invalid_number: revenue_cents'), (38, 'unknown_org: 00000000-0000-4000-8000-000000000000') $$,
  'a batch of 41 events rejects 38, each with its exact reason and index');
select is((select result - 'rejected' from le_first), '{"accepted": 3, "duplicates": 0}'::jsonb,
          'the 3 valid events of the mixed batch (0, 39, 40) are accepted');
select tests.clear_authentication();
select results_eq(
  $$ select client_event_id collate "default", event_type collate "default", occurred_at = '2019-06-01 12:00:00+00'
     from analytics.events where org_id = md5('org:le-a')::uuid order by client_event_id $$,
  $$ values ('le-ok-0'::text, 'page_view'::text, false), ('le-ok-2019', 'page_view', true), ('le-ok-39', 'purchase', false) $$,
  'exactly the 3 valid events are stored, the 2019 one included');
select results_eq(
  $$ select utm_source collate "default", utm_campaign collate "default", country::text collate "default",
            device_type collate "default", referrer_domain collate "default", page_load_ms, is_bot,
            visitor_id collate "default", properties
     from analytics.events where client_event_id = 'le-ok-0' $$,
  $$ values ('instagram'::text, 'Spring'::text, 'DE'::text, 'mobile'::text, 'instagram.com'::text, 420, false, 'le-v0'::text,
             '{"track": "moth-light", "referrer": "https://www.instagram.com/p/1?x=1"}'::jsonb) $$,
  'typed columns are filled from properties (trimmed, normalized; referrer host without www.); properties keeps the rest');
select results_eq(
  $$ select revenue_cents, currency::text collate "default" from analytics.events where client_event_id = 'le-ok-39' $$,
  $$ values (2500::bigint, 'EUR'::text) $$,
  'revenue_cents and currency (upper-cased) of the purchase are stored');

-- Idempotency ---------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(public.log_events((select events from le_batch)) - 'rejected', '{"accepted": 0, "duplicates": 3}'::jsonb,
          'the same batch sent again stores nothing: its 3 valid events are duplicates');
select tests.clear_authentication();
select is((select count(*) from analytics.events where org_id = md5('org:le-a')::uuid), 3::bigint,
          'org le-a still holds exactly 3 events');
select tests.authenticate_as_service_role();
select is(public.log_events((select jsonb_build_array(b || '{"client_event_id": "le-dup"}', b || '{"client_event_id": "le-dup"}') from le_base)),
          '{"accepted": 1, "duplicates": 1, "rejected": []}'::jsonb,
          'two equal events within one batch: 1 stored, 1 duplicate');
select is(public.log_events((select jsonb_build_array(b || jsonb_build_object('client_event_id', 'le-dup', 'occurred_at',
                                      to_char(now() at time zone 'UTC' - interval '2 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) from le_base)),
          '{"accepted": 1, "duplicates": 0, "rejected": []}'::jsonb,
          'the same client_event_id with another occurred_at is another event (the key includes occurred_at)');
select is(public.log_events((select jsonb_build_array(b, b) from le_base)),
          '{"accepted": 2, "duplicates": 0, "rejected": []}'::jsonb,
          'events without client_event_id are never deduplicated: 2 stored');
select tests.clear_authentication();
select is((select count(*) from analytics.events where org_id = md5('org:le-a')::uuid), 7::bigint,
          'org le-a now holds 3 + 1 + 1 + 2 = 7 events');
select tests.authenticate_as_service_role();
select is(public.log_events((select jsonb_build_array(
            b || '{"client_event_id": "le-mix-1"}',
            b || '{"client_event_id": "le-ok-0"}',
            b || '{"client_event_id": "le-mix-2"}',
            b || '{"client_event_id": "le-mix-2"}',
            b) from le_base)),
          '{"accepted": 3, "duplicates": 2, "rejected": []}'::jsonb,
          'a batch mixing new events, an event stored before (le-ok-0) and a repeat (le-mix-2): 3 stored, 2 duplicates');
select tests.clear_authentication();
select is((select count(*) from analytics.events where org_id = md5('org:le-a')::uuid), 10::bigint,
          'org le-a now holds 7 + 3 = 10 events: le-mix-1, le-mix-2 and the event without client_event_id');

-- Batch limits --------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(public.log_events((select jsonb_agg(b || jsonb_build_object('client_event_id', 'le-k-' || i)) from le_base, generate_series(1, 1000) as i)),
          '{"accepted": 1000, "duplicates": 0, "rejected": []}'::jsonb, 'a batch of exactly 1000 events is accepted');
select throws_ok($$ select public.log_events((select jsonb_agg(b) from le_base, generate_series(1, 1001))) $$,
                 '22023', 'a batch holds at most 1000 events; this one holds 1001', 'a batch of 1001 events raises 22023');
select throws_ok($$ select public.log_events('{"org_id": "x"}'::jsonb) $$, '22023', null, 'an object instead of an array raises 22023');
select throws_ok($$ select public.log_events(null) $$, '22023', null, 'NULL raises 22023');
select is(public.log_events('[]'::jsonb), '{"accepted": 0, "duplicates": 0, "rejected": []}'::jsonb, 'an empty batch stores nothing');
select tests.clear_authentication();

-- Who may log ---------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$ select public.log_events('[]'::jsonb) $$, '42501', null, 'anon cannot call log_events');
select throws_ok($$ select public.log_event(md5('org:le-a')::uuid, 'page_view') $$, '42501', null, 'anon cannot call log_event');
select tests.set_identity('authenticated', '{"role": "authenticated"}');
select throws_ok($$ select public.log_events('[]'::jsonb) $$, '42501', 'not signed in',
                 'role authenticated without a subject (no auth.uid()) is refused with 42501');

select tests.authenticate_as(md5('le-fan@example.com')::uuid);
select is(public.log_events((select jsonb_build_array(
            b || '{"client_event_id": "le-fan-1"}',
            b || jsonb_build_object('client_event_id', 'le-fan-2', 'user_id', md5('le-fan@example.com')::uuid),
            b || jsonb_build_object('client_event_id', 'le-fan-3', 'user_id', md5('le-other@example.com')::uuid),
            b || '{"client_event_id": "le-fan-4", "event_type": "purchase"}',
            b || '{"client_event_id": "le-fan-5", "properties": {"revenue_cents": 100}}') from le_base)),
          '{"accepted": 2, "duplicates": 0, "rejected": [{"index": 2, "reason": "forbidden: user_id"},
            {"index": 3, "reason": "forbidden: event_type"}, {"index": 4, "reason": "forbidden: revenue_cents"}]}'::jsonb,
          'a signed-in fan (member of no org) logs for herself (2 stored); for someone else, a purchase or revenue: refused');
select tests.clear_authentication();
select results_eq(
  $$ select client_event_id collate "default", user_id from analytics.events where client_event_id like 'le-fan-%' order by 1 $$,
  $$ values ('le-fan-1'::text, md5('le-fan@example.com')::uuid), ('le-fan-2', md5('le-fan@example.com')::uuid) $$,
  'the fan''s 2 events are stored with her user_id (filled in when absent); nothing for the other user');
select tests.authenticate_as(md5('le-fan@example.com')::uuid);
select is(public.log_events((select jsonb_build_array(
            b || '{"client_event_id": "le-fan-6", "event_type": "purchase"}',
            b || '{"client_event_id": "le-fan-6"}') from le_base)),
          '{"accepted": 1, "duplicates": 0, "rejected": [{"index": 0, "reason": "forbidden: event_type"}]}'::jsonb,
          'a rejected event does not make a later valid event with the same key a duplicate');
select tests.clear_authentication();

-- Wrappers ------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(public.log_event(md5('org:le-a')::uuid, 'play', '{"platform": "Spotify"}', now() - interval '1 hour', 'le-v1', null, 'le-single'),
          '{"accepted": 1, "duplicates": 0, "rejected": []}'::jsonb, 'log_event stores one event from named arguments');
select is(public.log_user_interaction(md5('org:le-a')::uuid, 'like', 'content_item', md5('le-track')::uuid, '{"surface": "profile"}',
                                      now() - interval '1 hour', null, 'le-v1', 'le-interaction'),
          '{"accepted": 1, "duplicates": 0, "rejected": []}'::jsonb, 'log_user_interaction stores one interaction');
select is(public.log_user_interactions_batch((select jsonb_build_array(b || '{"client_event_id": "le-batch-1"}', '7'::jsonb) from le_base)),
          '{"accepted": 1, "duplicates": 0, "rejected": [{"index": 1, "reason": "invalid_event: not a JSON object"}]}'::jsonb,
          'log_user_interactions_batch answers exactly like log_events');
select is(public.log_event(md5('org:le-a')::uuid, 'nope'),
          '{"accepted": 0, "duplicates": 0, "rejected": [{"index": 0, "reason": "unknown_event_type: nope"}]}'::jsonb,
          'log_event rejects with the same reasons');
select tests.clear_authentication();
select results_eq(
  $$ select event_type collate "default", platform collate "default", visitor_id collate "default",
            entity_type collate "default", entity_id, properties
     from analytics.events where client_event_id in ('le-single', 'le-interaction') order by client_event_id $$,
  $$ values ('like'::text, null::text, 'le-v1'::text, 'content_item'::text, md5('le-track')::uuid, '{"surface": "profile"}'::jsonb),
            ('play', 'spotify', 'le-v1', null, null, '{}') $$,
  'the wrappers map their arguments (type, target, metadata / properties) onto the same columns');

-- validate_event alone ------------------------------------------------------------------
select is(analytics.validate_event((select b from le_base)), null, 'validate_event: a valid event gives NULL');
select is(analytics.validate_event((select b || '{"occurred_at": "2026-05-01T10:00:00+15:00"}' from le_base)),
          'invalid_timestamp', 'validate_event: an offset beyond 14:59 is an invalid timestamp');

-- Bulk path: ingest_prepare, COPY (here: INSERT), ingest_staged -------------------------
select lives_ok($$ select analytics.ingest_prepare() $$, 'ingest_prepare creates the session''s staging tables');
insert into pg_temp.ingest_staging (line_no, raw)
select n, raw from le_base, lateral (values
  (1, (b || '{"client_event_id": "le-file-1"}')::text),
  (2, 'this is not JSON'),
  (3, '   '),
  (4, (b || '{"visitor_id": "le-file-4"}')::text),
  (5, (b || '{"event_type": "foo"}')::text),
  (6, (b || '{"org_id": "00000000-0000-4000-8000-000000000000"}')::text)
) as l (n, raw);
select results_eq($$ select * from analytics.ingest_staged() $$, $$ values (5::bigint, 2::bigint, 0::bigint, 3::bigint) $$,
                  'ingest_staged: 5 lines staged (the blank one ignored), 2 stored, 3 rejected');
select results_eq($$ select line_no, reason from pg_temp.ingest_rejects order by line_no $$,
                  $$ values (2::bigint, 'invalid_json'::text), (5, 'unknown_event_type: foo'),
                            (6, 'unknown_org: 00000000-0000-4000-8000-000000000000') $$,
                  'a line that is not JSON is rejected as invalid_json (no abort); the others with the log_events reasons');
select is((select count(*) from pg_temp.ingest_staging), 0::bigint, 'the staging table is emptied for the next chunk');
insert into pg_temp.ingest_staging (line_no, raw)
select n, raw from le_base, lateral (values
  (1, (b || '{"client_event_id": "le-file-1"}')::text),
  (2, 'this is not JSON'),
  (4, (b || '{"visitor_id": "le-file-4"}')::text)
) as l (n, raw);
select results_eq($$ select * from analytics.ingest_staged() $$, $$ values (3::bigint, 0::bigint, 2::bigint, 1::bigint) $$,
                  'rerunning the same lines stores nothing: 2 duplicates (one keyed by md5 of its line), 1 rejected');
insert into pg_temp.ingest_staging (line_no, raw)
select n, raw from le_base, lateral (values
  (1, (b || '{"client_event_id": "le-file-1"}')::text),
  (2, (b || '{"client_event_id": "le-file-new"}')::text),
  (3, (b || '{"client_event_id": "le-file-new"}')::text)
) as l (n, raw);
select results_eq($$ select * from analytics.ingest_staged() $$, $$ values (3::bigint, 1::bigint, 2::bigint, 0::bigint) $$,
                  'a chunk mixing a stored event, a new one and its repeat: 1 stored, 2 duplicates');
select is((select client_event_id collate "default" from analytics.events where visitor_id = 'le-file-4'),
          'line:' || md5((select (b || '{"visitor_id": "le-file-4"}')::text from le_base)),
          'an event without client_event_id gets the key line:md5(line)');

-- Idempotency keys are scoped by writer (issue 14, item 4). A fan who belongs to no
-- organization logs a page view into le-a with the key and time the organization's back end
-- will use for a purchase ("le-squat", 30 minutes ago); the purchase is still stored.
create temporary table le_squat as
select to_char(now() at time zone 'UTC' - interval '30 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at;
grant select on le_squat to public;
select tests.authenticate_as(md5('le-fan@example.com')::uuid);
select is(public.log_events((select jsonb_build_array(jsonb_build_object('org_id', md5('org:le-a')::uuid, 'event_type', 'page_view',
                                                                         'occurred_at', at, 'client_event_id', 'le-squat')) from le_squat)),
          '{"accepted": 1, "duplicates": 0, "rejected": []}'::jsonb, 'a non-member logs an event with the guessed key le-squat');
select is(public.log_events((select jsonb_build_array(jsonb_build_object('org_id', md5('org:le-a')::uuid, 'event_type', 'page_view',
                                                                         'occurred_at', at, 'client_event_id', 'le-squat')) from le_squat)),
          '{"accepted": 0, "duplicates": 1, "rejected": []}'::jsonb, 'the same writer resending it: a duplicate');
select tests.authenticate_as_service_role();
select is(public.log_events((select jsonb_build_array(jsonb_build_object('org_id', md5('org:le-a')::uuid, 'event_type', 'purchase',
                                                                         'occurred_at', at, 'client_event_id', 'le-squat',
                                                                         'properties', jsonb_build_object('revenue_cents', 4900, 'currency', 'EUR'))) from le_squat)),
          '{"accepted": 1, "duplicates": 0, "rejected": []}'::jsonb,
          'the organization''s purchase with that key and time is stored, not dropped as a duplicate of the stranger''s event');
select is(public.log_events((select jsonb_build_array(jsonb_build_object('org_id', md5('org:le-a')::uuid, 'event_type', 'purchase',
                                                                         'occurred_at', at, 'client_event_id', 'le-squat',
                                                                         'properties', jsonb_build_object('revenue_cents', 4900, 'currency', 'EUR'))) from le_squat)),
          '{"accepted": 0, "duplicates": 1, "rejected": []}'::jsonb, 'the back end resending its purchase: a duplicate');
-- A do-not-track event keeps no user_id; it is still the signed-in writer's, never the trusted one's.
select tests.authenticate_as(md5('le-fan@example.com')::uuid);
select is(public.log_events((select jsonb_build_array(jsonb_build_object('org_id', md5('org:le-a')::uuid, 'event_type', 'page_view',
                                                                         'occurred_at', at, 'client_event_id', 'le-squat-dnt', 'dnt', true)) from le_squat)),
          '{"accepted": 1, "duplicates": 0, "rejected": []}'::jsonb, 'a non-member logs a do-not-track event with the guessed key le-squat-dnt');
select tests.authenticate_as_service_role();
select is(public.log_events((select jsonb_build_array(jsonb_build_object('org_id', md5('org:le-a')::uuid, 'event_type', 'purchase',
                                                                         'occurred_at', at, 'client_event_id', 'le-squat-dnt',
                                                                         'properties', jsonb_build_object('revenue_cents', 1500, 'currency', 'EUR'))) from le_squat)),
          '{"accepted": 1, "duplicates": 0, "rejected": []}'::jsonb,
          'the organization''s purchase with that key is stored: the do-not-track event (no user_id) is not the trusted writer''s');
select tests.clear_authentication();
select results_eq(
  $$ select event_type collate "default", self_logged, user_id, revenue_cents from analytics.events
     where org_id = md5('org:le-a')::uuid and client_event_id = 'le-squat' order by event_type $$,
  $$ values ('page_view'::text, true, md5('le-fan@example.com')::uuid, null::bigint),
            ('purchase', false, null, 4900::bigint) $$,
  'both are stored: the fan''s page view (self_logged, its writer) and the purchase of 4900 (trusted writer)');

select tests.authenticate_as(md5('le-owner@example.com')::uuid);
select throws_ok($$ select * from analytics.ingest_staged() $$, '42501', null, 'a signed-in user cannot use the bulk path');
select tests.clear_authentication();

select * from finish();
