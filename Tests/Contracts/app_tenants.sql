-- Contract: organizations and memberships under RLS, role ceiling, last owner, time zone.
-- Fixtures (ids are md5 of the email / 'org:'||slug, see _support/00_tests_helpers.sql):
--   tenants-a: alice owner, bob admin, carol viewer      (3 members)
--   tenants-b: dave owner                                (1 member)
--   erin: a user in no organization yet.
select plan(36);

do $$
begin
  perform tests.create_user('alice@tenants.test');
  perform tests.create_user('bob@tenants.test');
  perform tests.create_user('carol@tenants.test');
  perform tests.create_user('dave@tenants.test');
  perform tests.create_user('erin@tenants.test');
  perform tests.create_org('tenants-a', md5('alice@tenants.test')::uuid);
  perform tests.create_org('tenants-b', md5('dave@tenants.test')::uuid);
  perform tests.add_member(md5('org:tenants-a')::uuid, md5('bob@tenants.test')::uuid, 'admin');
  perform tests.add_member(md5('org:tenants-a')::uuid, md5('carol@tenants.test')::uuid, 'viewer');
end $$;

-- A member (carol, viewer of tenants-a) -------------------------------------------------
select tests.authenticate_as(md5('carol@tenants.test')::uuid);

select results_eq(
  $$ select slug from app.organizations $$,
  $$ values ('tenants-a') $$,
  'a viewer sees exactly her one organization, tenants-a');
select results_eq(
  $$ select user_id, role from app.memberships order by role desc $$,
  $$ values (md5('alice@tenants.test')::uuid, 'owner'::app.org_role),
            (md5('bob@tenants.test')::uuid, 'admin'),
            (md5('carol@tenants.test')::uuid, 'viewer') $$,
  'a viewer sees the 3 memberships of her organization and no other');
select is_empty(
  $$ update app.organizations set name = 'Renamed by a viewer' where slug = 'tenants-a' returning id $$,
  'a viewer updates no organization (RLS filters the row)');
select throws_ok(
  $$ insert into app.memberships (org_id, user_id, role)
     values (md5('org:tenants-a')::uuid, md5('erin@tenants.test')::uuid, 'viewer') $$,
  '42501', null,
  'a viewer cannot add members');
select is_empty(
  $$ update app.memberships set role = 'admin' where user_id = auth.uid() returning role $$,
  'a viewer cannot promote herself (RLS filters the row)');
select throws_ok(
  $$ insert into app.organizations (slug, name, kind) values ('carol-org', 'Carol', 'artist') $$,
  '42501', null,
  'authenticated users cannot create organizations directly');

-- A member of another organization (dave, owner of tenants-b) -------------------------
select tests.authenticate_as(md5('dave@tenants.test')::uuid);

select results_eq(
  $$ select slug from app.organizations $$,
  $$ values ('tenants-b') $$,
  'the owner of tenants-b sees only tenants-b');
select is_empty(
  $$ select 1 from app.memberships where org_id = md5('org:tenants-a')::uuid $$,
  'the owner of tenants-b sees none of the memberships of tenants-a');
select is_empty(
  $$ update app.organizations set name = 'Hijacked' where slug = 'tenants-a' returning id $$,
  'the owner of tenants-b cannot update tenants-a');
select throws_ok(
  $$ insert into app.memberships (org_id, user_id, role)
     values (md5('org:tenants-a')::uuid, md5('dave@tenants.test')::uuid, 'viewer') $$,
  '42501', null,
  'the owner of tenants-b cannot add himself to tenants-a');

-- anon ------------------------------------------------------------------------------------
select tests.authenticate_as_anon();

select throws_ok($$ select * from app.organizations $$, '42501', null, 'anon cannot read organizations');
select throws_ok($$ select * from app.memberships $$, '42501', null, 'anon cannot read memberships');

-- service_role ----------------------------------------------------------------------------
select tests.authenticate_as_service_role();

select results_eq(
  $$ select slug from app.organizations where slug in ('tenants-a', 'tenants-b') order by slug $$,
  $$ values ('tenants-a'), ('tenants-b') $$,
  'service_role sees both fixture organizations');
select results_eq(
  $$ select count(*) from app.memberships where org_id in (md5('org:tenants-a')::uuid, md5('org:tenants-b')::uuid) $$,
  $$ values (4::bigint) $$,
  'service_role sees all 4 fixture memberships (3 + 1)');

-- An admin (bob) managing members: the role ceiling -------------------------------------
select tests.authenticate_as(md5('bob@tenants.test')::uuid);

select results_eq(
  $$ update app.organizations set name = 'Tenants A' where slug = 'tenants-a' returning name $$,
  $$ values ('Tenants A') $$,
  'an admin updates his organization');
select throws_ok(
  $$ insert into app.memberships (org_id, user_id, role)
     values (md5('org:tenants-a')::uuid, md5('erin@tenants.test')::uuid, 'owner') $$,
  '42501', 'cannot grant role owner above your own role admin',
  'an admin cannot add an owner');
