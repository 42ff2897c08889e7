-- 0556: analytics.entity_daily_funnel, the impression -> click -> ticket link click funnel
-- of each entity per source and position of its impressions. Maintained by the rollup
-- engine (migration 0100) from analytics.events by analytics.compute_entity_daily_funnel
-- (functions/analytics/); read through private.rollup_rows by public.get_entity_funnel.
-- Unit: a visitor-day. A visitor with an impression of the entity on a local day enters
-- the funnel at the source and position of their first impression of it that day
-- (properties.source, properties.position); they clicked when they also have an
-- event_view, search_result_click or link_click of the entity that day, and reached the
-- ticket link when they have a ticket_cta or a link_click with link_type tickets. Counts
-- are visitor-days, nested (ticket <= clicked <= impressed), additive over days. Clicks of
-- visitors without an impression that day are not in the funnel. Bots excluded.

create table analytics.entity_daily_funnel (
  org_id         uuid    not null,
  entity_type    text    collate "C" not null,
  entity_id      uuid    not null,
  day            date    not null,
  source         text    collate "C" not null,
  position       integer not null,
  impressed      bigint  not null,
  clicked        bigint  not null,
  ticket_clicked bigint  not null,
  constraint pk_entity_daily_funnel primary key (org_id, entity_id, entity_type, day, source, position),
  constraint fk_entity_daily_funnel_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_entity_daily_funnel_nested check (ticket_clicked <= clicked and clicked <= impressed)
);
create index index_entity_daily_funnel_on_org_id_day on analytics.entity_daily_funnel (org_id, day);
comment on table analytics.entity_daily_funnel is
  'Per organization, entity, local day, source and position of the first impression: visitor-days that saw the entity (impressed), then opened or clicked it (clicked), then clicked a ticket link (ticket_clicked). See migration 0556 for the exact rules. Rollup analytics.entity_daily_funnel (engine).';
comment on column analytics.entity_daily_funnel.source is 'properties.source of the first impression (feed, search, profile, ...), lower case, at most 40 characters; ''(unknown)'' when missing.';
comment on column analytics.entity_daily_funnel.position is 'properties.position of the first impression (1-based rank in its list); 0 when missing or not a positive integer.';

alter table analytics.entity_daily_funnel enable row level security;
create policy select_members on analytics.entity_daily_funnel
  for select to authenticated using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on analytics.entity_daily_funnel is 'Members (any role) read their organizations'' funnels.';
create policy all_service_role on analytics.entity_daily_funnel
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.entity_daily_funnel is 'service_role reads and writes every row.';
revoke all on table analytics.entity_daily_funnel from public, anon, authenticated;
grant select on table analytics.entity_daily_funnel to authenticated;
grant select, insert, update, delete on table analytics.entity_daily_funnel to service_role;

-- Registered with the rollup engine by its compute function's file (functions/analytics/compute_*.sql).
