-- Contract: public.save_audience_view, list_audience_views, delete_audience_view and the RLS
-- of audience.saved_views. Fixture: tests.audience_orgs() (aud-berlin: owner, admin,
-- analyst, viewer; 'other' is in aud-other only).
select plan(29);

select tests.audience_orgs();
create temp table ids (name text primary key, id uuid);
grant all on ids to authenticated, service_role;

-- The analyst saves two views; one shared.
select tests.authenticate_as(tests.audience_user('analyst'));
insert into ids values ('mine', public.save_audience_view(md5('org:aud-berlin')::uuid, ' Instagram buyers ', '{"source": "instagram"}',
                                                          'last_7_days', p_attribution_model => 'last_non_direct', p_lookback_days => 14));
insert into ids values ('team', public.save_audience_view(md5('org:aud-berlin')::uuid, 'June', '{}', null, '2026-06-01', '2026-07-01',
                                                          p_comparison => 'previous_year', p_shared => true));
select results_eq(
  $$ select name, filters, range_preset, range_from, range_to, attribution_model, lookback_days, comparison, shared
     from audience.saved_views where org_id = md5('org:aud-berlin')::uuid order by name $$,
  $$ values ('Instagram buyers'::text, '{"source": "instagram"}'::jsonb, 'last_7_days'::text, null::date, null::date, 'last_non_direct'::text, 14, 'previous_period'::text, false),
            ('June', '{}', null, '2026-06-01', '2026-07-01', 'first_touch', 30, 'previous_year', true) $$,
  'two views stored as given (name trimmed; defaults first_touch, 30 days, previous_period, not shared)');

select results_eq(
  $$ select name, is_mine, period_from, period_to, compare_from, compare_to from public.list_audience_views(md5('org:aud-berlin')::uuid) $$,
  $$ values ('Instagram buyers'::text, true, (now() at time zone 'Europe/Berlin')::date - 7, (now() at time zone 'Europe/Berlin')::date,
             (now() at time zone 'Europe/Berlin')::date - 14, (now() at time zone 'Europe/Berlin')::date - 7),
            ('June', true, '2026-06-01'::date, '2026-07-01'::date, '2025-06-01'::date, '2025-07-01'::date) $$,
  'the owner lists both, ranges resolved in Berlin: last_7_days = the 7 days before today, compared with the 7 before those; June compared with June 2025');

-- Another member sees only the shared one.
select tests.authenticate_as(tests.audience_user('viewer'));
select results_eq($$ select name, is_mine from public.list_audience_views(md5('org:aud-berlin')::uuid) $$,
  $$ values ('June'::text, false) $$, 'a viewer lists only the shared view');
select results_eq($$ select name from audience.saved_views order by name $$, $$ values ('June'::text) $$,
  'RLS: a viewer reads the shared view, not the private one');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'June (mine)', p_view_id => (select id from ids where name = 'team')) $$,
  '42501', null, 'only the owner changes a shared view');
select throws_ok($$ select public.delete_audience_view(md5('org:aud-berlin')::uuid, (select id from ids where name = 'team')) $$,
  '42501', null, 'only the owner deletes it');
select isnt(public.save_audience_view(md5('org:aud-berlin')::uuid, 'June'), null, 'the viewer may use the same name for a view of their own');
select is((select count(*)::int from public.list_audience_views(md5('org:aud-berlin')::uuid)), 2, 'the viewer now lists their own June and the shared June');

-- Non-members and anon.
select tests.authenticate_as(tests.audience_user('other'));
select throws_ok($$ select * from public.list_audience_views(md5('org:aud-berlin')::uuid) $$, '42501', null, 'a non-member cannot list');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x') $$, '42501', null, 'a non-member cannot save');
select is_empty($$ select * from audience.saved_views where org_id = md5('org:aud-berlin')::uuid $$, 'RLS: a non-member reads no view, shared or not');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.list_audience_views(md5('org:aud-berlin')::uuid) $$, '42501', null, 'anon gets 42501');

