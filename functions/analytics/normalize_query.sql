-- A search query as the search analytics group it: Unicode NFKC, lower case, trimmed,
-- inner runs of white space as one space, at most 100 characters; NULL when not a
-- string or blank. Internal helper of analytics.compute_search_daily_stats.
create or replace function analytics.normalize_query(p_query jsonb)
returns text
language sql
immutable
parallel safe
as $$
  select case when pg_catalog.jsonb_typeof(p_query) = 'string'
               and pg_catalog.btrim(p_query #>> '{}') <> ''
              then pg_catalog.left(pg_catalog.lower(pg_catalog.regexp_replace(
                     pg_catalog.btrim(pg_catalog.normalize(p_query #>> '{}', 'NFKC')), '\s+', ' ', 'g')), 100) end
$$;
revoke execute on function analytics.normalize_query(jsonb) from public, anon, authenticated;
comment on function analytics.normalize_query(jsonb) is
  'A search query normalized for grouping: NFKC, lower case, trimmed, white space collapsed, at most 100 characters; NULL when missing or blank. Internal helper (owner only).';
