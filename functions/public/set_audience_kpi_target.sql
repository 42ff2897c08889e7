-- Sets (or, with p_target NULL, removes) an organization's target for one audience KPI,
-- reported by public.get_audience_kpis as value vs target. Returns the stored target
-- (NULL after a removal).
-- p_kpi: visitors, sessions, checkout_rate_pct, purchase_rate_pct, new_buyers,
-- returning_buyers, mobile_conversion_pct or desktop_conversion_pct; p_target a finite
-- number >= 0 (a count for a period, below 10^15, or a percentage <= 100 for the *_pct
-- KPIs; NaN and Infinity are out of range).
-- Callable by admins and owners of the organization and service_role.
-- Errors: 42501 not an admin (hint: ask for the admin role); 22023 unknown KPI (hint lists
-- them) or a target out of range (hint gives the range).
create or replace function public.set_audience_kpi_target(p_org_id uuid, p_kpi text, p_target numeric)
returns numeric
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform app.assert_org_role(p_org_id, 'admin');
  if p_kpi is null or p_kpi not in ('visitors', 'sessions', 'checkout_rate_pct', 'purchase_rate_pct', 'new_buyers',
                                    'returning_buyers', 'mobile_conversion_pct', 'desktop_conversion_pct') then
    raise exception 'unknown audience KPI %', coalesce(pg_catalog.quote_literal(p_kpi), 'NULL')
      using errcode = '22023',
            hint = 'Use visitors, sessions, checkout_rate_pct, purchase_rate_pct, new_buyers, returning_buyers, mobile_conversion_pct or desktop_conversion_pct.';
  end if;
  if p_target is null then
    delete from audience.kpi_targets as t where t.org_id = p_org_id and t.kpi = p_kpi;
    return null;
  end if;
  -- NaN >= 0 holds for numeric: a target is a finite number below 10^15.
  if not (p_target >= 0 and p_target < 1e15) or (p_kpi like '%\_pct' and p_target > 100) then
    raise exception 'target % of % is out of range', p_target, p_kpi
      using errcode = '22023',
            hint = case when p_kpi like '%\_pct' then 'A percentage target lies between 0 and 100.'
                        else 'A count target is a finite number from 0 to below 10^15 (not NaN or Infinity).' end;
  end if;
  insert into audience.kpi_targets as t (org_id, kpi, target, updated_at, updated_by)
  values (p_org_id, p_kpi, p_target, pg_catalog.now(), auth.uid())
  on conflict on constraint pk_kpi_targets do update
    set target = excluded.target, updated_at = excluded.updated_at, updated_by = excluded.updated_by;
  return p_target;
end;
$$;
revoke execute on function public.set_audience_kpi_target(uuid, text, numeric) from public, anon;
grant execute on function public.set_audience_kpi_target(uuid, text, numeric) to authenticated, service_role;
comment on function public.set_audience_kpi_target(uuid, text, numeric) is
  'Sets (p_target NULL: removes) the organization''s target for an audience KPI (visitors, sessions, checkout_rate_pct, purchase_rate_pct, new_buyers, returning_buyers, mobile_conversion_pct, desktop_conversion_pct); percentages 0..100, counts >= 0. Admins, owners and service_role; 42501 others, 22023 unknown KPI or target out of range.';
