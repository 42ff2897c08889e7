-- requires: functions/private/assert_period.sql
-- requires: functions/usage/histogram_percentile.sql
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
--   dau_avg / mau (1 decimal). Distinct counts are exact (count distinct over the
--   user-day rollup rows of the range, never sums of daily counts).
-- Who: members. Analysts and above see the organization; any other member sees the
-- numbers of their own requests only (latency NULL: the histogram has no user dimension).
-- Reads usage.user_days and usage.model_hours through private.rollup_rows (exact at every
-- moment). Errors: 42501 not a member (hint); 22023 bad period (hint).
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
  with days as materialized (
    select d.* from private.rollup_rows(null::usage.user_days, p_org_id, least(p_from - v_n, p_to - v_n - 30), p_to) as d
    where d.org_id = p_org_id and (v_own is null or d.user_id = v_own)
  ),
  hours as materialized (
    select h.* from private.rollup_rows(null::usage.model_hours, p_org_id,
                                        (p_from - v_n)::timestamp at time zone v_tz, p_to::timestamp at time zone v_tz) as h
    where h.org_id = p_org_id and v_own is null
  ),
  periods (period, f, t) as (values (1, p_from, p_to), (0, p_from - v_n, p_from)),
  user_nil (u) as (values ('00000000-0000-0000-0000-000000000000'::uuid)),
  m as (
    select p.period,
           (select pg_catalog.jsonb_build_object(
              'requests', coalesce(pg_catalog.sum(d.requests), 0),
              'errors', coalesce(pg_catalog.sum(d.errors), 0),
              'error_rate_pct', pg_catalog.round(100.0 * pg_catalog.sum(d.errors) / nullif(pg_catalog.sum(d.requests), 0), 1),
              'cost', pg_catalog.round(coalesce(pg_catalog.sum(d.cost), 0), 2),
              'unpriced_requests', coalesce(pg_catalog.sum(d.unpriced), 0),
              'router_savings', pg_catalog.round(coalesce(pg_catalog.sum(d.baseline_cost - d.routed_cost), 0), 2),
              'input_tokens', coalesce(pg_catalog.sum(d.input_tokens), 0),
              'output_tokens', coalesce(pg_catalog.sum(d.output_tokens), 0),
              'cached_input_tokens', coalesce(pg_catalog.sum(d.cached_input_tokens), 0),
              'cache_write_tokens', coalesce(pg_catalog.sum(d.cache_write_tokens), 0),
              'active_users', pg_catalog.count(distinct d.user_id) filter (where d.user_id <> (select u from user_nil)))
            from days as d where d.day >= p.f and d.day < p.t)
           || (select pg_catalog.jsonb_build_object(
                 'dau_avg', pg_catalog.round(coalesce(pg_catalog.sum(x.users), 0)::numeric / v_n, 1))
               from (select pg_catalog.count(distinct d.user_id) as users from days as d
                     where d.day >= p.f and d.day < p.t and d.user_id <> (select u from user_nil) group by d.day) as x)
           || (select pg_catalog.jsonb_build_object(
                 'wau', pg_catalog.count(distinct d.user_id) filter (where d.day >= p.t - 7),
                 'mau', pg_catalog.count(distinct d.user_id))
               from days as d where d.day >= p.t - 30 and d.day < p.t and d.user_id <> (select u from user_nil))
           || (select pg_catalog.jsonb_build_object(
                 'latency_p50_ms', usage.histogram_percentile(pg_catalog.array_agg(g.b), pg_catalog.array_agg(g.n), 0.5),
                 'latency_p95_ms', usage.histogram_percentile(pg_catalog.array_agg(g.b), pg_catalog.array_agg(g.n), 0.95))
               from (select b.b, pg_catalog.sum(b.n)::bigint as n        -- merged per bucket first: small arrays
                     from hours as h, unnest(h.latency_buckets, h.latency_counts) as b (b, n)
                     where h.hour >= p.f::timestamp at time zone v_tz and h.hour < p.t::timestamp at time zone v_tz
                     group by b.b) as g) as v
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
