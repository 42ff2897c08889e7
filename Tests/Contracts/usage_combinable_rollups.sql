-- Contract: the combinable usage rollups (migrations/1000, 1001): usage.dimension_days,
-- usage.org_days and usage.model_days add the partial sums of the requests received since
-- their watermark to the stored rows; usage.reprice's old versions (usage.request_retractions)
-- are subtracted, so the rollups stay exact when a repriced request was already applied.
-- Fixture: org uc-a (UTC), model uc-test/m-a at $1 per million output tokens (1,000,000
-- output tokens a request: $1 each), on 2025-04-01: u1 at 10:00, 10:01, 10:02 (latencies
-- 100, 200, 400 ms) received at minute 1 of 2099-01-01 (R1); applied up to minute 2 (W1);
-- then u2 at 11:00 (latency 100) received exactly at W1 (minute 2). The price becomes $3:
-- usage.reprice of April changes all four requests (the first three applied, u2's not), at
-- minute 3. Applied up to minute 4 (W2); then the price becomes $2 and then $5, each
-- followed by a reprice (minutes 5 and 6): the requests are repriced twice before the next
-- apply (the second reprice's old versions, at $2, were never applied).
-- Reprice sets received_at and retracted_at to its now(); the contract moves both to the
-- minute of 2099 that stands for it (the rollups' watermarks of this database are real times).
select plan(16);

do $$
begin
  perform tests.create_user('uc-owner@example.com');
  perform tests.create_org('uc-a', md5('uc-owner@example.com')::uuid);
  update app.organizations set timezone = 'UTC' where id = md5('org:uc-a')::uuid;
  insert into usage.models (provider, model, display_name) values ('uc-test', 'm-a', 'A');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('uc-test', 'm-a', 0, 1, tstzrange('2025-01-01 00:00+00', null));
end $$;

create function pg_temp.uc_log(p_prefix text, p_minute int, p_user text, p_times text[], p_latencies int[]) returns jsonb
language plpgsql as $$
declare
  v jsonb;
begin
  v := public.log_model_requests(md5('org:uc-a')::uuid,
         (select jsonb_agg(jsonb_build_object('request_id', p_prefix || i, 'occurred_at', '2025-04-01T' || t || ':00Z',
                                              'provider', 'uc-test', 'model', 'm-a', 'output_tokens', 1000000,
                                              'latency_ms', p_latencies[i], 'user_id', md5(p_user)::uuid))
          from unnest(p_times) with ordinality as x (t, i)));
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
  where org_id = md5('org:uc-a')::uuid and request_id like p_prefix || '%';
  return v;
end;
$$;
-- A price change and the reprice of April, standing at minute p_minute.
create function pg_temp.uc_reprice(p_price numeric, p_minute int) returns bigint language plpgsql as $$
declare
  v_changed bigint;
begin
  update usage.prices set output_per_mtok = p_price where provider = 'uc-test' and model = 'm-a';
  v_changed := (usage.reprice(md5('org:uc-a')::uuid, tstzrange('2025-04-01', '2025-05-01'))).requests_changed;
  update usage.model_requests set received_at = timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
  where org_id = md5('org:uc-a')::uuid and received_at = pg_catalog.now();
  update usage.request_retractions set retracted_at = timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
  where org_id = md5('org:uc-a')::uuid and retracted_at = pg_catalog.now();
  return v_changed;
end;
$$;
create function pg_temp.uc_apply(p_minute int) returns void language sql as $$
  select private.apply_rollup(n, timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute', true)
  from unnest(array['usage.dimension_days', 'usage.org_days', 'usage.model_days', 'usage.org_hours']) as n;
$$;
-- What the readers return for the fixture day: org_days, model_days, the user rows of
-- dimension_days, org_hours (one text line each).
create function pg_temp.uc_read() returns text language sql as $$
  select (select pg_catalog.format('org %s req $%s err %s buckets %s counts %s p95 %s', d.requests, d.cost::numeric(10, 2), d.errors,
                                   d.latency_buckets, d.latency_counts, d.latency_p95_ms)
          from private.org_days_rows(md5('org:uc-a')::uuid, '2025-04-01', '2025-04-02') as d)
      || (select pg_catalog.format(' | model %s/%s req %s $%s counts %s', m.provider, m.model, m.requests, m.cost::numeric(10, 2), m.latency_counts)
          from private.model_days_rows(md5('org:uc-a')::uuid, '2025-04-01', '2025-04-02') as m)
      || (select ' | users ' || pg_catalog.string_agg(pg_catalog.format('%s req %s $%s', case u.key when md5('uc-u1')::uuid::text then 'u1' else 'u2' end,
                                                                       u.requests, u.cost::numeric(10, 2)), ', ' order by u.key)
          from private.dimension_days_rows(md5('org:uc-a')::uuid, '2025-04-01', '2025-04-02') as u where u.dimension = 'user')
      || (select ' | hours ' || pg_catalog.string_agg('$' || h.cost::numeric(10, 2)::text, ', ' order by h.hour)
          from private.org_hours_rows(md5('org:uc-a')::uuid, '2025-04-01', '2025-04-02') as h)
$$;
-- The same from the raw requests (the definition).
create function pg_temp.uc_raw() returns text language sql as $$
  select pg_catalog.format('org %s req $%s', pg_catalog.count(*), pg_catalog.sum(r.cost)::numeric(10, 2))
  from usage.model_requests as r where r.org_id = md5('org:uc-a')::uuid
$$;

select is(pg_temp.uc_log('a', 1, 'uc-u1', array['10:00', '10:01', '10:02'], array[100, 200, 400]) ->> 'accepted', '3', '3 requests of u1');
select pg_temp.uc_apply(2);
select is(pg_temp.uc_log('b', 2, 'uc-u2', array['11:00'], array[100]) ->> 'accepted', '1', 'u2''s request, received exactly at W1');

select is((select pg_catalog.format('%s req $%s', d.requests, d.cost::numeric(10, 2)) from usage.org_days as d where d.org_id = md5('org:uc-a')::uuid),
          '3 req $3.00', 'org_days stores R1 only: 3 requests, $3 (u2''s request is at the watermark)');
select is(pg_temp.uc_read(),
  'org 4 req $4.00 err 0 buckets {54,62,70} counts {2,1,1} p95 412.3 | model uc-test/m-a req 4 $4.00 counts {2,1,1} | users u2 req 1 $1.00, u1 req 3 $3.00 | hours $3.00, $1.00',
  'readers: stored R1 plus u2''s request: 4 requests, $4, latencies 100 x2, 200, 400 (p95 412.3 ms: the 400 ms request''s bucket)');

select is(pg_temp.uc_reprice(3, 3), 4::bigint, 'the price becomes $3: the reprice changes all four requests');
select is((select pg_catalog.count(*) || ' old versions, $' || pg_catalog.sum(x.cost)::numeric(10, 2) from usage.request_retractions as x
           where x.org_id = md5('org:uc-a')::uuid), '4 old versions, $4.00', 'reprice keeps the four old versions ($1 each)');
select is(pg_temp.uc_read(),
  'org 4 req $12.00 err 0 buckets {54,62,70} counts {2,1,1} p95 412.3 | model uc-test/m-a req 4 $12.00 counts {2,1,1} | users u2 req 1 $3.00, u1 req 3 $9.00 | hours $9.00, $3.00',
  'readers after the reprice: 4 requests at $3 = $12 (the 3 applied ones counted once: their old versions subtracted; u2''s old version, never applied, not)');
select is(pg_temp.uc_raw(), 'org 4 req $12.00', 'the raw requests: 4, $12');

select pg_temp.uc_apply(4);
select is((select pg_catalog.format('%s req $%s counts %s', d.requests, d.cost::numeric(10, 2), d.latency_counts)
           from usage.org_days as d where d.org_id = md5('org:uc-a')::uuid),
          '4 req $12.00 counts {2,1,1}', 'applied up to W2: org_days stores 4 requests, $12, each latency once');

select is(pg_temp.uc_reprice(2, 5) + pg_temp.uc_reprice(5, 6), 8::bigint, 'two more reprices before the next apply ($2, then $5)');
select is(pg_temp.uc_read(),
  'org 4 req $20.00 err 0 buckets {54,62,70} counts {2,1,1} p95 412.3 | model uc-test/m-a req 4 $20.00 counts {2,1,1} | users u2 req 1 $5.00, u1 req 3 $15.00 | hours $15.00, $5.00',
  'readers after two reprices: 4 requests at $5 = $20 (the $3 versions subtracted once, the $2 ones never applied)');

select pg_temp.uc_apply(7);
select is((select pg_catalog.format('%s req $%s counts %s', d.requests, d.cost::numeric(10, 2), d.latency_counts)
           from usage.org_days as d where d.org_id = md5('org:uc-a')::uuid),
          '4 req $20.00 counts {2,1,1}', 'applied: org_days stores 4 requests, $20');
create temporary table uc_org_days as select * from usage.org_days where org_id = md5('org:uc-a')::uuid;
create temporary table uc_model_days as select * from usage.model_days where org_id = md5('org:uc-a')::uuid;
create temporary table uc_dimension_days as select * from usage.dimension_days where org_id = md5('org:uc-a')::uuid;
select private.reset_rollup(n), private.apply_rollup(n, '2099-01-01 00:07Z', true)
from unnest(array['usage.dimension_days', 'usage.org_days', 'usage.model_days']) as n;
-- Equal values: after a reprice a stored cost may keep the display scale of a subtracted
-- old version (20.00000000000000000000 rather than 20.0000000000000000); every RPC rounds.
select results_eq($$ select * from usage.org_days where org_id = md5('org:uc-a')::uuid $$, $$ select * from uc_org_days $$,
                  'the full rebuild (from -infinity: nothing retracted) of org_days equals the incremental row');
select results_eq($$ select * from usage.model_days where org_id = md5('org:uc-a')::uuid $$, $$ select * from uc_model_days $$,
                  'the full rebuild of model_days equals the incremental row');
select results_eq($$ select * from usage.dimension_days where org_id = md5('org:uc-a')::uuid order by dimension, key $$,
                  $$ select * from uc_dimension_days order by dimension, key $$,
                  'the full rebuild of dimension_days equals the incremental rows (user, team, project, feature)');
select is((select pg_catalog.sum(x.requests)::text || ' ' || pg_catalog.sum(x.cost)::numeric(10, 2) from usage.dimension_days as x
           where x.org_id = md5('org:uc-a')::uuid and x.dimension = 'team'), '4 20.00',
          'dimension_days after the rebuild: the team rows add up to 4 requests, $20');

select * from finish();
