-- Contract: RLS of the source tables of 0005 (app.content_items, app.tour_dates,
-- app.social_links, audience.orders, audience.subscribers): a member sees her org's rows,
-- a member of another org sees only hers, a user of no org none, anon nothing (42501),
-- service_role everything; nobody but service_role writes; subscribers.contact (PII) is
-- not readable by authenticated.
-- Fixtures: org sd-a (owner sd-a-owner, viewer sd-a-viewer) has 3 rows in every table,
-- org sd-b (owner sd-b-owner) 2 rows; sd-nobody belongs to no org.
select plan(38);

do $$
declare
  v_a uuid;
  v_b uuid;
begin
  perform tests.create_user('sd-a-owner@example.com');
  perform tests.create_user('sd-a-viewer@example.com');
  perform tests.create_user('sd-b-owner@example.com');
  perform tests.create_user('sd-nobody@example.com');
  v_a := tests.create_org('sd-a', md5('sd-a-owner@example.com')::uuid);
  v_b := tests.create_org('sd-b', md5('sd-b-owner@example.com')::uuid);
  perform tests.add_member(v_a, md5('sd-a-viewer@example.com')::uuid, 'viewer');

  insert into app.content_items (org_id, kind, title, external_ref)
  select o.id, 'release', 'Release ' || i, 'ref-' || i
  from (values (v_a, 3), (v_b, 2)) as o (id, n), generate_series(1, o.n) as i;
  insert into app.tour_dates (org_id, city, country, starts_at)
  select o.id, 'City ' || i, 'DE', now() + i * interval '1 week'
  from (values (v_a, 3), (v_b, 2)) as o (id, n), generate_series(1, o.n) as i;
  insert into app.social_links (org_id, platform, url)
  select o.id, 'platform_' || i, 'https://example.com/' || i
  from (values (v_a, 3), (v_b, 2)) as o (id, n), generate_series(1, o.n) as i;
  insert into audience.orders (org_id, kind, visitor_id, amount_cents, currency, occurred_at)
  select o.id, 'purchase', 'v' || i, 1000 * i, 'EUR', now() - i * interval '1 day'
  from (values (v_a, 3), (v_b, 2)) as o (id, n), generate_series(1, o.n) as i;
  insert into audience.subscribers (org_id, channel, contact, city)
  select o.id, 'email', 'fan' || i || '@' || o.id || '.example.com', 'Berlin'
  from (values (v_a, 3), (v_b, 2)) as o (id, n), generate_series(1, o.n) as i;
end $$;

-- The counts each identity sees, per table: one row per table (security_invoker: the
-- caller's privileges and RLS apply, not the view owner's).
create temporary view sd_counts with (security_invoker = true) as
select 'app.content_items' as tbl, (select count(*) from app.content_items) as n
union all select 'app.social_links', (select count(*) from app.social_links)
union all select 'app.tour_dates', (select count(*) from app.tour_dates)
union all select 'audience.orders', (select count(*) from audience.orders)
union all select 'audience.subscribers', (select count(*) from audience.subscribers);
grant select on sd_counts to public;

select results_eq(
  $$ select (c.relnamespace::regnamespace::text || '.' || c.relname) collate "default", c.relrowsecurity
     from pg_class as c
     where c.oid in ('app.content_items'::regclass, 'app.tour_dates'::regclass, 'app.social_links'::regclass,
                     'audience.orders'::regclass, 'audience.subscribers'::regclass)
     order by 1 $$,
  $$ values ('app.content_items', true), ('app.social_links', true), ('app.tour_dates', true),
            ('audience.orders', true), ('audience.subscribers', true) $$,
  'RLS is enabled on the 5 source tables');

-- A member --------------------------------------------------------------------------------
select tests.authenticate_as(md5('sd-a-owner@example.com')::uuid);
select results_eq($$ select tbl, n from sd_counts $$,
  $$ values ('app.content_items', 3::bigint), ('app.social_links', 3::bigint), ('app.tour_dates', 3::bigint),
            ('audience.orders', 3::bigint), ('audience.subscribers', 3::bigint) $$,
  'the owner of sd-a sees the 3 rows of sd-a in each of the 5 tables');
select is((select count(*) from app.content_items where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from app.tour_dates where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from app.social_links where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from audience.orders where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from audience.subscribers where org_id = md5('org:sd-b')::uuid),
          0::bigint, 'the owner of sd-a sees none of the 2 + 2 + 2 + 2 + 2 rows of sd-b');
