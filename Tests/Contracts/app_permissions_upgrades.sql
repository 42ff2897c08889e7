-- Contract: the spec's permission keys (0550), app.profiles_with_permissions, and the
-- self-service upgrade (public.request_account_upgrade, public.review_account_upgrade).
-- Fixtures: uma and una are plain users, ven a venue, adv an ad_account, ada a platform
-- admin; nop has no profile.
select plan(33);

do $$
begin
  perform tests.create_user(e) from unnest(array['uma@upg.test', 'una@upg.test', 'ven@upg.test',
                                                 'adv@upg.test', 'ada@upg.test', 'nop@upg.test']) as e;
  insert into app.profiles (user_id, display_name, account_type, business_info)
  values (md5('uma@upg.test')::uuid, 'Uma', 'user', '{"note": "kept", "website": "old"}'),
         (md5('una@upg.test')::uuid, 'Una', 'user', '{}'),
         (md5('ven@upg.test')::uuid, 'Ven', 'venue', '{}'),
         (md5('adv@upg.test')::uuid, 'Adv', 'ad_account', '{}'),
         (md5('ada@upg.test')::uuid, 'Ada', 'admin', '{}');
end $$;

-- The new keys ------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select results_eq(
  $$ select t.account, t.key, app.user_has_permission(md5(t.account || '@upg.test')::uuid, t.key)
     from (values ('uma', 'like_events'), ('uma', 'comment'), ('uma', 'follow_artists'), ('uma', 'claim_events'),
                  ('ven', 'claim_events'), ('ven', 'view_event_analytics'), ('ven', 'manage_events'),
                  ('ven', 'manage_reviews'), ('ven', 'manage_ads'),
                  ('adv', 'manage_ads'), ('adv', 'view_ad_analytics'), ('adv', 'like_events'),
                  ('ada', 'view_ad_analytics')) as t (account, key) $$,
  $$ values ('uma', 'like_events', true), ('uma', 'comment', true), ('uma', 'follow_artists', true),
            ('uma', 'claim_events', false), ('ven', 'claim_events', true), ('ven', 'view_event_analytics', true),
            ('ven', 'manage_events', true), ('ven', 'manage_reviews', true), ('ven', 'manage_ads', false),
            ('adv', 'manage_ads', true), ('adv', 'view_ad_analytics', true), ('adv', 'like_events', false),
            ('ada', 'view_ad_analytics', true) $$,
  'the nine spec keys answer for 13 (account type, key) pairs');
select results_eq(
  $$ select permission_key, array_agg(account_type::text order by account_type) filter (where granted)
     from app.account_permissions
     where permission_key in ('claim_events', 'manage_ads', 'manage_events', 'manage_reviews')
     group by permission_key order by permission_key $$,
  $$ values ('claim_events', array['artist', 'venue', 'admin', 'promoter', 'venue_manager']),
            ('manage_ads', array['admin', 'promoter', 'ad_account']),
            ('manage_events', array['venue', 'admin', 'promoter', 'venue_manager']),
            ('manage_reviews', array['artist', 'venue', 'admin', 'venue_manager']) $$,
  'who holds claim_events, manage_ads, manage_events, manage_reviews (enum order)');

-- The view ----------------------------------------------------------------------------------
select tests.authenticate_as(md5('uma@upg.test')::uuid);
select results_eq(
  $$ select user_id, account_type, permissions from app.profiles_with_permissions $$,
  $$ values (md5('uma@upg.test')::uuid, 'user'::app.account_type,
             array['comment', 'create_reviews', 'follow_artists', 'like_events', 'view_events']) $$,
  'a user sees only her own row in profiles_with_permissions, with her 5 sorted keys');
select tests.authenticate_as(md5('ada@upg.test')::uuid);
select results_eq(
  $$ select display_name, cardinality(permissions) from app.profiles_with_permissions
     where user_id in (select md5(e || '@upg.test')::uuid from unnest(array['uma', 'ven', 'adv', 'ada']) as e)
     order by display_name $$,
  $$ values ('Ada', 25), ('Adv', 7), ('Uma', 5), ('Ven', 12) $$,
  'an admin sees every profile: admin 25 keys, ad_account 7, user 5, venue 12');
select tests.authenticate_as_anon();
select throws_ok($$ select * from app.profiles_with_permissions $$, '42501', null, 'anon cannot read the view');
select tests.clear_authentication();
select is((select reloptions from pg_class where oid = 'app.profiles_with_permissions'::regclass),
          array['security_invoker=true'], 'the view is security_invoker');
