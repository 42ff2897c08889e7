-- requires: functions/usage/threshold.sql
-- requires: functions/usage/histogram_percentile.sql
-- The recommendation rule step for one organization over the local days
-- [p_as_of - 30, p_as_of) (30 days, so savings are monthly). Per model x feature with at
-- least recommendation.min_requests requests (usage.model_hours via private.rollup_rows):
-- * cheaper_model: for a feature served by models A and B where B costs less per request,
--   B's average rating >= A's (both rated) and B's p95 latency <= A's: move A's traffic
--   to B (the cheapest such B). estimated_monthly_saving = A's cost - A's requests x B's
--   cost per request, to the cent.
-- * error_hot_spot: a model x feature whose error rate is at least
--   recommendation.error_factor times that of the rest of the organization (and has 5
--   errors or more); no saving estimate (NULL).
-- Each stored once per dedup_key ('<kind>|<feature>|<model>[|<other model>]'): a rerun
-- refreshes the evidence and the saving of an open recommendation and leaves dismissed or
-- applied ones alone. Returns the rows inserted or refreshed. (prompt_caching and
-- enable_routing rules: not implemented yet.)
-- Called by refresh and by service_role.
create or replace function usage.generate_recommendations(p_org_id uuid, p_as_of date)
returns bigint
language plpgsql
volatile
set search_path = ''
set jit = off
as $$
declare
  v_tz text;
  v_n bigint;
begin
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  if not found then
    raise exception 'organization % does not exist', p_org_id using errcode = 'P0002', hint = 'Check the organization id.';
  end if;
  with h as materialized (
    select r.* from private.rollup_rows(null::usage.model_hours, p_org_id,
                                        (p_as_of - 30)::timestamp at time zone v_tz, p_as_of::timestamp at time zone v_tz) as r
    where r.org_id = p_org_id
  ),
  mf as (
    select h.feature, h.provider || '/' || h.model as model, pg_catalog.sum(h.requests) as requests,
           pg_catalog.sum(h.errors) as errors, pg_catalog.sum(h.cost) as cost, pg_catalog.sum(h.unpriced) as unpriced,
           pg_catalog.sum(h.rating_sum)::numeric / nullif(pg_catalog.sum(h.rating_count), 0) as rating,
           (select usage.histogram_percentile(pg_catalog.array_agg(b.b), pg_catalog.array_agg(b.n), 0.95)
            from h as h2, unnest(h2.latency_buckets, h2.latency_counts) as b (b, n)
            where h2.feature = h.feature and h2.provider = h.provider and h2.model = h.model) as p95
    from h group by h.feature, h.provider, h.model
  ),
  eligible as (
    select m.*, m.cost / m.requests as cpr from mf as m
    where m.requests >= usage.threshold('recommendation.min_requests')
  ),
  cheaper as (
    select distinct on (a.feature, a.model) a.feature, a.model as model_a, b.model as model_b, a.requests, a.cost,
           a.cpr as cpr_a, b.cpr as cpr_b, a.rating as rating_a, b.rating as rating_b, a.p95 as p95_a, b.p95 as p95_b
    from eligible as a join eligible as b on b.feature = a.feature and b.model <> a.model
    where a.unpriced = 0 and b.unpriced = 0 and b.cpr < a.cpr
      and a.rating is not null and b.rating >= a.rating and b.p95 <= a.p95
    order by a.feature, a.model, b.cpr, b.model
  ),
  hot as (
    select e.feature, e.model, e.requests, e.errors, e.errors::numeric / e.requests as rate,
           (t.errors - e.errors)::numeric / nullif(t.requests - e.requests, 0) as rest_rate
    from eligible as e, (select pg_catalog.sum(m.requests) as requests, pg_catalog.sum(m.errors) as errors from mf as m) as t
  ),
  candidates as (
    select 'cheaper_model' as kind,
           pg_catalog.format('Serve %s with %s instead of %s', c.feature, c.model_b, c.model_a) as title,
           pg_catalog.round(c.cost - c.requests * c.cpr_b, 2) as saving,
           pg_catalog.jsonb_build_object('feature', c.feature, 'model', c.model_a, 'cheaper_model', c.model_b,
             'requests', c.requests, 'cost', pg_catalog.round(c.cost, 2), 'cost_per_request', pg_catalog.round(c.cpr_a, 6),
             'cheaper_cost_per_request', pg_catalog.round(c.cpr_b, 6), 'avg_rating', pg_catalog.round(c.rating_a, 2),
             'cheaper_avg_rating', pg_catalog.round(c.rating_b, 2), 'p95_latency_ms', c.p95_a, 'cheaper_p95_latency_ms', c.p95_b,
             'days', 30) as evidence,
           'cheaper_model|' || c.feature || '|' || c.model_a || '|' || c.model_b as dedup_key
    from cheaper as c
    union all
    select 'error_hot_spot', pg_catalog.format('Errors of %s on %s', x.model, x.feature), null::numeric,
           pg_catalog.jsonb_build_object('feature', x.feature, 'model', x.model, 'requests', x.requests, 'errors', x.errors,
             'error_rate_pct', pg_catalog.round(100 * x.rate, 1), 'rest_error_rate_pct', pg_catalog.round(100 * x.rest_rate, 1), 'days', 30),
           'error_hot_spot|' || x.feature || '|' || x.model
    from hot as x
    where x.errors >= 5 and x.rate >= usage.threshold('recommendation.error_factor') * coalesce(x.rest_rate, 0) and x.rate > 0
  ),
  upserted as (
    insert into usage.recommendations as t (org_id, kind, title, estimated_monthly_saving, evidence, dedup_key)
    select p_org_id, c.kind, c.title, c.saving, c.evidence, c.dedup_key from candidates as c
    order by c.dedup_key
    on conflict (org_id, dedup_key) do update
      set title = excluded.title, estimated_monthly_saving = excluded.estimated_monthly_saving,
          evidence = excluded.evidence, updated_at = pg_catalog.now()
      where t.status = 'open'
        and (t.title, t.estimated_monthly_saving, t.evidence) is distinct from (excluded.title, excluded.estimated_monthly_saving, excluded.evidence)
    returning 1
  )
  select pg_catalog.count(*) into v_n from upserted;
  return v_n;
end;
$$;
revoke execute on function usage.generate_recommendations(uuid, date) from public, anon, authenticated;
grant execute on function usage.generate_recommendations(uuid, date) to service_role;
comment on function usage.generate_recommendations(uuid, date) is
  'Recommendation rule step over the 30 local days before p_as_of: cheaper_model (exact monthly saving) and error_hot_spot, with evidence; one row per dedup_key, open ones refreshed.';
