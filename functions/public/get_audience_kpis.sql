-- requires: functions/private/audience_overview_periods.sql
-- requires: functions/private/assert_period.sql
-- The 8 KPI cards of the audience overview for the local days [p_from, p_to) of one
-- organization, one row per KPI in card order (visitors, sessions, checkout_rate_pct,
-- purchase_rate_pct, new_buyers, returning_buyers, mobile_conversion_pct,
-- desktop_conversion_pct; the columns of public.get_audience_overview, whose definitions
-- hold):
--   * value / previous_value: the overview's current and previous period;
--   * target: audience.kpi_targets (NULL when none is set); target_pct =
--     round(100 x value / target, 1) (NULL without a target, a value, or when target = 0);
--   * trailing_90d_value: the organization's own value over the 90 local days before p_to,
--     [p_to - 90, p_to) (the overview of that period);
--   * benchmark_median: the median, over the organizations of the same kind, of their
--     value over their 90 local days before benchmark_as_of (private.audience_kpi_benchmarks,
--     computed once a day by `audiencectl refresh`), and benchmark_orgs how many
--     organizations contributed. Both are NULL unless at least
--     private.audience_settings('benchmark_min_orgs') (5) organizations contributed, so
--     no organization's own value can be read from a benchmark.
-- Callable by members (viewer or above) and service_role.
-- Errors: 42501 not a member; 22023 bad period (as the overview).
create or replace function public.get_audience_kpis(p_org_id uuid, p_from date, p_to date)
returns table (
  kpi                text,
  value              numeric,
  previous_value     numeric,
  target             numeric,
  target_pct         numeric,
  trailing_90d_value numeric,
  benchmark_median   numeric,
  benchmark_orgs     integer,
  benchmark_as_of    date
)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
declare
  v_kind     app.org_kind;
  v_min_orgs integer;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  perform private.assert_period(p_from, p_to);
  select o.kind into v_kind from app.organizations as o where o.id = p_org_id;
  select s.value into v_min_orgs from private.audience_settings as s where s.name = 'benchmark_min_orgs';

  return query
  -- The overview's current and previous periods and the trailing 90 days, in one pass
  -- (one look-up and computation of the days the rollups do not reflect).
  with periods as (
    select o.period as name, o.visitors, o.sessions, o.checkout_rate_pct, o.purchase_rate_pct, o.new_buyers,
           o.returning_buyers, o.mobile_conversion_pct, o.desktop_conversion_pct
    from private.audience_overview_periods(p_org_id, array['current', 'previous', 'trailing'],
                                           array[p_from, p_from - (p_to - p_from), p_to - 90],
                                           array[p_to, p_from, p_to]) as o
  ),
  kpis as (
    select x.name, k.ord, k.kpi, k.value
    from periods as x
    cross join lateral (values
      (1, 'visitors', x.visitors::numeric), (2, 'sessions', x.sessions::numeric),
      (3, 'checkout_rate_pct', x.checkout_rate_pct), (4, 'purchase_rate_pct', x.purchase_rate_pct),
      (5, 'new_buyers', x.new_buyers::numeric), (6, 'returning_buyers', x.returning_buyers::numeric),
      (7, 'mobile_conversion_pct', x.mobile_conversion_pct), (8, 'desktop_conversion_pct', x.desktop_conversion_pct)
    ) as k (ord, kpi, value)
  )
  select c.kpi, c.value, pv.value, t.target,
         pg_catalog.round(100.0 * c.value / nullif(t.target, 0), 1),
         tr.value,
         case when b.orgs >= v_min_orgs then b.median end,
         case when b.orgs >= v_min_orgs then b.orgs end,
         case when b.orgs >= v_min_orgs then b.as_of end
  from kpis as c
  join kpis as pv on pv.name = 'previous' and pv.kpi = c.kpi
  join kpis as tr on tr.name = 'trailing' and tr.kpi = c.kpi
  left join audience.kpi_targets as t on t.org_id = p_org_id and t.kpi = c.kpi
  left join private.audience_kpi_benchmarks as b on b.org_kind = v_kind and b.kpi = c.kpi
  where c.name = 'current'
  order by c.ord;
end;
$$;
revoke execute on function public.get_audience_kpis(uuid, date, date) from public, anon;
grant execute on function public.get_audience_kpis(uuid, date, date) to authenticated, service_role;
comment on function public.get_audience_kpis(uuid, date, date) is
  'The 8 audience KPI cards for local days [p_from, p_to): value and previous-period value (get_audience_overview), target (audience.kpi_targets) and value as % of it, the organization''s own value over [p_to - 90, p_to), and the median of organizations of the same kind over their last 90 days with how many contributed (shown only when at least benchmark_min_orgs = 5 did). Members (viewer+) and service_role; 42501 non-members, 22023 bad period.';
