-- Contract: usage.parse_requests, the one validation and pricing of model requests
-- (log_model_requests and ingest --kind model-requests): the plain checks for well-formed
-- values and the exact slow path for odd ones give the reasons of the function header;
-- prices come from the effective price at occurred_at (the organization's own beats the
-- public one; NULL when unpriced); with no organization given, each element names its
-- own (missing / invalid / unknown organization, a NULL element is invalid_json).
-- Fixtures: provider 'pr-test' with models cheap and unpriced; org pr-a (owner pr-owner).
-- Times: March 2026 (the rows are this org's only; nothing is stored).
select plan(9);

do $$
begin
  perform tests.create_user('pr-owner@example.com');
  perform tests.create_org('pr-a', md5('pr-owner@example.com')::uuid);
  insert into usage.models (provider, model, display_name) values ('pr-test', 'cheap', 'Cheap'), ('pr-test', 'unpriced', 'Unpriced');
  -- Public: 1 / 2 per Mtok; pr-a's own from March 10: 0.5 / 1.
  insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, valid_during) values
    (null, 'pr-test', 'cheap', 1, 2, tstzrange('2024-01-01 00:00+00', null)),
    (md5('org:pr-a')::uuid, 'pr-test', 'cheap', 0.5, 1, tstzrange('2026-03-10 00:00+00', null));
end $$;

-- r(n, occurred_at, extra): a request of pr-test/cheap with 1000 input and 500 output tokens.
create function pg_temp.r(p_id text, p_at text, p_extra jsonb default '{}')
returns jsonb language sql as $$
  select jsonb_build_object('request_id', p_id, 'occurred_at', p_at, 'provider', 'pr-test', 'model', 'cheap',
                            'input_tokens', 1000, 'output_tokens', 500) || p_extra
$$;

select results_eq(
  $$ select p.ord, p.reason, case when p.reason is null then p.occurred_at end, case when p.reason is null then p.cost end
     from usage.parse_requests(array[
       pg_temp.r('t1', '2026-03-05T10:00:00Z'),                    -- plain: public price 0.002
       pg_temp.r('t2', '2026-03-05T12:00:00.250+02:00'),           -- a fraction and an offset
       pg_temp.r('t3', '2024-02-29T10:00:00Z'),                    -- a leap day (the slow path)
       pg_temp.r('t4', '2025-02-29T10:00:00Z'),                    -- no such day
       pg_temp.r('t5', '2026-03-05T24:00:00Z'),                    -- 24:00 is the next midnight (as the cast)
       pg_temp.r('t6', '2026-03-05T10:00Z'),                       -- no seconds
       pg_temp.r('t7', '1999-12-31T23:59:59Z'),                    -- before 2000
       pg_temp.r('t8', '2026-03-12T10:00:00Z')                     -- pr-a's own price: 0.001
     ], md5('org:pr-a')::uuid, '2026-03-20 00:00+00') as p order by p.ord $$,
  $$ values (1::bigint, null::text, '2026-03-05 10:00+00'::timestamptz, 0.002::numeric),
            (2, null, '2026-03-05 10:00:00.25+00', 0.002),
            (3, null, '2024-02-29 10:00+00', 0.002),
            (4, 'invalid: occurred_at', null, null),
            (5, null, '2026-03-06 00:00+00', 0.002),
            (6, 'invalid: occurred_at', null, null),
            (7, 'invalid: occurred_at', null, null),
            (8, null, '2026-03-12 10:00+00', 0.001) $$,
  'timestamps: the plain path and the exact slow one agree with the RFC 3339 rule; the organization''s own price beats the public one');

select results_eq(
  $$ select p.reason, case when p.reason is null then p.input_tokens end, case when p.reason is null then p.latency_ms end
     from usage.parse_requests(array[
       pg_temp.r('c1', '2026-03-05T10:00:00Z', '{"input_tokens": 1000.0, "latency_ms": 250}'),
       pg_temp.r('c2', '2026-03-05T10:00:00Z', '{"input_tokens": -1.5}'),
       pg_temp.r('c3', '2026-03-05T10:00:00Z', '{"input_tokens": "12"}'),
       pg_temp.r('c4', '2026-03-05T10:00:00Z', '{"input_tokens": 1e20}'),
       pg_temp.r('c5', '2026-03-05T10:00:00Z', '{"input_tokens": 2147483647, "latency_ms": null}'),
       pg_temp.r('c6', '2026-03-05T10:00:00Z', '{"latency_ms": 0.5}'),
       pg_temp.r('c7', '2026-03-05T10:00:00Z', '{"time_to_first_token_ms": -3}')
     ], md5('org:pr-a')::uuid, '2026-03-20 00:00+00') as p order by p.ord $$,
  $$ values (null::text, 1000, 250), ('negative_tokens: input_tokens', null, null), ('invalid: input_tokens', null, null),
            ('invalid: input_tokens', null, null), (null, 2147483647, null), ('invalid: latency_ms', null, null),
            ('invalid: time_to_first_token_ms', null, null) $$,
  'counts: 1000.0 is 1000; negative, string, too large, fraction each have their reason');

