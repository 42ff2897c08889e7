-- Contract: no RPC that takes an object id tells a stranger whether the id exists
-- (issue 14, item 5). For a signed-in member of another organization ("other" of
-- tests.audience_orgs), a real object of aud-berlin and a random id give the same SQLSTATE
-- and the same message (with the id in it). service_role is told P0002 for a missing id.
-- Objects: a segment, a segment export request, an experiment and an insight of
-- aud-berlin, a content item (get_entity_analytics takes the organization first) and the
-- organization itself (get_organization).
-- Exception by design: public.assign_user_to_experiment assigns anyone signed in (fans,
-- not members) to a running experiment, so its id is a capability handed to clients and
-- an unknown id answers P0002 to everyone (experiments_assign_user_to_experiment.sql).
select plan(8);

select tests.audience_orgs();
insert into experiments.experiments (id, org_id, name, variants, control_variant, success_metrics) values
  ('00000000-0000-4000-8000-0000000000a1', md5('org:aud-berlin')::uuid, 'Probe',
   '[{"name": "control", "allocation": 50}, {"name": "treatment", "allocation": 50}]', 'control', '{purchase}');
insert into insights.ai_insights (id, org_id, insight_type, category, priority, title, description, confidence, data_snapshot,
                                  subject_key, period_start, period_end, expires_at, detector_version, input_hash)
values ('00000000-0000-4000-8000-0000000000a2', md5('org:aud-berlin')::uuid, 'city_growth', 'geographic', 'high', 'Probe',
        'Probe.', 0.80, '{}', 'Berlin', '2026-03-01Z', '2026-03-31Z', now() + interval '5 days', 'sql-1', 'x');
select tests.authenticate_as(tests.audience_user('admin'));
create temp table probe as
  select segment_id as seg from public.create_segment(md5('org:aud-berlin')::uuid, 'Probe', '[]');
alter table probe add column export_id bigint;
update probe set export_id = (select export_id from public.request_segment_export((select seg from probe), false, 'probe'));
grant select on probe to public;

-- SQLSTATE and message of a call, the id in the message replaced by <id>.
create function pg_temp.answer(p_sql text, p_id text) returns text language plpgsql as $$
begin
  execute p_sql;
  return 'no error';
exception when others then
  return sqlstate || ': ' || replace(sqlerrm, p_id, '<id>');
end $$;
-- The answers for the real id and for a random one, side by side.
create function pg_temp.both(p_template text, p_real text, p_random text) returns text[] language sql as $$
  select array[pg_temp.answer(format(p_template, p_real), p_real), pg_temp.answer(format(p_template, p_random), p_random)]
$$;

select tests.authenticate_as(tests.audience_user('other'));
select is(pg_temp.both('select * from public.materialize_segment(%L, false, ''probe'')', (select seg::text from probe), gen_random_uuid()::text),
          array['42501: segment <id> does not exist or is not in your organizations',
                '42501: segment <id> does not exist or is not in your organizations'],
          'materialize_segment: a real and a random segment id give the same answer');
select is(pg_temp.both('select * from public.request_segment_export(%L, true, ''probe'')', (select seg::text from probe), gen_random_uuid()::text),
          array['42501: segment <id> does not exist or is not in your organizations',
                '42501: segment <id> does not exist or is not in your organizations'],
          'request_segment_export: the same answer');
select is(pg_temp.both('select * from public.fetch_segment_export(%s)', (select export_id::text from probe), '9000000000000000001'),
          array['42501: segment export <id> does not exist or is not in your organizations',
                '42501: segment export <id> does not exist or is not in your organizations'],
          'fetch_segment_export: the same answer');
select is(pg_temp.both('select * from public.get_experiment_results(%L)', '00000000-0000-4000-8000-0000000000a1', gen_random_uuid()::text),
          array['42501: experiment <id> does not exist or is not in your organizations',
                '42501: experiment <id> does not exist or is not in your organizations'],
          'get_experiment_results: the same answer');
select is(pg_temp.both('select public.update_insight_status(%L, ''dismissed'')', '00000000-0000-4000-8000-0000000000a2', gen_random_uuid()::text),
          array['42501: insight <id> does not exist or is not in your organizations',
                '42501: insight <id> does not exist or is not in your organizations'],
          'update_insight_status: the same answer');
select is(pg_temp.both(format('select public.get_entity_analytics(%L, %%L, %L, %L)', md5('org:aud-berlin')::uuid, '2026-06-01', '2026-06-15'),
                       '00000000-0000-4000-8000-0000000000a3', gen_random_uuid()::text),
          array[format('42501: you are not a member of organization %s', md5('org:aud-berlin')::uuid),
                format('42501: you are not a member of organization %s', md5('org:aud-berlin')::uuid)],
          'get_entity_analytics: the organization is checked before the entity');

select is(pg_temp.both('select public.get_organization(%L)', md5('org:aud-berlin')::uuid::text, gen_random_uuid()::text),
          array['42501: you are not a member of organization <id>', '42501: you are not a member of organization <id>'],
          'get_organization: a real and a random organization id give the same answer');

select tests.authenticate_as_service_role();
select is(pg_temp.answer(format('select * from public.get_experiment_results(%L)', '00000000-0000-4000-8000-0000000000ff'),
                         '00000000-0000-4000-8000-0000000000ff'),
          'P0002: experiment <id> does not exist', 'service_role is told P0002 for a missing object');

select * from finish();
