-- The SQL condition that rows aliased p_left and p_right agree on p_columns of the rollup
-- target p_target: `l.c = r.c` for a NOT NULL column (hashable, indexable), `l.c IS NOT
-- DISTINCT FROM r.c` for a nullable one (a key under UNIQUE NULLS NOT DISTINCT), joined by
-- AND. Builds the key and unit matches of private.apply_rollup and private.rollup_rows.
-- Internal; no errors (an unknown column is matched null-safely).
create or replace function private.rollup_match(p_target regclass, p_columns text[], p_left text, p_right text)
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.string_agg(
           pg_catalog.format(case when coalesce(a.attnotnull, false) then '%1$I.%3$I = %2$I.%3$I'
                                  else '%1$I.%3$I is not distinct from %2$I.%3$I' end,
                             p_left, p_right, c.name),
           ' and ' order by c.position)
  from pg_catalog.unnest(p_columns) with ordinality as c (name, position)
  left join pg_catalog.pg_attribute as a
    on a.attrelid = p_target and a.attname = c.name and a.attnum > 0 and not a.attisdropped;
$$;
revoke execute on function private.rollup_match(regclass, text[], text, text) from public;
comment on function private.rollup_match(regclass, text[], text, text) is
  'SQL condition that two aliased rows of a rollup target agree on the given columns (= for NOT NULL columns, IS NOT DISTINCT FROM otherwise). Internal.';
