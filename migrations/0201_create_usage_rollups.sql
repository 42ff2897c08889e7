-- 0201: the rollups of the usage module, maintained by the rollup engine (0100) from the
-- requests received since their watermark (compute functions in
-- functions/usage/compute_*.sql):
-- * usage.model_hours: per (organization, local hour, provider, model, feature): volume,
--   errors, cost, tokens, a log-scale latency histogram (p50/p95), ratings, routing.
-- * usage.user_days: per (organization, local day, user, team, project, feature, provider,
--   model): volume, errors, cost, tokens, routing. Exact distinct users over any range
--   (DAU/WAU/MAU: count(distinct user_id) over its rows, never a sum of daily counts),
--   the cost breakdowns and the budgets' spend.
-- Buckets are in the organization's time zone (hour: date_trunc('hour', occurred_at,
-- timezone), so 30- and 45-minute offsets stay aligned with local days; day: the local
-- date). A change of an organization's time zone needs a rebuild of its rows.
-- Budget alerts are written by triggers on usage.user_days, in the transaction of the
-- rollup step that changed it (usage.apply_budget_alerts; the triggers: migration 0202).
-- The rollups are registered with the engine by functions/usage/register_rollups.sql.

create table usage.model_hours (
  org_id              uuid        not null,
  hour                timestamptz not null,
  provider            text        collate "C" not null,
  model               text        collate "C" not null,
  feature             text        collate "C" not null,
  requests            bigint      not null,
  errors              bigint      not null,
  cost                numeric     not null,
  unpriced            bigint      not null,
  input_tokens        bigint      not null,
  output_tokens       bigint      not null,
  cached_input_tokens bigint      not null,
  cache_write_tokens  bigint      not null,
  latency_buckets     smallint[]  not null,
  latency_counts      bigint[]    not null,
  rating_sum          bigint      not null,
  rating_count        bigint      not null,
  routed              bigint      not null,
  routed_compared     bigint      not null,
  routed_cost         numeric     not null,
  baseline_cost       numeric     not null,
  regrets             bigint      not null,
  confidence_counts   bigint[]    not null,
  constraint pk_model_hours primary key (org_id, hour, provider, model, feature)
);
comment on table usage.model_hours is
  'Rollup (engine: usage.model_hours) per organization, local hour, provider, model and feature: requests, errors (status error or timeout), cost of priced requests and the unpriced count, tokens by kind, latency histogram (usage.latency_bucket: 8 buckets per doubling), ratings, routed requests with cost vs baseline, regrets, router confidence by tenth. Read through private.rollup_rows.';
comment on column usage.model_hours.latency_buckets is 'Sparse latency histogram: bucket numbers (usage.latency_bucket), ascending; latency_counts holds the request count of each.';
comment on column usage.model_hours.routed_compared is 'Routed requests whose own cost and baseline cost are both known: routed_cost and baseline_cost are their sums (savings = baseline_cost - routed_cost).';
comment on column usage.model_hours.regrets is 'Routed requests that failed (error, timeout) or were rated 2 or less.';
comment on column usage.model_hours.confidence_counts is 'Routed requests by router confidence tenth: [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0] (10 counts).';

alter table usage.model_hours enable row level security;
create policy select_analysts on usage.model_hours for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.model_hours is 'Analysts and above read the organization''s hourly rollup (it has no user dimension).';
create policy all_service_role on usage.model_hours for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.model_hours is 'service_role (the engine) maintains the rollup.';
revoke all on table usage.model_hours from public, anon;
grant select on table usage.model_hours to authenticated;
grant all on table usage.model_hours to service_role;

create table usage.user_days (
  org_id              uuid        not null,
  day                 date        not null,
  user_id             uuid        not null,
  team                text        collate "C" not null,
  project             text        collate "C" not null,
  feature             text        collate "C" not null,
  provider            text        collate "C" not null,
  model               text        collate "C" not null,
  requests            bigint      not null,
  errors              bigint      not null,
  cost                numeric     not null,
  unpriced            bigint      not null,
  input_tokens        bigint      not null,
  output_tokens       bigint      not null,
  cached_input_tokens bigint      not null,
  cache_write_tokens  bigint      not null,
  routed              bigint      not null,
  routed_compared     bigint      not null,
  routed_cost         numeric     not null,
  baseline_cost       numeric     not null,
  constraint pk_user_days primary key (org_id, day, user_id, team, project, feature, provider, model)
);
comment on table usage.user_days is
  'Rollup (engine: usage.user_days) per organization, local day, user (the nil uuid for requests without a user), team, project, feature, provider and model: requests, errors, cost, unpriced, tokens, routing. Exact distinct users over any day range; cost breakdowns; budget spend. Read through private.rollup_rows.';
comment on column usage.user_days.user_id is 'The user, or 00000000-0000-0000-0000-000000000000 for requests without one (never counted as a user).';

alter table usage.user_days enable row level security;
create policy select_analysts on usage.user_days for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.user_days is 'Analysts and above read the organization''s rows.';
create policy select_own_rows on usage.user_days for select to authenticated
  using (user_id = (select auth.uid()) and org_id in (select app.current_user_org_ids()));
comment on policy select_own_rows on usage.user_days is 'Any member reads their own rows.';
create policy all_service_role on usage.user_days for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.user_days is 'service_role (the engine) maintains the rollup.';
revoke all on table usage.user_days from public, anon;
grant select on table usage.user_days to authenticated;
grant all on table usage.user_days to service_role;
