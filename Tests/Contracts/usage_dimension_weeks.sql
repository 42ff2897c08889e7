-- Contract: the weekly rollup usage.dimension_weeks (migrations/1160, a dependent of
-- usage.dimension_days: the keys of the weeks new requests touch recomputed) and the cost breakdown
-- by user, team, project or feature, which reads the whole local weeks of each period from
-- it and the other days from usage.dimension_days.
-- Fixture: org uw-a in Asia/Tokyo (UTC+9, local days and weeks are Tokyo's), model
-- uw-test/m-w at $1 per million output tokens (1,000,000 output tokens: $1 a request, 2M:
-- $2). Requests (local times): u1 (team alpha) on 03-28, 04-02, 04-08 (the previous period
-- of [04-10, 04-24)) and 04-11, 04-15 twice, 04-22 (the current one), plus 03-26 23:59 and
-- 04-24 00:00 (outside both); u2 on 04-06 23:30 (a Sunday) and 04-14 00:30 local ($2; 04-13
-- 15:30 UTC, a Sunday in UTC, a Monday in Tokyo); a request without a user on 04-20 (a
-- Sunday). All received at minute 1 of 2099-01-01, applied up to minute 2. Later (minute 3,
-- not applied): u2 on 04-02 and 04-23 ($1 each).
-- Periods of get_cost_breakdown(04-10, 04-24): previous [03-27, 04-10) = the days 03-27 to
-- 03-30, the week of 03-31, the days 04-07 to 04-09; current [04-10, 04-24) = the days 04-10
-- to 04-13, the week of 04-14, the days 04-21 to 04-23.
select plan(14);

do $$
begin
  perform tests.create_user('uw-owner@example.com');
  perform tests.create_org('uw-a', md5('uw-owner@example.com')::uuid);
  update app.organizations set timezone = 'Asia/Tokyo' where id = md5('org:uw-a')::uuid;
  insert into usage.models (provider, model, display_name) values ('uw-test', 'm-w', 'W');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('uw-test', 'm-w', 0, 1, tstzrange('2025-01-01 00:00+00', null));
end $$;

-- Logs requests (request id prefix || n) at the given local times (+09:00) with the given
-- output tokens, user (NULL: none) and team, received at minute p_minute of 2099-01-01.
create function pg_temp.uw_log(p_prefix text, p_minute int, p_user text, p_team text, p_times text[], p_tokens int) returns bigint
language plpgsql as $$
declare
  v jsonb;
begin
  v := public.log_model_requests(md5('org:uw-a')::uuid,
         (select jsonb_agg(jsonb_build_object('request_id', p_prefix || i, 'occurred_at', t || '+09:00',
                                              'provider', 'uw-test', 'model', 'm-w', 'output_tokens', p_tokens,
                                              'user_id', case when p_user is not null then md5(p_user)::uuid end,
                                              'team', p_team))
          from unnest(p_times) with ordinality as x (t, i)));
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
  where org_id = md5('org:uw-a')::uuid and request_id like p_prefix || '%';
  return (v ->> 'accepted')::bigint;
end;
$$;
create function pg_temp.uw_apply(p_minute int) returns void language sql as $$
  select private.apply_rollup(n, timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute', true)
  from unnest(array['usage.dimension_days', 'usage.dimension_weeks']) as n;
$$;
-- The user rows of dimension_weeks, one text line.
create function pg_temp.uw_weeks() returns text language sql as $$
  select pg_catalog.string_agg(pg_catalog.format('%s %s req %s $%s', w.week,
                                 case w.key when md5('uw-u1')::uuid::text then 'u1' when md5('uw-u2')::uuid::text then 'u2' else 'none' end,
                                 w.requests, w.cost::numeric(10, 2)), ', ' order by w.week, w.key)
  from usage.dimension_weeks as w where w.org_id = md5('org:uw-a')::uuid and w.dimension = 'user'
$$;
-- dimension_days summed by week, minus dimension_weeks, both ways (0: equal).
create function pg_temp.uw_weeks_differ() returns bigint language sql as $$
  select pg_catalog.count(*) from (
    (select d.dimension, d.key, pg_catalog.date_trunc('week', d.day::timestamp)::date as week,
            pg_catalog.sum(d.requests) as requests, pg_catalog.sum(d.cost) as cost, pg_catalog.sum(d.tokens) as tokens
     from usage.dimension_days as d where d.org_id = md5('org:uw-a')::uuid group by 1, 2, 3
     except all
     select w.dimension, w.key, w.week, w.requests, w.cost, w.tokens from usage.dimension_weeks as w where w.org_id = md5('org:uw-a')::uuid)
    union all
    (select w.dimension, w.key, w.week, w.requests, w.cost, w.tokens from usage.dimension_weeks as w where w.org_id = md5('org:uw-a')::uuid
     except all
     select d.dimension, d.key, pg_catalog.date_trunc('week', d.day::timestamp)::date,
            pg_catalog.sum(d.requests), pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)
     from usage.dimension_days as d where d.org_id = md5('org:uw-a')::uuid group by 1, 2, 3)) as x
$$;

select is(pg_temp.uw_log('a', 1, 'uw-u1', 'alpha',
                         array['2025-03-28T10:00:00', '2025-04-02T10:00:00', '2025-04-08T10:00:00', '2025-04-11T10:00:00',
                               '2025-04-15T10:00:00', '2025-04-15T11:00:00', '2025-04-22T10:00:00',
                               '2025-03-26T23:59:00', '2025-04-24T00:00:00'], 1000000)
          + pg_temp.uw_log('b', 1, 'uw-u2', null, array['2025-04-06T23:30:00', '2025-04-14T00:30:00'], 2000000)
          + pg_temp.uw_log('c', 1, null, null, array['2025-04-20T10:00:00'], 1000000),
          12::bigint, '12 requests');
select pg_temp.uw_apply(2);
-- u2's 04-06 request is $2 (2M tokens), as its 04-14 one.
select is(pg_temp.uw_weeks(),
  '2025-03-24 u1 req 2 $2.00, 2025-03-31 u1 req 1 $1.00, 2025-03-31 u2 req 1 $2.00, 2025-04-07 u1 req 2 $2.00, '
  || '2025-04-14 none req 1 $1.00, 2025-04-14 u1 req 2 $2.00, 2025-04-14 u2 req 1 $2.00, 2025-04-21 u1 req 2 $2.00',
  'dimension_weeks (user): local weeks by their Monday; u2''s request of 04-14 00:30 in Tokyo (a Sunday in UTC) in the week of 04-14');
select is(pg_temp.uw_weeks_differ(), 0::bigint, 'every dimension_weeks row is the sum of dimension_days over its week (user, team, project, feature)');

select tests.authenticate_as(md5('uw-owner@example.com')::uuid);
select results_eq($$ select key, cost, requests, tokens, share_pct, previous_cost, change_pct
                    from public.get_cost_breakdown(md5('org:uw-a')::uuid, '2025-04-10', '2025-04-24', 'user', 10) $$,
  $$ values (md5('uw-u1')::uuid::text, 4.00::numeric, 4::bigint, 4000000::bigint, 57.1::numeric, 3.00::numeric, 33.3::numeric),
            (md5('uw-u2')::uuid::text, 2.00, 1, 2000000, 28.6, 2.00, 0.0),
            ('(no user)', 1.00, 1, 1000000, 14.3, 0.00, null) $$,
  'by user, weeks and edge days: u1 $4 (04-11, 04-15 x2, 04-22) against $3 (03-28, 04-02, 04-08); u2 $2 against $2 (04-06, a Sunday, in the week of 03-31); no user $1');
select results_eq($$ select key, cost, requests, tokens, share_pct, previous_cost, change_pct
                    from public.get_cost_breakdown(md5('org:uw-a')::uuid, '2025-04-10', '2025-04-24', 'team', 10) $$,
  $$ values ('alpha'::text, 4.00::numeric, 4::bigint, 4000000::bigint, 57.1::numeric, 3.00::numeric, 33.3::numeric),
            ('(none)', 3.00, 2, 3000000, 42.9, 2.00, 50.0) $$,
  'by team: alpha $4 against $3, (none) $3 (u2 $2, no user $1) against $2');
select results_eq($$ select key, cost, requests, previous_cost
                    from public.get_cost_breakdown(md5('org:uw-a')::uuid, '2025-04-10', '2025-04-13', 'user', 10) $$,
  $$ values (md5('uw-u1')::uuid::text, 1.00::numeric, 1::bigint, 1.00::numeric) $$,
  'periods without a whole week ([04-07, 04-10), [04-10, 04-13)): days only, u1 $1 against $1');
select tests.clear_authentication();

-- Later requests, not applied: u2 on 04-02 (in the stored week of 03-31) and 04-23 (an edge day).
select is(pg_temp.uw_log('d', 3, 'uw-u2', null, array['2025-04-02T12:00:00', '2025-04-23T12:00:00'], 1000000), 2::bigint,
          'u2''s 2 later requests, received after the watermark');
select is((select pg_catalog.count(*) from (
             (select w.dimension, w.key, w.week, w.requests, w.cost, w.tokens
              from private.dimension_weeks_rows(md5('org:uw-a')::uuid, '-infinity', 'infinity') as w
              except all
              select d.dimension, d.key, pg_catalog.date_trunc('week', d.day::timestamp)::date,
                     pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
              from private.dimension_days_rows(md5('org:uw-a')::uuid, '-infinity', 'infinity') as d group by 1, 2, 3)
             union all
             (select d.dimension, d.key, pg_catalog.date_trunc('week', d.day::timestamp)::date,
                     pg_catalog.sum(d.requests)::bigint, pg_catalog.sum(d.cost), pg_catalog.sum(d.tokens)::bigint
              from private.dimension_days_rows(md5('org:uw-a')::uuid, '-infinity', 'infinity') as d group by 1, 2, 3
              except all
              select w.dimension, w.key, w.week, w.requests, w.cost, w.tokens
              from private.dimension_weeks_rows(md5('org:uw-a')::uuid, '-infinity', 'infinity') as w)) as x),
          0::bigint, 'not applied: the weekly reader (stored rows plus the touched keys recomputed) is the daily reader summed by week');
select tests.authenticate_as(md5('uw-owner@example.com')::uuid);
select results_eq($$ select key, cost, requests, tokens, share_pct, previous_cost, change_pct
                    from public.get_cost_breakdown(md5('org:uw-a')::uuid, '2025-04-10', '2025-04-24', 'user', 10) $$,
  $$ values (md5('uw-u1')::uuid::text, 4.00::numeric, 4::bigint, 4000000::bigint, 50.0::numeric, 3.00::numeric, 33.3::numeric),
            (md5('uw-u2')::uuid::text, 3.00, 2, 3000000, 37.5, 3.00, 0.0),
            ('(no user)', 1.00, 1, 1000000, 12.5, 0.00, null) $$,
  'with the later requests not applied: u2 $3 (04-14, 04-23) against $3 (the stored week of 03-31 combined with its new request)');
select results_eq($$ select key, cost, requests, previous_cost, change_pct
                    from public.get_cost_breakdown(md5('org:uw-a')::uuid, '2025-04-10', '2025-04-24', 'user', 1) $$,
  $$ values (md5('uw-u1')::uuid::text, 4.00::numeric, 4::bigint, 3.00::numeric, 33.3::numeric),
            ('(other)', 4.00, 3, 3.00, 33.3) $$,
  'limit 1: u1, then (other) = u2 and no user');
select tests.clear_authentication();

select pg_temp.uw_apply(4);
select is(pg_temp.uw_weeks_differ(), 0::bigint, 'applied: dimension_weeks is still the weekly sum of dimension_days');
select tests.authenticate_as(md5('uw-owner@example.com')::uuid);
select results_eq($$ select key, cost, requests, tokens, share_pct, previous_cost, change_pct
                    from public.get_cost_breakdown(md5('org:uw-a')::uuid, '2025-04-10', '2025-04-24', 'user', 10) $$,
  $$ values (md5('uw-u1')::uuid::text, 4.00::numeric, 4::bigint, 4000000::bigint, 50.0::numeric, 3.00::numeric, 33.3::numeric),
            (md5('uw-u2')::uuid::text, 3.00, 2, 3000000, 37.5, 3.00, 0.0),
            ('(no user)', 1.00, 1, 1000000, 12.5, 0.00, null) $$,
  'applied: the same breakdown from the stored rows');
select tests.clear_authentication();
-- A request received exactly at the new watermark (minute 4): u1 on 04-16, in the stored week
-- of 04-14 (a whole week of the current period), which it touches.
select pg_temp.uw_log('e', 4, 'uw-u1', 'alpha', array['2025-04-16T09:00:00'], 1000000);
select tests.authenticate_as(md5('uw-owner@example.com')::uuid);
select results_eq($$ select key, cost, requests, previous_cost
                    from public.get_cost_breakdown(md5('org:uw-a')::uuid, '2025-04-10', '2025-04-24', 'user', 10) $$,
  $$ values (md5('uw-u1')::uuid::text, 5.00::numeric, 5::bigint, 3.00::numeric),
            (md5('uw-u2')::uuid::text, 3.00, 2, 3.00),
            ('(no user)', 1.00, 1, 0.00) $$,
  'a request received exactly at the watermark counts (u1 $5): its week is read from its days');
select tests.clear_authentication();
select is((select t.predicate is not null from app.user_data_tables() as t where t.table_name = 'usage.dimension_weeks'), true,
          'erasure and export find the user rows of dimension_weeks');
select * from finish();
