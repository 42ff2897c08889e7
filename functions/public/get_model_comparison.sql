-- requires: functions/private/assert_period.sql
-- requires: functions/usage/histogram_percentile.sql
-- requires: functions/usage/compute_model_days.sql
-- Models compared for one organization over the local days [p_from, p_to), one row per
-- provider/model used: requests and share_pct of all requests (1 decimal); latency p50 /
-- p95 (ms, from log-scale histogram buckets: within 4.4 % of the exact percentile);
-- error_rate_pct (error or timeout, 1 decimal); avg_rating (1-5, 2 decimals, NULL when
-- unrated); cost_per_request (over the priced requests) and cost_per_1k_output_tokens
-- (NULL when any request of the model is unpriced), 6 decimals; unpriced requests;
-- efficiency_score = round(100 x (1 - error_rate) x (avg_rating / 5) / (1 + 1000 x
-- cost_per_request), 1): 100 for a free model that never fails and is always rated 5;
-- each $0.001 per request divides it by 2 at equal quality; NULL when unrated or unpriced.
-- Ordered by requests (desc), then model.
-- Who: analysts and above (a plain member gets 42501: the comparison is organization-wide).
-- Reads usage.model_days through its inlined reader private.model_days_rows.
-- Errors: 42501 not a member or below analyst; 22023 bad period.
create or replace function public.get_model_comparison(p_org_id uuid, p_from date, p_to date)
returns table (model text, requests bigint, share_pct numeric, latency_p50_ms numeric, latency_p95_ms numeric,
               error_rate_pct numeric, avg_rating numeric, cost_per_request numeric, cost_per_1k_output_tokens numeric,
               unpriced bigint, efficiency_score numeric)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  perform private.assert_period(p_from, p_to);
  return query
  with h as materialized (
    select r.* from private.model_days_rows(p_org_id, p_from, p_to) as r
  ),
  m as (
    select h.provider || '/' || h.model as model, pg_catalog.sum(h.requests)::bigint as requests,
           pg_catalog.sum(h.errors)::numeric / pg_catalog.sum(h.requests) as error_rate,
           pg_catalog.sum(h.rating_sum)::numeric / nullif(pg_catalog.sum(h.rating_count), 0) as rating,
           pg_catalog.sum(h.cost) / nullif(pg_catalog.sum(h.requests) - pg_catalog.sum(h.unpriced), 0) as cpr,
           case when pg_catalog.sum(h.unpriced) = 0 then pg_catalog.sum(h.cost) * 1000 / nullif(pg_catalog.sum(h.output_tokens), 0) end as cpk,
           pg_catalog.sum(h.unpriced)::bigint as unpriced
    from h group by 1
  ),
  l as (
    select g.model,
           usage.histogram_percentile(pg_catalog.array_agg(g.b), pg_catalog.array_agg(g.n), 0.5) as p50,
           usage.histogram_percentile(pg_catalog.array_agg(g.b), pg_catalog.array_agg(g.n), 0.95) as p95
    from (select h.provider || '/' || h.model as model, b.b, pg_catalog.sum(b.n)::bigint as n   -- merged per bucket first
          from h, unnest(h.latency_buckets, h.latency_counts) as b (b, n)
          group by 1, 2) as g
    group by g.model
  )
  select m.model, m.requests, pg_catalog.round(100.0 * m.requests / pg_catalog.sum(m.requests) over (), 1),
         l.p50, l.p95, pg_catalog.round(100 * m.error_rate, 1), pg_catalog.round(m.rating, 2),
         pg_catalog.round(m.cpr, 6), pg_catalog.round(m.cpk, 6), m.unpriced,
         pg_catalog.round(100 * (1 - m.error_rate) * (m.rating / 5) / (1 + 1000 * m.cpr), 1)
  from m left join l on l.model = m.model
  order by m.requests desc, m.model;
end;
$$;
revoke execute on function public.get_model_comparison(uuid, date, date) from public, anon;
grant execute on function public.get_model_comparison(uuid, date, date) to authenticated, service_role;
comment on function public.get_model_comparison(uuid, date, date) is
  'Per model for local days [p_from, p_to): share of requests, latency p50/p95 (log-scale buckets, within 4.4 %), error rate, average rating, cost per request and per 1k output tokens, efficiency score (formula in the header). Analysts and above. 42501; 22023 bad period.';