select results_eq(
  $$ select p.reason
     from usage.parse_requests(array[
       pg_temp.r('u1', '2026-03-05T10:00:00Z', '{"user_id": "ABCDEF01-2345-6789-abcd-ef0123456789"}'),
       pg_temp.r('u2', '2026-03-05T10:00:00Z', '{"user_id": "abcdef01-2345-6789-abcd-ef012345678"}'),
       pg_temp.r('u3', '2026-03-05T10:00:00Z', '{"user_id": "abcdef0123456789-abcd-ef0123-456789-"}'),
       pg_temp.r('u4', '2026-03-05T10:00:00Z', jsonb_build_object('team', repeat('é', 64))),
       pg_temp.r('u5', '2026-03-05T10:00:00Z', jsonb_build_object('team', repeat('é', 65))),
       pg_temp.r('u6', '2026-03-05T10:00:00Z', '{"user_id": "00000000-0000-0000-0000-000000000000"}')
     ], md5('org:pr-a')::uuid, '2026-03-20 00:00+00') as p order by p.ord $$,
  $$ values (null::text), ('invalid: user_id'), ('invalid: user_id'), (null), ('too_long: team'), ('invalid: user_id') $$,
  'a uuid in any case; hyphens only at 9, 14, 19, 24; not the nil uuid (the rollups'' "no user"); 64 characters (not bytes) of team');

select results_eq(
  $$ select p.reason, case when p.reason is null then p.cost end, case when p.reason is null then p.baseline_cost end
     from usage.parse_requests(array[
       pg_temp.r('m1', '2026-03-05T10:00:00Z', '{"model": "unpriced"}'),
       pg_temp.r('m2', '2026-03-05T10:00:00Z', '{"model": "nope"}'),
       pg_temp.r('m3', '2026-03-05T10:00:00Z', '{"model_requested": "nope"}'),
       pg_temp.r('m4', '2026-03-05T10:00:00Z', '{"baseline_model": "unpriced"}'),
       pg_temp.r('m5', '2026-03-05T10:00:00Z', '{"baseline_provider": "other", "baseline_model": "cheap"}'),
       pg_temp.r('m6', '2026-03-05T10:00:00Z', '{"output_tokens": -1, "model": "nope"}')
     ], md5('org:pr-a')::uuid, '2026-03-20 00:00+00') as p order by p.ord $$,
  $$ values (null::text, null::numeric, null::numeric), ('unknown_model: pr-test/nope', null, null), ('unknown_model: nope', null, null),
            (null, 0.002, null), ('unknown_model: other/cheap', null, null), ('unknown_model: pr-test/nope', null, null) $$,
  'unpriced: cost NULL (never 0), an unpriced baseline too; unknown models (used, requested, baseline) before the counts');

select is(
  (select p.baseline_cost from usage.parse_requests(array[
     pg_temp.r('b1', '2026-03-12T10:00:00Z', '{"was_routed": true, "baseline_model": "cheap"}')],
     md5('org:pr-a')::uuid, '2026-03-20 00:00+00') as p),
  0.001::numeric, 'the baseline is priced like the model used (the organization''s own price)');

select results_eq(
  $$ select p.reason
     from usage.parse_requests(array[
       pg_temp.r('o1', '2026-03-05T10:00:00Z', jsonb_build_object('org_id', md5('org:pr-a')::uuid)),
       null,
       '[1]'::jsonb,
       pg_temp.r('o4', '2026-03-05T10:00:00Z'),
       pg_temp.r('o5', '2026-03-05T10:00:00Z', '{"org_id": "pr-a"}'),
       pg_temp.r('o6', '2026-03-05T10:00:00Z', jsonb_build_object('org_id', md5('org:pr-nope')::uuid)),
       pg_temp.r('o7', 'nope', jsonb_build_object('org_id', md5('org:pr-nope')::uuid))
     ], null, '2026-03-20 00:00+00') as p order by p.ord $$,
  $$ values (null::text), ('invalid_json'), ('not_an_object'), ('missing: org_id'), ('invalid: org_id'),
            ('unknown_org: ' || md5('org:pr-nope')::uuid), ('unknown_org: ' || md5('org:pr-nope')::uuid) $$,
  'without an organization each element names its own: invalid_json, not_an_object, missing / invalid / unknown organization first');

select is(
  (select p.org_id from usage.parse_requests(array[
     pg_temp.r('o1', '2026-03-05T10:00:00Z', jsonb_build_object('org_id', md5('org:pr-a')::uuid))], null, '2026-03-20 00:00+00') as p),
  md5('org:pr-a')::uuid, 'the element''s organization is the row''s');

select results_eq(
  $$ select p.reason, p.request_id
     from usage.parse_requests(array[
       '{"request_id": 12, "occurred_at": "2026-03-05T10:00:00Z", "provider": "pr-test", "model": "cheap", "status": "exploded"}'::jsonb,
       '{"request_id": true, "occurred_at": "2026-03-05T10:00:00Z", "provider": "pr-test", "model": "cheap"}'::jsonb,
       pg_temp.r('s3', '2026-03-05T10:00:00Z', '{"rating": 3.0, "router_confidence": 0.12345, "metadata": null}'),
       pg_temp.r('s4', '2026-03-21T00:05:01Z')
     ], md5('org:pr-a')::uuid, '2026-03-21 00:00+00') as p order by p.ord $$,
  $$ values ('invalid: status'::text, '12'::text), ('missing: request_id', null), (null, 's3'), ('future: occurred_at', 's4') $$,
  'request ids are strings or numbers; status, future times; rating 3.0 is valid');

select results_eq(
  $$ select p.rating, p.router_confidence, p.metadata, p.was_routed, p.feedback_flag, p.team, p.status
     from usage.parse_requests(array[
       pg_temp.r('s3', '2026-03-05T10:00:00Z', '{"rating": 3.0, "router_confidence": 0.12345, "metadata": null}')],
       md5('org:pr-a')::uuid, '2026-03-21 00:00+00') as p $$,
  $$ values (3::smallint, 0.123::numeric(4, 3), 'null'::jsonb, false, false, ''::text, 'ok'::text) $$,
  'stored values: rating 3, confidence rounded to 3 places, metadata as sent, defaults');

select * from finish();
