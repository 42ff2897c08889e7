-- 0020: AI insights. The enums, the insights themselves (insights.ai_insights), the
-- record of each generation run (insights.generation_runs) and the rules that decide
-- when data is sufficient and when a candidate is worth showing (insights.thresholds,
-- rows rather than constants in code), with their indexes, RLS, grants and comments.
--
-- Who writes what:
-- * service_role (audiencectl insights generate) starts and finishes runs and stores
--   insights, through the insights.* functions (start_run, persist_insights, finish_run,
--   expire_stale); it also holds plain table privileges.
-- * members (any role) read their organizations' insights and runs (RLS); they change
--   an insight's status only through public.update_insight_status (no UPDATE grant).
-- * anon gets nothing.
-- Detection itself (insights.detect_candidates, insights.metric_snapshot) lives in
-- functions/insights/ and reads analytics.events and the source tables of 0005.

create schema insights;
comment on schema insights is
  'AI insights: detected and measured in SQL, phrased by an LLM or a template, stored with their lifecycle; generation runs; detection thresholds. Exposed through RLS.';
grant usage on schema insights to authenticated, service_role;

-- Types --------------------------------------------------------------------------------

create type insights.insight_category as enum
  ('geographic', 'growth', 'content', 'revenue', 'tour', 'platform', 'engagement', 'timing');
comment on type insights.insight_category is
  'What an insight is about. Each insight type belongs to exactly one category (see insights.category_of).';

create type insights.insight_type as enum
  ('city_growth', 'new_market', 'declining_market', 'tour_gap', 'tour_timing', 'subscriber_surge',
   'subscriber_churn', 'release_momentum', 'platform_preference', 'referrer_surge', 'tip_hotspot',
   'engagement_quality', 'peak_activity', 'capture_rate_change', 'device_shift');
comment on type insights.insight_type is
  'The kinds of insight the SQL detector finds (insights.detect_candidates); an LLM may phrase them but never invent another.';

-- Declared from most to least urgent, so that `order by priority` lists high first.
create type insights.insight_priority as enum ('high', 'medium', 'low');
comment on type insights.insight_priority is
  'Urgency, in descending order: high < medium < low as enum values, so ORDER BY priority lists high first. Sets the expiry (7/14/30 days).';

create type insights.insight_status as enum ('active', 'dismissed', 'acted_on', 'expired');
comment on type insights.insight_status is
  'active (shown), dismissed or acted_on (set by a member via public.update_insight_status), expired (past expires_at or superseded).';

create type insights.insight_run_status as enum ('pending', 'processing', 'completed', 'failed');
comment on type insights.insight_run_status is 'State of a generation run: pending, processing (started), completed or failed.';

-- Thresholds ---------------------------------------------------------------------------

