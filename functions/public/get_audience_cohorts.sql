-- requires: functions/private/cohort_retention_rows.sql
-- requires: functions/private/mv_coverage.sql
-- Weekly retention of one organization: cohorts by first-visit week x week offset, for
-- the p_weeks weeks ending with the current week. Callable by members (viewer or above)
-- and service_role.
-- Definitions: weeks start on Monday 00:00 in the organization's time zone; the current
-- week is the one containing now() (partial). A visitor (audience.visitor_key) belongs to
-- the cohort of the week of their first non-bot event ever; retained_visitors at offset k
-- = members active (any non-bot event) in cohort week + k; retention_pct = retained /
-- cohort_size, one decimal (offset 0 is 100). Every offset from 0 to the current week is
-- returned, 0 when nobody came back; weeks in which nobody was new have no rows.
-- Answered from private.mv_cohort_retention when it was refreshed during the current
-- local week (its numbers are then as of that refresh: the refresh step recomputes it
-- when it is 1 hour old or a local week began, private.refresh_mv_cohort_retention, so
-- with `refresh` every minute they lag now() by at most 1 hour plus one run, and events
-- received since as_of are not counted yet); computed now otherwise
-- (private.cohort_retention_rows: the rollup analytics.visitor_daily_counts, and the raw
-- events before the last retention cutoff and of today). 42501: not a member; 22023:
-- p_weeks outside 1..52.
create or replace function public.get_audience_cohorts(p_org_id uuid, p_weeks integer default 12)
returns table (
  cohort_week       date,
  week_offset       integer,
  cohort_size       bigint,
  retained_visitors bigint,
  retention_pct     numeric
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_tz           text;
  v_current_week date;
  v_as_of        timestamptz;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  if p_weeks is null or p_weeks not between 1 and 52 then
    raise exception 'weeks must be between 1 and 52, got %', p_weeks
      using errcode = '22023', hint = 'Pass p_weeks from 1 to 52 (default 12).';
  end if;

  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_current_week := pg_catalog.date_trunc('week', pg_catalog.now() at time zone v_tz)::date;

  select c.as_of into v_as_of from private.mv_coverage('mv_cohort_retention', p_org_id) as c;

  if v_as_of is not null
     and pg_catalog.date_trunc('week', v_as_of at time zone v_tz)::date = v_current_week then
    return query
      select m.cohort_week, m.week_offset, m.cohort_size, m.retained_visitors,
             pg_catalog.round(100.0 * m.retained_visitors / nullif(m.cohort_size, 0), 1)
      from private.mv_cohort_retention as m
      where m.org_id = p_org_id
        and m.cohort_week >= v_current_week - 7 * (p_weeks - 1)
      order by m.cohort_week, m.week_offset;
    return;
  end if;

  return query
    select r.cohort_week, r.week_offset, r.cohort_size, r.retained_visitors,
           pg_catalog.round(100.0 * r.retained_visitors / nullif(r.cohort_size, 0), 1)
    from private.cohort_retention_rows(array[p_org_id], p_weeks) as r
    order by r.cohort_week, r.week_offset;
end;
$$;
revoke execute on function public.get_audience_cohorts(uuid, integer) from public, anon;
grant execute on function public.get_audience_cohorts(uuid, integer) to authenticated, service_role;
comment on function public.get_audience_cohorts(uuid, integer) is
  'Weekly cohorts (week of first non-bot visit ever, Monday-based, organization time zone) of the last p_weeks weeks (1..52, current week included) x week offset: cohort size, retained visitors, retention %. Members (viewer+) and service_role; 42501 non-members, 22023 p_weeks out of range.';
