-- Contract: deleting an organization deletes its derived rows (migration 1110: the derived
-- tables have no foreign key to app.organizations; private.delete_organization_rollups, a
-- statement trigger on app.organizations, is their cascade) and nobody else's.
-- Fixture: organizations gone and stay (UTC), the same events in each, received now:
-- visitor v1 with a page view from a newsletter link, an impression of and a link click on
-- the event e1, a checkout and a play (10:00-10:30 UTC ten days ago: after the retention
-- horizon of a database that holds data), a page view the next day; visitor v2 a page view
-- the next day. Every registered rollup is applied up to now and the audience rollups built,
-- and the insight aggregates computed, so both organizations hold rows in the same 20 derived
-- tables (the usage rollups and those of profiles, searches and users stay empty: no such
-- rows in the fixture).
select plan(6);

select tests.create_user('owner@gone.test');
select tests.create_org('gone', md5('owner@gone.test')::uuid);
select tests.create_org('stay', md5('owner@gone.test')::uuid);
select analytics.ensure_partitions(0, 5);
insert into analytics.events (org_id, occurred_at, event_type, visitor_id, utm_source, utm_medium, entity_type, entity_id, device_type)
select o.id, date_trunc('day', now()) - interval '10 days' + e.at::interval, e.type, e.visitor, e.source, e.medium, e.entity_type, e.entity_id, 'mobile'
from (values (md5('org:gone')::uuid), (md5('org:stay')::uuid)) as o (id),
     (values ('10:00', 'page_view', 'v1', 'newsletter', 'email', null, null::uuid),
             ('10:05', 'impression', 'v1', null, null, 'event', md5('e1')::uuid),
             ('10:10', 'link_click', 'v1', null, null, 'event', md5('e1')::uuid),
             ('10:20', 'checkout_started', 'v1', null, null, 'event', md5('e1')::uuid),
             ('10:30', 'play', 'v1', null, null, 'event', md5('e1')::uuid),
             ('1 day 09:00', 'page_view', 'v1', null, null, null, null),
             ('1 day 11:00', 'page_view', 'v2', null, null, null, null)) as e (at, type, visitor, source, medium, entity_type, entity_id);
select count(*) from (select private.apply_rollup(r.name, now() + interval '2 hours', true)
                      from (select o.name from private.rollups_in_order() as o order by o.level, o.name) as r) as x;
select count(*) from private.refresh_audience_rollups(md5('org:gone')::uuid);
select count(*) from private.refresh_audience_rollups(md5('org:stay')::uuid);
select insights.refresh_aggregates(md5('org:gone')::uuid), insights.refresh_aggregates(md5('org:stay')::uuid);

create function pg_temp.derived_rows(p_org_id uuid)
returns table (target text, rows bigint)
language plpgsql
as $$
declare
  v_target regclass;
begin
  for v_target in select d from private.derived_tables() as d loop
    target := v_target::text;
    execute pg_catalog.format('select count(*) from %s where org_id = $1', v_target) into rows using p_org_id;
    if rows > 0 then
      return next;
    end if;
  end loop;
end;
$$;
create temp table stay_before as select * from pg_temp.derived_rows(md5('org:stay')::uuid);

-- (Not the retractions tables of migration 1215: an upstream's apply writes them only when it
-- is not a rebuild, which depends on the database this runs in; the deletion below must
-- leave none either way.)
select results_eq(
  $$ select target from pg_temp.derived_rows(md5('org:gone')::uuid)
     where target::regclass not in (select r.retractions from private.rollups as r where r.retractions is not null)
     order by 1 $$,
  $$ values ('analytics.entity_daily_funnel'), ('analytics.entity_daily_interactions'), ('analytics.entity_daily_recency'),
            ('analytics.entity_daily_stats'), ('analytics.entity_daily_visitors'), ('analytics.org_daily_breakdowns'),
            ('analytics.org_daily_recency'), ('analytics.org_daily_stats'), ('analytics.org_daily_visitors'),
            ('analytics.visitor_daily_counts'), ('audience.customers'), ('private.audience_attribution_days'),
            ('private.audience_day_counts'), ('private.audience_day_recency'), ('private.audience_device_days'),
            ('private.audience_session_prefixes'),
            ('private.audience_sessions'), ('private.audience_touch_days'), ('private.audience_visitor_day_combos'),
            ('private.audience_visitor_days'), ('private.insight_aggregate_rows') $$,
  'before the deletion, gone has rows in the derived tables its events fill');
select results_eq(
  $$ select target, rows from pg_temp.derived_rows(md5('org:gone')::uuid) order by 1 $$,
  $$ select target, rows from stay_before order by 1 $$,
  'and the same rows as stay, table by table (the same events)');

select tests.authenticate_as_service_role();
select lives_ok($$ delete from app.organizations where slug = 'gone' $$, 'service_role deletes organization gone');
reset role;
select is_empty($$ select * from pg_temp.derived_rows(md5('org:gone')::uuid) $$,
  'no derived table holds a row of gone after its deletion');
select results_eq(
  $$ select target, rows from pg_temp.derived_rows(md5('org:stay')::uuid) order by 1 $$,
  $$ select target, rows from stay_before order by 1 $$,
  'stay keeps every derived row');
select ok(not pg_catalog.has_function_privilege('authenticated', 'private.delete_organization_rollups()', 'execute')
          and not pg_catalog.has_function_privilege('anon', 'private.delete_organization_rollups()', 'execute'),
  'the trigger function is not executable by the API roles');

select * from finish();
