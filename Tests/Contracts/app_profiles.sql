-- Contract: app.profiles (self-edit, privileged columns, RLS) and app.account_permissions.
-- Fixtures: uma and sam are plain users, ada is a platform admin (account_type admin);
-- their profiles were last updated on 2020-01-01; vic has no profile yet.
select plan(24);

do $$
begin
  perform tests.create_user('uma@profiles.test');
  perform tests.create_user('sam@profiles.test');
  perform tests.create_user('ada@profiles.test');
  perform tests.create_user('vic@profiles.test');
  insert into app.profiles (user_id, display_name, account_type, created_at, updated_at)
  values (md5('uma@profiles.test')::uuid, 'Uma', 'user', '2020-01-01', '2020-01-01'),
         (md5('sam@profiles.test')::uuid, 'Sam', 'user', '2020-01-01', '2020-01-01'),
         (md5('ada@profiles.test')::uuid, 'Ada', 'admin', '2020-01-01', '2020-01-01');
end $$;

-- A plain user (uma) -------------------------------------------------------------------------
select tests.authenticate_as(md5('uma@profiles.test')::uuid);

select results_eq(
  $$ select user_id from app.profiles $$,
  $$ values (md5('uma@profiles.test')::uuid) $$,
  'a user sees exactly one profile: her own');
select results_eq(
  $$ update app.profiles set display_name = 'Uma U.', bio = 'Hi', business_info = '{"vat": "FR1"}'
     where user_id = auth.uid() returning display_name, bio, business_info, updated_at = now() $$,
  $$ values ('Uma U.', 'Hi', '{"vat": "FR1"}'::jsonb, true) $$,
  'a user edits her display_name, bio and business_info; updated_at moves from 2020-01-01 to now()');

select throws_ok(
  $$ update app.profiles set account_type = 'admin' where user_id = auth.uid() $$,
  '42501', 'only service_role or an admin may change profiles.account_type',
  'a user cannot change her account_type');
select throws_ok(
  $$ update app.profiles set verified = true where user_id = auth.uid() $$,
  '42501', 'only service_role or an admin may change profiles.verified',
  'a user cannot change verified');
select throws_ok(
  $$ update app.profiles set verification_level = 'identity' where user_id = auth.uid() $$,
  '42501', 'only service_role or an admin may change profiles.verification_level',
  'a user cannot change verification_level');
select throws_ok(
  $$ update app.profiles set subscription_tier = 'enterprise' where user_id = auth.uid() $$,
  '42501', 'only service_role or an admin may change profiles.subscription_tier',
  'a user cannot change subscription_tier');
select throws_ok(
  $$ update app.profiles set subscription_expires_at = '2999-01-01' where user_id = auth.uid() $$,
  '42501', 'only service_role or an admin may change profiles.subscription_expires_at',
  'a user cannot change subscription_expires_at');
select throws_ok(
  $$ update app.profiles set created_at = '2000-01-01' where user_id = auth.uid() $$,
  '42501', 'permission denied for table profiles',
  'a user cannot change created_at (no column privilege)');
select is_empty(
  $$ update app.profiles set display_name = 'Defaced' where user_id = md5('sam@profiles.test')::uuid returning 1 $$,
  'a user cannot update another user''s profile (RLS filters the row)');

-- Inserting one's own profile (vic) ------------------------------------------------------
select tests.authenticate_as(md5('vic@profiles.test')::uuid);

select throws_ok(
  $$ insert into app.profiles (user_id, display_name, account_type) values (auth.uid(), 'Vic', 'admin') $$,
  '42501', 'permission denied for table profiles',
  'a user cannot insert her profile with a privileged column set');
select throws_ok(
  $$ insert into app.profiles (user_id, display_name) values (md5('nobody@profiles.test')::uuid, 'Ghost') $$,
  '42501', null,
  'a user cannot insert a profile for someone else');
select results_eq(
  $$ insert into app.profiles (user_id, display_name) values (auth.uid(), 'Vic')
     returning account_type, verified, verification_level, subscription_tier, subscription_expires_at $$,
  $$ values ('user'::app.account_type, false, 'none'::app.verification_level, 'free'::app.subscription_tier, null::timestamptz) $$,
  'a user inserts her own profile, which gets the default privileged fields');

