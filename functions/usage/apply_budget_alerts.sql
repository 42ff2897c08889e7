-- requires: functions/usage/budget_spend_days.sql
-- Writes the budget alerts crossed in the periods that contain the given (organization,
-- local day) pairs (parallel arrays): for every budget of those organizations active on
-- such a day, the spend of the budget's period (usage.budget_spend_days over the stored
-- usage.user_days rows), and for each threshold the first local day on which the running
-- spend reached amount x threshold / 100. One row per (budget, period start, threshold),
-- ON CONFLICT DO NOTHING: a rerun, or two steps at once, never write a second alert; a new
-- period starts from zero (its own period_start). Returns the number of alerts written.
-- Called by the trigger usage.user_days_changed, i.e. in the transaction of the rollup
-- step that changed usage.user_days (also usable by a DBA after changing a budget).
create or replace function usage.apply_budget_alerts(p_org_ids uuid[], p_days date[])
returns bigint
language sql
volatile
set search_path = ''
set jit = off
as $$
  with touched as (
    select distinct t.org_id, t.day from unnest(p_org_ids, p_days) as t (org_id, day)
  ),
  periods as (
    select distinct b.org_id, b.id as budget_id, b.amount, b.thresholds_pct,
           pg_catalog.date_trunc(b.period, t.day)::date as period_start
    from touched as t
    join usage.budgets as b
      on b.org_id = t.org_id and t.day >= b.starts_on and (b.ends_on is null or t.day < b.ends_on)
  ),
  running as (
    select p.org_id, p.budget_id, p.period_start, p.amount, p.thresholds_pct, s.day,
           pg_catalog.sum(s.cost) over w as spent_to_day,
           pg_catalog.sum(s.cost) over (partition by p.org_id, p.budget_id, p.period_start) as spent
    from periods as p
    cross join lateral usage.budget_spend_days(p.org_id, p.budget_id, p.period_start) as s
    window w as (partition by p.org_id, p.budget_id, p.period_start order by s.day)
  ),
  crossed as (
    select r.org_id, r.budget_id, r.period_start, th.pct, pg_catalog.max(r.spent) as spent, pg_catalog.max(r.amount) as amount,
           pg_catalog.min(r.day) as crossed_on
    from running as r
    cross join lateral pg_catalog.unnest(r.thresholds_pct) as th (pct)
    where r.spent_to_day >= r.amount * th.pct / 100
    group by 1, 2, 3, 4
  ),
  inserted as (
    insert into usage.budget_alerts (org_id, budget_id, period_start, threshold_pct, spent, amount, crossed_on)
    select c.org_id, c.budget_id, c.period_start, c.pct, c.spent, c.amount, c.crossed_on
    from crossed as c
    order by 1, 2, 3, 4
    on conflict (org_id, budget_id, period_start, threshold_pct) do nothing
    returning 1
  )
  select pg_catalog.count(*) from inserted
$$;
revoke execute on function usage.apply_budget_alerts(uuid[], date[]) from public, anon, authenticated;
grant execute on function usage.apply_budget_alerts(uuid[], date[]) to service_role;
comment on function usage.apply_budget_alerts(uuid[], date[]) is
  'Writes the budget alerts (one per budget, period start, threshold; ON CONFLICT DO NOTHING) crossed in the periods containing the given (organization, local day)s, from the stored usage.user_days. Called by the rollup step''s trigger.';