select throws_ok($$ insert into app.content_items (org_id, kind, title) values (md5('org:sd-a')::uuid, 'release', 'x') $$,
                 '42501', null, 'a member cannot insert content items');
select throws_ok($$ insert into app.tour_dates (org_id, city, country, starts_at) values (md5('org:sd-a')::uuid, 'x', 'DE', now()) $$,
                 '42501', null, 'a member cannot insert tour dates');
select throws_ok($$ insert into app.social_links (org_id, platform, url) values (md5('org:sd-a')::uuid, 'x', 'https://x.example') $$,
                 '42501', null, 'a member cannot insert social links');
select throws_ok($$ insert into audience.orders (org_id, kind, amount_cents, currency, occurred_at) values (md5('org:sd-a')::uuid, 'tip', 1, 'EUR', now()) $$,
                 '42501', null, 'a member cannot insert orders');
select throws_ok($$ insert into audience.subscribers (org_id, channel, contact) values (md5('org:sd-a')::uuid, 'email', 'x@example.com') $$,
                 '42501', null, 'a member cannot insert subscribers');
select throws_ok($$ update audience.orders set amount_cents = 1 $$, '42501', null, 'a member cannot update orders');
select throws_ok($$ delete from app.tour_dates $$, '42501', null, 'a member cannot delete tour dates');
select throws_ok($$ select contact from audience.subscribers $$, '42501', null,
                 'a member cannot read subscribers.contact (PII, column privilege)');
select throws_ok($$ select * from audience.subscribers $$, '42501', null,
                 'select * on subscribers fails for a member: it includes contact');
select results_eq($$ select channel, city from audience.subscribers order by subscribed_at limit 1 $$,
                  $$ values ('email'::text, 'Berlin'::text) $$, 'a member reads the other columns of subscribers');

select tests.authenticate_as(md5('sd-a-viewer@example.com')::uuid);
select results_eq($$ select tbl, n from sd_counts $$,
  $$ values ('app.content_items', 3::bigint), ('app.social_links', 3::bigint), ('app.tour_dates', 3::bigint),
            ('audience.orders', 3::bigint), ('audience.subscribers', 3::bigint) $$,
  'a viewer of sd-a sees the same 3 rows per table');

-- A member of another org -----------------------------------------------------------------
select tests.authenticate_as(md5('sd-b-owner@example.com')::uuid);
select results_eq($$ select tbl, n from sd_counts $$,
  $$ values ('app.content_items', 2::bigint), ('app.social_links', 2::bigint), ('app.tour_dates', 2::bigint),
            ('audience.orders', 2::bigint), ('audience.subscribers', 2::bigint) $$,
  'the owner of sd-b sees only the 2 rows of sd-b per table, none of sd-a');

-- A user of no org ------------------------------------------------------------------------
select tests.authenticate_as(md5('sd-nobody@example.com')::uuid);
select results_eq($$ select tbl, n from sd_counts $$,
  $$ values ('app.content_items', 0::bigint), ('app.social_links', 0::bigint), ('app.tour_dates', 0::bigint),
            ('audience.orders', 0::bigint), ('audience.subscribers', 0::bigint) $$,
  'a signed-in user of no org sees 0 rows in every table');

-- anon --------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$ select count(*) from app.content_items $$, '42501', null, 'anon cannot read content items');
select throws_ok($$ select count(*) from app.tour_dates $$, '42501', null, 'anon cannot read tour dates');
select throws_ok($$ select count(*) from app.social_links $$, '42501', null, 'anon cannot read social links');
select throws_ok($$ select count(*) from audience.orders $$, '42501', null, 'anon cannot read orders');
select throws_ok($$ select count(*) from audience.subscribers $$, '42501', null, 'anon cannot read subscribers');
select throws_ok($$ insert into app.content_items (org_id, kind, title) values (md5('org:sd-a')::uuid, 'release', 'x') $$,
                 '42501', null, 'anon cannot insert content items');
select throws_ok($$ insert into audience.orders (org_id, kind, amount_cents, currency, occurred_at) values (md5('org:sd-a')::uuid, 'tip', 1, 'EUR', now()) $$,
                 '42501', null, 'anon cannot insert orders');

