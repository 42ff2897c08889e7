-- requires: functions/private/assert_period.sql
-- requires: functions/usage/histogram_percentile.sql
-- requires: functions/usage/compute_org_days.sql
-- requires: functions/usage/compute_active_user_days.sql
-- Usage overview of one organization for the local days [p_from, p_to) against the
-- previous period of equal length [p_from - n, p_from): one row per metric with its
-- current and previous value and the change in % (one decimal; NULL when the previous
-- value is 0 or either is NULL).
-- Metrics (days are local days in the organization's time zone):
--   requests; errors (status error or timeout); error_rate_pct (errors / requests, 1 dec.);
--   cost (sum of the priced requests' exact cost, rounded to the cent); unpriced_requests
--   (cost NULL: a model without a price, never counted as 0); router_savings (routed
--   requests with both costs known: baseline cost - cost paid, to the cent);
--   input_tokens, output_tokens, cached_input_tokens, cache_write_tokens;
--   latency_p50_ms, latency_p95_ms: nearest-rank percentiles read from log-scale
--   histogram buckets (8 per doubling, usage.latency_bucket), reported at the bucket's
--   geometric middle: within 4.4 % of the exact percentile (not exact);
--   active_users: distinct users with a request in the period; dau_avg: distinct users
--   per day averaged over the n days (1 decimal); wau / mau: distinct users in the last
--   7 / 30 days of the period, [end - 7, end) / [end - 30, end); stickiness_pct:
--   dau_avg / mau (1 decimal). Distinct counts are exact: users of [f, t) are counted on
--   their first active day of the range (usage.active_user_days: rows with day in [f, t)
--   and previous active day before f), never sums of daily counts.
-- Who: members. Analysts and above see the organization (read from usage.org_days and
-- usage.active_user_days through their inlined readers private.org_days_rows and
-- private.active_user_days_rows: a few rows a day, exact at every moment); any other
-- member sees the numbers of their own requests only, computed from those requests (one
-- user's, a small index range; latency NULL: the histogram has no user dimension).
-- Errors: 42501 not a member (hint); 22023 bad period (hint).
create or replace function public.get_usage_overview(p_org_id uuid, p_from date, p_to date)
returns table (metric text, current_value numeric, previous_value numeric, change_pct numeric)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_role app.org_role := app.assert_org_role(p_org_id, 'viewer');
  v_own  uuid := case when v_role < 'analyst' then auth.uid() end;
  v_n    integer;
  v_tz   text;
begin
  perform private.assert_period(p_from, p_to);
  v_n := p_to - p_from;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  return query
  with own as materialized (                                      -- a plain member: their own requests
    select (r.occurred_at at time zone v_tz)::date as day, r.*
    from usage.model_requests as r
    where v_own is not null and r.org_id = p_org_id and r.user_id = v_own
      and r.occurred_at >= (least(p_from - v_n, p_to - v_n - 30)::timestamp at time zone v_tz)
      and r.occurred_at < (p_to::timestamp at time zone v_tz)
  ),
  md as materialized (                                            -- the organization: one row a day
    select d.* from private.org_days_rows(p_org_id, p_from - v_n, p_to) as d
    where v_own is null
  ),
  days as materialized (                                          -- the sums per day
    select d.day, d.requests, d.errors, d.cost, d.unpriced, d.baseline_cost - d.routed_cost as savings,
           d.input_tokens, d.output_tokens, d.cached_input_tokens, d.cache_write_tokens
    from md as d
    union all
    select o.day, pg_catalog.count(*), pg_catalog.count(*) filter (where o.status in ('error', 'timeout')),
           coalesce(pg_catalog.sum(o.cost), 0), pg_catalog.count(*) filter (where o.cost is null),
           coalesce(pg_catalog.sum(o.baseline_cost - o.cost) filter (where o.was_routed and o.cost is not null and o.baseline_cost is not null), 0),
           pg_catalog.sum(o.input_tokens), pg_catalog.sum(o.output_tokens),
           pg_catalog.sum(o.cached_input_tokens), pg_catalog.sum(o.cache_write_tokens)
    from own as o where o.day >= p_from - v_n
    group by o.day
  ),
  active as materialized (                                        -- users per day by previous active day
    select a.day, a.prev_day, a.users
    from private.active_user_days_rows(p_org_id, least(p_from - v_n, p_to - v_n - 30), p_to) as a
    where v_own is null
    union all
    select x.day, coalesce(pg_catalog.lag(x.day) over (order by x.day), '-infinity'), 1
    from (select distinct o.day from own as o) as x
  ),
  hist as materialized (                                          -- latency histogram per day (organization only)
    select d.day, b.b, b.n
    from md as d, unnest(d.latency_buckets, d.latency_counts) as b (b, n)
  ),
  periods (period, f, t) as (values (1, p_from, p_to), (0, p_from - v_n, p_from)),
  m as materialized (                                            -- once: ms reads v three times
    select p.period,
           (select pg_catalog.jsonb_build_object(
              'requests', coalesce(pg_catalog.sum(d.requests), 0),
              'errors', coalesce(pg_catalog.sum(d.errors), 0),
              'error_rate_pct', pg_catalog.round(100.0 * pg_catalog.sum(d.errors) / nullif(pg_catalog.sum(d.requests), 0), 1),
              'cost', pg_catalog.round(coalesce(pg_catalog.sum(d.cost), 0), 2),
              'unpriced_requests', coalesce(pg_catalog.sum(d.unpriced), 0),
              'router_savings', pg_catalog.round(coalesce(pg_catalog.sum(d.savings), 0), 2),
              'input_tokens', coalesce(pg_catalog.sum(d.input_tokens), 0),
              'output_tokens', coalesce(pg_catalog.sum(d.output_tokens), 0),
              'cached_input_tokens', coalesce(pg_catalog.sum(d.cached_input_tokens), 0),
              'cache_write_tokens', coalesce(pg_catalog.sum(d.cache_write_tokens), 0))
            from days as d where d.day >= p.f and d.day < p.t)
           || (select pg_catalog.jsonb_build_object(
                 'active_users', coalesce(pg_catalog.sum(a.users) filter (where a.day >= p.f and a.prev_day < p.f), 0),
                 'dau_avg', pg_catalog.round(coalesce(pg_catalog.sum(a.users) filter (where a.day >= p.f), 0)::numeric / v_n, 1),
                 'wau', coalesce(pg_catalog.sum(a.users) filter (where a.day >= p.t - 7 and a.prev_day < p.t - 7), 0),
                 'mau', coalesce(pg_catalog.sum(a.users) filter (where a.day >= p.t - 30 and a.prev_day < p.t - 30), 0))
               from active as a where a.day >= least(p.f, p.t - 30) and a.day < p.t)
           || (select pg_catalog.jsonb_build_object(
                 'latency_p50_ms', usage.histogram_percentile(pg_catalog.array_agg(g.b), pg_catalog.array_agg(g.n), 0.5),
                 'latency_p95_ms', usage.histogram_percentile(pg_catalog.array_agg(g.b), pg_catalog.array_agg(g.n), 0.95))
               from (select h.b, pg_catalog.sum(h.n)::bigint as n        -- merged per bucket first: small arrays
                     from hist as h where h.day >= p.f and h.day < p.t
                     group by h.b) as g) as v
    from periods as p
  ),
  ms as (
    select m.period, m.v || pg_catalog.jsonb_build_object('stickiness_pct',
             pg_catalog.round(100 * (m.v ->> 'dau_avg')::numeric / nullif((m.v ->> 'mau')::numeric, 0), 1)) as v
    from m
  ),
  cur as (select ms.v from ms where ms.period = 1), prev as (select ms.v from ms where ms.period = 0)
  select k.metric, (c.v ->> k.metric)::numeric, (pv.v ->> k.metric)::numeric,
         pg_catalog.round(100.0 * ((c.v ->> k.metric)::numeric - (pv.v ->> k.metric)::numeric)
                          / nullif((pv.v ->> k.metric)::numeric, 0), 1)
  from cur as c, prev as pv,
       pg_catalog.unnest('{requests,errors,error_rate_pct,cost,unpriced_requests,router_savings,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,latency_p50_ms,latency_p95_ms,active_users,dau_avg,wau,mau,stickiness_pct}'::text[])
         with ordinality as k (metric, ord)
  order by k.ord;
end;
$$;
revoke execute on function public.get_usage_overview(uuid, date, date) from public, anon;
grant execute on function public.get_usage_overview(uuid, date, date) to authenticated, service_role;
comment on function public.get_usage_overview(uuid, date, date) is
  'AI-platform usage overview for local days [p_from, p_to) vs the previous period: one row per metric (requests, errors, error rate, cost, unpriced, router savings, tokens by kind, latency p50/p95 from log-scale buckets within 4.4 %, active users, DAU average, WAU, MAU, stickiness) with current, previous and change %. Members; below analyst: own requests only. 42501 not a member; 22023 bad period.';
