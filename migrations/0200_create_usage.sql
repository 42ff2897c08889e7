-- 0200: schema `usage`, the AI-platform module: models, effective-dated prices (public
-- and per-organization overrides), model requests (monthly partitions), feature usage
-- events, budgets and their alerts, anomalies, recommendations, thresholds, and the log
-- of repricings. RLS on every table; grants; comments.
--
-- Who sees what (the issue's "users can only view their own analytics"): a member with
-- role analyst or above reads every row of the organization; any other member reads only
-- the rows whose user_id is theirs (requests, feature events, user-scoped budgets and
-- their alerts). Organization-wide derived rows (anomalies, recommendations) are for
-- analysts and above. Requests and feature events are written by service_role only (the
-- platform's back end logs them through public.log_model_requests).
--
-- Monthly partitions of usage.model_requests are created by usage.ensure_partitions()
-- (functions/usage/ensure_partitions.sql), which analytics.ensure_partitions() calls: the
-- one partition-maintenance path (migrate, refresh, seeds) creates both tables' months.

-- btree_gist (for the EXCLUDE constraint of usage.prices: "=" on text and uuid inside a
-- GiST index) lives in its own schema, not in public (nothing of it is API surface).
create schema if not exists extensions;
comment on schema extensions is 'Extensions installed by migrations (btree_gist), kept out of public.';
create extension if not exists btree_gist with schema extensions;

create schema usage;
comment on schema usage is
  'AI-platform usage and cost: models, effective-dated prices, model requests (monthly partitions), feature usage, budgets and alerts, anomalies, recommendations. Exposed through RLS (analysts: the organization; other members: their own rows).';
grant usage on schema usage to authenticated, service_role;

-- Thresholds ---------------------------------------------------------------------------
create table usage.thresholds (
  key         text        not null,
  value       numeric     not null,
  description text        not null,
  updated_at  timestamptz not null default pg_catalog.now(),
  constraint pk_thresholds primary key (key),
  constraint check_thresholds_key check (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
  constraint check_thresholds_value check (value >= 0),
  constraint check_thresholds_description check (pg_catalog.btrim(description) <> '')
);
comment on table usage.thresholds is
  'Rules of the usage module as rows (key, value, description): anomaly detection, recommendations, forecasts. Read at every call; change a value with an UPDATE (service_role).';
insert into usage.thresholds (key, value, description) values
  ('anomaly.z_min',               3.5, 'An hour is anomalous when its robust z-score |x - median| / (1.4826 * MAD) over the same hour of week in the previous weeks is at least this.'),
  ('anomaly.z_high',              6,   'Severity high at or above this robust z-score (medium from anomaly.z_medium, else low).'),
  ('anomaly.z_medium',            4.5, 'Severity medium at or above this robust z-score.'),
  ('anomaly.weeks',               6,   'Weeks of history (same hour of week) the median and MAD are computed over (4 to 8).'),
  ('anomaly.min_weeks',           4,   'At least this many previous weeks with data, else the hour is not judged.'),
  ('anomaly.min_requests',        20,  'Minimum volume guard: an hour with fewer requests is not judged.'),
  ('anomaly.mad_floor_pct',       5,   'MAD is floored at this percentage of the median (a flat history would give MAD 0 and infinite z-scores).'),
  ('recommendation.min_requests', 50,  'A model x feature pair is considered by the recommendation rules only with at least this many requests in the last 30 days.'),
  ('recommendation.error_factor', 3,   'Error hot spot: a model x feature error rate at least this many times the rest of the organization''s.'),
  ('recommendation.cache_min_input_share', 60, 'Prompt caching: input tokens at least this percentage of all tokens...'),
  ('recommendation.cache_max_cached_share', 10, '...and cached input tokens below this percentage of input tokens.'),
  ('forecast.min_history_days',   7,   'A forecast needs at least this many days of spend history, else "insufficient data".');

alter table usage.thresholds enable row level security;
create policy select_authenticated on usage.thresholds for select to authenticated using (true);
comment on policy select_authenticated on usage.thresholds is 'Every signed-in user may read the rules (not tenant data).';
create policy all_service_role on usage.thresholds for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.thresholds is 'service_role reads and changes the rules.';
revoke all on table usage.thresholds from public, anon;
grant select on table usage.thresholds to authenticated;
grant all on table usage.thresholds to service_role;

-- Models -------------------------------------------------------------------------------
-- A global (reference) table: the same model list for every organization.
create table usage.models (
  provider     text        collate "C" not null,
  model        text        collate "C" not null,
  display_name text        not null,
  family       text,
  created_at   timestamptz not null default pg_catalog.now(),
  constraint pk_models primary key (provider, model),
  constraint check_models_provider check (provider ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  constraint check_models_model check (model ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$')
);
comment on table usage.models is
  'The models requests may name, per provider (global reference table). A request of a model not listed here is rejected (unknown_model).';
comment on column usage.models.family is 'Model family (e.g. claude-3.5, gpt-4o), for grouping; free text.';

alter table usage.models enable row level security;
create policy select_authenticated on usage.models for select to authenticated using (true);
comment on policy select_authenticated on usage.models is 'Every signed-in user may read the model list.';
create policy all_service_role on usage.models for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.models is 'service_role maintains the model list.';
revoke all on table usage.models from public, anon;
grant select on table usage.models to authenticated;
grant all on table usage.models to service_role;

-- Prices -------------------------------------------------------------------------------
-- Effective-dated. org_id NULL: the public list price; otherwise an organization's
-- negotiated price, which beats the public one wherever both cover a time
-- (usage.price_at). Two prices of one model for the same owner (public, or one
-- organization) never overlap: the EXCLUDE constraint (the nil uuid stands for "public"
-- in it). Prices are per million tokens of each kind; a new kind is a new column.
create table usage.prices (
  id                    bigint      not null generated always as identity,
  org_id                uuid,
  provider              text        collate "C" not null,
  model                 text        collate "C" not null,
  currency              char(3)     collate "C" not null default 'USD',
  input_per_mtok        numeric     not null,
  output_per_mtok       numeric     not null,
  cached_input_per_mtok numeric     not null default 0,
  cache_write_per_mtok  numeric     not null default 0,
  valid_during          tstzrange   not null,
  created_at            timestamptz not null default pg_catalog.now(),
  constraint pk_prices primary key (id),
  constraint fk_prices_model foreign key (provider, model) references usage.models (provider, model),
  constraint fk_prices_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_prices_amounts check (input_per_mtok >= 0 and output_per_mtok >= 0
                                         and cached_input_per_mtok >= 0 and cache_write_per_mtok >= 0),
  constraint check_prices_valid_during check (not pg_catalog.isempty(valid_during) and not pg_catalog.lower_inf(valid_during)),
  constraint check_prices_currency check (currency ~ '^[A-Z][A-Z][A-Z]$'),
  constraint exclude_prices_overlap exclude using gist (
    (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid)) with =,
    provider with =, model with =, valid_during with &&)
);
create index index_prices_on_provider_model on usage.prices (provider, model);
create index index_prices_on_org_id on usage.prices (org_id);
comment on table usage.prices is
  'Effective-dated prices per million tokens: org_id NULL = public list price, else the organization''s negotiated price (beats the public one). One owner''s prices of a model never overlap (exclude_prices_overlap). Requests keep the price_id they were charged with.';
comment on column usage.prices.valid_during is 'Half-open [from, to) time range in which this price applies (upper bound infinite: until further notice).';
comment on column usage.prices.input_per_mtok is 'Price per 1,000,000 input tokens (not cached), in currency.';
comment on column usage.prices.output_per_mtok is 'Price per 1,000,000 output tokens.';
comment on column usage.prices.cached_input_per_mtok is 'Price per 1,000,000 input tokens read from the prompt cache.';
comment on column usage.prices.cache_write_per_mtok is 'Price per 1,000,000 tokens written to the prompt cache.';

-- Clear errors for the usual mistakes; the constraints stay the guarantee (also under
-- concurrency: two overlapping inserts at once still meet exclude_prices_overlap).
create function usage.check_price()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_other record;
begin
  if new.valid_during is null or pg_catalog.isempty(new.valid_during) or pg_catalog.lower_inf(new.valid_during) then
    raise exception 'price range % of %/% is empty or has no start', new.valid_during, new.provider, new.model
      using errcode = '22023', hint = 'Give valid_during a start and an end after it (or no end): tstzrange(from, to, ''[)'').';
  end if;
  if not exists (select 1 from usage.models m where m.provider = new.provider and m.model = new.model) then
    raise exception 'unknown model %/%', new.provider, new.model
      using errcode = '22023', hint = 'Add the model to usage.models first.';
  end if;
  select p.id, p.valid_during into v_other
  from usage.prices p
  where p.provider = new.provider and p.model = new.model
    and p.org_id is not distinct from new.org_id
    and p.valid_during operator(pg_catalog.&&) new.valid_during
    and p.id <> new.id
  limit 1;
  if found then
    raise exception 'price range % of %/% overlaps price % (%)', new.valid_during, new.provider, new.model,
                    v_other.id, v_other.valid_during
      using errcode = '23P01',
            hint = 'End the current price where the new one starts (update its valid_during upper bound) before adding the new one.';
  end if;
  return new;
end;
$$;
revoke execute on function usage.check_price() from public, anon, authenticated;
comment on function usage.check_price() is 'Trigger: clear 22023 / 23P01 errors for an empty range, an unknown model or an overlapping price (exclude_prices_overlap remains the guarantee).';
create trigger check_price before insert or update on usage.prices
  for each row execute function usage.check_price();

alter table usage.prices enable row level security;
create policy select_public_or_members on usage.prices for select to authenticated
  using (org_id is null or org_id in (select app.current_user_org_ids()));
comment on policy select_public_or_members on usage.prices is 'Signed-in users read public prices and their organizations'' negotiated prices.';
create policy all_service_role on usage.prices for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.prices is 'service_role maintains prices.';
revoke all on table usage.prices from public, anon;
grant select on table usage.prices to authenticated;
grant all on table usage.prices to service_role;

-- Model requests -----------------------------------------------------------------------
-- Partitioned by month (UTC) on occurred_at, like analytics.events, with a DEFAULT
-- partition. Idempotency: (org_id, request_id, occurred_at) is unique (a unique index
-- of a partitioned table must hold the partition key): a back end that resends a
-- request repeats its occurred_at. No foreign keys (cost per row; see analytics.events):
-- public.log_model_requests checks the organization, the models and the price.
-- Dimensions without a value are stored as '' (team, project, feature) so that rollup
-- keys need no NULL handling.
create table usage.model_requests (
  id                    bigint      not null generated by default as identity,
  org_id                uuid        not null,
  request_id            text        collate "C" not null,
  occurred_at           timestamptz not null,
  received_at           timestamptz not null default pg_catalog.now(),
  user_id               uuid,
  team                  text        collate "C" not null default '',
  project               text        collate "C" not null default '',
  feature               text        collate "C" not null default '',
  provider              text        collate "C" not null,
  model                 text        collate "C" not null,
  model_requested       text        collate "C",
  was_routed            boolean     not null default false,
  router_confidence     numeric(4, 3),
  baseline_provider     text        collate "C",
  baseline_model        text        collate "C",
  input_tokens          integer     not null default 0,
  output_tokens         integer     not null default 0,
  cached_input_tokens   integer     not null default 0,
  cache_write_tokens    integer     not null default 0,
  latency_ms            integer,
  time_to_first_token_ms integer,
  status                text        collate "C" not null default 'ok',
  error_type            text,
  rating                smallint,
  feedback_flag         boolean     not null default false,
  price_id              bigint,
  cost                  numeric,
  baseline_price_id     bigint,
  baseline_cost         numeric,
  metadata              jsonb       not null default '{}'::jsonb,
  constraint pk_model_requests primary key (org_id, occurred_at, id),
  constraint check_model_requests_tokens check (input_tokens >= 0 and output_tokens >= 0
                                               and cached_input_tokens >= 0 and cache_write_tokens >= 0),
  constraint check_model_requests_status check (status in ('ok', 'error', 'timeout', 'cancelled')),
  constraint check_model_requests_rating check (rating between 1 and 5),
  constraint check_model_requests_confidence check (router_confidence between 0 and 1),
  constraint check_model_requests_latency check (latency_ms >= 0 and time_to_first_token_ms >= 0),
  constraint check_model_requests_cost check (cost >= 0 and baseline_cost >= 0)
) partition by range (occurred_at);
comment on table usage.model_requests is
  'One row per model request (the platform''s log), partitioned by month (UTC) on occurred_at plus a DEFAULT partition. Written by public.log_model_requests (service_role); analysts read the organization''s rows, other members their own.';
comment on column usage.model_requests.request_id is 'The platform''s request id: idempotency key (a resend with the same occurred_at is stored once).';
comment on column usage.model_requests.received_at is 'When the server stored it; rollups follow it (watermarks).';
comment on column usage.model_requests.model is 'The model used (after routing); (provider, model) is in usage.models.';
comment on column usage.model_requests.model_requested is 'The model the caller asked for (before routing); NULL: the same as model.';
comment on column usage.model_requests.was_routed is 'The smart router chose the model.';
comment on column usage.model_requests.baseline_model is 'For routed requests: the model that would have served it without routing (cost comparison).';
comment on column usage.model_requests.cost is 'Cost charged (numeric, unrounded) from price_id at occurred_at; NULL when the model had no price then (unpriced, never 0).';
comment on column usage.model_requests.baseline_cost is 'What the same tokens would have cost on the baseline model at occurred_at (routed requests with a priced baseline), else NULL.';
comment on column usage.model_requests.status is 'ok, error, timeout or cancelled.';
comment on column usage.model_requests.rating is 'User rating 1-5, NULL when not rated.';

create unique index index_model_requests_on_org_id_request_id_occurred_at
  on usage.model_requests (org_id, request_id, occurred_at);
create index index_model_requests_on_org_id_user_id_occurred_at
  on usage.model_requests (org_id, user_id, occurred_at);
create index index_model_requests_on_received_at_brin
  on usage.model_requests using brin (received_at) with (autosummarize = on);
-- "This organization's requests received since the watermark": what every reader asks
-- (private.rollup_rows calls the compute functions for one organization from the
-- watermark on); without it that scanned every request of the organization.
create index index_model_requests_on_org_id_received_at
  on usage.model_requests (org_id, received_at);

create table usage.model_requests_default partition of usage.model_requests default;
comment on table usage.model_requests_default is
  'DEFAULT partition of usage.model_requests: months without a partition of their own. Reached only through the parent.';
alter table usage.model_requests_default enable row level security;
revoke all on table usage.model_requests_default from public, anon, authenticated;

alter table usage.model_requests enable row level security;
create policy select_analysts on usage.model_requests for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.model_requests is 'Analysts and above read every request of their organizations.';
create policy select_own_rows on usage.model_requests for select to authenticated
  using (user_id = (select auth.uid()) and org_id in (select app.current_user_org_ids()));
comment on policy select_own_rows on usage.model_requests is 'Any member reads the requests made by themselves.';
create policy all_service_role on usage.model_requests for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.model_requests is 'service_role (the platform back end) writes and reads requests.';
revoke all on table usage.model_requests from public, anon;
grant select on table usage.model_requests to authenticated;
grant select, insert, update, delete on table usage.model_requests to service_role;

-- Feature usage ------------------------------------------------------------------------
create table usage.feature_events (
  org_id      uuid        not null,
  id          bigint      not null generated always as identity,
  occurred_at timestamptz not null,
  received_at timestamptz not null default pg_catalog.now(),
  user_id     uuid        not null,
  feature_key text        collate "C" not null,
  action      text        collate "C" not null,
  metadata    jsonb       not null default '{}'::jsonb,
  constraint pk_feature_events primary key (org_id, id),
  constraint fk_feature_events_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_feature_events_feature_key check (feature_key ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  constraint check_feature_events_action check (action in ('enabled', 'disabled', 'used'))
);
create index index_feature_events_on_org_id_feature_key_occurred_at
  on usage.feature_events (org_id, feature_key, occurred_at);
comment on table usage.feature_events is
  'Feature adoption events (feature key, action: enabled, disabled, used) per user: adoption curves such as "smart-router enabled by 34 % of active users".';

alter table usage.feature_events enable row level security;
create policy select_analysts on usage.feature_events for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.feature_events is 'Analysts and above read the organization''s feature events.';
create policy select_own_rows on usage.feature_events for select to authenticated
  using (user_id = (select auth.uid()) and org_id in (select app.current_user_org_ids()));
comment on policy select_own_rows on usage.feature_events is 'Any member reads their own feature events.';
create policy all_service_role on usage.feature_events for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.feature_events is 'service_role writes feature events.';
revoke all on table usage.feature_events from public, anon;
grant select on table usage.feature_events to authenticated;
grant select, insert, update, delete on table usage.feature_events to service_role;

-- Budgets ------------------------------------------------------------------------------
create table usage.budgets (
  org_id         uuid        not null,
  id             uuid        not null default gen_random_uuid(),
  name           text        not null,
  scope          text        collate "C" not null default 'org',
  scope_value    text        collate "C",
  period         text        collate "C" not null default 'month',
  amount         numeric     not null,
  currency       char(3)     collate "C" not null default 'USD',
  thresholds_pct numeric[]   not null default '{50,75,90,100}',
  starts_on      date        not null,
  ends_on        date,
  created_at     timestamptz not null default pg_catalog.now(),
  constraint pk_budgets primary key (org_id, id),
  constraint fk_budgets_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_budgets_scope check (scope in ('org', 'team', 'project', 'user', 'feature', 'model')
                                        and (scope = 'org') = (scope_value is null)),
  constraint check_budgets_period check (period in ('month', 'quarter', 'year')),
  constraint check_budgets_amount check (amount > 0),
  constraint check_budgets_thresholds check (pg_catalog.cardinality(thresholds_pct) between 1 and 20
                                             and 1 <= all (thresholds_pct) and 1000 >= all (thresholds_pct)),
  constraint check_budgets_dates check (ends_on is null or ends_on > starts_on),
  constraint check_budgets_name check (pg_catalog.btrim(name) <> '')
);
comment on table usage.budgets is
  'Spending budgets: scope (org, or one team, project, user, feature or model: scope_value, for model "provider/model"), period (month, quarter or year in the organization''s time zone; every period starts from zero), amount, alert thresholds in % (1 to 1000, default 50/75/90/100), active from starts_on until ends_on (exclusive, NULL: open).';
comment on column usage.budgets.scope_value is 'The team, project, feature, user id or "provider/model" the budget limits; NULL for scope org.';

create function usage.check_budget()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.thresholds_pct is null or pg_catalog.cardinality(new.thresholds_pct) = 0
     or exists (select 1 from pg_catalog.unnest(new.thresholds_pct) as t (pct) where t.pct is null or t.pct < 1 or t.pct > 1000) then
    raise exception 'budget thresholds % must each lie between 1 and 1000 %%', new.thresholds_pct
      using errcode = '22023', hint = 'Give thresholds as percentages of the amount, e.g. {50,75,90,100}.';
  end if;
  if new.ends_on is not null and new.ends_on <= new.starts_on then
    raise exception 'budget period end % is not after its start %', new.ends_on, new.starts_on
      using errcode = '22023', hint = 'Give ends_on after starts_on (exclusive), or NULL for an open-ended budget.';
  end if;
  if new.amount is null or new.amount <= 0 then
    raise exception 'budget amount % must be positive', new.amount
      using errcode = '22023', hint = 'Give the amount in the budget''s currency, greater than 0.';
  end if;
  if (new.scope = 'org') <> (new.scope_value is null) then
    raise exception 'budget scope % needs % scope_value', new.scope, case when new.scope = 'org' then 'no' else 'a' end
      using errcode = '22023', hint = 'scope org has no scope_value; team, project, user, feature and model name one.';
  end if;
  return new;
end;
$$;
revoke execute on function usage.check_budget() from public, anon, authenticated;
comment on function usage.check_budget() is 'Trigger: clear 22023 errors for thresholds outside 1-1000 %, an end not after the start, a non-positive amount, a scope without its value.';
create trigger check_budget before insert or update on usage.budgets
  for each row execute function usage.check_budget();

alter table usage.budgets enable row level security;
create policy select_analysts on usage.budgets for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.budgets is 'Analysts and above read every budget of their organizations.';
create policy select_own_budgets on usage.budgets for select to authenticated
  using (scope = 'user' and scope_value = (select auth.uid())::text and org_id in (select app.current_user_org_ids()));
comment on policy select_own_budgets on usage.budgets is 'Any member reads the budgets that limit themselves.';
create policy write_admins on usage.budgets for all to authenticated
  using (org_id in (select app.current_user_org_ids('admin')))
  with check (org_id in (select app.current_user_org_ids('admin')));
comment on policy write_admins on usage.budgets is 'Admins and owners create, change and delete budgets.';
create policy all_service_role on usage.budgets for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.budgets is 'service_role manages budgets.';
revoke all on table usage.budgets from public, anon;
grant select, insert, update, delete on table usage.budgets to authenticated;
grant all on table usage.budgets to service_role;

-- Budget alerts: exactly one row per (budget, period start, threshold). Written by the
-- rollup step that pushed the period's spend over the threshold, in its transaction,
-- with ON CONFLICT DO NOTHING: a rerun or a concurrent step never writes a second one.
create table usage.budget_alerts (
  org_id        uuid        not null,
  budget_id     uuid        not null,
  period_start  date        not null,
  threshold_pct numeric     not null,
  spent         numeric     not null,
  amount        numeric     not null,
  crossed_on    date        not null,
  alerted_at    timestamptz not null default pg_catalog.now(),
  constraint pk_budget_alerts primary key (org_id, budget_id, period_start, threshold_pct),
  constraint fk_budget_alerts_budget foreign key (org_id, budget_id) references usage.budgets (org_id, id) on delete cascade
);
comment on table usage.budget_alerts is
  'One alert per (budget, period start, threshold): the spend of that period reached threshold_pct of the amount. spent: the period''s spend when the alert was written; crossed_on: the local day whose spend took it over. Written with ON CONFLICT DO NOTHING by the rollup step (never twice).';

alter table usage.budget_alerts enable row level security;
create policy select_analysts on usage.budget_alerts for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.budget_alerts is 'Analysts and above read the organization''s alerts.';
create policy select_own_budget_alerts on usage.budget_alerts for select to authenticated
  using (org_id in (select app.current_user_org_ids())
         and exists (select 1 from usage.budgets b
                     where b.org_id = budget_alerts.org_id and b.id = budget_alerts.budget_id
                       and b.scope = 'user' and b.scope_value = (select auth.uid())::text));
comment on policy select_own_budget_alerts on usage.budget_alerts is 'Any member reads the alerts of the budgets that limit themselves.';
create policy all_service_role on usage.budget_alerts for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.budget_alerts is 'service_role writes alerts (the rollup step).';
revoke all on table usage.budget_alerts from public, anon;
grant select on table usage.budget_alerts to authenticated;
grant all on table usage.budget_alerts to service_role;

-- Anomalies ----------------------------------------------------------------------------
create table usage.anomalies (
  org_id       uuid        not null,
  id           bigint      not null generated always as identity,
  metric       text        collate "C" not null,
  scope        text        collate "C" not null,
  bucket_start timestamptz not null,
  value        numeric     not null,
  median       numeric     not null,
  mad          numeric     not null,
  z_score      numeric     not null,
  severity     text        collate "C" not null,
  status       text        collate "C" not null default 'open',
  evidence     jsonb       not null default '{}'::jsonb,
  dedup_key    text        collate "C" not null,
  detected_at  timestamptz not null default pg_catalog.now(),
  updated_at   timestamptz not null default pg_catalog.now(),
  constraint pk_anomalies primary key (org_id, id),
  constraint unique_anomalies_dedup_key unique (org_id, dedup_key),
  constraint fk_anomalies_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_anomalies_metric check (metric in ('cost', 'requests', 'p95_latency_ms', 'error_rate')),
  constraint check_anomalies_severity check (severity in ('low', 'medium', 'high')),
  constraint check_anomalies_status check (status in ('open', 'acknowledged', 'resolved'))
);
comment on table usage.anomalies is
  'Detected anomalies: one row per (metric, scope, hour) (dedup_key), scope "org" or "model:provider/model"; value against the median and MAD of the same hour of week in previous weeks, the robust z-score, severity, status (open, acknowledged, resolved) and the evidence numbers.';

alter table usage.anomalies enable row level security;
create policy select_analysts on usage.anomalies for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.anomalies is 'Analysts and above read the organization''s anomalies.';
create policy all_service_role on usage.anomalies for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.anomalies is 'service_role writes anomalies (the detection step).';
revoke all on table usage.anomalies from public, anon;
grant select on table usage.anomalies to authenticated;
grant all on table usage.anomalies to service_role;

-- Recommendations ----------------------------------------------------------------------
create table usage.recommendations (
  org_id                   uuid        not null,
  id                       bigint      not null generated always as identity,
  kind                     text        collate "C" not null,
  title                    text        not null,
  estimated_monthly_saving numeric,
  evidence                 jsonb       not null default '{}'::jsonb,
  status                   text        collate "C" not null default 'open',
  dedup_key                text        collate "C" not null,
  created_at               timestamptz not null default pg_catalog.now(),
  updated_at               timestamptz not null default pg_catalog.now(),
  constraint pk_recommendations primary key (org_id, id),
  constraint unique_recommendations_dedup_key unique (org_id, dedup_key),
  constraint fk_recommendations_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_recommendations_kind check (kind in ('cheaper_model', 'prompt_caching', 'error_hot_spot', 'enable_routing')),
  constraint check_recommendations_status check (status in ('open', 'dismissed', 'applied'))
);
comment on table usage.recommendations is
  'Recommendations with their evidence numbers and an estimated monthly saving computed in SQL: cheaper_model, prompt_caching, error_hot_spot, enable_routing; one row per dedup_key; status open, dismissed or applied.';

alter table usage.recommendations enable row level security;
create policy select_analysts on usage.recommendations for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.recommendations is 'Analysts and above read the organization''s recommendations.';
create policy all_service_role on usage.recommendations for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.recommendations is 'service_role writes recommendations (the rule step).';
revoke all on table usage.recommendations from public, anon;
grant select on table usage.recommendations to authenticated;
grant all on table usage.recommendations to service_role;

-- Repricing log ------------------------------------------------------------------------
create table usage.reprice_runs (
  org_id            uuid        not null,
  id                bigint      not null generated always as identity,
  period            tstzrange   not null,
  requests_checked  bigint      not null,
  requests_changed  bigint      not null,
  cost_before       numeric,
  cost_after        numeric,
  run_at            timestamptz not null default pg_catalog.now(),
  run_by            text        not null default current_user,
  constraint pk_reprice_runs primary key (org_id, id),
  constraint fk_reprice_runs_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table usage.reprice_runs is
  'One row per usage.reprice call: the organization, the occurred_at range, how many requests it checked and changed, the total cost before and after.';

alter table usage.reprice_runs enable row level security;
create policy select_analysts on usage.reprice_runs for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.reprice_runs is 'Analysts and above read the organization''s repricing log.';
create policy all_service_role on usage.reprice_runs for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.reprice_runs is 'service_role writes the repricing log.';
revoke all on table usage.reprice_runs from public, anon;
grant select on table usage.reprice_runs to authenticated;
grant all on table usage.reprice_runs to service_role;
