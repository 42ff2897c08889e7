-- Contract: app.assert_org_role(p_org_id, p_min_role).
-- Fixtures: assert-a: owner oscar, admin adam, analyst ali, viewer val; assert-b: owner bo.
select plan(18);

do $$
begin
  perform tests.create_user('oscar@assert.test');
  perform tests.create_user('adam@assert.test');
  perform tests.create_user('ali@assert.test');
  perform tests.create_user('val@assert.test');
  perform tests.create_user('bo@assert.test');
  perform tests.create_org('assert-a', md5('oscar@assert.test')::uuid);
  perform tests.create_org('assert-b', md5('bo@assert.test')::uuid);
  perform tests.add_member(md5('org:assert-a')::uuid, md5('adam@assert.test')::uuid, 'admin');
  perform tests.add_member(md5('org:assert-a')::uuid, md5('ali@assert.test')::uuid, 'analyst');
  perform tests.add_member(md5('org:assert-a')::uuid, md5('val@assert.test')::uuid, 'viewer');
end $$;

-- Members --------------------------------------------------------------------------------
select tests.authenticate_as(md5('val@assert.test')::uuid);
select is(app.assert_org_role(md5('org:assert-a')::uuid), 'viewer'::app.org_role,
          'a viewer passes the default minimum (viewer) and gets viewer back');
select throws_ok(
  $$ select app.assert_org_role(md5('org:assert-a')::uuid, 'analyst') $$,
  '42501', 'role analyst is required in organization ' || md5('org:assert-a')::uuid || '; you are viewer',
  'a viewer is refused where analyst is required');
select throws_ok(
  $$ select app.assert_org_role(md5('org:assert-b')::uuid) $$,
  '42501', 'you are not a member of organization ' || md5('org:assert-b')::uuid,
  'a non-member is refused');
select throws_ok(
  $$ select app.assert_org_role(null) $$,
  '22023', 'organization id must not be null',
  'a NULL organization is refused with 22023');
select throws_ok(
  $$ select app.assert_org_role(md5('org:assert-a')::uuid, null) $$,
  '22023', 'minimum role must not be null',
  'a NULL minimum role is refused with 22023');

select tests.authenticate_as(md5('ali@assert.test')::uuid);
select is(app.assert_org_role(md5('org:assert-a')::uuid, 'analyst'), 'analyst'::app.org_role,
          'an analyst passes analyst');

select tests.authenticate_as(md5('adam@assert.test')::uuid);
select is(app.assert_org_role(md5('org:assert-a')::uuid, 'analyst'), 'admin'::app.org_role,
          'an admin passes analyst and gets admin back');
select throws_ok(
  $$ select app.assert_org_role(md5('org:assert-a')::uuid, 'owner') $$,
  '42501', null,
  'an admin is refused where owner is required');

select tests.authenticate_as(md5('oscar@assert.test')::uuid);
select is(app.assert_org_role(md5('org:assert-a')::uuid, 'owner'), 'owner'::app.org_role,
          'an owner passes owner');

-- Callers without a membership -----------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok(
  $$ select app.assert_org_role(md5('org:assert-a')::uuid) $$,
  '42501', null,
  'anon holds no EXECUTE (42501)');

select tests.set_identity('authenticated', '{"role": "authenticated"}');
select throws_ok(
  $$ select app.assert_org_role(md5('org:assert-a')::uuid) $$,
  '42501', 'not signed in',
  'role authenticated without a sub claim is refused');

-- service_role and superuser sessions ------------------------------------------------------
select tests.authenticate_as_service_role();
select is(app.assert_org_role(md5('org:assert-a')::uuid, 'owner'), 'owner'::app.org_role,
          'service_role (role and claim) passes as owner');
select throws_ok(
  $$ select app.assert_org_role('00000000-0000-0000-0000-000000000000') $$,
  'P0002', null,
  'service_role asking about an unknown organization gets P0002');

select tests.set_identity('service_role', null);
select is(app.assert_org_role(md5('org:assert-a')::uuid, 'owner'), 'owner'::app.org_role,
          'SET ROLE service_role without claims passes as owner');

select tests.set_identity(null, '{"role": "service_role"}');
select is(app.assert_org_role(md5('org:assert-a')::uuid, 'owner'), 'owner'::app.org_role,
          'a service_role claim passes as owner');

select tests.clear_authentication();
select is(app.assert_org_role(md5('org:assert-a')::uuid, 'owner'), 'owner'::app.org_role,
          'a superuser session without JWT claims (DBA/cron) passes as owner');

select tests.set_identity(null, jsonb_build_object('sub', md5('val@assert.test')::uuid, 'role', 'authenticated'));
select is(app.assert_org_role(md5('org:assert-a')::uuid), 'viewer'::app.org_role,
          'a superuser session carrying a user''s claims is judged by the claims: viewer');
select throws_ok(
  $$ select app.assert_org_role(md5('org:assert-a')::uuid, 'admin') $$,
  '42501', null,
  'and is refused where that user would be');

select tests.clear_authentication();
select * from finish();
