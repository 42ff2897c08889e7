-- 0500: targets and benchmarks of the 8 audience KPIs (the cards of the audience overview):
-- visitors, sessions, checkout_rate_pct, purchase_rate_pct, new_buyers, returning_buyers,
-- mobile_conversion_pct, desktop_conversion_pct (the columns of
-- public.get_audience_overview of the same names).
--
-- * audience.kpi_targets: one target per organization and KPI, set by admins through
--   public.set_audience_kpi_target; public.get_audience_kpis reports value vs target.
-- * private.audience_kpi_benchmarks: per organization kind and KPI, the median over the
--   organizations of that kind of their trailing 90-day value, and how many contributed;
--   written by private.refresh_kpi_benchmarks (a refresh step, once per UTC day).
--   public.get_audience_kpis shows a median only when at least
--   private.audience_settings('benchmark_min_orgs') organizations contributed, so no single
--   organization's numbers can be read or inferred from it.

create table audience.kpi_targets (
  org_id     uuid        not null,
  kpi        text        not null,
  target     numeric     not null,
  updated_at timestamptz not null default pg_catalog.now(),
  updated_by uuid,
  constraint pk_kpi_targets primary key (org_id, kpi),
  constraint fk_kpi_targets_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_kpi_targets_kpi check (kpi in ('visitors', 'sessions', 'checkout_rate_pct', 'purchase_rate_pct', 'new_buyers',
                                                  'returning_buyers', 'mobile_conversion_pct', 'desktop_conversion_pct')),
  constraint check_kpi_targets_target check (target >= 0 and (kpi not like '%\_pct' or target <= 100))
);
comment on table audience.kpi_targets is
  'Per organization and audience KPI (a column of public.get_audience_overview: visitors, sessions, checkout_rate_pct, purchase_rate_pct, new_buyers, returning_buyers, mobile_conversion_pct, desktop_conversion_pct): the target value for a period (counts) or the target percentage. Written by admins through public.set_audience_kpi_target; read by public.get_audience_kpis.';
comment on column audience.kpi_targets.updated_by is 'auth.uid() of the admin who set it (NULL: service_role).';

alter table audience.kpi_targets enable row level security;
create policy select_members on audience.kpi_targets
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on audience.kpi_targets is 'Members (any role) read their organizations'' KPI targets; admins set them through public.set_audience_kpi_target.';
create policy all_service_role on audience.kpi_targets
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on audience.kpi_targets is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';
revoke all on table audience.kpi_targets from public, anon, authenticated;
grant select on table audience.kpi_targets to authenticated;
grant select, insert, update, delete on table audience.kpi_targets to service_role;

-- Settings of the audience features (global; read only by definer functions).
create table private.audience_settings (
  name        text    not null,
  value       integer not null,
  description text    not null,
  constraint pk_audience_settings primary key (name)
);
comment on table private.audience_settings is
  'Global settings of the audience RPCs, one row each (name, integer value, what it means). Read by definer functions only.';
insert into private.audience_settings (name, value, description) values
  ('benchmark_min_orgs', 5,
   'public.get_audience_kpis shows the median of a KPI across organizations of the same kind only when at least this many organizations contributed a value.');

create table private.audience_kpi_benchmarks (
  org_kind    app.org_kind not null,
  kpi         text         not null,
  as_of       date         not null,
  orgs        integer      not null,
  median      numeric,
  computed_at timestamptz  not null default pg_catalog.now(),
  constraint pk_audience_kpi_benchmarks primary key (org_kind, kpi)
);
comment on table private.audience_kpi_benchmarks is
  'Per organization kind and KPI: the median, over the organizations of that kind with at least one visitor in their local days [as_of - 90, as_of), of their value of the KPI over those days (public.get_audience_overview), and how many organizations had a value (rates with no denominator do not count). Written by private.refresh_kpi_benchmarks; shown by public.get_audience_kpis only when orgs >= benchmark_min_orgs.';

revoke all on table private.audience_settings, private.audience_kpi_benchmarks from public, anon, authenticated;