-- Owner updates and errors.
select tests.authenticate_as(tests.audience_user('analyst'));
select is(public.save_audience_view(md5('org:aud-berlin')::uuid, 'Instagram buyers', '{"source": "instagram", "device": "mobile"}', 'this_month',
                                    p_comparison => 'none', p_shared => true, p_view_id => (select id from ids where name = 'mine')),
          (select id from ids where name = 'mine'), 'the owner replaces a view''s settings (same id)');
select results_eq(
  $$ select filters, range_preset, comparison, shared, attribution_model, lookback_days, updated_at >= created_at from audience.saved_views where id = (select id from ids where name = 'mine') $$,
  $$ values ('{"device": "mobile", "source": "instagram"}'::jsonb, 'this_month'::text, 'none'::text, true, 'first_touch'::text, 30, true) $$,
  'every setting replaced (those not passed back to their defaults)');
select results_eq(
  $$ select period_from, period_to, compare_from, compare_to from public.list_audience_views(md5('org:aud-berlin')::uuid) where name = 'Instagram buyers' $$,
  $$ values (date_trunc('month', now() at time zone 'Europe/Berlin')::date, (now() at time zone 'Europe/Berlin')::date + 1, null::date, null::date) $$,
  'this_month: from the 1st to today included; no comparison');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'June') $$, '23505',
  'you already have a saved view named ''June''', 'a second view of the same name: 23505');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, '  ') $$, '22023', 'view name must have 1 to 100 characters', 'empty name: 22023');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x', '[1]') $$, '22023', 'filters must be a JSON object of at most 8 kB', 'filters not an object: 22023');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x', '{}', 'last_year') $$, '22023', null, 'unknown preset: 22023');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x', '{}', null, '2026-06-10', '2026-06-01') $$, '22023', null, 'fixed range that ends before it starts: 22023');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x', p_attribution_model => 'linear') $$, '22023', 'unknown attribution model ''linear''', 'unknown model: 22023');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x', p_comparison => 'last_week') $$, '22023', 'unknown comparison ''last_week''', 'unknown comparison: 22023');
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x', p_view_id => '00000000-0000-0000-0000-000000000001') $$, 'P0002', null, 'unknown view id: P0002');
select is(public.delete_audience_view(md5('org:aud-berlin')::uuid, (select id from ids where name = 'team')), true, 'the owner deletes a view');
select results_eq($$ select name from public.list_audience_views(md5('org:aud-berlin')::uuid) $$, $$ values ('Instagram buyers'::text) $$, 'and it is gone');

select tests.authenticate_as_service_role();
select throws_ok($$ select public.save_audience_view(md5('org:aud-berlin')::uuid, 'x') $$, '42501', 'saved views belong to a signed-in user', 'service_role owns no views');
select is((select count(*)::int from public.list_audience_views(md5('org:aud-berlin')::uuid)), 2, 'service_role lists every view of the organization (the analyst''s and the viewer''s)');

select tests.clear_authentication();
select results_eq(
  $$ select p.* from (values ('today'), ('last_30_days'), ('previous_month'), ('this_month')) as x (preset),
       private.saved_view_period(x.preset, null, null, 'previous_period', '2026-03-15') as p $$,
  $$ values ('2026-03-15'::date, '2026-03-16'::date, '2026-03-14'::date, '2026-03-15'::date),
            ('2026-02-13', '2026-03-15', '2026-01-14', '2026-02-13'),
            ('2026-02-01', '2026-03-01', '2026-01-04', '2026-02-01'),
            ('2026-03-01', '2026-03-16', '2026-02-14', '2026-03-01') $$,
  'presets on 2026-03-15: today, the 30 days before, February (compared with the 28 days before it), March 1-15');
select results_eq(
  $$ select * from private.saved_view_period(null, '2024-02-29', '2024-03-01', 'previous_year', '2026-03-15') $$,
  $$ values ('2024-02-29'::date, '2024-03-01'::date, '2023-02-28'::date, '2023-03-01'::date) $$,
  'previous_year of 29 February 2024 is 28 February 2023');

select * from finish();