select is((select count(*)::int from pg_indexes
            where schemaname = 'app' and tablename = 'profiles'
              and indexname in ('index_profiles_on_account_type', 'index_profiles_on_account_type_verified',
                                'index_profiles_on_subscription_tier_paid')), 3,
          'profiles has its account type, verified and paid-tier indexes');

-- Requesting an upgrade ------------------------------------------------------------------------
select tests.authenticate_as(md5('uma@upg.test')::uuid);
select throws_ok($$ select * from public.request_account_upgrade('promoter', '{"business_name": "X"}') $$,
                 '22023', 'cannot request account type promoter', 'only artist or venue can be requested');
select throws_ok($$ select * from public.request_account_upgrade('venue', '{"website": "x"}') $$,
                 '22023', 'business info must be a JSON object with a non-empty business_name',
                 'business_name is required');
select throws_ok($$ select * from public.request_account_upgrade('venue', '{"business_name": "  "}') $$,
                 '22023', 'business info must be a JSON object with a non-empty business_name',
                 'a blank business_name is refused');
select throws_ok($$ select * from public.request_account_upgrade('venue', '[1]') $$,
                 '22023', 'business info must be a JSON object with a non-empty business_name',
                 'business info must be an object');
select results_eq(
  $$ select requested_account_type, status from public.request_account_upgrade('venue',
       '{"business_name": "Club Nord", "website": "https://clubnord.example"}') $$,
  $$ values ('venue'::app.account_type, 'pending'::app.upgrade_status) $$,
  'uma asks to become a venue: the request is pending');
select throws_ok($$ select * from public.request_account_upgrade('artist', '{"business_name": "Uma Band"}') $$,
                 '23505', 'an account upgrade request of yours is already pending', 'one pending request at a time');
select is(app.user_has_permission(auth.uid(), 'manage_events'), false, 'while pending, uma has no venue permission');
select throws_ok(
  $$ select * from public.review_account_upgrade((select id from app.account_upgrade_requests limit 1), true) $$,
  '42501', 'only a platform admin may review account upgrades', 'a user cannot approve her own request');
select results_eq($$ select count(*)::int from app.account_upgrade_requests $$, $$ values (1) $$,
                  'a user sees only her own request');

select tests.authenticate_as(md5('ven@upg.test')::uuid);
select throws_ok($$ select * from public.request_account_upgrade('venue', '{"business_name": "V"}') $$,
                 '22023', 'your account is already of type venue', 'a venue cannot ask to become a venue');
select tests.authenticate_as(md5('nop@upg.test')::uuid);
select throws_ok($$ select * from public.request_account_upgrade('artist', '{"business_name": "N"}') $$,
                 'P0002', null, 'a user without a profile cannot request');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.request_account_upgrade('artist', '{"business_name": "N"}') $$,
                 '42501', null, 'anon cannot request');
select tests.authenticate_as(md5('una@upg.test')::uuid);
select throws_ok($$ select * from public.request_account_upgrade('artist', jsonb_build_object('business_name', 'Una', 'notes', repeat('x', 20000))) $$,
                 '22023', 'business info has 20037 bytes; at most 16384 are allowed', 'business info over 16 KiB: 22023');
select lives_ok($$ select * from public.request_account_upgrade('artist', '{"business_name": "Una Sound"}') $$,
                'una asks to become an artist');
select tests.clear_authentication();
select throws_ok($$ update app.profiles set business_info = jsonb_build_object('notes', repeat('x', 20000)) where user_id = md5('una@upg.test')::uuid $$,
                 '23514', null, 'a direct write of over 16 KiB of business info is refused by the table (check_profiles_business_info_size)');
select tests.authenticate_as(md5('una@upg.test')::uuid);

-- Reviewing ---------------------------------------------------------------------------------
select tests.authenticate_as(md5('ada@upg.test')::uuid);
select results_eq(
  $$ select r.status, r.user_id = md5('uma@upg.test')::uuid from app.account_upgrade_requests as req,
       public.review_account_upgrade(req.id, true, 'checked the website') as r
     where req.user_id = md5('uma@upg.test')::uuid $$,
  $$ values ('approved'::app.upgrade_status, true) $$,
  'the admin approves uma''s request');
select results_eq(
  $$ select account_type, verification_level, business_info, 'manage_events' = any (permissions)
     from app.profiles_with_permissions where user_id = md5('uma@upg.test')::uuid $$,
  $$ values ('venue'::app.account_type, 'business'::app.verification_level,
             '{"note": "kept", "website": "https://clubnord.example", "business_name": "Club Nord"}'::jsonb, true) $$,
  'uma is now a venue, verified at business level, business info merged (request keys win), with manage_events');
