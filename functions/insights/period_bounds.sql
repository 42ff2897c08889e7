-- The analysed period and its comparison period for an organization.
-- Default (both NULL): the last 30 whole days in the organization's time zone, i.e.
-- [local midnight 30 days ago, local midnight today), against the 30 local days before.
-- Only p_period_end: the 30 local days before it; only p_period_start: the 30 local days
-- from it. Both: taken as given (half-open [start, end), at most 366 days). The
-- comparison period always has the same local length and ends where the period starts.
-- Raises 22023 for an end not after the start or a span over 366 days, P0002 for an
-- unknown organization (or one the caller cannot see). SECURITY INVOKER: the insights
-- RPCs call it after their own membership check; granted to authenticated and service_role.
create or replace function insights.period_bounds(
  p_org_id       uuid,
  p_period_start timestamptz default null,
  p_period_end   timestamptz default null)
returns table (period_start timestamptz, period_end timestamptz, comparison_start timestamptz,
               comparison_end timestamptz, timezone text, period_days integer)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_tz        text;
  v_end_local timestamp;
  v_start_local timestamp;
  v_length    interval;
begin
  select o.timezone into v_tz from app.organizations o where o.id = p_org_id;
  if not found then
    raise exception 'organization % does not exist', p_org_id
      using errcode = 'P0002', hint = 'Check the organization id.';
  end if;

  if p_period_start is null and p_period_end is null then
    v_end_local := pg_catalog.date_trunc('day', pg_catalog.now() at time zone v_tz);
    v_start_local := v_end_local - interval '30 days';
  elsif p_period_start is null then
    v_end_local := p_period_end at time zone v_tz;
    v_start_local := v_end_local - interval '30 days';
  elsif p_period_end is null then
    v_start_local := p_period_start at time zone v_tz;
    v_end_local := v_start_local + interval '30 days';
  else
    v_start_local := p_period_start at time zone v_tz;
    v_end_local := p_period_end at time zone v_tz;
    if p_period_end <= p_period_start then
      raise exception 'period end % is not after its start %', p_period_end, p_period_start
        using errcode = '22023', hint = 'Pass a half-open period [start, end) with end after start.';
    end if;
    if p_period_end - p_period_start > interval '366 days' then
      raise exception 'period from % to % is longer than 366 days', p_period_start, p_period_end
        using errcode = '22023', hint = 'Analyse at most 366 days at once.';
    end if;
  end if;

  -- Local wall-clock arithmetic keeps whole local days across DST changes.
  v_length := v_end_local - v_start_local;
  period_start := v_start_local at time zone v_tz;
  period_end := v_end_local at time zone v_tz;
  comparison_start := (v_start_local - v_length) at time zone v_tz;
  comparison_end := period_start;
  timezone := v_tz;
  period_days := pg_catalog.round(extract(epoch from v_length) / 86400)::integer;
  return next;
end;
$$;
revoke execute on function insights.period_bounds(uuid, timestamptz, timestamptz) from public, anon;
grant execute on function insights.period_bounds(uuid, timestamptz, timestamptz) to authenticated, service_role;
comment on function insights.period_bounds(uuid, timestamptz, timestamptz) is
  'Analysed period [start, end) and comparison period of equal local length before it; default: the last 30 whole days in the organization''s time zone. 22023 on bad bounds, P0002 on an unknown organization.';
