-- requires: functions/usage/period_interval.sql
-- requires: functions/usage/in_budget_scope.sql
-- The state of each budget of one organization in its current period, as of p_as_of (by
-- default today's local date in the organization's time zone; budgets not active that day
-- are left out). The budget's days of the period are those from active_start =
-- max(period_start, starts_on) to active_end = min(period_end, ends_on) (exclusive); the
-- days elapsed run from active_start to p_as_of included. Columns: period_start,
-- period_end (exclusive), amount, spent (exact: usage.user_days through
-- private.rollup_rows, to the cent, of the budget's days up to p_as_of included: a past
-- p_as_of shows the spend as of then), pct_used (1 decimal), projected (spent / days
-- elapsed x the budget's days of the period, to the cent), projected_exhaustion (the local
-- date on which that run rate reaches the amount: active_start + ceil(amount / daily rate)
-- days - 1, when before active_end; else NULL), and alerts: the thresholds crossed in this
-- period up to p_as_of, with the day that crossed them and when the alert was written
-- ([{"threshold_pct", "crossed_on", "alerted_at"}], by threshold). An alert is written once,
-- by the refresh step that first saw the spend over its threshold (usage.apply_budget_alerts),
-- with the day that crossed it as known then: late requests or a reprice that move the
-- crossing earlier do not move crossed_on, so for a past p_as_of pct_used can exceed a
-- threshold whose alert crossed_on is later (or, after a reprice down, lie below one).
-- Who: analysts and above see every budget; other members the budgets that limit
-- themselves (scope user). Errors: 42501 not a member.
create or replace function public.get_budget_status(p_org_id uuid, p_as_of date default null)
returns table (budget_id uuid, name text, scope text, scope_value text, period text, period_start date, period_end date,
               amount numeric, currency char(3), spent numeric, pct_used numeric, projected numeric,
               projected_exhaustion date, alerts jsonb)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_role  app.org_role := app.assert_org_role(p_org_id, 'viewer');
  v_today date;
begin
  select coalesce(p_as_of, (pg_catalog.now() at time zone o.timezone)::date) into v_today
  from app.organizations as o where o.id = p_org_id;
  return query
  with b as (
    select x.*, pg_catalog.date_trunc(x.period, v_today)::date as ps,
           (pg_catalog.date_trunc(x.period, v_today) + usage.period_interval(x.period))::date as pe
    from usage.budgets as x
    where x.org_id = p_org_id and x.starts_on <= v_today and (x.ends_on is null or v_today < x.ends_on)
      and (v_role >= 'analyst' or (x.scope = 'user' and x.scope_value = auth.uid()::text))
  ),
  d as (
    select r.* from private.rollup_rows(null::usage.user_days, p_org_id,
                                        (select pg_catalog.min(b.ps) from b), (select pg_catalog.max(b.pe) from b)) as r
    where r.org_id = p_org_id
  ),
  s as (
    select b.org_id, b.id,
           coalesce((select pg_catalog.sum(d.cost) from d
                     where d.day >= greatest(b.ps, b.starts_on) and d.day < least(b.pe, coalesce(b.ends_on, b.pe)) and d.day <= v_today
                       and usage.in_budget_scope(b.scope, b.scope_value, d.user_id, d.team, d.project, d.feature, d.provider, d.model)), 0) as spent,
           v_today - greatest(b.ps, b.starts_on) + 1 as elapsed,
           least(b.pe, coalesce(b.ends_on, b.pe)) - greatest(b.ps, b.starts_on) as days,
           greatest(b.ps, b.starts_on) as active_start, least(b.pe, coalesce(b.ends_on, b.pe)) as active_end
    from b
  )
  select b.id, b.name, b.scope::text, b.scope_value::text, b.period::text, b.ps, b.pe, b.amount, b.currency,
         pg_catalog.round(s.spent, 2), pg_catalog.round(100 * s.spent / b.amount, 1),
         pg_catalog.round(s.spent / s.elapsed * s.days, 2),
         case when s.spent > 0
                   and (s.active_start + pg_catalog.ceil(b.amount / (s.spent / s.elapsed))::integer - 1) < s.active_end
              then s.active_start + pg_catalog.ceil(b.amount / (s.spent / s.elapsed))::integer - 1 end,
         coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('threshold_pct', a.threshold_pct,
                                                'crossed_on', a.crossed_on, 'alerted_at', a.alerted_at) order by a.threshold_pct)
                   from usage.budget_alerts as a
                   where a.org_id = b.org_id and a.budget_id = b.id and a.period_start = b.ps and a.crossed_on <= v_today), '[]'::jsonb)
  from b join s on s.org_id = b.org_id and s.id = b.id
  order by b.name, b.id;
end;
$$;
revoke execute on function public.get_budget_status(uuid, date) from public, anon;
grant execute on function public.get_budget_status(uuid, date) to authenticated, service_role;
comment on function public.get_budget_status(uuid, date) is
  'Each active budget in its current period as of p_as_of (default: the local today): spent up to that day (exact), % used, run-rate projection over the budget''s days of the period and projected exhaustion date, thresholds crossed by then with their alert times. Analysts: every budget; other members: their own user budgets. 42501 not a member.';
