-- requires: functions/public/get_audience_overview.sql
-- Computes private.audience_kpi_benchmarks: for each organization kind and audience KPI,
-- the median over the organizations of that kind of their value over their local days
-- [p_as_of - 90, p_as_of) (public.get_audience_overview's current row), and how many
-- organizations had a value. An organization contributes only when it had at least one
-- visitor in those days; a rate whose denominator is 0 (NULL) contributes nothing to that
-- KPI. The median is percentile_cont(0.5) (the mean of the two middle values for an even
-- count), rounded to one decimal.
-- p_as_of NULL: the current UTC date, and nothing is recomputed when every stored row is
-- already as of that date (so `audiencectl refresh`, which runs it every time, computes it
-- once a day). p_org_ids: only these organizations contribute, and only their kinds'
-- rows are replaced (NULL: every organization, every kind). Returns the rows written.
-- Owner / DBA sessions only (a refresh step of private.run_refresh).
create or replace function private.refresh_kpi_benchmarks(p_as_of date default null, p_org_ids uuid[] default null)
returns integer
language plpgsql
volatile
set search_path = ''
set jit = off
as $$
declare
  v_as_of date := coalesce(p_as_of, (pg_catalog.now() at time zone 'UTC')::date);
  v_rows  integer;
begin
  if p_as_of is null and p_org_ids is null
     and exists (select 1 from private.audience_kpi_benchmarks as b)
     and not exists (select 1 from private.audience_kpi_benchmarks as b where b.as_of <> v_as_of) then
    return 0;
  end if;

  create temp table if not exists kpi_benchmark_values (org_kind app.org_kind, kpi text, value numeric) on commit drop;
  truncate pg_temp.kpi_benchmark_values;
  insert into pg_temp.kpi_benchmark_values (org_kind, kpi, value)
  select o.kind, k.kpi, k.value
  from app.organizations as o
  cross join lateral public.get_audience_overview(o.id, v_as_of - 90, v_as_of) as v
  cross join lateral (values
    ('visitors', v.visitors::numeric), ('sessions', v.sessions::numeric),
    ('checkout_rate_pct', v.checkout_rate_pct), ('purchase_rate_pct', v.purchase_rate_pct),
    ('new_buyers', v.new_buyers::numeric), ('returning_buyers', v.returning_buyers::numeric),
    ('mobile_conversion_pct', v.mobile_conversion_pct), ('desktop_conversion_pct', v.desktop_conversion_pct)
  ) as k (kpi, value)
  where (p_org_ids is null or o.id = any (p_org_ids))
    and v.period = 'current' and v.visitors > 0 and k.value is not null;

  delete from private.audience_kpi_benchmarks as b
  where p_org_ids is null
     or b.org_kind in (select o.kind from app.organizations as o where o.id = any (p_org_ids));
  insert into private.audience_kpi_benchmarks (org_kind, kpi, as_of, orgs, median, computed_at)
  select x.org_kind, x.kpi, v_as_of, pg_catalog.count(*)::integer,
         pg_catalog.round((pg_catalog.percentile_cont(0.5) within group (order by x.value::double precision))::numeric, 1),
         pg_catalog.clock_timestamp()
  from pg_temp.kpi_benchmark_values as x
  group by x.org_kind, x.kpi;
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;
revoke execute on function private.refresh_kpi_benchmarks(date, uuid[]) from public, anon, authenticated;
comment on function private.refresh_kpi_benchmarks(date, uuid[]) is
  'Per organization kind and audience KPI: median (percentile_cont, one decimal) and count of the organizations'' values over their local days [as_of - 90, as_of) (organizations with a visitor then). Default: today (UTC), skipped when already computed for it. A step of private.run_refresh.';
