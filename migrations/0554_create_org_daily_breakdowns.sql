-- 0554: analytics.org_daily_breakdowns, counts of events per organization, local day and
-- label of one dimension: the mashup dashboard's breakdowns (exports by platform and
-- format, AI reactions by kind, subscription upgrades by tier) and the plays per local
-- hour behind its peak times. Maintained by the rollup engine (migration 0100) as
-- analytics.org_daily_breakdowns from analytics.events by
-- analytics.compute_org_daily_breakdowns (functions/analytics/); read through
-- private.rollup_rows. Days are local days in the organization's time zone; bots excluded.

create table analytics.org_daily_breakdowns (
  org_id uuid   not null,
  day    date   not null,
  metric text   collate "C" not null,
  label  text   collate "C" not null,
  events bigint not null,
  constraint pk_org_daily_breakdowns primary key (org_id, day, metric, label),
  constraint fk_org_daily_breakdowns_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_org_daily_breakdowns_metric
    check (metric in ('play_hour', 'export_platform', 'export_format', 'ai_reaction', 'upgrade_from', 'upgrade_to', 'upgrade_path'))
);
comment on table analytics.org_daily_breakdowns is
  'Per organization, local day, metric and label: the number of non-bot events. Metrics: play_hour (play events by local hour, label ''00''..''23''), export_platform / export_format (mashup_exported by events.platform / properties.format), ai_reaction (ai_reaction by properties.reaction), upgrade_from / upgrade_to / upgrade_path (subscription_upgraded by properties.from_tier, to_tier, ''from>to''). Labels are lower-cased and trimmed; missing or non-text values are ''(unknown)'', tiers outside app.subscription_tier too. Additive over days. Rollup analytics.org_daily_breakdowns (engine, migration 0100).';
comment on column analytics.org_daily_breakdowns.label is 'The dimension value: at most 40 characters (longer ones are ''(other)''), lower case.';

alter table analytics.org_daily_breakdowns enable row level security;
create policy select_members on analytics.org_daily_breakdowns
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on analytics.org_daily_breakdowns is 'Members (any role) read their organizations'' breakdowns.';
create policy all_service_role on analytics.org_daily_breakdowns
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.org_daily_breakdowns is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';
revoke all on table analytics.org_daily_breakdowns from public, anon, authenticated;
grant select on table analytics.org_daily_breakdowns to authenticated;
grant select, insert, update, delete on table analytics.org_daily_breakdowns to service_role;

-- Registered with the rollup engine by its compute function's file (functions/analytics/compute_*.sql).