-- service_role ------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select results_eq(
  $$ select 'app.content_items', count(*) from app.content_items where org_id in (md5('org:sd-a')::uuid, md5('org:sd-b')::uuid)
     union all select 'app.social_links', count(*) from app.social_links where org_id in (md5('org:sd-a')::uuid, md5('org:sd-b')::uuid)
     union all select 'app.tour_dates', count(*) from app.tour_dates where org_id in (md5('org:sd-a')::uuid, md5('org:sd-b')::uuid)
     union all select 'audience.orders', count(*) from audience.orders where org_id in (md5('org:sd-a')::uuid, md5('org:sd-b')::uuid)
     union all select 'audience.subscribers', count(*) from audience.subscribers where org_id in (md5('org:sd-a')::uuid, md5('org:sd-b')::uuid) $$,
  $$ values ('app.content_items', 5::bigint), ('app.social_links', 5::bigint), ('app.tour_dates', 5::bigint),
            ('audience.orders', 5::bigint), ('audience.subscribers', 5::bigint) $$,
  'service_role sees the 3 + 2 rows of both orgs in every table');
select is((select count(*) from audience.subscribers where contact like 'fan%@%.example.com'
           and org_id in (md5('org:sd-a')::uuid, md5('org:sd-b')::uuid)), 5::bigint,
          'service_role reads subscribers.contact');
select lives_ok($$ insert into app.content_items (org_id, kind, title) values (md5('org:sd-a')::uuid, 'link', 'Site') $$,
                'service_role inserts content items');
select lives_ok($$ insert into app.tour_dates (org_id, city, country, starts_at) values (md5('org:sd-a')::uuid, 'Oslo', 'NO', now()) $$,
                'service_role inserts tour dates');
select lives_ok($$ insert into app.social_links (org_id, platform, url) values (md5('org:sd-a')::uuid, 'tiktok', 'https://tiktok.example') $$,
                'service_role inserts social links');
select lives_ok($$ insert into audience.orders (org_id, kind, amount_cents, currency, occurred_at) values (md5('org:sd-a')::uuid, 'tip', 100, 'EUR', now()) $$,
                'service_role inserts orders');
select lives_ok($$ insert into audience.subscribers (org_id, channel, contact) values (md5('org:sd-a')::uuid, 'sms', '+15550000000') $$,
                'service_role inserts subscribers');
select tests.clear_authentication();

select tests.authenticate_as(md5('sd-a-owner@example.com')::uuid);
select results_eq($$ select tbl, n from sd_counts $$,
  $$ values ('app.content_items', 4::bigint), ('app.social_links', 4::bigint), ('app.tour_dates', 4::bigint),
            ('audience.orders', 4::bigint), ('audience.subscribers', 4::bigint) $$,
  'the owner of sd-a now sees 4 rows per table (3 + the one service_role added)');
select tests.clear_authentication();

-- Integrity ---------------------------------------------------------------------------------
select throws_ok($$ insert into audience.orders (org_id, kind, amount_cents, currency, occurred_at, refunded_at)
                    values (md5('org:sd-a')::uuid, 'purchase', 100, 'EUR', now(), now() - interval '1 day') $$,
                 '23514', null, 'an order cannot be refunded before it happened');
select throws_ok($$ insert into audience.subscribers (org_id, channel, contact) values (md5('org:sd-a')::uuid, 'fax', '1') $$,
                 '23514', null, 'a subscriber channel is email, sms or push');
select throws_ok($$ insert into app.tour_dates (org_id, city, country, starts_at, latitude) values (md5('org:sd-a')::uuid, 'x', 'DE', now(), 10) $$,
                 '23514', null, 'a tour date has both coordinates or neither');
select throws_ok($$ insert into app.content_items (org_id, kind, title) values (md5('org:sd-a')::uuid, 'podcast', 'x') $$,
                 '23514', null, 'a content item kind is release, mashup, event, link or product');
select throws_ok($$ insert into audience.orders (org_id, kind, amount_cents, currency, occurred_at, content_item_id)
                    values (md5('org:sd-a')::uuid, 'purchase', 100, 'EUR', now(),
                            (select id from app.content_items where org_id = md5('org:sd-b')::uuid limit 1)) $$,
                 '23503', null, 'an order cannot refer to another organization''s content item');
select is((select count(*) from app.content_items where org_id = md5('org:sd-b')::uuid), 2::bigint,
          'sd-b still has its 2 content items before it is deleted');
delete from app.organizations where id = md5('org:sd-b')::uuid;
select is((select count(*) from app.content_items where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from app.tour_dates where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from app.social_links where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from audience.orders where org_id = md5('org:sd-b')::uuid)
          + (select count(*) from audience.subscribers where org_id = md5('org:sd-b')::uuid),
          0::bigint, 'deleting an organization deletes its source rows (ON DELETE CASCADE)');

select * from finish();
