-- Contract: public.get_admin_overview (cross-organization, platform admins only, audited).
-- The overview is global, so every figure is asserted as the difference that this
-- fixture makes (before vs after), over days 2031-06-01..03 that no other data uses.
-- Fixture: organizations adm-a and adm-b (created now, so they exist on every 2031 day);
-- org_daily_stats rows: 06-01 adm-a 10 events / 4 visitors; 06-02 adm-a 5 / 2 and
-- adm-b 7 / 3. Orders: 06-01 EUR 1000, EUR 500 (refunded: excluded), USD 250.
-- Expected differences: organizations +2 each day; active organizations +1, +2, +0;
-- events +10, +12, +0; active users +4, +5, +0; revenue 06-01 EUR +1000, USD +250.
select plan(13);

select tests.create_user('ada@adm.test');
select tests.create_user('owner@adm.test');
select tests.create_user('uma@adm.test');
insert into app.profiles (user_id, account_type) values
  (md5('ada@adm.test')::uuid, 'admin'), (md5('owner@adm.test')::uuid, 'venue'), (md5('uma@adm.test')::uuid, 'user');

select tests.authenticate_as(md5('ada@adm.test')::uuid);
create temp table adm_before as select * from public.get_admin_overview('2031-06-01', '2031-06-04');

select tests.clear_authentication();
select tests.create_org('adm-a', md5('owner@adm.test')::uuid);
select tests.create_org('adm-b', md5('owner@adm.test')::uuid);
insert into analytics.org_daily_stats (org_id, day, events, visitors) values
  (md5('org:adm-a')::uuid, '2031-06-01', 10, 4),
  (md5('org:adm-a')::uuid, '2031-06-02', 5, 2),
  (md5('org:adm-b')::uuid, '2031-06-02', 7, 3);
insert into audience.orders (org_id, kind, amount_cents, currency, occurred_at, refunded_at) values
  (md5('org:adm-a')::uuid, 'purchase', 1000, 'EUR', '2031-06-01 10:00Z', null),
  (md5('org:adm-a')::uuid, 'purchase', 500, 'EUR', '2031-06-01 11:00Z', '2031-06-01 12:00Z'),
  (md5('org:adm-b')::uuid, 'tip', 250, 'USD', '2031-06-01 23:59Z', null);

select tests.authenticate_as(md5('ada@adm.test')::uuid);
create temp table adm_after as select * from public.get_admin_overview('2031-06-01', '2031-06-04');
select results_eq(
  $$ select a.day, a.organizations - b.organizations, a.active_organizations - b.active_organizations,
            a.events - b.events, a.active_users - b.active_users
     from adm_after as a join adm_before as b using (day) order by a.day $$,
  $$ values ('2031-06-01'::date, 2::bigint, 1::bigint, 10::bigint, 4::bigint),
            ('2031-06-02', 2, 2, 12, 5),
            ('2031-06-03', 2, 0, 0, 0) $$,
  'per day: +2 organizations; active +1 / +2 / 0; events +10 / +12; active users +4 / +5');
select results_eq(
  $$ select (a.net_revenue_cents ->> 'EUR')::bigint - coalesce((b.net_revenue_cents ->> 'EUR')::bigint, 0),
            (a.net_revenue_cents ->> 'USD')::bigint - coalesce((b.net_revenue_cents ->> 'USD')::bigint, 0)
     from adm_after as a join adm_before as b using (day) where a.day = '2031-06-01' $$,
  $$ values (1000::bigint, 250::bigint) $$,
  'revenue on 06-01: EUR +1000 (the refunded 500 excluded), USD +250');
select results_eq(
  $$ select function, arguments from app.admin_access_log where user_id = auth.uid() order by id $$,
  $$ values ('public.get_admin_overview', '{"p_from": "2031-06-01", "p_to": "2031-06-04"}'::jsonb),
            ('public.get_admin_overview', '{"p_from": "2031-06-01", "p_to": "2031-06-04"}'::jsonb) $$,
  'both calls are audited with their arguments');
select throws_ok($$ select * from public.get_admin_overview('2031-06-04', '2031-06-01') $$, '22023', null,
                 'a reversed period is refused');

-- A late event counts at once, before any refresh (the rollups are read through
-- private.rollup_rows): a page view of adm-b on 06-03, received now.
select tests.clear_authentication();
update app.organizations set timezone = 'UTC' where id = md5('org:adm-b')::uuid;
insert into analytics.events (org_id, occurred_at, event_type, visitor_id)
values (md5('org:adm-b')::uuid, '2031-06-03 12:00Z', 'page_view', 'adm-late');
select tests.authenticate_as(md5('ada@adm.test')::uuid);
select results_eq(
  $$ select a.active_organizations - b.active_organizations, a.events - b.events, a.active_users - b.active_users
     from public.get_admin_overview('2031-06-03', '2031-06-04') as a join adm_before as b using (day) $$,
  $$ values (1::bigint, 1::bigint, 1::bigint) $$,
  'the event received now for adm-b on 06-03 counts at once: +1 active organization, event and user');

-- Nobody else ------------------------------------------------------------------------------------
select tests.authenticate_as(md5('owner@adm.test')::uuid);
select throws_ok($$ select * from public.get_admin_overview('2031-06-01', '2031-06-04') $$, '42501',
                 'only platform administrators may read the cross-organization overview',
                 'an organization owner (venue account) is refused');
select is_empty($$ select 1 from app.admin_access_log $$, 'a non-admin reads no audit row');
select tests.authenticate_as(md5('uma@adm.test')::uuid);
select throws_ok($$ select * from public.get_admin_overview('2031-06-01', '2031-06-04') $$, '42501', null,
                 'a plain user is refused');
select tests.authenticate_as_service_role();
select throws_ok($$ select * from public.get_admin_overview('2031-06-01', '2031-06-04') $$, '42501', null,
                 'service_role is refused (the audit needs a person)');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.get_admin_overview('2031-06-01', '2031-06-04') $$, '42501', null,
                 'anon is refused');
select tests.authenticate_as(md5('ada@adm.test')::uuid);
select throws_ok($$ insert into app.admin_access_log (user_id, function, arguments) values (auth.uid(), 'x', '{}') $$,
                 '42501', null, 'even an admin cannot write the audit trail directly');

-- Erasing an admin keeps the audit of what they read, as the export audits keep theirs
-- (migration 1265): the row stays with user_id NULL (it was deleted). A second admin, erased.
select tests.clear_authentication();
select tests.create_user('eda@adm.test');
insert into app.profiles (user_id, display_name, account_type) values (md5('eda@adm.test')::uuid, 'Eda', 'admin');
select tests.authenticate_as(md5('eda@adm.test')::uuid);
select count(*) from public.get_admin_overview('2031-06-02', '2031-06-03');
select tests.authenticate_as_service_role();
select results_eq(
  $$ select table_name, rows from app.erase_user(md5('eda@adm.test')::uuid) where table_name = 'app.admin_access_log' $$,
  $$ values ('app.admin_access_log'::text, 1::bigint) $$,
  'erase_user counts the erased admin''s audit row of app.admin_access_log (its user_id set to NULL)');
select tests.clear_authentication();
select results_eq(
  $$ select user_id, function, arguments from app.admin_access_log
     where arguments = '{"p_from": "2031-06-02", "p_to": "2031-06-03"}'::jsonb $$,
  $$ values (null::uuid, 'public.get_admin_overview'::text, '{"p_from": "2031-06-02", "p_to": "2031-06-03"}'::jsonb) $$,
  'the audit row of the erased admin''s read is kept, with user_id NULL: which RPC, which arguments (was deleted)');

select * from finish();
