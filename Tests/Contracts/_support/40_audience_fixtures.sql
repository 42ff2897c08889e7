-- Fixtures of the audience contracts (Tests/Contracts/audience_*.sql). Definitions only;
-- each contract calls them inside its own transaction (rolled back). No transaction control.

-- Id of a fixture user by short name ('owner', 'analyst', ...): md5 of '<name>@audience.test'.
create or replace function tests.audience_user(p_name text)
returns uuid
language sql
immutable
as $$
  select pg_catalog.md5(pg_catalog.lower(p_name || '@audience.test'))::uuid
$$;
comment on function tests.audience_user(text) is 'Id of the audience fixture user <name>@audience.test (as tests.create_user makes it).';

-- A Berlin wall-clock time as timestamptz: '2026-06-10 10:00' -> 2026-06-10 08:00 UTC.
create or replace function tests.berlin(p_local text)
returns timestamptz
language sql
immutable
as $$
  select p_local::timestamp at time zone 'Europe/Berlin'
$$;
comment on function tests.berlin(text) is 'The instant at which clocks in Europe/Berlin show p_local.';

-- One event (inserted directly, as the seeds do; received_at = now()).
create or replace function tests.audience_event(
  p_org_id     uuid,
  p_visitor_id text,
  p_at         timestamptz,
  p_type       text,
  p_device     text    default 'mobile',
  p_network    text    default '4g',
  p_load_ms    integer default null,
  p_source     text    default null,
  p_medium     text    default null,
  p_campaign   text    default null,
  p_referrer   text    default null,
  p_is_bot     boolean default false,
  p_user_id    uuid    default null
)
returns void
language sql
as $$
  insert into analytics.events (org_id, occurred_at, event_type, visitor_id, user_id, utm_source, utm_medium,
                                utm_campaign, referrer_domain, device_type, network_type, page_load_ms, is_bot)
  values (p_org_id, p_at, p_type, p_visitor_id, p_user_id, p_source, p_medium, p_campaign, p_referrer,
          p_device, p_network, p_load_ms, p_is_bot)
$$;
comment on function tests.audience_event(uuid, text, timestamptz, text, text, text, integer, text, text, text, text, boolean, uuid) is
  'Inserts one analytics.events row for the audience contracts.';

-- One order.
create or replace function tests.audience_order(
  p_org_id      uuid,
  p_visitor_id  text,
  p_at          timestamptz,
  p_amount      bigint,
  p_refunded_at timestamptz default null,
  p_kind        text default 'purchase'
)
returns void
language sql
as $$
  insert into audience.orders (org_id, kind, visitor_id, amount_cents, currency, occurred_at, refunded_at)
  values (p_org_id, p_kind, p_visitor_id, p_amount, 'EUR', p_at, p_refunded_at)
$$;
comment on function tests.audience_order(uuid, text, timestamptz, bigint, timestamptz, text) is
  'Inserts one audience.orders row (EUR) for the audience contracts.';

-- Users and organizations: organization aud-berlin (Europe/Berlin) with owner, admin,
-- analyst and viewer; organization aud-other (UTC) owned by 'other', who is not a member of
-- aud-berlin. Returns aud-berlin's id. Call before switching identity.
create or replace function tests.audience_orgs()
returns uuid
language plpgsql
as $$
declare
  v_org uuid;
  v_other uuid;
begin
  perform tests.create_user(n || '@audience.test') from pg_catalog.unnest(array['owner', 'admin', 'analyst', 'viewer', 'other']) as n;
  v_org := tests.create_org('aud-berlin', tests.audience_user('owner'));
  update app.organizations set timezone = 'Europe/Berlin' where id = v_org;
  perform tests.add_member(v_org, tests.audience_user('admin'), 'admin');
  perform tests.add_member(v_org, tests.audience_user('analyst'), 'analyst');
  perform tests.add_member(v_org, tests.audience_user('viewer'), 'viewer');
  v_other := tests.create_org('aud-other', tests.audience_user('other'));
  -- Some activity in the other organization, which must never show up in aud-berlin.
  perform tests.audience_event(v_other, 'V1', tests.berlin('2026-06-10 10:00'), 'page_view');
  perform tests.audience_order(v_other, 'V1', tests.berlin('2026-06-10 10:05'), 99999);
  return v_org;
end;
$$;
comment on function tests.audience_orgs() is
  'Creates users owner/admin/analyst/viewer/other@audience.test, organization aud-berlin (Europe/Berlin; the first four are its owner, admin, analyst, viewer) and aud-other (owner other, one event and one order of 99999). Returns aud-berlin''s id.';

