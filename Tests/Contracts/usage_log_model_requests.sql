-- Contract: usage ingestion and pricing. public.log_model_requests (per-row reasons, cost
-- from the effective price at occurred_at with the organization's override beating the
-- public price, unpriced requests stored with cost NULL, idempotent by request id, batch
-- limits, who may call it), usage.prices' overlap rule, usage.budgets' input rules,
-- usage.reprice (deterministic, recorded), who reads which rows (RLS), and a request id
-- unique per organization whatever its occurred_at (usage.model_request_ids, 1255).
-- Fixtures: provider 'lr-test' with models cheap, pricey, unpriced; org lr-a (owner
-- lr-owner, analyst lr-analyst, viewer lr-viewer), org lr-b (owner lr-other).
-- Times: January-February 2026 (before any demo data; the rows are this org's only).
select plan(39);

do $$
begin
  perform tests.create_user('lr-owner@example.com');
  perform tests.create_user('lr-analyst@example.com');
  perform tests.create_user('lr-viewer@example.com');
  perform tests.create_user('lr-other@example.com');
  perform tests.create_org('lr-a', md5('lr-owner@example.com')::uuid);
  perform tests.create_org('lr-b', md5('lr-other@example.com')::uuid);
  perform tests.add_member(md5('org:lr-a')::uuid, md5('lr-analyst@example.com')::uuid, 'analyst');
  perform tests.add_member(md5('org:lr-a')::uuid, md5('lr-viewer@example.com')::uuid, 'viewer');
  insert into usage.models (provider, model, display_name) values
    ('lr-test', 'cheap', 'Cheap'), ('lr-test', 'pricey', 'Pricey'), ('lr-test', 'unpriced', 'Unpriced');
  -- Public prices of cheap: 1 / 2 per Mtok in January, 2 / 4 from February on; an override
  -- for org lr-a: 0.50 / 1 from Jan 15 to Jan 20. pricey: 10 / 30 all along.
  insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, valid_during) values
    (null, 'lr-test', 'cheap', 1, 2, tstzrange('2026-01-01 00:00+00', '2026-02-01 00:00+00')),
    (null, 'lr-test', 'cheap', 2, 4, tstzrange('2026-02-01 00:00+00', null)),
    (md5('org:lr-a')::uuid, 'lr-test', 'cheap', 0.5, 1, tstzrange('2026-01-15 00:00+00', '2026-01-20 00:00+00')),
    (null, 'lr-test', 'pricey', 10, 30, tstzrange('2025-01-01 00:00+00', null));
end $$;

create temporary table lr_batch as
select jsonb_build_array(
  ('{"request_id": "r1", "occurred_at": "2026-01-10T10:00:00Z", "provider": "lr-test", "model": "cheap", "input_tokens": 1000, "output_tokens": 500, "user_id": "'
    || md5('lr-viewer@example.com')::uuid || '"}')::jsonb,
  '{"request_id": "r2", "occurred_at": "2026-01-16T10:00:00Z", "provider": "lr-test", "model": "cheap", "input_tokens": 1000, "output_tokens": 500}'::jsonb,
  '{"request_id": "r3", "occurred_at": "2026-02-05T10:00:00Z", "provider": "lr-test", "model": "cheap", "input_tokens": 1000, "output_tokens": 500, "was_routed": true, "baseline_model": "pricey"}'::jsonb,
  '{"request_id": "r4", "occurred_at": "2026-02-05T11:00:00Z", "provider": "lr-test", "model": "unpriced", "input_tokens": 10, "output_tokens": 10}'::jsonb,
  '{"request_id": "r5", "occurred_at": "2026-02-05T11:00:00Z", "provider": "lr-test", "model": "nope"}'::jsonb,
  '{"request_id": "r6", "occurred_at": "2026-02-05T11:00:00Z", "provider": "lr-test", "model": "cheap", "output_tokens": -5}'::jsonb,
  '{"request_id": "r1", "occurred_at": "2026-01-10T10:00:00Z", "provider": "lr-test", "model": "cheap", "input_tokens": 1000, "output_tokens": 500}'::jsonb,
  '{"request_id": "r8", "occurred_at": "2026-02-30T10:00:00Z", "provider": "lr-test", "model": "cheap"}'::jsonb,
  '{"request_id": "r9", "occurred_at": "2026-02-05T11:00:00Z", "provider": "lr-test", "model": "cheap", "rating": 6}'::jsonb,
  '{"occurred_at": "2026-02-05T11:00:00Z", "provider": "lr-test", "model": "cheap"}'::jsonb,
  '{"request_id": "r11", "occurred_at": "2026-02-05T11:00:00Z", "provider": "lr-test", "model": "cheap", "status": "exploded"}'::jsonb,
  '{"request_id": "r12", "occurred_at": "2026-02-05T11:00:00Z", "provider": "lr-test", "model": "cheap", "input_tokens": 1.5}'::jsonb
) as b;
grant select on lr_batch to public;

