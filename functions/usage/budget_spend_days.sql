-- requires: functions/usage/period_interval.sql
-- requires: functions/usage/in_budget_scope.sql
-- The daily spend of one budget in one of its periods, from the STORED rows of
-- usage.user_days (what the rollup has applied): (local day, cost) for the days of
-- [period_start, period end) on which the budget is active (starts_on <= day < ends_on)
-- and that have spend in its scope: org (everything), team, project, feature, user
-- (user_id as text) or model ("provider/model"). Period end: period_start + 1 month,
-- 3 months or 1 year.
-- Internal: usage.apply_budget_alerts; public.get_budget_status reads the exact spend
-- through private.rollup_rows instead.
create or replace function usage.budget_spend_days(p_org_id uuid, p_budget_id uuid, p_period_start date)
returns table (day date, cost numeric)
language sql
stable
set search_path = ''
as $$
  select d.day, pg_catalog.sum(d.cost)
  from usage.budgets as b
  join usage.user_days as d
    on d.org_id = b.org_id
   and d.day >= greatest(p_period_start, b.starts_on)
   and d.day < least((p_period_start + usage.period_interval(b.period))::date, coalesce(b.ends_on, 'infinity'::date))
  where b.org_id = p_org_id and b.id = p_budget_id
    and usage.in_budget_scope(b.scope, b.scope_value, d.user_id, d.team, d.project, d.feature, d.provider, d.model)
  group by d.day
$$;
revoke execute on function usage.budget_spend_days(uuid, uuid, date) from public, anon, authenticated;
grant execute on function usage.budget_spend_days(uuid, uuid, date) to service_role;
comment on function usage.budget_spend_days(uuid, uuid, date) is
  'Daily spend (stored usage.user_days) of a budget in the period starting p_period_start, within its scope and active dates.';