-- The June 2026 fixture of aud-berlin (times are Berlin wall-clock; the current period is
-- [2026-06-01, 2026-06-15), the previous one [2026-05-18, 2026-06-01)):
--   V1  buyer with many page views: 06-10 10:00-10:09 ten page views (load 1000 ms; the
--       first with utm instagram / social / summer), 10:10 ticket_cta, 10:11
--       checkout_started, 10:12 purchase; order 5000 at 10:12 (counted once); back on
--       06-11 20:00 (page view, load 2000): 2 sessions. mobile / 4g.
--   V2  06-05 14:00 page view from google.com (load 500), 14:05 purchase; its order of
--       3000 was refunded on 06-06: no revenue, not a buyer. desktop / wifi.
--   V3  returning buyer, direct: 05-20 09:00 page view, 09:05 purchase, order 2000;
--       06-12 09:00 page view (load 700), 09:02 checkout_started, 09:05 purchase, order
--       4000. desktop / wifi.
--   V4  day boundary: page view at 2026-05-31 22:30 UTC = 06-01 00:30 Berlin (current
--       period in Berlin, previous in UTC); utm newsletter / email / june-news; mobile /
--       3g, load 6000.
--   V5  page view at 2026-06-14 22:30 UTC = 06-15 00:30 Berlin: outside the current period.
--   V6  06-08 18:00 page view (instagram / social / summer, load 3000), 18:05 ticket_cta,
--       18:06 checkout_started; no order. mobile / 4g.
--   V7  06-03 12:00 page view, direct, mobile / 3g, load 5000.
--   V8  05-25 12:00 page view, direct, mobile / wifi.
--   BOT five page views and a purchase event on 06-09 (is_bot): excluded everywhere.
create or replace function tests.audience_june_fixture(p_org uuid)
returns void
language plpgsql
as $$
declare
  i integer;
begin
  -- V1
  perform tests.audience_event(p_org, 'V1', tests.berlin('2026-06-10 10:00'), 'page_view', 'mobile', '4g', 1000, 'instagram', 'social', 'summer');
  for i in 1 .. 9 loop
    perform tests.audience_event(p_org, 'V1', tests.berlin('2026-06-10 10:00') + pg_catalog.make_interval(mins => i), 'page_view', 'mobile', '4g', 1000);
  end loop;
  perform tests.audience_event(p_org, 'V1', tests.berlin('2026-06-10 10:10'), 'ticket_cta', 'mobile', '4g');
  perform tests.audience_event(p_org, 'V1', tests.berlin('2026-06-10 10:11'), 'checkout_started', 'mobile', '4g');
  perform tests.audience_event(p_org, 'V1', tests.berlin('2026-06-10 10:12'), 'purchase', 'mobile', '4g');
  perform tests.audience_order(p_org, 'V1', tests.berlin('2026-06-10 10:12'), 5000);
  perform tests.audience_event(p_org, 'V1', tests.berlin('2026-06-11 20:00'), 'page_view', 'mobile', '4g', 2000);
  -- V2
  perform tests.audience_event(p_org, 'V2', tests.berlin('2026-06-05 14:00'), 'page_view', 'desktop', 'wifi', 500, p_referrer => 'google.com');
  perform tests.audience_event(p_org, 'V2', tests.berlin('2026-06-05 14:05'), 'purchase', 'desktop', 'wifi');
  perform tests.audience_order(p_org, 'V2', tests.berlin('2026-06-05 14:05'), 3000, tests.berlin('2026-06-06 09:00'));
  -- V3
  perform tests.audience_event(p_org, 'V3', tests.berlin('2026-05-20 09:00'), 'page_view', 'desktop', 'wifi');
  perform tests.audience_event(p_org, 'V3', tests.berlin('2026-05-20 09:05'), 'purchase', 'desktop', 'wifi');
  perform tests.audience_order(p_org, 'V3', tests.berlin('2026-05-20 09:05'), 2000);
  perform tests.audience_event(p_org, 'V3', tests.berlin('2026-06-12 09:00'), 'page_view', 'desktop', 'wifi', 700);
  perform tests.audience_event(p_org, 'V3', tests.berlin('2026-06-12 09:02'), 'checkout_started', 'desktop', 'wifi');
  perform tests.audience_event(p_org, 'V3', tests.berlin('2026-06-12 09:05'), 'purchase', 'desktop', 'wifi');
  perform tests.audience_order(p_org, 'V3', tests.berlin('2026-06-12 09:05'), 4000);
  -- V4, V5: day boundaries
  perform tests.audience_event(p_org, 'V4', '2026-05-31 22:30+00', 'page_view', 'mobile', '3g', 6000, 'newsletter', 'email', 'june-news');
  perform tests.audience_event(p_org, 'V5', '2026-06-14 22:30+00', 'page_view', 'mobile', '4g');
  -- V6, V7, V8
  perform tests.audience_event(p_org, 'V6', tests.berlin('2026-06-08 18:00'), 'page_view', 'mobile', '4g', 3000, 'instagram', 'social', 'summer');
  perform tests.audience_event(p_org, 'V6', tests.berlin('2026-06-08 18:05'), 'ticket_cta', 'mobile', '4g');
  perform tests.audience_event(p_org, 'V6', tests.berlin('2026-06-08 18:06'), 'checkout_started', 'mobile', '4g');
  perform tests.audience_event(p_org, 'V7', tests.berlin('2026-06-03 12:00'), 'page_view', 'mobile', '3g', 5000);
  perform tests.audience_event(p_org, 'V8', tests.berlin('2026-05-25 12:00'), 'page_view', 'mobile', 'wifi');
  -- Bot
  for i in 1 .. 5 loop
    perform tests.audience_event(p_org, 'BOT', tests.berlin('2026-06-09 03:00') + pg_catalog.make_interval(mins => i), 'page_view', 'desktop', 'wifi', 100, 'instagram', 'social', 'summer', p_is_bot => true);
  end loop;
  perform tests.audience_event(p_org, 'BOT', tests.berlin('2026-06-09 03:10'), 'purchase', 'desktop', 'wifi', p_is_bot => true);