select tests.authenticate_as_service_role();
create temporary table lr_result as select public.log_model_requests(md5('org:lr-a')::uuid, b) as r from lr_batch;
select is((select r - 'rejected' from lr_result), '{"accepted": 4, "duplicates": 1, "unpriced": 1}'::jsonb,
          'a batch of 12: 4 stored, 1 repeated request id (r1 twice) counted as a duplicate, 1 of them unpriced');
select is((select r -> 'rejected' from lr_result),
          '[{"index": 4, "reason": "unknown_model: lr-test/nope", "request_id": "r5"},
            {"index": 5, "reason": "negative_tokens: output_tokens", "request_id": "r6"},
            {"index": 7, "reason": "invalid: occurred_at", "request_id": "r8"},
            {"index": 8, "reason": "invalid: rating", "request_id": "r9"},
            {"index": 9, "reason": "missing: request_id", "request_id": null},
            {"index": 10, "reason": "invalid: status", "request_id": "r11"},
            {"index": 11, "reason": "invalid: input_tokens", "request_id": "r12"}]'::jsonb,
          'every rejected request has its index, request id and reason');
select results_eq(
  $$ select request_id collate "default", cost, baseline_cost from usage.model_requests
     where org_id = md5('org:lr-a')::uuid order by request_id $$,
  $$ values ('r1'::text, 0.002::numeric, null::numeric), ('r2', 0.001, null), ('r3', 0.004, 0.025), ('r4', null, null) $$,
  'costs: r1 1000 x 1 + 500 x 2 per Mtok = 0.002; r2 at the override 0.001; r3 at February''s price 0.004 (baseline pricey 0.025); r4 unpriced: NULL');
select is((select count(*) from usage.model_requests r join usage.prices p on p.id = r.price_id
           where r.org_id = md5('org:lr-a')::uuid and r.request_id = 'r2' and p.org_id = md5('org:lr-a')::uuid), 1::bigint,
          'r2 stores the id of the organization''s own price');
select is(public.log_model_requests(md5('org:lr-a')::uuid, (select b from lr_batch)) - 'rejected',
          '{"accepted": 0, "duplicates": 5, "unpriced": 0}'::jsonb, 'the same batch again stores nothing (5 duplicates)');
select is((select count(*) from usage.model_requests where org_id = md5('org:lr-a')::uuid), 4::bigint, 'still 4 requests');

-- Whole-batch errors --------------------------------------------------------------------
select throws_ok($$ select public.log_model_requests(md5('org:lr-a')::uuid, '{"a": 1}') $$, '22023',
                 'p_requests must be a JSON array of request objects', 'not an array: 22023');
select throws_ok($$ select public.log_model_requests(md5('org:lr-a')::uuid,
                      (select jsonb_agg('{}'::jsonb) from generate_series(1, 1001))) $$, '22023',
                 'a batch holds at most 1000 requests; this one holds 1001', 'more than 1000: 22023');
select throws_ok($$ select public.log_model_requests(md5('org:lr-nope')::uuid, '[]') $$, 'P0002', null,
                 'an unknown organization: P0002');
select throws_ok($$ select public.log_model_requests(null, '[]') $$, '22023', null, 'a NULL organization: 22023');
select tests.authenticate_as(md5('lr-owner@example.com')::uuid);
select throws_ok($$ select public.log_model_requests(md5('org:lr-a')::uuid, '[]') $$, '42501', null,
                 'even an owner cannot log requests (service_role only)');

-- Who reads which rows --------------------------------------------------------------------
select is((select count(*) from usage.model_requests where org_id = md5('org:lr-a')::uuid), 4::bigint,
          'the owner reads the 4 requests');
select tests.authenticate_as(md5('lr-analyst@example.com')::uuid);
select is((select count(*) from usage.model_requests where org_id = md5('org:lr-a')::uuid), 4::bigint,
          'an analyst reads the 4 requests');
