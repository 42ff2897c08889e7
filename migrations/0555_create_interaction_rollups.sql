-- 0555: the interaction-tracking rollups of issue 15, maintained by the rollup engine
-- (migration 0100) from analytics.events, read through private.rollup_rows:
--   analytics.entity_daily_interactions  per entity and local day: timed views (view
--     duration), impressions / clicks / ticket clicks / detail views with the click-through
--     and ticket conversion rates, reviews with their ratings;
--   analytics.user_daily_interactions    per signed-in user and local day: timed views and
--     the social and feed actions (review likes and comments, friends added, messages and
--     shares sent, tab changes, load-mores, scroll depth);
--   analytics.search_daily_stats         per normalized query and local day: searches,
--     zero-result searches, result counts, searchers and clickers (no person in it).
-- They sit beside analytics.entity_daily_stats / user_daily_stats (which
-- analytics.aggregate_daily maintains) rather than adding columns to them: each is one
-- registered rollup with one compute function. Days are local days in the organization's
-- time zone; bots are excluded. Timed view: an event_view, page_view or profile_view with
-- a numeric properties.duration_seconds >= 0 (capped at 86400).

create table analytics.entity_daily_interactions (
  org_id          uuid      not null,
  entity_type     text      collate "C" not null,
  entity_id       uuid      not null,
  day             date      not null,
  timed_views     bigint    not null,
  view_seconds    numeric   not null,
  view_durations  numeric[] not null,
  impressions     bigint    not null,
  clicks          bigint    not null,
  ticket_clicks   bigint    not null,
  detail_views    bigint    not null,
  reviews         bigint    not null,
  rating_sum      numeric   not null,
  rating_count    bigint    not null,
  constraint pk_entity_daily_interactions primary key (org_id, entity_id, entity_type, day),
  constraint fk_entity_daily_interactions_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_entity_daily_interactions_on_org_id_day on analytics.entity_daily_interactions (org_id, day);
comment on table analytics.entity_daily_interactions is
  'Per organization, entity (entity_type ''unknown'' when missing) and local day with at least one of the events below about it: timed views (view duration), impressions (impression), clicks (link_click and search_result_click), ticket_clicks (ticket_cta, link_click with link_type tickets), detail_views (event_view), reviews (review; ratings 1-5 from properties.rating). Rollup analytics.entity_daily_interactions (engine, migration 0100).';
comment on column analytics.entity_daily_interactions.view_durations is
  'The duration_seconds of the day''s timed views, sorted ascending: medians over any set of days are exact (percentile over the union).';
comment on column analytics.entity_daily_interactions.clicks is
  'link_click and search_result_click events on the entity; click-through rate = clicks / impressions (readers compute rates: a rollup row holds counts only, so that rows from the compute function and stored rows are alike).';
comment on column analytics.entity_daily_interactions.detail_views is 'event_view events; ticket conversion rate = ticket_clicks / detail_views.';

create table analytics.user_daily_interactions (
  org_id              uuid      not null,
  user_id             uuid      not null,
  day                 date      not null,
  timed_views         bigint    not null,
  view_seconds        numeric   not null,
  view_durations      numeric[] not null,
  reviews_liked       bigint    not null,
  reviews_commented   bigint    not null,
  friends_added       bigint    not null,
  messages_sent       bigint    not null,
  shares_sent         bigint    not null,
  tab_changes         bigint    not null,
  load_mores          bigint    not null,
  max_scroll_depth_pct numeric,
  constraint pk_user_daily_interactions primary key (org_id, user_id, day),
  constraint fk_user_daily_interactions_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
create index index_user_daily_interactions_on_user_id on analytics.user_daily_interactions (user_id);
comment on table analytics.user_daily_interactions is
  'Per organization, signed-in user (events.user_id) and local day with at least one of these events by the user: timed views, review_like (reviews_liked), review_comment (reviews_commented), friend_added, message_sent, share_sent, navigate (tab_changes), load_more, scroll_depth (max_scroll_depth_pct: highest properties.depth_pct, 0-100). Completes analytics.user_daily_stats (same key). Rollup analytics.user_daily_interactions (engine). app.erase_user removes the rows (user_id).';

create table analytics.search_daily_stats (
  org_id               uuid      not null,
  day                  date      not null,
  query                text      collate "C" not null,
  searches             bigint    not null,
  zero_result_searches bigint    not null,
  result_counts        integer[] not null,
  searchers            bigint    not null,
  clickers             bigint    not null,
  constraint pk_search_daily_stats primary key (org_id, day, query),
  constraint fk_search_daily_stats_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table analytics.search_daily_stats is
  'Per organization, local day and normalized query (analytics.normalize_query of properties.query): searches (search events), zero_result_searches (properties.results_count = 0), result_counts (the numeric results_count values, sorted), searchers (distinct visitors who searched it that day) and clickers (of those, the ones with a search_result_click for the same query that day). No visitor identifier is stored. Rollup analytics.search_daily_stats (engine).';

alter table analytics.entity_daily_interactions enable row level security;
create policy select_members on analytics.entity_daily_interactions
  for select to authenticated using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on analytics.entity_daily_interactions is 'Members (any role) read their organizations'' rows.';
create policy all_service_role on analytics.entity_daily_interactions
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.entity_daily_interactions is 'service_role reads and writes every row.';

alter table analytics.user_daily_interactions enable row level security;
create policy select_own on analytics.user_daily_interactions
  for select to authenticated using (user_id = (select auth.uid()));
comment on policy select_own on analytics.user_daily_interactions is 'A user reads their own rows, in every organization.';
create policy select_analysts on analytics.user_daily_interactions
  for select to authenticated using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on analytics.user_daily_interactions is 'Analysts, admins and owners read the per-user rows of their organizations.';
create policy all_service_role on analytics.user_daily_interactions
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.user_daily_interactions is 'service_role reads and writes every row.';

alter table analytics.search_daily_stats enable row level security;
create policy select_analysts on analytics.search_daily_stats
  for select to authenticated using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on analytics.search_daily_stats is 'Analysts, admins and owners read their organizations'' search stats (query texts are typed by visitors).';
create policy all_service_role on analytics.search_daily_stats
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.search_daily_stats is 'service_role reads and writes every row.';

revoke all on table analytics.entity_daily_interactions, analytics.user_daily_interactions, analytics.search_daily_stats
  from public, anon, authenticated;
grant select on table analytics.entity_daily_interactions, analytics.user_daily_interactions, analytics.search_daily_stats
  to authenticated;
grant select, insert, update, delete on table analytics.entity_daily_interactions, analytics.user_daily_interactions,
  analytics.search_daily_stats to service_role;

-- Registered with the rollup engine by its compute function's file (functions/analytics/compute_*.sql).
