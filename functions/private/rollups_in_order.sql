-- The registered rollups (private.rollups) in dependency order: level 0 depends on nothing,
-- a rollup's level is one above the highest of the rollups it depends_on, so applying them
-- by (level, name) applies every upstream before its dependents (private.apply_rollup
-- refuses to move a dependent past its upstream's watermark). Used by private.run_refresh,
-- analytics.apply_retention and the tests that apply every rollup. Internal; no errors
-- (register_rollup refuses unknown dependencies and self-dependency; depth is capped at 32).
create or replace function private.rollups_in_order()
returns table (name text, level integer)
language sql
stable
set search_path = ''
as $$
  with recursive depth as (
    select r.name, 0 as level from private.rollups as r where pg_catalog.cardinality(r.depends_on) = 0
    union all
    select r.name, d.level + 1 from private.rollups as r join depth as d on d.name = any (r.depends_on)
     where d.level < 32
  )
  select d.name, pg_catalog.max(d.level) from depth as d group by d.name order by 2, 1
$$;
revoke execute on function private.rollups_in_order() from public;
comment on function private.rollups_in_order() is
  'Registered rollups in dependency order (level = 1 + the highest level of what they depend on). Internal.';
