-- requires: functions/usage/threshold.sql
-- requires: functions/usage/histogram_percentile.sql
-- The anomaly detection step: judges every local hour in [p_from, p_to) of one
-- organization (p_org_id NULL: every organization with requests then), at scope 'org' and
-- per model ('model:provider/model'), for four metrics: cost, requests, p95_latency_ms
-- (from the histogram buckets) and error_rate (errors / requests). An hour is judged only
-- with at least anomaly.min_requests requests (volume guard) and when the same local
-- hour of the week had data in at least anomaly.min_weeks of the previous anomaly.weeks
-- weeks. Robust z-score: (x - median) / (1.4826 x max(MAD, anomaly.mad_floor_pct % of
-- |median|)) over those weeks; an anomaly is an increase with z >= anomaly.z_min;
-- severity high from anomaly.z_high, medium from anomaly.z_medium, else low (thresholds:
-- rows of usage.thresholds). Stored once per (metric, scope, hour) (dedup_key, ON
-- CONFLICT DO NOTHING) with the evidence (value, median, MAD, z, the history values).
-- Reads usage.model_hours through private.rollup_rows (exact). Returns the rows written.
-- Called by refresh (the last 2 days) and by service_role (a back end rescanning a range):
-- SECURITY DEFINER, search_path pinned, because the rollup readers it calls live in schema
-- private, which service_role cannot use (it failed with 42501 for service_role).
create or replace function usage.detect_anomalies(p_org_id uuid, p_from timestamptz, p_to timestamptz)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
declare
  v_org record;
  v_written bigint := 0;
  v_n bigint;
  v_weeks integer := usage.threshold('anomaly.weeks')::integer;
begin
  for v_org in
    select o.id, o.timezone from app.organizations as o
    where (p_org_id is null or o.id = p_org_id)
      and exists (select 1 from usage.model_requests as r where r.org_id = o.id and r.occurred_at >= p_from and r.occurred_at < p_to)
  loop
    with h as materialized (
      select r.* from private.rollup_rows(null::usage.model_hours, v_org.id, p_from - pg_catalog.make_interval(days => 7 * v_weeks + 1), p_to) as r
      where r.org_id = v_org.id
    ),
    latency as (
      select g.hour, g.scope, usage.histogram_percentile(pg_catalog.array_agg(g.b), pg_catalog.array_agg(g.n), 0.95) as p95
      from (select h.hour, s.scope, b.b, pg_catalog.sum(b.n)::bigint as n
            from h
            cross join lateral (values ('org'), ('model:' || h.provider || '/' || h.model)) as s (scope)
            cross join lateral unnest(h.latency_buckets, h.latency_counts) as b (b, n)
            group by 1, 2, 3) as g
      group by g.hour, g.scope
    ),
    sums as (
      select h.hour, s.scope, pg_catalog.sum(h.requests) as requests, pg_catalog.sum(h.cost) as cost, pg_catalog.sum(h.errors) as errors
      from h cross join lateral (values ('org'), ('model:' || h.provider || '/' || h.model)) as s (scope)
      group by h.hour, s.scope
    ),
    metrics as (
      select x.hour, x.scope, m.metric, m.value, x.requests
      from (select s.hour, s.scope, s.requests, s.cost, s.errors, l.p95 from sums as s left join latency as l using (hour, scope)) as x
      cross join lateral (values ('cost', x.cost), ('requests', x.requests::numeric), ('p95_latency_ms', x.p95),
                                 ('error_rate', x.errors::numeric / nullif(x.requests, 0))) as m (metric, value)
      where m.value is not null
    ),
    judged as (
      select c.hour, c.scope, c.metric, c.value, hist.values, hist.median,
             (select pg_catalog.percentile_cont(0.5) within group (order by pg_catalog.abs(v - hist.median))
              from pg_catalog.unnest(hist.values) as v) as mad
      from metrics as c
      cross join lateral (
        select pg_catalog.array_agg(p.value order by k.k) as values,
               pg_catalog.percentile_cont(0.5) within group (order by p.value) as median
        from pg_catalog.generate_series(1, v_weeks) as k (k)
        join metrics as p
          on p.scope = c.scope and p.metric = c.metric
         and p.hour = ((c.hour at time zone v_org.timezone) - pg_catalog.make_interval(days => 7 * k.k)) at time zone v_org.timezone
      ) as hist
      where c.hour >= p_from and c.hour < p_to
        and c.requests >= usage.threshold('anomaly.min_requests')
        and pg_catalog.cardinality(hist.values) >= usage.threshold('anomaly.min_weeks')
    ),
    scored as (
      select j.*, (j.value - j.median::numeric)
                  / nullif(1.4826 * greatest(j.mad::numeric, usage.threshold('anomaly.mad_floor_pct') / 100 * pg_catalog.abs(j.median::numeric)), 0) as z
      from judged as j
    ),
    inserted as (
      insert into usage.anomalies (org_id, metric, scope, bucket_start, value, median, mad, z_score, severity, evidence, dedup_key)
      select v_org.id, s.metric, s.scope, s.hour, s.value, s.median, s.mad, pg_catalog.round(s.z, 2),
             case when s.z >= usage.threshold('anomaly.z_high') then 'high'
                  when s.z >= usage.threshold('anomaly.z_medium') then 'medium' else 'low' end,
             pg_catalog.jsonb_build_object('value', s.value, 'median', s.median, 'mad', s.mad, 'z_score', pg_catalog.round(s.z, 2),
                                           'history', s.values, 'weeks', pg_catalog.cardinality(s.values)),
             s.metric || '|' || s.scope || '|' || pg_catalog.to_char(s.hour at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"')
      from scored as s
      where s.z >= usage.threshold('anomaly.z_min')
      order by s.hour, s.scope, s.metric
      on conflict (org_id, dedup_key) do nothing
      returning 1
    )
    select pg_catalog.count(*) into v_n from inserted;
    v_written := v_written + v_n;
  end loop;
  return v_written;
end;
$$;
revoke execute on function usage.detect_anomalies(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.detect_anomalies(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.detect_anomalies(uuid, timestamptz, timestamptz) is
  'Anomaly detection step: robust z-score (median, MAD) of cost, requests, p95 latency and error rate per local hour against the same hour of week in previous weeks, per organization and per model, with a volume guard; thresholds in usage.thresholds; one row per (metric, scope, hour).';
