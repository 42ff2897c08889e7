-- 1160: usage.dimension_weeks, the weekly companion of usage.dimension_days (issue 12: the
-- cost breakdown by user with the last hour not refreshed). get_cost_breakdown by user read
-- one row per user and local day of both periods (11,800 rows for 60 days of the largest
-- organization at 10M requests: most of its time). It now reads the whole local weeks
-- (Monday to Sunday) inside each period from this table and only the days at the edges
-- from usage.dimension_days: for 30-day periods 3-4 week rows and 2-9 day rows per key and
-- period instead of 30.
-- A dependent rollup of usage.dimension_days (engine: usage.dimension_weeks; compute function
-- and registration: functions/usage/compute_dimension_weeks.sql): its rows are the sums of
-- usage.dimension_days over the week's seven days, recomputed for the (week, dimension, key)
-- keys that requests received since its watermark touch. Not combinable: a combinable
-- rollup of usage.model_requests keeps usage.request_retractions alive up to its watermark
-- (usage.prune_request_retractions), and its partial sums would read the raw requests a
-- second time. The 'user' rows identify a person: app.user_data_tables finds them by their
-- dimension and key columns (erasure and export), as those of dimension_days.
create table usage.dimension_weeks (
  org_id    uuid    not null,
  week      date    not null,
  dimension text    collate "C" not null,
  key       text    collate "C" not null,
  requests  bigint  not null,
  cost      numeric not null,
  tokens    bigint  not null,
  constraint pk_dimension_weeks primary key (org_id, week, dimension, key),
  constraint check_dimension_weeks_dimension check (dimension in ('user', 'team', 'project', 'feature')),
  constraint check_dimension_weeks_monday check (extract(isodow from week) = 1)
);
-- The breakdown reads one organization's rows of one dimension over a range of weeks: from
-- the index alone (as index_dimension_days_on_org_id_dimension_day_key, migrations/0800).
create index index_dimension_weeks_on_org_id_dimension_week_key
  on usage.dimension_weeks (org_id, dimension, week, key) include (requests, cost, tokens);
comment on table usage.dimension_weeks is
  'Rollup (engine: usage.dimension_weeks, dependent of usage.dimension_days) per organization, local week (its Monday: the ISO week of the local day of occurred_at), dimension (user, team, project, feature) and key (as usage.dimension_days): requests, cost of the priced requests, tokens of all kinds; the sums of usage.dimension_days over the week. Read through private.dimension_weeks_rows.';
comment on column usage.dimension_weeks.week is 'The Monday of the local week (ISO week of the local day of occurred_at in the organization''s time zone).';
-- Access as usage.dimension_days (migrations/0730).
alter table usage.dimension_weeks enable row level security;
create policy select_analysts on usage.dimension_weeks for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on usage.dimension_weeks is
  'Analysts and above read the organization''s rows (a plain member''s numbers come from their own requests).';
create policy all_service_role on usage.dimension_weeks for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.dimension_weeks is 'service_role (the engine) maintains the rollup.';
revoke all on table usage.dimension_weeks from public, anon;
grant select on table usage.dimension_weeks to authenticated;
grant all on table usage.dimension_weeks to service_role;
