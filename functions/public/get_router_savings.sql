-- requires: functions/private/assert_period.sql
-- requires: functions/usage/compute_org_days.sql
-- What the smart router saved one organization in the local days [p_from, p_to):
-- routed_requests (was_routed); compared_requests (routed, with the cost paid and the
-- baseline model's cost for the same tokens both known); cost_paid and baseline_cost
-- (their sums, to the cent); savings = baseline_cost - cost_paid (to the cent, from the
-- exact sums); savings_rate_pct = savings / baseline_cost (1 decimal); regrets (routed
-- requests that failed, i.e. error or timeout, or were rated <= 2) and regret_rate_pct of
-- routed requests; confidence: routed requests by router confidence tenth
-- ({"0.0": n, "0.1": n, ..., "0.9": n}; "0.9" holds [0.9, 1.0]).
-- Who: analysts and above (organization-wide numbers). Reads usage.org_days (one row a
-- local day: the day's sums of usage.model_hours) through its inlined reader
-- private.org_days_rows. Errors: 42501 not a member or below analyst; 22023 bad period.
create or replace function public.get_router_savings(p_org_id uuid, p_from date, p_to date)
returns table (routed_requests bigint, compared_requests bigint, cost_paid numeric, baseline_cost numeric,
               savings numeric, savings_rate_pct numeric, regrets bigint, regret_rate_pct numeric, confidence jsonb)
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
    select r.routed, r.routed_compared, r.routed_cost, r.baseline_cost, r.regrets, r.confidence_counts
    from private.org_days_rows(p_org_id, p_from, p_to) as r
  ),
  s as (
    select coalesce(pg_catalog.sum(h.routed), 0)::bigint as routed, coalesce(pg_catalog.sum(h.routed_compared), 0)::bigint as compared,
           coalesce(pg_catalog.sum(h.routed_cost), 0) as paid, coalesce(pg_catalog.sum(h.baseline_cost), 0) as baseline,
           coalesce(pg_catalog.sum(h.regrets), 0)::bigint as regrets
    from h
  ),
  c as (
    select pg_catalog.jsonb_object_agg(pg_catalog.to_char((t.i - 1) / 10.0, 'FM0.0'), coalesce(t.n, 0) order by t.i) as confidence
    from (select i.i, (select pg_catalog.sum(h.confidence_counts[i.i]) from h)::bigint as n
          from pg_catalog.generate_series(1, 10) as i (i)) as t
  )
  select s.routed, s.compared, pg_catalog.round(s.paid, 2), pg_catalog.round(s.baseline, 2),
         pg_catalog.round(s.baseline - s.paid, 2),
         pg_catalog.round(100 * (s.baseline - s.paid) / nullif(s.baseline, 0), 1),
         s.regrets, pg_catalog.round(100.0 * s.regrets / nullif(s.routed, 0), 1), c.confidence
  from s, c;
end;
$$;
revoke execute on function public.get_router_savings(uuid, date, date) from public, anon;
grant execute on function public.get_router_savings(uuid, date, date) to authenticated, service_role;
comment on function public.get_router_savings(uuid, date, date) is
  'Smart-router savings for local days [p_from, p_to): routed and compared requests, cost paid vs the baseline model''s cost for the same tokens, savings and rate, regrets (failed or rated <= 2) and the router confidence distribution. Analysts and above. 42501; 22023 bad period.';
