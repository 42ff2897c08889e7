-- Contract: public.preview_segment, public.create_segment, public.materialize_segment and
-- the filter compiler (audience.compile_segment_filter). Customers come from
-- tests.audience_recent_fixture (_support/40_audience_fixtures.sql) and
-- audience.update_customers: C1 customer (instagram, DE, 2500, seen t-2d), C2 repeat_buyer
-- (6000, t-5d), C3 champion (2000, t-3d), C4 at_risk (1000, t-70d), C5 churned (500,
-- t-200d), C6 prospect (t-1d), C8 champion by engagement (t-1d); C7 opted out (no row).
-- Subscribers: C1 email c1@example.com, C2 sms +4915100000001 (active), C3 an
-- unsubscribed email.
select plan(36);

select tests.audience_orgs();
select tests.audience_recent_fixture(md5('org:aud-berlin')::uuid);
select audience.update_customers(md5('org:aud-berlin')::uuid);
insert into audience.subscribers (org_id, channel, contact, visitor_id) values
  (md5('org:aud-berlin')::uuid, 'email', 'c1@example.com', 'C1'),
  (md5('org:aud-berlin')::uuid, 'sms', '+4915100000001', 'C2');
insert into audience.subscribers (org_id, channel, contact, visitor_id, subscribed_at, unsubscribed_at) values
  (md5('org:aud-berlin')::uuid, 'email', 'c3@example.com', 'C3', now() - interval '9 days', now() - interval '8 days');

select tests.authenticate_as(tests.audience_user('analyst'));

-- Previews (counts only) -----------------------------------------------------------------
select results_eq(
  $$ select f, public.preview_segment(md5('org:aud-berlin')::uuid, f::jsonb) from (values
       ('[]'),
       ('[{"field": "orders_count", "op": "gte", "value": 1}]'),
       ('[{"field": "lifecycle_stage", "op": "in", "value": ["customer", "repeat_buyer"]}]'),
       ('[{"field": "utm_source", "op": "eq", "value": "instagram"}]'),
       ('[{"field": "last_utm_source", "op": "eq", "value": "newsletter"}]'),
       ('[{"field": "last_seen", "op": "within", "value": 7}]'),
       ('[{"field": "last_seen", "op": "not_within", "value": 60}]'),
       ('[{"field": "revenue_cents", "op": "between", "value": [1000, 2500]}]'),
       ('[{"field": "country", "op": "eq", "value": "DE"}]'),
       ('[{"field": "orders_count", "op": "gte", "value": 1}, {"field": "last_seen", "op": "within", "value": 30}]'),
       ('[{"field": "lifecycle_stage", "op": "not_in", "value": ["champion"]}, {"field": "device_type", "op": "neq", "value": "mobile"}]'),
       ('[{"field": "propensity_score", "op": "gte", "value": 3}]'),
       ('[{"field": "last_order", "op": "not_within", "value": 30}]')
     ) as t (f) $$,
  $$ values ('[]', 7::bigint), ('[{"field": "orders_count", "op": "gte", "value": 1}]', 5),
            ('[{"field": "lifecycle_stage", "op": "in", "value": ["customer", "repeat_buyer"]}]', 2),
            ('[{"field": "utm_source", "op": "eq", "value": "instagram"}]', 1),
            ('[{"field": "last_utm_source", "op": "eq", "value": "newsletter"}]', 1),
            ('[{"field": "last_seen", "op": "within", "value": 7}]', 5),
            ('[{"field": "last_seen", "op": "not_within", "value": 60}]', 2),
            ('[{"field": "revenue_cents", "op": "between", "value": [1000, 2500]}]', 3),
            ('[{"field": "country", "op": "eq", "value": "DE"}]', 1),
            ('[{"field": "orders_count", "op": "gte", "value": 1}, {"field": "last_seen", "op": "within", "value": 30}]', 3),
            ('[{"field": "lifecycle_stage", "op": "not_in", "value": ["champion"]}, {"field": "device_type", "op": "neq", "value": "mobile"}]', 2),
            ('[{"field": "propensity_score", "op": "gte", "value": 3}]', 5),
            ('[{"field": "last_order", "op": "not_within", "value": 30}]', 4) $$,
  'previews: everyone 7 (not C7); with orders 5; customer or repeat 2; first touch instagram 1 (C1); last touch newsletter 1 (C2); seen in 7 days 5; not in 60 days 2 (C4, C5); LTV 1000-2500 3 (C1, C3, C4); DE 1; orders and seen in 30 days 3; non-champions not on mobile 2 (C2, C6 on desktop); propensity >= 3 (past purchasers) 5; no order in 30 days 4 (C4, C5 and the never-ordering C6, C8)'
);

