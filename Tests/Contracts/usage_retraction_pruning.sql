-- Contract: usage.reprice first deletes the retractions (usage.request_retractions) that no
-- rollup reads any more (usage.prune_request_retractions): those retracted before the lowest
-- watermark of the combinable rollups of usage.model_requests (the registry: dimension_days,
-- org_days, model_days, and any other registered later), and no answer changes.
-- Fixture: org rp-a (UTC), model rp-test/m-a at $1 per million output tokens (1,000,000
-- output tokens a request: $1 each); on 2025-04-01 u1 at 10:00, 10:01, 10:02 and u2 at 11:00,
-- received at minute 1 of 2099-01-01, applied up to minute 2. Then, with the three rollups
-- applied as below (minute: watermark of dimension_days / org_days / model_days):
--   reprice #1 $3 at minute 3; all applied up to 4;
--   reprice #2 $2 at minute 5: #1's retractions (minute 3 < 4) deleted, #2's kept;
--   org_days alone applied up to 6; reprice #3 $5 at minute 7: #2's retractions (minute 5)
--   kept: dimension_days and model_days (watermark 4) still subtract them;
--   those two applied up to exactly 5: the prune keeps them (a retraction AT the watermark is
--   read by the next apply: [watermark, bound)); then up to 6 (after reprice #3: the $2
--   versions, alive at minute 6, come from #3's retractions, usage.request_deltas): the
--   prune deletes #2's;
--   all applied up to 8: the prune deletes #3's; the stored rows equal the full rebuild.
-- Then a toy combinable rollup of usage.model_requests (tests.rp_cost, registered here) lags
-- behind the three: the prune keeps what it reads (the readers come from the registry).
-- At each step the readers of the three rollups (and the toy's) equal the same sums over the
-- raw requests, before and after each prune. Reprice sets received_at and retracted_at to its
-- now(); the contract moves both to the minute of 2099 that stands for it (the watermarks of
-- this database are real times). One transaction: the concurrency argument (an apply in
-- progress, an older snapshot) is in usage.prune_request_retractions' header.
select plan(38);

do $$
begin
  perform tests.create_user('rp-owner@example.com');
  perform tests.create_org('rp-a', md5('rp-owner@example.com')::uuid);
  update app.organizations set timezone = 'UTC' where id = md5('org:rp-a')::uuid;
  insert into usage.models (provider, model, display_name) values ('rp-test', 'm-a', 'A');
  insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during)
  values ('rp-test', 'm-a', 0, 1, tstzrange('2025-01-01 00:00+00', null));
end $$;

create function pg_temp.rp_minute(p_minute int) returns timestamptz language sql immutable as $$
  select timestamptz '2099-01-01 00:00Z' + p_minute * interval '1 minute'
$$;
-- A price change and the reprice of April, standing at minute p_minute; returns requests_changed.
create function pg_temp.rp_reprice(p_price numeric, p_minute int) returns bigint language plpgsql as $$
declare
  v_changed bigint;
begin
  update usage.prices set output_per_mtok = p_price where provider = 'rp-test' and model = 'm-a';
  v_changed := (usage.reprice(md5('org:rp-a')::uuid, tstzrange('2025-04-01', '2025-05-01'))).requests_changed;
  update usage.model_requests set received_at = pg_temp.rp_minute(p_minute)
  where org_id = md5('org:rp-a')::uuid and received_at = pg_catalog.now();
  update usage.request_retractions set retracted_at = pg_temp.rp_minute(p_minute)
  where org_id = md5('org:rp-a')::uuid and retracted_at = pg_catalog.now();
  return v_changed;
end;
$$;
create function pg_temp.rp_apply(p_names text[], p_minute int) returns void language sql as $$
  select private.apply_rollup(n, pg_temp.rp_minute(p_minute), true) from unnest(p_names) as n;
$$;
-- The organization's retractions: 'minute of retracted_at: rows' (received_at minute in brackets).
create function pg_temp.rp_retractions() returns text language sql as $$
  select coalesce(pg_catalog.string_agg(pg_catalog.format('%s: %s (received %s)', m, n, r), ', ' order by m), 'none')
  from (select (extract(epoch from x.retracted_at - pg_temp.rp_minute(0)) / 60)::int as m, pg_catalog.count(*) as n,
               pg_catalog.string_agg(distinct ((extract(epoch from x.received_at - pg_temp.rp_minute(0)) / 60)::int)::text, ',') as r
        from usage.request_retractions as x where x.org_id = md5('org:rp-a')::uuid group by 1) as q
$$;
-- What the readers of the three rollups return for the fixture day (one line).
create function pg_temp.rp_read() returns text language sql as $$
  select (select pg_catalog.format('org %s req $%s', d.requests, d.cost::numeric(10, 2))
          from private.org_days_rows(md5('org:rp-a')::uuid, '2025-04-01', '2025-04-02') as d)
      || (select pg_catalog.format(' | model %s/%s %s req $%s', m.provider, m.model, m.requests, m.cost::numeric(10, 2))
          from private.model_days_rows(md5('org:rp-a')::uuid, '2025-04-01', '2025-04-02') as m)
      || (select ' | users ' || pg_catalog.string_agg(pg_catalog.format('%s %s req $%s', case u.key when md5('rp-u1')::uuid::text then 'u1' else 'u2' end,
                                                                       u.requests, u.cost::numeric(10, 2)), ', '
                                                        order by u.key = md5('rp-u1')::uuid::text desc)
          from private.dimension_days_rows(md5('org:rp-a')::uuid, '2025-04-01', '2025-04-02') as u where u.dimension = 'user')
$$;
-- The same from the stored rows of the three targets (equal to the readers once all are applied).
create function pg_temp.rp_stored() returns text language sql as $$
  select (select pg_catalog.format('org %s req $%s', d.requests, d.cost::numeric(10, 2))
          from usage.org_days as d where d.org_id = md5('org:rp-a')::uuid)
      || (select pg_catalog.format(' | model %s/%s %s req $%s', m.provider, m.model, m.requests, m.cost::numeric(10, 2))
          from usage.model_days as m where m.org_id = md5('org:rp-a')::uuid)
      || (select ' | users ' || pg_catalog.string_agg(pg_catalog.format('%s %s req $%s', case u.key when md5('rp-u1')::uuid::text then 'u1' else 'u2' end,
                                                                       u.requests, u.cost::numeric(10, 2)), ', '
                                                        order by u.key = md5('rp-u1')::uuid::text desc)
          from usage.dimension_days as u where u.org_id = md5('org:rp-a')::uuid and u.dimension = 'user')
$$;
-- The same from the raw requests (the definition).
create function pg_temp.rp_raw() returns text language sql as $$
  select (select pg_catalog.format('org %s req $%s', pg_catalog.count(*), pg_catalog.sum(r.cost)::numeric(10, 2))
          from usage.model_requests as r where r.org_id = md5('org:rp-a')::uuid)
      || (select pg_catalog.format(' | model %s/%s %s req $%s', r.provider, r.model, pg_catalog.count(*), pg_catalog.sum(r.cost)::numeric(10, 2))
          from usage.model_requests as r where r.org_id = md5('org:rp-a')::uuid group by r.provider, r.model)
      || (select ' | users ' || pg_catalog.string_agg(pg_catalog.format('%s %s req $%s', u.name, u.n, u.cost::numeric(10, 2)), ', ' order by u.name)
          from (select case r.user_id when md5('rp-u1')::uuid then 'u1' else 'u2' end as name, pg_catalog.count(*) as n, pg_catalog.sum(r.cost) as cost
                from usage.model_requests as r where r.org_id = md5('org:rp-a')::uuid group by 1) as u)
$$;

select is((public.log_model_requests(md5('org:rp-a')::uuid,
            (select jsonb_agg(jsonb_build_object('request_id', 'rp-' || i, 'occurred_at', '2025-04-01T' || t || ':00Z',
                                                 'provider', 'rp-test', 'model', 'm-a', 'output_tokens', 1000000,
                                                 'latency_ms', 100, 'user_id', md5(u)::uuid))
             from unnest(array['10:00', '10:01', '10:02', '11:00'], array['rp-u1', 'rp-u1', 'rp-u1', 'rp-u2'])
                  with ordinality as x (t, u, i)))) ->> 'accepted', '4', '4 requests: 3 of u1, 1 of u2');
update usage.model_requests set received_at = pg_temp.rp_minute(1) where org_id = md5('org:rp-a')::uuid;
select pg_temp.rp_apply(array['usage.dimension_days', 'usage.org_days', 'usage.model_days'], 2);
select is(pg_temp.rp_raw(), 'org 4 req $4.00 | model rp-test/m-a 4 req $4.00 | users u1 3 req $3.00, u2 1 req $1.00',
          'the raw requests: 4 at $1');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'applied up to minute 2: the readers equal the raw requests');