-- anon -----------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$ select * from app.profiles $$, '42501', null, 'anon cannot read profiles');

-- A platform admin (ada) -----------------------------------------------------------------------
select tests.authenticate_as(md5('ada@profiles.test')::uuid);

select results_eq(
  $$ select count(*) from app.profiles
     where user_id in (md5('uma@profiles.test')::uuid, md5('sam@profiles.test')::uuid,
                       md5('ada@profiles.test')::uuid, md5('vic@profiles.test')::uuid) $$,
  $$ values (4::bigint) $$,
  'an admin sees all 4 fixture profiles');
select results_eq(
  $$ update app.profiles
     set account_type = 'artist', verified = true, verification_level = 'identity',
         subscription_tier = 'premium', subscription_expires_at = '2030-01-01 00:00:00+00'
     where user_id = md5('uma@profiles.test')::uuid
     returning account_type, verified, verification_level, subscription_tier, subscription_expires_at $$,
  $$ values ('artist'::app.account_type, true, 'identity'::app.verification_level,
             'premium'::app.subscription_tier, '2030-01-01 00:00:00+00'::timestamptz) $$,
  'an admin changes all five privileged columns of another user');

-- service_role ---------------------------------------------------------------------------------
select tests.authenticate_as_service_role();

select results_eq(
  $$ update app.profiles
     set account_type = 'venue', verified = true, verification_level = 'business',
         subscription_tier = 'enterprise', subscription_expires_at = null
     where user_id = md5('sam@profiles.test')::uuid
     returning account_type, verified, verification_level, subscription_tier, subscription_expires_at $$,
  $$ values ('venue'::app.account_type, true, 'business'::app.verification_level,
             'enterprise'::app.subscription_tier, null::timestamptz) $$,
  'service_role changes all five privileged columns');

-- A superuser session without claims (DBA) ----------------------------------------------------
select tests.clear_authentication();
select lives_ok(
  $$ update app.profiles set subscription_tier = 'professional' where user_id = md5('vic@profiles.test')::uuid $$,
  'a superuser session without JWT claims changes a privileged column');

-- sam is now a verified venue on the enterprise tier, but still not an admin
select tests.authenticate_as(md5('sam@profiles.test')::uuid);
select throws_ok(
  $$ update app.profiles set account_type = 'admin' where user_id = auth.uid() $$,
  '42501', null,
  'a verified venue (not admin) still cannot make itself admin');

-- account_permissions --------------------------------------------------------------------------
select results_eq(
  $$ select granted from app.account_permissions
     where (account_type, permission_key) in (('user', 'view_events'), ('user', 'create_events'))
     order by permission_key $$,
  $$ values (false), (true) $$,
  'authenticated reads the matrix: user has view_events but not create_events');
select throws_ok(
  $$ update app.account_permissions set granted = true where account_type = 'user' $$,
  '42501', 'permission denied for table account_permissions',
  'authenticated cannot change the matrix');
select throws_ok(
  $$ insert into app.account_permissions values ('user', 'fly', true) $$,
  '42501', 'permission denied for table account_permissions',
  'authenticated cannot add to the matrix');

select tests.authenticate_as_anon();
select throws_ok($$ select * from app.account_permissions $$, '42501', null, 'anon cannot read the matrix');

select tests.authenticate_as_service_role();
select results_eq(
  $$ update app.account_permissions set granted = true
     where account_type = 'user' and permission_key = 'create_events' returning granted $$,
  $$ values (true) $$,
  'service_role changes the matrix');

select tests.clear_authentication();
select results_eq(
  $$ select account_type, count(*) filter (where granted) from app.account_permissions
     where account_type in ('admin', 'artist', 'media') group by account_type order by account_type $$,
  $$ values ('artist'::app.account_type, 11::bigint), ('admin', 25), ('media', 6) $$,
  'the loaded matrix (0003 + 0550): admin has all 25 keys, artist 11, media 6');

select * from finish();
