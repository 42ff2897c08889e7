-- 0801: two narrow rollups of one row per organization and local day / hour, dependents of
-- usage.model_hours on the engine (migrations/0100, depends_on), read by the RPCs whose
-- answers are organization-wide sums (issue 12, speed):
-- * usage.org_days (org, local day): the day's sums of usage.model_hours over every hour,
--   model and feature (requests, errors, cost, tokens, ratings, routing, regrets, router
--   confidence by tenth), the merged latency histogram and its p95. One row a day instead
--   of ~24 x models x features hours: get_usage_overview, get_usage_trends (day),
--   get_router_savings and forecast_costs read it.
-- * usage.org_hours (org, local hour): requests, errors, cost and the p95 latency of the
--   hour's merged histogram: get_usage_trends (hour) reads one row an hour instead of one
--   per model and feature with their histograms.
-- Compute functions and registration: functions/usage/compute_org_days.sql and
-- compute_org_hours.sql. Organization-wide rows: analysts and above read them.

create table usage.org_days (
  org_id              uuid       not null,
  day                 date       not null,
  requests            bigint     not null,
  errors              bigint     not null,
  cost                numeric    not null,
  unpriced            bigint     not null,
  input_tokens        bigint     not null,
  output_tokens       bigint     not null,
  cached_input_tokens bigint     not null,
  cache_write_tokens  bigint     not null,
  rating_sum          bigint     not null,
  rating_count        bigint     not null,
  routed              bigint     not null,
  routed_compared     bigint     not null,
  routed_cost         numeric    not null,
  baseline_cost       numeric    not null,
  regrets             bigint     not null,
  confidence_counts   bigint[]   not null,
  latency_buckets     smallint[] not null,
  latency_counts      bigint[]   not null,
  latency_p95_ms      numeric,
  constraint pk_org_days primary key (org_id, day)
);
comment on table usage.org_days is
  'Rollup (engine: usage.org_days, dependent of usage.model_hours) per organization and local day: the sums of usage.model_hours over the day''s hours, models and features, the merged latency histogram and its p95 (usage.histogram_percentile). Read through private.org_days_rows.';
comment on column usage.org_days.latency_p95_ms is 'usage.histogram_percentile(latency_buckets, latency_counts, 0.95): NULL when no request of the day has a latency.';

create table usage.org_hours (
  org_id         uuid        not null,
  hour           timestamptz not null,
  requests       bigint      not null,
  errors         bigint      not null,
  cost           numeric     not null,
  latency_p95_ms numeric,
  constraint pk_org_hours primary key (org_id, hour)
);
comment on table usage.org_hours is
  'Rollup (engine: usage.org_hours, dependent of usage.model_hours) per organization and local hour: requests, errors (error or timeout), cost of the priced requests and the p95 latency of the hour''s merged histogram. Read through private.org_hours_rows.';

do $$
declare
  v_table text;
begin
  foreach v_table in array array['org_days', 'org_hours'] loop
    execute format('alter table usage.%I enable row level security', v_table);
    execute format('create policy select_analysts on usage.%I for select to authenticated
                      using (org_id in (select app.current_user_org_ids(''analyst'')))', v_table);
    execute format('comment on policy select_analysts on usage.%I is %L', v_table,
                   'Analysts and above read the organization''s rows (organization-wide sums, no user dimension).');
    execute format('create policy all_service_role on usage.%I for all to service_role using (true) with check (true)', v_table);
    execute format('comment on policy all_service_role on usage.%I is %L', v_table, 'service_role (the engine) maintains the rollup.');
    execute format('revoke all on table usage.%I from public, anon', v_table);
    execute format('grant select on table usage.%I to authenticated', v_table);
    execute format('grant all on table usage.%I to service_role', v_table);
  end loop;
end;
$$;