-- Reprice #1 ($3, minute 3), applied.
select is(pg_temp.rp_reprice(3, 3), 4::bigint, 'reprice #1 ($3) changes the 4 requests');
select is(pg_temp.rp_retractions(), '3: 4 (received 1)', 'reprice #1 keeps the 4 old versions');
select pg_temp.rp_apply(array['usage.dimension_days', 'usage.org_days', 'usage.model_days'], 4);
select is(pg_temp.rp_stored(), 'org 4 req $12.00 | model rp-test/m-a 4 req $12.00 | users u1 3 req $9.00, u2 1 req $3.00',
          'applied up to minute 4: the stored rows count the 4 requests at $3');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'before reprice #2 (and its prune): the readers equal the raw requests');

-- Reprice #2 ($2, minute 5): its prune deletes #1's retractions (minute 3, every watermark at 4).
select is(pg_temp.rp_reprice(2, 5), 4::bigint, 'reprice #2 ($2) changes the 4 requests');
select is(pg_temp.rp_retractions(), '5: 4 (received 3)', 'after reprice #2: #1''s retractions are gone, #2''s 4 kept');
select is(pg_temp.rp_raw(), 'org 4 req $8.00 | model rp-test/m-a 4 req $8.00 | users u1 3 req $6.00, u2 1 req $2.00',
          'the raw requests: 4 at $2');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'after reprice #2 and its prune: the readers equal the raw requests');