select results_eq(
  $$ select status, review_note, reviewed_by = auth.uid(), reviewed_at is not null
     from app.account_upgrade_requests where user_id = md5('uma@upg.test')::uuid $$,
  $$ values ('approved'::app.upgrade_status, 'checked the website', true, true) $$,
  'the decision records the note, the admin and the time');
select throws_ok(
  $$ select * from public.review_account_upgrade((select id from app.account_upgrade_requests
                                                   where user_id = md5('uma@upg.test')::uuid), false) $$,
  '55000', null, 'a decided request cannot be reviewed again');
select throws_ok($$ select * from public.review_account_upgrade(gen_random_uuid(), true) $$,
                 'P0002', null, 'an unknown request');
select throws_ok(
  $$ select * from public.review_account_upgrade((select id from app.account_upgrade_requests
                                                   where user_id = md5('una@upg.test')::uuid), null) $$,
  '22023', null, 'a NULL decision is refused');
select tests.authenticate_as_service_role();
select results_eq(
  $$ select r.status, r.reviewed_at is not null from app.account_upgrade_requests as req,
       public.review_account_upgrade(req.id, false, 'no proof of business') as r
     where req.user_id = md5('una@upg.test')::uuid $$,
  $$ values ('rejected'::app.upgrade_status, true) $$,
  'service_role rejects una''s request');
select results_eq(
  $$ select p.account_type, r.reviewed_by from app.profiles as p
     join app.account_upgrade_requests as r on r.user_id = p.user_id
     where p.user_id = md5('una@upg.test')::uuid $$,
  $$ values ('user'::app.account_type, null::uuid) $$,
  'a rejected request leaves the profile a user; reviewed_by is NULL for service_role');

-- A merge over the limit (migration 1260: 16384 bytes): profile and request each hold about
-- 10 KB of business info, each within the limit, their merge is not. Approval refuses it
-- with 54000, the sizes and a hint (not the table's 23514 with the whole profile row as
-- detail), and changes nothing.
select tests.clear_authentication();
select tests.create_user('big@upg.test');
insert into app.profiles (user_id, display_name, business_info)
values (md5('big@upg.test')::uuid, 'Big', jsonb_build_object('notes', repeat('a', 10000)));
select tests.authenticate_as(md5('big@upg.test')::uuid);
create temp table big_req as
select request_id from public.request_account_upgrade('artist', jsonb_build_object('business_name', 'Big', 'more', repeat('b', 10000)));
grant select on big_req to public;
create function pg_temp.review_error(p_id uuid) returns text[] language plpgsql as $f$
declare v_state text; v_message text; v_detail text; v_hint text;
begin
  perform public.review_account_upgrade(p_id, true);
  return null;
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_message = message_text, v_detail = pg_exception_detail,
                          v_hint = pg_exception_hint;
  return array[v_state, v_message, v_detail, v_hint];
end $f$;
select tests.authenticate_as(md5('ada@upg.test')::uuid);
create temp table big_error as select pg_temp.review_error((select request_id from big_req)) as e;
select is((select e[1] || ': ' || e[2] from big_error),
          format('54000: approving account upgrade request %s would make the profile''s business info 20049 bytes; at most 16384 are allowed',
                 (select request_id from big_req)),
          'approving a merge of 10 KB over 10 KB: 54000 with the merged size and the limit (was 23514 check_profiles_business_info_size)');
select ok((select e[3] = 'The profile has 10013 bytes of business info, the request 10036; the request''s keys are merged over the profile''s.'
                  and e[4] like 'A profile holds at most 16384 bytes of business info%reject the request%shrink%'
                  and strpos(e[2] || e[3] || e[4], 'aaaaaaaaaa') = 0 and strpos(e[2] || e[3] || e[4], 'bbbbbbbbbb') = 0
           from big_error),
          'its detail gives the two sizes, its hint the limit and what to do; none of them shows the business info');
select tests.clear_authentication();
select results_eq(
  $$ select r.status, p.account_type, octet_length(p.business_info::text)
     from app.account_upgrade_requests as r join app.profiles as p on p.user_id = r.user_id
     where r.user_id = md5('big@upg.test')::uuid $$,
  $$ values ('pending'::app.upgrade_status, 'user'::app.account_type, 10013) $$,
  'the refused approval changes nothing: the request stays pending, the profile a user with its 10013 bytes');

select * from finish();
