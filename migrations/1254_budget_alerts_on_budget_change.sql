-- 1254: budget alerts for the spend already stored when a budget is created or changed.
-- Alerts were written only by the rollup step that changed usage.user_days (migration
-- 0202), for the (organization, day)s it touched: a budget created over a period whose
-- spend had already crossed its thresholds, with no later request in that period, never got
-- its alerts (a month at 549 % of a new budget: 0 alerts, while get_budget_status showed
-- it). Now, after a budget's row is inserted or its amount, thresholds, period, scope or
-- dates change, usage.apply_budget_alerts checks each of its periods from starts_on to the
-- organization's local today (or ends_on) against the stored spend, in the same
-- transaction: one alert per (budget, period start, threshold) as before (ON CONFLICT DO
-- NOTHING; an alert already written stays, written once), crossed_on the first local day
-- whose running spend reached the threshold. Requests received since the last refresh
-- alert with the refresh that applies them, as before.
-- SECURITY DEFINER (an admin's insert through RLS; the alerts table is written by the
-- owner), search_path pinned. Trigger only.
create function usage.budget_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_days date[];
begin
  select pg_catalog.array_agg(greatest(p.period_start, new.starts_on) order by p.period_start)
  into v_days
  from app.organizations as o
  cross join lateral pg_catalog.generate_series(
    pg_catalog.date_trunc(new.period, new.starts_on::timestamp),
    pg_catalog.date_trunc(new.period, least(coalesce(new.ends_on - 1, 'infinity'::date),
                                            (pg_catalog.now() at time zone o.timezone)::date)::timestamp),
    usage.period_interval(new.period)) as p (period_start)
  where o.id = new.org_id;
  if v_days is not null then
    perform usage.apply_budget_alerts(pg_catalog.array_fill(new.org_id, array[pg_catalog.cardinality(v_days)]), v_days);
  end if;
  return null;
end;
$$;
revoke execute on function usage.budget_changed() from public, anon, authenticated;
comment on function usage.budget_changed() is
  'Trigger: after a budget is inserted or its amount, thresholds, period, scope or dates change, writes the alerts its periods (starts_on to the local today) have already crossed (usage.apply_budget_alerts).';

create trigger budget_inserted after insert on usage.budgets
  for each row execute function usage.budget_changed();
create trigger budget_updated
  after update of amount, thresholds_pct, period, scope, scope_value, starts_on, ends_on on usage.budgets
  for each row execute function usage.budget_changed();
comment on trigger budget_inserted on usage.budgets is 'Alerts for the spend already stored in the new budget''s periods.';
comment on trigger budget_updated on usage.budgets is 'Alerts for the spend already stored in the changed budget''s periods.';
