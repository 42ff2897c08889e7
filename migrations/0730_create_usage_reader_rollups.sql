-- 0730: the narrow rollups the usage RPCs read (issue 12, speed), each a DEPENDENT rollup
-- of the engine (migrations/0100: depends_on, the same raw source usage.model_requests):
-- * usage.model_days (org, local day, provider, model), from usage.model_hours: totals,
--   tokens, ratings, router savings and the merged log-scale latency histogram. 24x fewer
--   rows than the hours x features it sums; the overview, the model comparison, the daily
--   trends and the breakdown by model or provider read it.
-- * usage.dimension_days (org, local day, dimension, key), from usage.user_days: cost,
--   requests and tokens per user, team, project and feature (one row per key, not one per
--   combination of them): the breakdown by those dimensions.
-- * usage.active_user_days (org, local day, prev_day): how many users were active on day
--   whose previous active day was prev_day ('-infinity': none). Exact distinct users over
--   any range [f, t) are the sum of users over the rows with day in [f, t) and prev_day < f
--   (each user counted on their first active day of the range); DAU of a day is the sum over
--   the day's rows. Replace unit (org_id, day): a recomputed day returns all its rows.
-- Compute functions and registration: functions/usage/compute_{model_days,dimension_days,
-- active_user_days}.sql. Organization-wide rows: analysts and above read them; a plain
-- member's numbers are computed by the RPCs from their own requests.

create table usage.model_days (
  org_id              uuid        not null,
  day                 date        not null,
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
  rating_sum          bigint      not null,
  rating_count        bigint      not null,
  routed_compared     bigint      not null,
  routed_cost         numeric     not null,
  baseline_cost       numeric     not null,
  latency_buckets     smallint[]  not null,
  latency_counts      bigint[]    not null,
  constraint pk_model_days primary key (org_id, day, provider, model)
);
comment on table usage.model_days is
  'Rollup (engine: usage.model_days, dependent of usage.model_hours) per organization, local day, provider and model: the sums of usage.model_hours over the day''s hours and features, and the merged latency histogram. Read through private.rollup_rows.';
comment on column usage.model_days.latency_buckets is 'Sparse latency histogram (usage.latency_bucket), ascending, merged over the day; latency_counts holds the request count of each.';

create table usage.dimension_days (
  org_id    uuid    not null,
  day       date    not null,
  dimension text    collate "C" not null,
  key       text    collate "C" not null,
  requests  bigint  not null,
  cost      numeric not null,
  tokens    bigint  not null,
  constraint pk_dimension_days primary key (org_id, day, dimension, key),
  constraint check_dimension_days_dimension check (dimension in ('user', 'team', 'project', 'feature'))
);
-- The previous active day of a user (usage.compute_active_user_days): one backward index step.
create index index_dimension_days_on_org_id_dimension_key_day on usage.dimension_days (org_id, dimension, key, day);
comment on table usage.dimension_days is
  'Rollup (engine: usage.dimension_days, dependent of usage.user_days) per organization, local day, dimension (user, team, project, feature) and key (the user id as text, the nil uuid for requests without a user; team, project or feature as stored, '''' when empty): requests, cost of the priced requests, tokens of all kinds. Read through private.rollup_rows.';

create table usage.active_user_days (
  org_id   uuid   not null,
  day      date   not null,
  prev_day date   not null,
  users    bigint not null,
  constraint pk_active_user_days primary key (org_id, day, prev_day),
  constraint check_active_user_days_prev_day check (prev_day < day)
);
comment on table usage.active_user_days is
  'Rollup (engine: usage.active_user_days, dependent of usage.dimension_days; replace unit org_id, day) per organization, local day and previous active day: users active that day whose previous active day was prev_day (''-infinity'' for none). Distinct users of [f, t) = sum(users) where day in [f, t) and prev_day < f. Read through private.rollup_rows.';
comment on column usage.active_user_days.prev_day is 'The latest earlier local day with a request of the user, or -infinity.';

do $$
declare
  v_table text;
begin
  foreach v_table in array array['model_days', 'dimension_days', 'active_user_days'] loop
    execute format('alter table usage.%I enable row level security', v_table);
    execute format('create policy select_analysts on usage.%I for select to authenticated
                      using (org_id in (select app.current_user_org_ids(''analyst'')))', v_table);
    execute format('comment on policy select_analysts on usage.%I is %L', v_table,
                   'Analysts and above read the organization''s rows (a plain member''s numbers come from their own requests).');
    execute format('create policy all_service_role on usage.%I for all to service_role using (true) with check (true)', v_table);
    execute format('comment on policy all_service_role on usage.%I is %L', v_table, 'service_role (the engine) maintains the rollup.');
    execute format('revoke all on table usage.%I from public, anon', v_table);
    execute format('grant select on table usage.%I to authenticated', v_table);
    execute format('grant all on table usage.%I to service_role', v_table);
  end loop;
end;
$$;