select tests.authenticate_as(md5('lr-viewer@example.com')::uuid);
select results_eq($$ select request_id collate "default" from usage.model_requests $$, $$ values ('r1'::text) $$,
                  'a viewer reads only their own request (r1)');
select tests.authenticate_as(md5('lr-other@example.com')::uuid);
select is((select count(*) from usage.model_requests where org_id = md5('org:lr-a')::uuid), 0::bigint,
          'a member of another organization reads none');
select throws_ok($$ insert into usage.model_requests (org_id, request_id, occurred_at, provider, model)
                    values (md5('org:lr-b')::uuid, 'x', now(), 'lr-test', 'cheap') $$, '42501', null,
                 'a signed-in user cannot write requests');

-- Prices: no overlap -----------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok($$ insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
                    values ('lr-test', 'cheap', 3, 3, tstzrange('2026-01-25 00:00+00', '2026-02-10 00:00+00')) $$,
                 '23P01', null, 'a public price overlapping two others is refused (23P01, names the price)');
select lives_ok($$ insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, valid_during)
                    values (md5('org:lr-b')::uuid, 'lr-test', 'cheap', 3, 3, tstzrange('2026-01-16 00:00+00', '2026-01-18 00:00+00')) $$,
                'another organization''s override may overlap lr-a''s (each owner has its own timeline)');
select throws_ok($$ insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
                    values ('lr-test', 'nope', 1, 1, tstzrange('2026-01-01 00:00+00', null)) $$,
                 '22023', 'unknown model lr-test/nope', 'a price of an unknown model: 22023');

-- Budgets: input rules ---------------------------------------------------------------------
select throws_ok($$ insert into usage.budgets (org_id, name, amount, thresholds_pct, starts_on)
                    values (md5('org:lr-a')::uuid, 'b', 100, '{0.5,75}', '2026-01-01') $$,
                 '22023', 'budget thresholds {0.5,75} must each lie between 1 and 1000 %', 'a threshold below 1 %: 22023');
select throws_ok($$ insert into usage.budgets (org_id, name, amount, thresholds_pct, starts_on)
                    values (md5('org:lr-a')::uuid, 'b', 100, '{50,1001}', '2026-01-01') $$,
                 '22023', null, 'a threshold above 1000 %: 22023');
select throws_ok($$ insert into usage.budgets (org_id, name, amount, starts_on, ends_on)
                    values (md5('org:lr-a')::uuid, 'b', 100, '2026-03-01', '2026-02-01') $$,
                 '22023', 'budget period end 2026-02-01 is not after its start 2026-03-01', 'a period end before its start: 22023');
select throws_ok($$ insert into usage.budgets (org_id, name, amount, starts_on)
                    values (md5('org:lr-a')::uuid, 'b', 'NaN', '2026-01-01') $$,
                 '22023', 'budget amount NaN must be positive and below 10^15', 'a NaN amount: 22023 (NaN > 0 holds for numeric)');
select throws_ok($$ insert into usage.budgets (org_id, name, amount, starts_on)
                    values (md5('org:lr-a')::uuid, 'b', 'Infinity', '2026-01-01') $$,
                 '22023', 'budget amount Infinity must be positive and below 10^15', 'an infinite amount: 22023');
select throws_ok($$ insert into usage.budgets (org_id, name, amount, starts_on)
                    values (md5('org:lr-a')::uuid, 'b', 10, '-infinity') $$,
                 '22023', 'budget dates -infinity to open must lie between 2000-01-01 and 2199-12-31',
                 'a start at -infinity: 22023 at once (it walked periods until statement_timeout)');
select is((select count(*) from usage.budgets where org_id = md5('org:lr-a')::uuid), 0::bigint, 'no budget was stored');

-- Reprice ----------------------------------------------------------------------------------
-- An override for lr-a in February: 1 / 1 per Mtok. r3 (1000 in, 500 out) becomes 0.0015.
insert into usage.prices (org_id, provider, model, input_per_mtok, output_per_mtok, valid_during)
values (md5('org:lr-a')::uuid, 'lr-test', 'cheap', 1, 1, tstzrange('2026-02-01 00:00+00', '2026-03-01 00:00+00'));
select results_eq(
  $$ select requests_checked, requests_changed, cost_before, cost_after
     from usage.reprice(md5('org:lr-a')::uuid, tstzrange('2026-01-01 00:00+00', '2026-03-01 00:00+00')) $$,
  $$ values (4::bigint, 1::bigint, 0.007::numeric, 0.0045::numeric) $$,
  'reprice: 4 requests checked, 1 changed (r3), total 0.007 -> 0.0045');