select results_eq(
  $$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "utm_source", "op": "eq", "value": "x'') or true or (''1"}]') $$,
  $$ values (0::bigint) $$,
  'a value that looks like SQL is only a value (0 matches)'
);
select results_eq(
  $$ select count(*)::int from audience.customers $$,
  $$ values (7) $$,
  'and nothing was harmed'
);

select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "email", "op": "eq", "value": "x"}]') $$,
                 '22023', null, 'unknown field: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "utm_source) or (true", "op": "eq", "value": "x"}]') $$,
                 '22023', null, 'a field that looks like SQL: 22023 (fields are whitelisted)');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "propensity_score", "op": "in", "value": [1]}]') $$,
                 '22023', null, 'operator not allowed for a number field: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "propensity_score", "op": "gte", "value": "7"}]') $$,
                 '22023', null, 'a string where a number is needed: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "propensity_score", "op": "gte", "value": 6.5}]') $$,
                 '22023', null, 'a fractional number for a whole-number field: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "lifecycle_stage", "op": "eq", "value": "vip"}]') $$,
                 '22023', null, 'unknown lifecycle stage: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "last_seen", "op": "within", "value": 1.5}]') $$,
                 '22023', null, 'days must be whole: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "revenue_cents", "op": "between", "value": [5, 1]}]') $$,
                 '22023', null, 'between with low > high: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '{"field": "country"}') $$,
                 '22023', null, 'a filter that is not an array: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "country", "op": "eq", "value": "de", "x": 1}]') $$,
                 '22023', null, 'an extra key in a condition: 22023');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, null) $$,
                 '22023', null, 'a NULL filter: 22023');

-- The hint lists what is allowed.
create function pg_temp.hint_of(p_filter jsonb) returns text language plpgsql as $$
declare v_hint text;
begin
  perform public.preview_segment(md5('org:aud-berlin')::uuid, p_filter);
  return null;
exception when invalid_parameter_value then
  get stacked diagnostics v_hint = pg_exception_hint;
  return v_hint;
end $$;
select matches(pg_temp.hint_of('[{"field": "email", "op": "eq", "value": "x"}]'),
               'Fields: utm_source, utm_medium, utm_campaign, last_utm_source.*propensity_score.*last_seen',
               'the 22023 hint lists the allowed fields and operators');

-- Create --------------------------------------------------------------------------------
select results_eq(
  $$ select size_estimate from public.create_segment(md5('org:aud-berlin')::uuid, 'Buyers', '[{"field": "orders_count", "op": "gte", "value": 1}]', 'Anyone who paid') $$,
  $$ values (5::bigint) $$,
  'create_segment returns the size estimate (5 buyers)'
);
select results_eq(
  $$ select name, size_estimate, export_count, created_by from audience.segments where org_id = md5('org:aud-berlin')::uuid $$,
  $$ values ('Buyers'::text, 5::bigint, 0, tests.audience_user('analyst')) $$,
  'the segment is stored with its creator'
);
select throws_ok($$ select * from public.create_segment(md5('org:aud-berlin')::uuid, 'Buyers', '[]') $$,
                 '23505', null, 'a second segment of the same name: 23505');
select throws_ok($$ select * from public.create_segment(md5('org:aud-berlin')::uuid, ' ', '[]') $$,
                 '22023', null, 'an empty name: 22023');
select throws_ok($$ select * from public.create_segment(md5('org:aud-berlin')::uuid, 'Long', '[]', repeat('d', 2001)) $$,
                 '22023', 'segment description has 2001 characters; at most 2000 are allowed', 'a description over 2000 characters: 22023');
select throws_ok($$ select * from public.create_segment(md5('org:aud-berlin')::uuid, 'Bad', '[{"field": "nope", "op": "eq", "value": 1}]') $$,
                 '22023', null, 'an invalid filter: 22023, nothing saved');

create temp table segment_ids as select id from audience.segments where name = 'Buyers';
grant select on segment_ids to public;