end;
$$;
comment on function tests.audience_june_fixture(uuid) is
  'Loads the June 2026 events and orders of the audience contracts into p_org (see the comment in Tests/Contracts/_support/40_audience_fixtures.sql).';
-- Note: the organizations are created now (created_at = the contract's transaction start),
-- after any committed refresh of the audience materialized views, so the RPCs never read
-- those views for them (private.mv_coverage) and answer from the fixture's events alone.

-- Recent activity in p_org, relative to now (t), for the customer and segment contracts:
--   C1  page_view t-2d (instagram / social / spring, mobile, DE, Berlin); order 2500 t-2d
--   C2  page views t-20d (direct), t-10d (newsletter / email / weekly), t-5d; orders 1000,
--       2000, 3000 and a refunded 9000
--   C3  page_view t-3d; 4 orders of 500 (t-40d .. t-3d)
--   C4  page_view and an order of 1000 at t-70d
--   C5  page_view and 5 orders of 100 at t-200d
--   C6  two page views t-1d, 10 minutes apart (desktop)
--   C7  page_view and order of 700 t-1d, opted out (audience.opt_outs)
--   C8  40 plays in one session t-1d, no order
--   BOT a bot page view t-1d
create or replace function tests.audience_recent_fixture(p_org uuid)
returns void
language plpgsql
as $$
declare
  t timestamptz := pg_catalog.now();
  i int;
begin
  insert into analytics.events (org_id, occurred_at, event_type, visitor_id, utm_source, utm_medium, utm_campaign,
                                device_type, country, city)
  values (p_org, t - interval '2 days', 'page_view', 'C1', 'instagram', 'social', 'spring', 'mobile', 'DE', 'Berlin');
  perform tests.audience_order(p_org, 'C1', t - interval '2 days', 2500);
  perform tests.audience_event(p_org, 'C2', t - interval '20 days', 'page_view', 'desktop', 'wifi');
  perform tests.audience_event(p_org, 'C2', t - interval '10 days', 'page_view', 'desktop', 'wifi', null, 'newsletter', 'email', 'weekly');
  perform tests.audience_event(p_org, 'C2', t - interval '5 days', 'page_view', 'desktop', 'wifi');
  perform tests.audience_order(p_org, 'C2', t - interval '20 days', 1000);
  perform tests.audience_order(p_org, 'C2', t - interval '10 days', 2000);
  perform tests.audience_order(p_org, 'C2', t - interval '5 days', 3000);
  perform tests.audience_order(p_org, 'C2', t - interval '5 days', 9000, t - interval '4 days');
  perform tests.audience_event(p_org, 'C3', t - interval '3 days', 'page_view');
  for i in 0 .. 3 loop
    perform tests.audience_order(p_org, 'C3', t - interval '40 days' + i * interval '12 days 8 hours', 500);
  end loop;
  perform tests.audience_event(p_org, 'C4', t - interval '70 days', 'page_view');
  perform tests.audience_order(p_org, 'C4', t - interval '70 days', 1000);
  perform tests.audience_event(p_org, 'C5', t - interval '200 days', 'page_view');
  for i in 1 .. 5 loop
    perform tests.audience_order(p_org, 'C5', t - interval '200 days', 100);
  end loop;
  perform tests.audience_event(p_org, 'C6', t - interval '1 day', 'page_view', 'desktop', 'wifi');
  perform tests.audience_event(p_org, 'C6', t - interval '1 day' + interval '10 minutes', 'page_view', 'desktop', 'wifi');
  perform tests.audience_event(p_org, 'C7', t - interval '1 day', 'page_view');
  perform tests.audience_order(p_org, 'C7', t - interval '1 day', 700);
  insert into audience.opt_outs (org_id, visitor_id) values (p_org, 'C7');
  for i in 1 .. 40 loop
    perform tests.audience_event(p_org, 'C8', t - interval '1 day' + i * interval '1 minute', 'play');
  end loop;
  perform tests.audience_event(p_org, 'BOT', t - interval '1 day', 'page_view', p_is_bot => true);
end;
$$;
comment on function tests.audience_recent_fixture(uuid) is
  'Loads the now-relative customers C1-C8 and a bot into p_org (see the comment above it in _support/40_audience_fixtures.sql).';