-- org_days alone applied up to minute 6; reprice #3 ($5, minute 7) keeps #2's retractions.
select pg_temp.rp_apply(array['usage.org_days'], 6);
select is(pg_temp.rp_reprice(5, 7), 4::bigint, 'reprice #3 ($5) changes the 4 requests');
select is(pg_temp.rp_retractions(), '5: 4 (received 3), 7: 4 (received 5)',
          'after reprice #3: #2''s retractions kept (dimension_days and model_days, at minute 4, subtract them), #3''s added');
select is(pg_temp.rp_raw(), 'org 4 req $20.00 | model rp-test/m-a 4 req $20.00 | users u1 3 req $15.00, u2 1 req $5.00',
          'the raw requests: 4 at $5');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'one rollup ahead, two behind: the readers equal the raw requests');
select is(pg_temp.rp_stored(), 'org 4 req $8.00 | model rp-test/m-a 4 req $12.00 | users u1 3 req $9.00, u2 1 req $3.00',
          'the stored rows: org_days at $2 (minute 6), model_days and dimension_days at $3 (minute 4)');
create temporary table rp_kept as
  select * from usage.request_retractions where org_id = md5('org:rp-a')::uuid and retracted_at = pg_temp.rp_minute(5);
delete from usage.request_retractions where org_id = md5('org:rp-a')::uuid and retracted_at = pg_temp.rp_minute(5);
select is(pg_temp.rp_read(), 'org 4 req $20.00 | model rp-test/m-a 8 req $32.00 | users u1 6 req $24.00, u2 2 req $8.00',
          'what the kept rows are for: without #2''s retractions the readers of the rollups at minute 4 count the $3 versions twice');
insert into usage.request_retractions overriding system value select * from rp_kept;

-- dimension_days and model_days applied up to exactly minute 5, then 6.
select pg_temp.rp_apply(array['usage.dimension_days', 'usage.model_days'], 5);
select is(usage.prune_request_retractions(), 0::bigint,
          'lowest watermark minute 5: the prune keeps #2''s retractions (retracted AT it: the next apply reads [5, bound))');
select is(pg_temp.rp_retractions(), '5: 4 (received 3), 7: 4 (received 5)', 'the 8 retractions are kept');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'lowest watermark minute 5: the readers equal the raw requests');
select pg_temp.rp_apply(array['usage.dimension_days', 'usage.model_days'], 6);
select is(pg_temp.rp_stored(), 'org 4 req $8.00 | model rp-test/m-a 4 req $8.00 | users u1 3 req $6.00, u2 1 req $2.00',
          'every watermark at minute 6, applied after reprice #3 (minute 7): the stored rows count the $2 versions, alive at minute 6');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'every watermark at minute 6, before the prune: the readers equal the raw requests');
select is(usage.prune_request_retractions(), 4::bigint, 'every watermark at minute 6: the prune deletes #2''s 4 retractions');
select is(pg_temp.rp_retractions(), '7: 4 (received 5)', '#3''s retractions are kept');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'after the prune: the readers equal the raw requests');