-- Materialize ---------------------------------------------------------------------------
select results_eq(
  $$ select visitor_id, lifecycle_stage::text, orders_count, revenue_cents, email, phone
     from public.materialize_segment((select id from segment_ids), false, 'Spring newsletter') $$,
  $$ values ('C1'::text, 'customer'::text, 1, 2500::bigint, null::text, null::text),
            ('C2', 'repeat_buyer', 3, 6000, null, null),
            ('C3', 'champion', 4, 2000, null, null),
            ('C4', 'at_risk', 1, 1000, null, null),
            ('C5', 'churned', 5, 500, null, null) $$,
  'an analyst materializes the 5 buyers without contact details'
);
select throws_ok($$ select * from public.materialize_segment((select id from segment_ids), true, 'Spring newsletter') $$,
                 '55000', 'contact details are not exported in one step: the audit row must be committed before they leave',
                 'contact details in one step are refused (55000): they go through request_segment_export + fetch_segment_export');
select throws_ok($$ select * from public.materialize_segment((select id from segment_ids), false, null) $$,
                 '22023', null, 'no purpose: 22023');
select throws_ok($$ select * from public.materialize_segment((select id from segment_ids), false, '  ') $$,
                 '22023', null, 'a blank purpose: 22023');

select tests.authenticate_as(tests.audience_user('viewer'));
select throws_ok($$ select * from public.materialize_segment((select id from segment_ids), true, 'Spring newsletter') $$,
                 '42501', null, 'a viewer asking for contact details is refused');
select throws_ok($$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[]') $$,
                 '42501', null, 'a viewer may not preview segments (analyst or above)');

-- An opt-out recorded after the last update_customers run still hides the visitor.
select tests.clear_authentication();
insert into audience.opt_outs (org_id, visitor_id) values (md5('org:aud-berlin')::uuid, 'C2');

select tests.authenticate_as(tests.audience_user('admin'));
select results_eq(
  $$ select visitor_id, email, phone from public.materialize_segment((select id from segment_ids), false, 'Presale list') $$,
  $$ values ('C1'::text, null::text, null::text), ('C3', null, null), ('C4', null, null), ('C5', null, null) $$,
  'C2, who opted out since, never appears (contact details: audience_segment_exports.sql)'
);
select results_eq(
  $$ select public.preview_segment(md5('org:aud-berlin')::uuid, '[{"field": "orders_count", "op": "gte", "value": 1}]') $$,
  $$ values (4::bigint) $$,
  'previews do not count opted-out visitors either'
);

select results_eq(
  $$ select exported_by, row_count, include_pii, purpose from audience.segment_exports
     where org_id = md5('org:aud-berlin')::uuid order by id $$,
  $$ values (tests.audience_user('analyst'), 5::bigint, false, 'Spring newsletter'::text),
            (tests.audience_user('admin'), 4::bigint, false, 'Presale list'::text) $$,
  'one audit row per materialization (who, rows, include_pii, purpose); refused calls left none'
);
select results_eq(
  $$ select export_count, size_estimate from audience.segments where id = (select id from segment_ids) $$,
  $$ values (2, 4::bigint) $$,
  'the segment counts its exports'
);

select tests.authenticate_as(tests.audience_user('other'));
select throws_ok($$ select * from public.materialize_segment((select id from segment_ids), false, 'Spring newsletter') $$,
                 '42501', null, 'a member of another organization gets 42501 (materialize)');
select throws_ok($$ select * from public.create_segment(md5('org:aud-berlin')::uuid, 'Mine', '[]') $$,
                 '42501', null, 'a member of another organization gets 42501 (create)');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.materialize_segment((select id from segment_ids), false, 'Spring newsletter') $$,
                 '42501', null, 'anon gets 42501');
select tests.authenticate_as(tests.audience_user('admin'));
select throws_ok($$ select * from public.materialize_segment('00000000-0000-0000-0000-000000000000', false, 'x x x') $$,
                 '42501', 'segment 00000000-0000-0000-0000-000000000000 does not exist or is not in your organizations',
                 'an unknown segment: 42501, as for a segment of another organization (no existence probing)');
select tests.authenticate_as_service_role();
select throws_ok($$ select * from public.materialize_segment('00000000-0000-0000-0000-000000000000', false, 'x x x') $$,
                 'P0002', null, 'service_role is told P0002 for an unknown segment');

select * from finish();