create table insights.thresholds (
  key         text        not null,
  value       numeric     not null,
  description text        not null,
  updated_at  timestamptz not null default pg_catalog.now(),
  constraint pk_thresholds primary key (key),
  constraint check_thresholds_key check (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
  constraint check_thresholds_value check (value >= 0),
  constraint check_thresholds_description check (pg_catalog.btrim(description) <> '')
);
comment on table insights.thresholds is
  'Detection and lifecycle rules as rows (key, value, description): minimum data for any insight, each insight type''s own minimum, base confidences, expiry and rate limits. Read by the insights.* functions at every call; change a value with an UPDATE (service_role), no deployment needed.';
comment on column insights.thresholds.key is
  'Dotted rule name: min.* (data sufficiency), <insight_type>.* (that type''s rules, incl. base_confidence), confidence.min, lifecycle.*, schedule.*.';
comment on column insights.thresholds.value is 'The rule''s value (counts, percentages, days, hours, ratios or confidences, as the description says).';

insert into insights.thresholds (key, value, description) values
  -- Data sufficiency (start_run raises "insufficient data" below these).
  ('min.total_clicks',                        20, 'At least this many link clicks (bots excluded) in the analysed period, else insufficient data.'),
  ('min.history_days',                         7, 'At least this many days between the organization''s first event and the end of the analysed period, else insufficient data.'),
  ('min.city_clicks',                         10, 'A city is listed (metric snapshot: top, growing, new, declining cities) only with at least this many link clicks in the period it is listed for.'),
  ('min.previous_clicks_for_growth',          10, 'A growth percentage is computed only from at least this many link clicks in the comparison period.'),
  ('min.subscribers',                          3, 'Subscriber insights need at least this many new subscribers (or unsubscribes) in the period.'),
  ('min.tips',                                 3, 'Revenue insights need at least this many tips in the period.'),
  ('min.timed_events',                        50, 'Timing insights need at least this many events in the period.'),
  ('min.link_clicks',                         20, 'Content and platform insights need at least this many link clicks in the period.'),
  ('min.tour_dates',                           1, 'Tour insights need at least this many tour dates, or min.located_audience located audience members.'),
  ('min.located_audience',                    50, 'Tour insights need at least this many audience members with a known city (distinct visitors in the period), or min.tour_dates tour dates.'),
  -- Per type.
  ('city_growth.min_clicks',                  20, 'city_growth: at least this many link clicks from the city in both the period and the comparison period.'),
  ('city_growth.min_growth_pct',              25, 'city_growth: link clicks from the city grew by at least this many percent.'),
  ('city_growth.base_confidence',           0.90, 'city_growth: base confidence.'),
  ('new_market.min_clicks',                   15, 'new_market: at least this many link clicks from the city in the period.'),
  ('new_market.max_previous_clicks',           5, 'new_market: fewer than this many link clicks from the city in the comparison period.'),
  ('new_market.base_confidence',            0.80, 'new_market: base confidence.'),
  ('declining_market.min_previous_clicks',    20, 'declining_market: at least this many link clicks from the city in the comparison period.'),
  ('declining_market.min_decline_pct',        30, 'declining_market: link clicks from the city fell by at least this many percent.'),
  ('declining_market.base_confidence',      0.80, 'declining_market: base confidence.'),
  ('tour_gap.min_fans',                       50, 'tour_gap: at least this many fans (distinct visitors, bots excluded) from a city with no upcoming show in the period.'),
  ('tour_gap.base_confidence',              0.85, 'tour_gap: base confidence.'),
  ('tour_timing.min_fans',                    20, 'tour_timing: at least this many fans in the period from the city of an upcoming show.'),
  ('tour_timing.max_days_ahead',              45, 'tour_timing: the show starts within this many days after the end of the period.'),
  ('tour_timing.base_confidence',           0.80, 'tour_timing: base confidence.'),
  ('subscriber_surge.min_new',                10, 'subscriber_surge: at least this many new subscribers in the period.'),
  ('subscriber_surge.min_growth_pct',         50, 'subscriber_surge: new subscribers grew by at least this many percent over the comparison period (any growth from zero counts).'),
  ('subscriber_surge.base_confidence',      0.90, 'subscriber_surge: base confidence.'),
  ('subscriber_churn.min_unsubscribes',        3, 'subscriber_churn: at least this many unsubscribes in the last subscriber_churn.window_days days of the period.'),
  ('subscriber_churn.window_days',             7, 'subscriber_churn: length of the window, in days, ending at the end of the period.'),
  ('subscriber_churn.base_confidence',      0.90, 'subscriber_churn: base confidence.'),
  ('release_momentum.min_events',             30, 'release_momentum: at least this many events (bots excluded) about a release published in the period, since its publication.'),
  ('release_momentum.base_confidence',      0.80, 'release_momentum: base confidence.'),
  ('platform_preference.min_clicks',          50, 'platform_preference: at least this many music link clicks in the period.'),
  ('platform_preference.min_ratio',            2, 'platform_preference: the top music platform has at least this many times the clicks of the second.'),
  ('platform_preference.base_confidence',   0.85, 'platform_preference: base confidence.'),
  ('referrer_surge.window_days',               7, 'referrer_surge: a surge compares the last this many days of the period with the same number of days before them.'),
  ('referrer_surge.min_visits',               20, 'referrer_surge: at least this many events referred by the domain in the last referrer_surge.window_days days.'),
  ('referrer_surge.min_growth_pct',          100, 'referrer_surge: referred events grew by at least this many percent over the window before (any growth from zero counts).'),
  ('referrer_surge.base_confidence',        0.85, 'referrer_surge: base confidence.'),
  ('tip_hotspot.min_city_tips',                3, 'tip_hotspot: at least this many tips from the city in the period.'),
  ('tip_hotspot.min_share_pct',               30, 'tip_hotspot: the city brings at least this share (percent) of the tip amount of the period.'),
  ('tip_hotspot.base_confidence',           0.80, 'tip_hotspot: base confidence.'),
  ('engagement_quality.min_visitors',         50, 'engagement_quality: at least this many visitors in both periods.'),
  ('engagement_quality.min_change_pts',        5, 'engagement_quality: the share of engaged visitors moved by at least this many percentage points.'),
  ('engagement_quality.base_confidence',    0.75, 'engagement_quality: base confidence.'),
  ('peak_activity.min_events',               100, 'peak_activity: at least this many events in the period.'),
  ('peak_activity.min_hour_share_pct',         8, 'peak_activity: the peak hour of the day holds at least this share (percent) of events (a flat day is 4.2).'),
  ('peak_activity.base_confidence',         0.70, 'peak_activity: base confidence.'),
  ('capture_rate_change.min_visitors',        50, 'capture_rate_change: at least this many visitors in both periods.'),
  ('capture_rate_change.min_change_pct',      25, 'capture_rate_change: the capture rate (new subscribers per 100 visitors) changed by at least this many percent.'),
  ('capture_rate_change.base_confidence',   0.70, 'capture_rate_change: base confidence.'),
  ('device_shift.min_events',                 50, 'device_shift: at least this many events in both periods.'),
  ('device_shift.min_change_pts',             10, 'device_shift: a device type''s share of events moved by at least this many percentage points.'),
  ('device_shift.base_confidence',          0.70, 'device_shift: base confidence.'),
  ('confidence.min',                        0.50, 'Candidates whose confidence (rounded to 2 decimals) is below this are not returned.'),
  ('candidates.max_per_type',                  3, 'At most this many candidates of one insight type per detection (the strongest).'),
  -- Lifecycle.
  ('lifecycle.expiry_days_high',               7, 'A stored high-priority insight expires after this many days.'),
  ('lifecycle.expiry_days_medium',            14, 'A stored medium-priority insight expires after this many days.'),
  ('lifecycle.expiry_days_low',               30, 'A stored low-priority insight expires after this many days.'),
  ('lifecycle.recent_days',                    7, 'persist_insights skips a type/subject already active (or dismissed) within this many days.'),
  ('lifecycle.max_per_run',                    8, 'At most this many insights stored (or replaced) per generation run.'),
  ('lifecycle.manual_interval_minutes',       60, 'At most one manual generation per organization within this many minutes.'),
  -- Scheduled batch (insights.orgs_due).
  ('schedule.min_clicks',                     50, 'The scheduled batch considers organizations with more than this many link clicks in the last 30 days.'),
  ('schedule.min_history_days',                7, 'The scheduled batch considers organizations with more than this many days of events.'),
  ('schedule.run_interval_hours',             20, 'The scheduled batch skips organizations with a run started within this many hours.');

-- Generation runs ----------------------------------------------------------------------

create table insights.generation_runs (
  id                   uuid                        not null default pg_catalog.gen_random_uuid(),
  org_id               uuid                        not null,
  status               insights.insight_run_status not null default 'pending',
  is_manual            boolean                     not null,
  requested_by         uuid,
  period_start         timestamptz                 not null,
  period_end           timestamptz                 not null,
  insights_generated   integer                     not null default 0,
  data_points_analyzed bigint,
  model_used           text,
  prompt_tokens        integer,
  completion_tokens    integer,
  duration_ms          integer,
  error                text,
  fallbacks            jsonb                       not null default '[]'::jsonb,
  created_at           timestamptz                 not null default pg_catalog.now(),
  finished_at          timestamptz,
  constraint pk_generation_runs primary key (id),
  constraint fk_generation_runs_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_generation_runs_period check (period_end > period_start),
  constraint check_generation_runs_counts
    check (insights_generated >= 0 and data_points_analyzed >= 0 and prompt_tokens >= 0
           and completion_tokens >= 0 and duration_ms >= 0),
  constraint check_generation_runs_fallbacks check (pg_catalog.jsonb_typeof(fallbacks) = 'array'),
  constraint check_generation_runs_finished
    check ((status in ('completed', 'failed')) = (finished_at is not null)),
  constraint check_generation_runs_error check (status = 'failed' or error is null)
);
-- Leading org_id: serves fk_generation_runs_org_id, the rate limit and "last run" lookups.
create index index_generation_runs_on_org_id_created_at on insights.generation_runs (org_id, created_at desc);
comment on table insights.generation_runs is
  'One row per insight generation (audiencectl insights generate): manual or scheduled, the model and tokens used, duration, fallbacks to template wording, and the error of a failed run.';
comment on column insights.generation_runs.is_manual is
  'True for a generation requested for one organization (generate --org); at most one per lifecycle.manual_interval_minutes. False for the scheduled batch.';
comment on column insights.generation_runs.requested_by is 'auth.uid() of the caller of insights.start_run, NULL for service sessions.';
comment on column insights.generation_runs.period_start is 'Start of the analysed period (inclusive), day-aligned in the organization''s time zone.';
comment on column insights.generation_runs.period_end is 'End of the analysed period (exclusive).';
comment on column insights.generation_runs.data_points_analyzed is 'How many data points (events, subscribers, tips...) the detection read, as reported by the generator.';
comment on column insights.generation_runs.model_used is 'Provider and model, e.g. template, anthropic:claude-..., openai:gpt-...; never a key.';
comment on column insights.generation_runs.fallbacks is
  'JSON array of the candidates whose LLM text failed validation and were stored with their template wording: [{"insight_type", "subject_key", "reason"}].';
comment on column insights.generation_runs.error is 'Why a failed run failed (provider error after retries, ...); NULL otherwise.';

-- Insights -----------------------------------------------------------------------------

create table insights.ai_insights (
  id                uuid                       not null default pg_catalog.gen_random_uuid(),
  org_id            uuid                       not null,
  insight_type      insights.insight_type      not null,
  category          insights.insight_category  not null,
  priority          insights.insight_priority  not null,
  title             text                       not null,
  description       text                       not null,
  action_suggestion text,
  confidence        numeric(3,2)               not null,
  data_snapshot     jsonb                      not null,
  subject_key       text                       not null,
  period_start      timestamptz                not null,
  period_end        timestamptz                not null,
  comparison_start  timestamptz,
  comparison_end    timestamptz,
  status            insights.insight_status    not null default 'active',
  dismissed_at      timestamptz,
  acted_on_at       timestamptz,
  status_changed_by uuid,
  expires_at        timestamptz                not null,
  generation_run_id uuid,
  detector_version  text                       not null,
  input_hash        text                       not null,
  metadata          jsonb                      not null default '{}'::jsonb,
  created_at        timestamptz                not null default pg_catalog.now(),
  updated_at        timestamptz                not null default pg_catalog.now(),
  constraint pk_ai_insights primary key (id),
  constraint fk_ai_insights_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_ai_insights_generation_run_id foreign key (generation_run_id)
    references insights.generation_runs (id) on delete set null,
  constraint check_ai_insights_title check (pg_catalog.btrim(title) <> '' and pg_catalog.char_length(title) <= 80),
  constraint check_ai_insights_description
    check (pg_catalog.btrim(description) <> '' and pg_catalog.char_length(description) <= 500),
  constraint check_ai_insights_action_suggestion check (pg_catalog.char_length(action_suggestion) <= 300),
  constraint check_ai_insights_confidence check (confidence between 0 and 1),
  constraint check_ai_insights_data_snapshot check (pg_catalog.jsonb_typeof(data_snapshot) = 'object'),
  constraint check_ai_insights_subject_key
    check (pg_catalog.btrim(subject_key) <> '' and pg_catalog.char_length(subject_key) <= 200),
  constraint check_ai_insights_period check (period_end > period_start),
  constraint check_ai_insights_comparison
    check ((comparison_start is null) = (comparison_end is null) and comparison_end > comparison_start),
  constraint check_ai_insights_dismissed_at check ((status = 'dismissed') = (dismissed_at is not null)),
  constraint check_ai_insights_acted_on_at check ((status = 'acted_on') = (acted_on_at is not null)),
  constraint check_ai_insights_metadata check (pg_catalog.jsonb_typeof(metadata) = 'object')
);
-- Dedup: one insight per (organization, type, subject, period), whatever its status.
-- Leading org_id: also serves fk_ai_insights_org_id.
create unique index index_ai_insights_on_org_id_type_subject_period
  on insights.ai_insights (org_id, insight_type, subject_key, period_start, period_end);
-- Active insights of an organization, newest first (get_insights, get_insights_summary).
create index index_ai_insights_on_org_id_created_at_active
  on insights.ai_insights (org_id, created_at desc) where status = 'active';
-- Active insights by priority then recency (summary's top 3, priority filter).
create index index_ai_insights_on_org_id_priority_created_at_active
  on insights.ai_insights (org_id, priority, created_at desc) where status = 'active';
-- Expiry sweep (insights.expire_stale).
create index index_ai_insights_on_expires_at_active
  on insights.ai_insights (expires_at) where status = 'active';
-- "Same type and subject recently" (persist_insights) and the foreign key to runs.
create index index_ai_insights_on_org_id_type_subject_created_at
  on insights.ai_insights (org_id, insight_type, subject_key, created_at desc);
create index index_ai_insights_on_generation_run_id on insights.ai_insights (generation_run_id);

comment on table insights.ai_insights is
  'AI insights of an organization: detected and measured by SQL (insights.detect_candidates), phrased by an LLM or a template, validated, stored by insights.persist_insights. data_snapshot holds aggregates only, never raw events or personal data. Members read them; they change status only via public.update_insight_status.';
comment on column insights.ai_insights.title is 'At most 80 characters; every number in it appears in data_snapshot.';
comment on column insights.ai_insights.description is 'One or two sentences; every number in it appears in data_snapshot.';
comment on column insights.ai_insights.action_suggestion is 'What to do about it; every number in it appears in data_snapshot.';
comment on column insights.ai_insights.confidence is
  'base x min(1, data_points / (required x 1.5)) x consistency (1.0 monotonic, 0.8 noisy, 0.6 contradictory), rounded to 2 decimals; at least confidence.min.';
comment on column insights.ai_insights.data_snapshot is 'The aggregates that back the insight (the displayed numbers exactly as shown). Never raw events or personal data.';
comment on column insights.ai_insights.subject_key is
  'What the insight is about, e.g. the city "Berlin, DE", a platform, a referrer domain, a release title; "all" for organization-wide insights.';
comment on column insights.ai_insights.period_start is 'Analysed period [period_start, period_end), day-aligned in the organization''s time zone by default.';
comment on column insights.ai_insights.comparison_start is 'Comparison period [comparison_start, comparison_end) (the equal-length period before), NULL for none.';
comment on column insights.ai_insights.status is 'active, dismissed, acted_on or expired; see insights.insight_status.';
comment on column insights.ai_insights.status_changed_by is 'The member (auth.uid()) who last dismissed or acted on it.';
comment on column insights.ai_insights.expires_at is 'created (or replaced) + 7/14/30 days for high/medium/low priority; insights.expire_stale marks it expired after.';
comment on column insights.ai_insights.detector_version is 'Version of the SQL detector that produced the candidate.';
comment on column insights.ai_insights.input_hash is 'md5 of type, subject, period and data_snapshot: identical inputs have identical hashes.';
comment on column insights.ai_insights.metadata is
  'Provenance: {"source": "llm" | "template", "model", "fallback_reason", "rank", "superseded_by"...}.';

-- Row-level security -------------------------------------------------------------------

alter table insights.thresholds enable row level security;
create policy select_authenticated on insights.thresholds
  for select to authenticated
  using (true);
comment on policy select_authenticated on insights.thresholds is
  'Every signed-in user may read the detection rules (configuration, not tenant data).';
create policy all_service_role on insights.thresholds
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on insights.thresholds is 'service_role reads and changes the rules (it also has BYPASSRLS; explicit for clarity).';

alter table insights.generation_runs enable row level security;
create policy select_members on insights.generation_runs
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on insights.generation_runs is 'Members (any role) read the generation runs of their organizations.';
create policy all_service_role on insights.generation_runs
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on insights.generation_runs is 'service_role reads and writes every run (it also has BYPASSRLS; explicit for clarity).';

alter table insights.ai_insights enable row level security;
create policy select_members on insights.ai_insights
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on insights.ai_insights is
  'Members (any role) read the insights of their organizations. Status changes go through public.update_insight_status (no UPDATE privilege).';
create policy all_service_role on insights.ai_insights
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on insights.ai_insights is 'service_role reads and writes every insight (it also has BYPASSRLS; explicit for clarity).';

-- Grants -------------------------------------------------------------------------------

revoke all on table insights.thresholds, insights.generation_runs, insights.ai_insights from public, anon;
grant select on table insights.thresholds, insights.generation_runs, insights.ai_insights to authenticated;
grant select, insert, update, delete on table insights.thresholds, insights.generation_runs, insights.ai_insights
  to service_role;
