-- Contract: public.get_organization(p_org_id).
-- Fixtures: getorg-a (UTC, EUR, kind artist): owner olga, analyst anna, viewer vic -> 3 members;
--           getorg-b: owner bert -> 1 member.
select plan(11);

do $$
begin
  perform tests.create_user('olga@getorg.test');
  perform tests.create_user('anna@getorg.test');
  perform tests.create_user('vic@getorg.test');
  perform tests.create_user('bert@getorg.test');
  perform tests.create_org('getorg-a', md5('olga@getorg.test')::uuid);
  perform tests.create_org('getorg-b', md5('bert@getorg.test')::uuid);
  perform tests.add_member(md5('org:getorg-a')::uuid, md5('anna@getorg.test')::uuid, 'analyst');
  perform tests.add_member(md5('org:getorg-a')::uuid, md5('vic@getorg.test')::uuid, 'viewer');
end $$;

select tests.authenticate_as(md5('vic@getorg.test')::uuid);
select results_eq(
  $$ select * from public.get_organization(md5('org:getorg-a')::uuid) $$,
  $$ values (md5('org:getorg-a')::uuid, 'getorg-a', 'Org getorg-a', 'artist'::app.org_kind, 'UTC', 'EUR',
             3::bigint, 'viewer'::app.org_role) $$,
  'a viewer gets getorg-a with its 3 members and my_role viewer');
select throws_ok(
  $$ select * from public.get_organization(md5('org:getorg-b')::uuid) $$,
  '42501', 'you are not a member of organization ' || md5('org:getorg-b')::uuid,
  'a viewer of getorg-a cannot read getorg-b');
select throws_ok(
  $$ select * from public.get_organization('00000000-0000-0000-0000-000000000000') $$,
  '42501', null,
  'an unknown organization looks like any other forbidden one to a member (42501)');
select throws_ok(
  $$ select * from public.get_organization(null) $$,
  '22023', 'organization id must not be null',
  'a NULL organization id is refused with 22023');

select tests.authenticate_as(md5('anna@getorg.test')::uuid);
select results_eq(
  $$ select member_count, my_role from public.get_organization(md5('org:getorg-a')::uuid) $$,
  $$ values (3::bigint, 'analyst'::app.org_role) $$,
  'an analyst sees 3 members and my_role analyst');

select tests.authenticate_as(md5('bert@getorg.test')::uuid);
select results_eq(
  $$ select slug, member_count, my_role from public.get_organization(md5('org:getorg-b')::uuid) $$,
  $$ values ('getorg-b', 1::bigint, 'owner'::app.org_role) $$,
  'the owner of getorg-b sees it with 1 member and my_role owner');

select tests.authenticate_as_anon();
select throws_ok(
  $$ select * from public.get_organization(md5('org:getorg-a')::uuid) $$,
  '42501', 'permission denied for function get_organization',
  'anon holds no EXECUTE on get_organization (42501)');

-- role authenticated, but no sub claim
select tests.set_identity('authenticated', '{"role": "authenticated"}');
select throws_ok(
  $$ select * from public.get_organization(md5('org:getorg-a')::uuid) $$,
  '42501', 'not signed in',
  'role authenticated without a sub claim is refused (42501)');

select tests.authenticate_as_service_role();
select results_eq(
  $$ select slug, member_count, my_role from public.get_organization(md5('org:getorg-a')::uuid) $$,
  $$ values ('getorg-a', 3::bigint, 'owner'::app.org_role) $$,
  'service_role sees getorg-a with 3 members and my_role owner');
select throws_ok(
  $$ select * from public.get_organization('00000000-0000-0000-0000-000000000000') $$,
  'P0002', null,
  'service_role asking for an unknown organization gets P0002');

select tests.clear_authentication();
select results_eq(
  $$ select member_count, my_role from public.get_organization(md5('org:getorg-a')::uuid) $$,
  $$ values (3::bigint, 'owner'::app.org_role) $$,
  'a superuser session without JWT claims (DBA/cron) is treated as service_role: my_role owner');

select * from finish();