select is((select cost from usage.model_requests where org_id = md5('org:lr-a')::uuid and request_id = 'r3'), 0.0015::numeric,
          'r3 now costs 0.0015');
select results_eq(
  $$ select requests_changed, cost_after
     from usage.reprice(md5('org:lr-a')::uuid, tstzrange('2026-01-01 00:00+00', '2026-03-01 00:00+00')) $$,
  $$ values (0::bigint, 0.0045::numeric) $$,
  'a second reprice changes nothing (deterministic)');
select is((select count(*) from usage.reprice_runs where org_id = md5('org:lr-a')::uuid), 2::bigint,
          'both runs are recorded in usage.reprice_runs');

-- A request id is unique per organization, whatever its occurred_at (1255) ----------------
-- A back end that resends r2 re-stamped an hour later, and a batch naming r20 twice at two
-- times (the first wins): 1 stored, 2 duplicates; r2 keeps its first occurred_at.
select tests.authenticate_as_service_role();
select is(public.log_model_requests(md5('org:lr-a')::uuid, '[
            {"request_id": "r2", "occurred_at": "2026-01-16T11:00:00Z", "provider": "lr-test", "model": "cheap", "input_tokens": 1000},
            {"request_id": "r20", "occurred_at": "2026-02-06T10:00:00Z", "provider": "lr-test", "model": "cheap"},
            {"request_id": "r20", "occurred_at": "2026-02-06T09:00:00Z", "provider": "lr-test", "model": "cheap"}]') - 'rejected',
          '{"accepted": 1, "duplicates": 2, "unpriced": 0}'::jsonb,
          'a stored id resent under another occurred_at, and an id twice in a batch: 1 stored, 2 duplicates');
select results_eq(
  $$ select request_id collate "default", occurred_at from usage.model_requests
     where org_id = md5('org:lr-a')::uuid and request_id in ('r2', 'r20') order by request_id $$,
  $$ values ('r2'::text, timestamptz '2026-01-16 10:00+00'), ('r20', timestamptz '2026-02-06 10:00+00') $$,
  'r2 keeps its first occurred_at; r20 is stored once, at the time of its first occurrence in the batch');
select is(public.log_model_requests(md5('org:lr-b')::uuid,
            '[{"request_id": "r20", "occurred_at": "2026-02-06T10:00:00Z", "provider": "lr-test", "model": "cheap"}]') - 'rejected',
          '{"accepted": 1, "duplicates": 0, "unpriced": 0}'::jsonb, 'another organization may use the same request id');
select tests.clear_authentication();
select throws_ok($$ insert into usage.model_requests (org_id, request_id, occurred_at, provider, model)
                    values (md5('org:lr-a')::uuid, 'r20', '2026-02-07 10:00+00', 'lr-test', 'cheap') $$,
                 '23505', null, 'a DBA''s INSERT of a stored id under another occurred_at is refused (pk_model_request_ids)');
select throws_ok($$ update usage.model_requests set occurred_at = occurred_at + interval '1 hour'
                    where org_id = md5('org:lr-a')::uuid and request_id = 'r20' $$,
                 '22023', 'the org_id, request_id and occurred_at of a stored model request cannot change (request r20)',
                 'a stored request''s occurred_at cannot change');
select lives_ok($$ update usage.model_requests set rating = 5 where org_id = md5('org:lr-a')::uuid and request_id = 'r20' $$,
                'its other columns can (the update goes ahead)');
delete from usage.model_requests where org_id = md5('org:lr-a')::uuid and request_id = 'r20';
select is((select count(*) from usage.model_request_ids where org_id = md5('org:lr-a')::uuid), 4::bigint,
          'a deleted request''s id is removed with it: the ids are those of the 4 stored requests');
select tests.authenticate_as_service_role();
select is(public.log_model_requests(md5('org:lr-a')::uuid,
            '[{"request_id": "r20", "occurred_at": "2026-02-07T10:00:00Z", "provider": "lr-test", "model": "cheap"}]') - 'rejected',
          '{"accepted": 1, "duplicates": 0, "unpriced": 0}'::jsonb, 'so a deleted request can be logged again');
select tests.clear_authentication();
truncate usage.model_requests;
select is((select count(*) from usage.model_request_ids), 0::bigint, 'TRUNCATE of the requests empties the ids');

select * from finish();
