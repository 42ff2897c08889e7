-- requires: functions/private/saved_view_period.sql
-- The saved audience views the caller may use in one organization: their own and those
-- shared by other members (service_role: all of them), with the date range resolved for
-- today in the organization's time zone (period_from / period_to, local days, half-open)
-- and the comparison period (compare_from / compare_to; NULL for 'none'); see
-- private.saved_view_period. Ordered: own views first, then by name.
-- Callable by members (viewer or above) and service_role. Errors: 42501 not a member.
create or replace function public.list_audience_views(p_org_id uuid)
returns table (
  id uuid, name text, user_id uuid, is_mine boolean, shared boolean, filters jsonb, range_preset text,
  range_from date, range_to date, period_from date, period_to date, attribution_model text, lookback_days integer,
  comparison text, compare_from date, compare_to date, updated_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_today date;
  v_user  uuid;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  v_user := auth.uid();
  select (pg_catalog.now() at time zone o.timezone)::date into v_today from app.organizations as o where o.id = p_org_id;
  return query
  select v.id, v.name, v.user_id, v.user_id = v_user, v.shared, v.filters, v.range_preset, v.range_from, v.range_to,
         p.period_from, p.period_to, v.attribution_model, v.lookback_days, v.comparison, p.compare_from, p.compare_to,
         v.updated_at
  from audience.saved_views as v
  cross join lateral private.saved_view_period(v.range_preset, v.range_from, v.range_to, v.comparison, v_today) as p
  where v.org_id = p_org_id
    and (v.user_id = v_user or v.shared or app.is_service_session())
  order by v.user_id = v_user desc nulls last, v.name, v.id;
end;
$$;
revoke execute on function public.list_audience_views(uuid) from public, anon;
grant execute on function public.list_audience_views(uuid) to authenticated, service_role;
comment on function public.list_audience_views(uuid) is
  'The caller''s saved audience views and those shared in the organization (service_role: all), with the date range and comparison resolved to local days for today. Members (viewer+) and service_role; 42501 non-members.';