select lives_ok(
  $$ insert into app.memberships (org_id, user_id, role)
     values (md5('org:tenants-a')::uuid, md5('erin@tenants.test')::uuid, 'analyst') $$,
  'an admin adds erin as analyst');
select throws_ok(
  $$ update app.memberships set role = 'owner' where user_id = md5('carol@tenants.test')::uuid $$,
  '42501', 'cannot grant role owner above your own role admin',
  'an admin cannot promote a viewer to owner');
select throws_ok(
  $$ update app.memberships set role = 'owner' where user_id = auth.uid() $$,
  '42501', 'cannot grant role owner above your own role admin',
  'an admin cannot promote himself to owner');
select throws_ok(
  $$ update app.memberships set role = 'viewer' where user_id = md5('alice@tenants.test')::uuid $$,
  '42501', 'cannot change or remove a member whose role owner is above your own role admin',
  'an admin cannot demote an owner');
select throws_ok(
  $$ delete from app.memberships where user_id = md5('alice@tenants.test')::uuid $$,
  '42501', 'cannot change or remove a member whose role owner is above your own role admin',
  'an admin cannot remove an owner');
select results_eq(
  $$ update app.memberships set role = 'admin' where user_id = md5('carol@tenants.test')::uuid returning role $$,
  $$ values ('admin'::app.org_role) $$,
  'an admin may promote a viewer up to his own role, admin');

-- The last owner ---------------------------------------------------------------------------
select tests.authenticate_as(md5('alice@tenants.test')::uuid);

select throws_ok(
  $$ delete from app.memberships where user_id = auth.uid() $$,
  '23514', null,
  'the only owner of tenants-a cannot leave it');
select throws_ok(
  $$ update app.memberships set role = 'admin' where user_id = auth.uid() $$,
  '23514', null,
  'the only owner of tenants-a cannot demote herself');
select lives_ok(
  $$ update app.memberships set role = 'owner' where user_id = md5('bob@tenants.test')::uuid $$,
  'an owner makes bob a second owner');
select results_eq(
  $$ delete from app.memberships where user_id = auth.uid() returning role $$,
  $$ values ('owner'::app.org_role) $$,
  'with a second owner in place, alice may leave');

select tests.authenticate_as_service_role();
select throws_ok(
  $$ delete from app.memberships where org_id = md5('org:tenants-b')::uuid $$,
  '23514', 'organization ' || md5('org:tenants-b')::uuid || ' must keep at least one owner',
  'not even service_role removes the last owner of tenants-b');
select lives_ok(
  $$ delete from app.organizations where slug = 'tenants-b' $$,
  'deleting an organization cascades to its memberships, last owner included');
select is_empty(
  $$ select 1 from app.memberships where org_id = md5('org:tenants-b')::uuid $$,
  'tenants-b has no memberships left after its deletion');

-- Organization columns ---------------------------------------------------------------------
select throws_ok(
  $$ insert into app.organizations (slug, name, kind, timezone) values ('tz-org', 'TZ', 'venue', 'Mars/Olympus_Mons') $$,
  '22023', 'unknown time zone "Mars/Olympus_Mons"',
  'an unknown time zone is refused with 22023');

select tests.authenticate_as(md5('bob@tenants.test')::uuid);
select throws_ok(
  $$ update app.organizations set timezone = 'europe/paris' where slug = 'tenants-a' $$,
  '22023', null,
  'time zone names are matched exactly (europe/paris is refused)');
select results_eq(
  $$ update app.organizations set timezone = 'Europe/Paris' where slug = 'tenants-a' returning timezone $$,
  $$ values ('Europe/Paris') $$,
  'an owner sets a valid IANA time zone');
-- Once the organization has activity, its zone is fixed (migration 1252): its derived rows
-- are keyed by local days. Setting the same zone again still passes.
select tests.clear_authentication();
insert into analytics.events (org_id, occurred_at, event_type, visitor_id)
select id, now() - interval '1 hour', 'page_view', 'tz-v1' from app.organizations where slug = 'tenants-a';
select tests.authenticate_as(md5('bob@tenants.test')::uuid);
select throws_ok(
  $$ update app.organizations set timezone = 'Asia/Tokyo' where slug = 'tenants-a' $$,
  '55000', null,
  'an organization with events keeps its time zone (55000)');
select results_eq(
  $$ update app.organizations set timezone = 'Europe/Paris' where slug = 'tenants-a' returning timezone $$,
  $$ values ('Europe/Paris') $$,
  'an update that sets the same time zone passes');
select throws_ok(
  $$ update app.organizations set slug = 'Tenants A' where slug = 'tenants-a' $$,
  '23514', null,
  'a slug that is not lower-case kebab case is refused');
select throws_ok(
  $$ update app.organizations set currency = 'eur' where slug = 'tenants-a' $$,
  '23514', null,
  'a currency that is not three upper-case letters is refused');

select tests.clear_authentication();
select * from finish();
