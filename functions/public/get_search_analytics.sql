-- Search analytics of one organization for the local days [p_from, p_to), from the rollup
-- analytics.search_daily_stats (exact at every moment: private.rollup_rows), as jsonb:
--   { "org_id", "from", "to",
--     "period": {"searches", "zero_result_searches", "zero_result_rate_pct",
--                "search_to_click_rate_pct", "median_result_count"},
--     "daily": [{"date", same five figures}]                        every day, in order
--     "top_queries": [{"query", "searches", "zero_result_rate_pct", "search_to_click_rate_pct"}] }
-- Definitions (bots excluded, days in the organization's time zone): queries are
-- normalized (analytics.normalize_query: NFKC, lower case, white space collapsed); a search
-- is a search event whose properties.query is a non-blank string: one without a query
-- (nothing was searched for) is counted nowhere, nor are its clicks;
-- zero_result_rate_pct = searches with results_count 0 / searches x 100;
-- search_to_click_rate_pct = clickers / searchers x 100, where searchers are the
-- (visitor, query, day) triples with a search and clickers those that also have a
-- search_result_click for that query that day; median_result_count = exact median of the
-- reported results_count values (NULL when none); rates two decimals, NULL when the
-- denominator is 0. top_queries: the p_limit queries with the most searches (ties: query
-- text, byte order), and only queries searched by at least 2 (visitor, day) pairs in the
-- period, so that a query typed once by one person never shows (no person-level output:
-- nothing here identifies a visitor).
-- Callable by analysts or above of the organization, and service_role.
-- Errors: 42501 not an analyst of the organization; 22023 a bad period (NULL, reversed,
-- infinite, over 366 days) or p_limit outside 1-100.
create or replace function public.get_search_analytics(p_org_id uuid, p_from date, p_to date, p_limit integer default 10)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
begin
  perform app.assert_org_role(p_org_id, 'analyst');   -- raises 42501; NULL is never "allowed"
  perform analytics.check_period(p_from, p_to);       -- raises 22023
  if p_limit is null or p_limit not between 1 and 100 then
    raise exception 'limit % is outside 1-100', coalesce(p_limit::text, 'NULL')
      using errcode = '22023', hint = 'Ask for 1 to 100 top queries (default 10).';
  end if;

  return (
    with s as materialized (
      select x.* from private.rollup_rows(null::analytics.search_daily_stats, p_org_id, p_from, p_to) as x
      where x.org_id = p_org_id
    ),
    per_day as (
      select s.day, pg_catalog.sum(s.searches) as searches, pg_catalog.sum(s.zero_result_searches) as zero,
             pg_catalog.sum(s.searchers) as searchers, pg_catalog.sum(s.clickers) as clickers,
             (select pg_catalog.percentile_cont(0.5) within group (order by c)
                from s as s2, pg_catalog.unnest(s2.result_counts) as c where s2.day = s.day) as median
      from s group by s.day
    ),
    figures as (
      select g.day,
             pg_catalog.jsonb_build_object(
               'searches', coalesce(d.searches, 0),
               'zero_result_searches', coalesce(d.zero, 0),
               'zero_result_rate_pct', case when d.searches > 0 then pg_catalog.round(100.0 * d.zero / d.searches, 2) end,
               'search_to_click_rate_pct', case when d.searchers > 0 then pg_catalog.round(100.0 * d.clickers / d.searchers, 2) end,
               'median_result_count', pg_catalog.round(d.median::numeric, 1)) as f
      from (select pg_catalog.generate_series(p_from, p_to - 1, interval '1 day')::date as day) as g
      left join per_day as d on d.day = g.day
      union all
      select null, pg_catalog.jsonb_build_object(
               'searches', coalesce(pg_catalog.sum(s.searches), 0),
               'zero_result_searches', coalesce(pg_catalog.sum(s.zero_result_searches), 0),
               'zero_result_rate_pct', case when pg_catalog.sum(s.searches) > 0
                                            then pg_catalog.round(100.0 * pg_catalog.sum(s.zero_result_searches) / pg_catalog.sum(s.searches), 2) end,
               'search_to_click_rate_pct', case when pg_catalog.sum(s.searchers) > 0
                                                then pg_catalog.round(100.0 * pg_catalog.sum(s.clickers) / pg_catalog.sum(s.searchers), 2) end,
               'median_result_count', (select pg_catalog.round((pg_catalog.percentile_cont(0.5) within group (order by c))::numeric, 1)
                                         from s as s2, pg_catalog.unnest(s2.result_counts) as c))
      from s
    ),
    top as (
      select s.query, pg_catalog.sum(s.searches) as searches, pg_catalog.sum(s.zero_result_searches) as zero,
             pg_catalog.sum(s.searchers) as searchers, pg_catalog.sum(s.clickers) as clickers
      from s
      group by s.query
      having pg_catalog.sum(s.searchers) >= 2
      order by pg_catalog.sum(s.searches) desc, s.query
      limit p_limit
    )
    select pg_catalog.jsonb_build_object(
      'org_id', p_org_id, 'from', p_from, 'to', p_to,
      'period', (select f.f from figures as f where f.day is null),
      'daily', (select pg_catalog.jsonb_agg(f.f || pg_catalog.jsonb_build_object('date', f.day) order by f.day)
                  from figures as f where f.day is not null),
      'top_queries', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                               'query', t.query, 'searches', t.searches,
                               'zero_result_rate_pct', pg_catalog.round(100.0 * t.zero / t.searches, 2),
                               'search_to_click_rate_pct', pg_catalog.round(100.0 * t.clickers / t.searchers, 2))
                             order by t.searches desc, t.query), '[]'::jsonb)
                        from top as t))
  );
end;
$$;
revoke execute on function public.get_search_analytics(uuid, date, date, integer) from public, anon;
grant execute on function public.get_search_analytics(uuid, date, date, integer) to authenticated, service_role;
comment on function public.get_search_analytics(uuid, date, date, integer) is
  'Search analytics for local days [p_from, p_to): searches, zero-result rate, search-to-click rate and median result count for the period and per day, and the top normalized queries (only those searched by 2+ visitor-days; no person-level output). Analysts or above and service_role; 42501 otherwise; 22023 bad period or limit.';