-- All applied up to minute 8: nothing is read any more.
select pg_temp.rp_apply(array['usage.dimension_days', 'usage.org_days', 'usage.model_days'], 8);
select is(usage.prune_request_retractions(), 4::bigint, 'every watermark at minute 8: the prune deletes #3''s 4 retractions');
select is(pg_temp.rp_retractions(), 'none', 'no retraction of the organization is left');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'after the prune: the readers equal the raw requests');
select is(pg_temp.rp_stored(), pg_temp.rp_raw(), 'the stored rows equal the raw requests');
create temporary table rp_org_days as select * from usage.org_days where org_id = md5('org:rp-a')::uuid;
create temporary table rp_model_days as select * from usage.model_days where org_id = md5('org:rp-a')::uuid;
create temporary table rp_dimension_days as select * from usage.dimension_days where org_id = md5('org:rp-a')::uuid;
select private.reset_rollup(n) from unnest(array['usage.dimension_days', 'usage.org_days', 'usage.model_days']) as n;
select pg_temp.rp_apply(array['usage.dimension_days', 'usage.org_days', 'usage.model_days'], 8);
-- Equal values: a stored cost may keep the display scale of a subtracted old version.
select results_eq($$ select * from usage.org_days where org_id = md5('org:rp-a')::uuid $$, $$ select * from rp_org_days $$,
                  'the full rebuild (from -infinity) of org_days equals its incremental row after the prunes');
select results_eq($$ select * from usage.model_days where org_id = md5('org:rp-a')::uuid $$, $$ select * from rp_model_days $$,
                  'the full rebuild of model_days equals its incremental row');
select results_eq($$ select * from usage.dimension_days where org_id = md5('org:rp-a')::uuid order by dimension, key $$,
                  $$ select * from rp_dimension_days order by dimension, key $$,
                  'the full rebuild of dimension_days equals its incremental rows (user u1 and u2, team, project, feature)');

-- A fourth combinable rollup of usage.model_requests, registered here: the prune follows the registry.
create table tests.rp_cost (org_id uuid primary key, requests bigint not null, cost numeric not null);
create function tests.compute_rp_cost(p_org_id uuid, p_after timestamptz, p_upto timestamptz) returns setof tests.rp_cost
language sql stable as $$
  select x.org_id, pg_catalog.sum(x.sign)::bigint, pg_catalog.sum(x.sign * x.cost)
  from usage.request_deltas(p_org_id is null, p_org_id, p_after, p_upto) as x
  where x.org_id = md5('org:rp-a')::uuid group by 1
$$;
create function tests.combine_rp_cost(p_stored tests.rp_cost, p_delta tests.rp_cost) returns tests.rp_cost
language sql stable as $$
  select p_delta.org_id, coalesce(p_stored.requests, 0) + p_delta.requests, coalesce(p_stored.cost, 0) + p_delta.cost
$$;
select private.register_rollup('tests.rp_cost', 'usage.model_requests', 'tests.rp_cost', 'tests.compute_rp_cost',
                               '{org_id}', null, '{}', 'toy', p_combine_function => 'tests.combine_rp_cost');
select pg_temp.rp_apply(array['tests.rp_cost'], 8);
select is(pg_temp.rp_reprice(4, 9), 4::bigint, 'reprice #4 ($4, minute 9) changes the 4 requests');
select pg_temp.rp_apply(array['usage.dimension_days', 'usage.org_days', 'usage.model_days'], 10);
select is(usage.prune_request_retractions(), 0::bigint,
          'the three at minute 10, the toy at 8: the prune keeps #4''s retractions (the toy subtracts them)');
select is((select pg_catalog.format('%s req $%s', c.requests, c.cost::numeric(10, 2)) from private.rp_cost_rows(md5('org:rp-a')::uuid) as c),
          '4 req $16.00', 'the toy''s reader: 4 requests at $4, as the raw requests');
select is(pg_temp.rp_read(), pg_temp.rp_raw(), 'the readers of the three equal the raw requests');
select pg_temp.rp_apply(array['tests.rp_cost'], 10);
select is(usage.prune_request_retractions(), 4::bigint, 'the toy at minute 10 too: the prune deletes #4''s 4 retractions');
select is((select pg_catalog.format('%s req $%s', c.requests, c.cost::numeric(10, 2)) from private.rp_cost_rows(md5('org:rp-a')::uuid) as c),
          '4 req $16.00', 'the toy''s reader after the prune: 4 requests at $4');

select * from finish();
