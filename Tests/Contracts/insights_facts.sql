-- Contract: insights.candidate_facts (the ids, units, roundings of a candidate's facts and
-- the precomputed ratios, differences and percent changes), insights.org_vocabulary (the
-- names an insight text may not borrow), insights.count_data_points, and the categories of
-- the spec's table.
select plan(9);

select results_eq(
  $$ select f->>'id', f->>'value', f->>'unit', (f->>'decimals')::int
       from pg_catalog.jsonb_array_elements(insights.candidate_facts(
              '{"city": "Berlin", "clicks": 145, "previous_clicks": 103, "growth_pct": 41, "period_days": 30, "has_upcoming_show": true}')) f $$,
  $$ values ('city', 'Berlin', 'text', 0), ('clicks', '145', 'count', 0), ('clicks_change', '42', 'count', 0),
            ('clicks_change_pct', '41', 'percent', 0), ('clicks_ratio', '1.4', 'ratio', 1), ('growth_pct', '41', 'percent', 0),
            ('period_days', '30', 'days', 0), ('previous_clicks', '103', 'count', 0) $$,
  'Berlin 145 vs 103: the snapshot values plus 42 more, 41 % more and 1.4x (one decimal); booleans are no facts; ordered by id');
select results_eq(
  $$ select f->>'id', f->>'value', f->>'unit', (f->>'decimals')::int
       from pg_catalog.jsonb_array_elements(insights.candidate_facts(
              '{"capture_rate_pct": 3.3, "previous_capture_rate_pct": 2.1, "amount": 40.00, "currency": "EUR"}')) f $$,
  $$ values ('amount', '40.00', 'amount', 2), ('capture_rate_pct', '3.3', 'percent', 1), ('capture_rate_pct_change_pts', '1.2', 'percentage_points', 1),
            ('currency', 'EUR', 'text', 0), ('previous_capture_rate_pct', '2.1', 'percent', 1) $$,
  'percentages get a difference in points (1.2), not a ratio; an amount keeps its two decimals');
select results_eq(
  $$ select f->>'id', f->>'value'
       from pg_catalog.jsonb_array_elements(insights.candidate_facts('{"top_platform": "apple_music", "ratio": 3}')) f $$,
  $$ values ('ratio', '3'), ('top_platform', 'apple_music'), ('top_platform_label', 'Apple Music') $$,
  'a platform key gets its display name as a fact of its own');
select results_eq(
  $$ select f->>'id', f->>'value'
       from pg_catalog.jsonb_array_elements(insights.candidate_facts('{"visits": 30, "previous_visits": 0}')) f $$,
  $$ values ('previous_visits', '0'), ('visits', '30'), ('visits_change', '30') $$,
  'from zero: a difference, no ratio or percent change');
select is(insights.candidate_facts('{}'), '[]'::jsonb, 'an empty snapshot has no facts');

-- The organization's names and data points --------------------------------------------------

select tests.create_user('owner@facts.test');
select tests.create_org('facts-org', pg_catalog.md5('owner@facts.test')::uuid);
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, city, country, platform, referrer_domain, is_bot)
values (pg_catalog.md5('org:facts-org')::uuid, pg_catalog.now() - interval '3 days', 'link_click', 'a', 'Berlin', 'DE', 'apple_music', 'instagram.com', false),
       (pg_catalog.md5('org:facts-org')::uuid, pg_catalog.now() - interval '4 days', 'page_view', 'b', 'Hamburg', 'DE', null, null, false),
       (pg_catalog.md5('org:facts-org')::uuid, pg_catalog.now() - interval '4 days', 'page_view', 'bot', 'Ashburn', 'US', null, null, true);
insert into app.tour_dates (org_id, city, country, starts_at, venue_name, ticket_status)
values (pg_catalog.md5('org:facts-org')::uuid, 'Krakow', 'PL', pg_catalog.now() + interval '10 days', 'Klub Studio', 'on_sale');
select is(insights.org_vocabulary(pg_catalog.md5('org:facts-org')::uuid),
  array['Apple Music', 'Berlin', 'DE', 'Hamburg', 'Klub Studio', 'Krakow', 'PL', 'apple_music', 'instagram.com'],
  'cities, countries, platforms and labels, referrers of events (bots excluded), tour cities and venues');
select is(insights.count_data_points(pg_catalog.md5('org:facts-org')::uuid, pg_catalog.now() - interval '60 days', pg_catalog.now()), 2::bigint,
  'two human events, no subscribers or orders: 2 data points');
select throws_ok($$ select insights.count_data_points(pg_catalog.md5('org:facts-org')::uuid, pg_catalog.now(), pg_catalog.now()) $$,
  '22023', null, 'an empty range is refused');

select results_eq(
  $$ select insights.category_of('referrer_surge')::text, insights.category_of('capture_rate_change')::text $$,
  $$ values ('platform', 'growth') $$, 'the spec''s table: referrer_surge is platform, capture_rate_change growth');

select * from finish();
