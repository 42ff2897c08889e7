-- Contract: app.user_has_permission(p_user_id, p_permission_key).
-- Fixtures, one profile per account type under test: uma user, art artist, ven venue,
-- adv ad_account, ada admin; nop exists in auth.users but has no profile.
select plan(18);

do $$
begin
  perform tests.create_user(e) from unnest(array['uma@perm.test', 'art@perm.test', 'ven@perm.test',
                                                 'adv@perm.test', 'ada@perm.test', 'nop@perm.test']) as e;
  insert into app.profiles (user_id, account_type)
  values (md5('uma@perm.test')::uuid, 'user'),
         (md5('art@perm.test')::uuid, 'artist'),
         (md5('ven@perm.test')::uuid, 'venue'),
         (md5('adv@perm.test')::uuid, 'ad_account'),
         (md5('ada@perm.test')::uuid, 'admin');
end $$;

-- service_role asks about anyone ------------------------------------------------------------
select tests.authenticate_as_service_role();
select results_eq(
  $$ select t.account, t.key, app.user_has_permission(md5(t.account || '@perm.test')::uuid, t.key)
     from (values ('uma', 'view_events'), ('uma', 'create_reviews'), ('uma', 'create_events'),
                  ('art', 'create_events'), ('art', 'view_artist_analytics'), ('art', 'view_venue_analytics'),
                  ('ven', 'view_venue_analytics'), ('ven', 'manage_artist_profile'),
                  ('adv', 'target_users'), ('adv', 'create_reviews'),
                  ('ada', 'manage_users'), ('ada', 'moderate_content'), ('art', 'manage_users')) as t (account, key) $$,
  $$ values ('uma', 'view_events', true), ('uma', 'create_reviews', true), ('uma', 'create_events', false),
            ('art', 'create_events', true), ('art', 'view_artist_analytics', true), ('art', 'view_venue_analytics', false),
            ('ven', 'view_venue_analytics', true), ('ven', 'manage_artist_profile', false),
            ('adv', 'target_users', true), ('adv', 'create_reviews', false),
            ('ada', 'manage_users', true), ('ada', 'moderate_content', true), ('art', 'manage_users', false) $$,
  'the matrix answers for 13 (account type, key) pairs');
select is(app.user_has_permission(md5('uma@perm.test')::uuid, 'teleport'), false,
          'an unknown permission key is false');
select is(app.user_has_permission(md5('nop@perm.test')::uuid, 'view_events'), false,
          'a user without a profile has no permission');
select is(app.user_has_permission('00000000-0000-0000-0000-000000000000', 'view_events'), false,
          'an unknown user has no permission');
select is(app.user_has_permission(null, 'view_events'), false, 'a NULL user has no permission');
select is(app.user_has_permission(md5('uma@perm.test')::uuid, null), false, 'a NULL key is not granted');

-- A plain user asks about herself only -------------------------------------------------------
select tests.authenticate_as(md5('uma@perm.test')::uuid);
select is(app.user_has_permission(md5('uma@perm.test')::uuid, 'create_reviews'), true,
          'a user: her own create_reviews is true');
select is(app.user_has_permission(md5('uma@perm.test')::uuid, 'create_events'), false,
          'a user: her own create_events is false');
select throws_ok(
  $$ select app.user_has_permission(md5('art@perm.test')::uuid, 'create_events') $$,
  '42501', 'you may only check your own permissions',
  'a user cannot ask about another user');
select throws_ok(
  $$ select app.user_has_permission(null, 'view_events') $$,
  '42501', null,
  'a user cannot ask about a NULL user');

select tests.authenticate_as(md5('art@perm.test')::uuid);
select is(app.user_has_permission(md5('art@perm.test')::uuid, 'manage_artist_profile'), true,
          'an artist: her own manage_artist_profile is true');

-- An admin asks about anyone ---------------------------------------------------------------------
select tests.authenticate_as(md5('ada@perm.test')::uuid);
select is(app.user_has_permission(md5('ven@perm.test')::uuid, 'create_events'), true,
          'an admin asks about a venue: create_events is true');
select is(app.user_has_permission(md5('adv@perm.test')::uuid, 'publish_media'), false,
          'an admin asks about an ad account: publish_media is false');

-- Other callers ------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok(
  $$ select app.user_has_permission(md5('uma@perm.test')::uuid, 'view_events') $$,
  '42501', null,
  'anon holds no EXECUTE (42501)');

select tests.set_identity('authenticated', '{"role": "authenticated"}');
select throws_ok(
  $$ select app.user_has_permission(md5('uma@perm.test')::uuid, 'view_events') $$,
  '42501', 'you may only check your own permissions',
  'role authenticated without a sub claim is refused');

select tests.clear_authentication();
select is(app.user_has_permission(md5('ven@perm.test')::uuid, 'view_venue_analytics'), true,
          'a superuser session without JWT claims asks about anyone');

-- Permissions follow the account type ------------------------------------------------------------
update app.profiles set account_type = 'media' where user_id = md5('uma@perm.test')::uuid;
select is(app.user_has_permission(md5('uma@perm.test')::uuid, 'publish_media'), true,
          'after becoming a media account, uma may publish_media');
select is(app.user_has_permission(md5('uma@perm.test')::uuid, 'manage_users'), false,
          'but still not manage_users');

select * from finish();
