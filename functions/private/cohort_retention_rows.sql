-- requires: functions/audience/visitor_key.sql
-- Weekly retention cohorts of some organizations at reference time p_as_of, over the
-- p_weeks weeks ending with the week of p_as_of (weeks start on Monday, in each
-- organization's time zone). A visitor's cohort is the week of their first non-bot event
-- ever (a visitor active before the first of those weeks belongs to no cohort here);
-- retained in week offset k = active (any non-bot event before p_as_of) in cohort week +
-- k. Every offset from 0 to the current week is returned (retained 0 when nobody came
-- back). Source of private.mv_cohort_retention (52 weeks) and of
-- public.get_audience_cohorts when the view cannot answer. Internal helper; SQL.
create or replace function private.cohort_retention_rows(p_org_ids uuid[], p_as_of timestamptz, p_weeks integer)
returns table (
  org_id            uuid,
  cohort_week       date,
  week_offset       integer,
  cohort_size       bigint,
  retained_visitors bigint
)
language sql
stable
as $$
  with bounds as (
    select o.id as org_id, o.timezone, w.current_week,
           w.current_week - 7 * (p_weeks - 1) as first_week
    from app.organizations as o
    cross join lateral (select pg_catalog.date_trunc('week', p_as_of at time zone o.timezone)::date as current_week) as w
    where o.id = any (p_org_ids)
  ),
  -- One pass over each organization's history: the local weeks in which each visitor was
  -- active (a visitor's first week is the smallest).
  visitor_weeks as (
    select e.org_id,
           audience.visitor_key(e.visitor_id, e.user_id) as visitor_key,
           pg_catalog.date_trunc('week', e.occurred_at at time zone b.timezone)::date as week
    from bounds as b
    join analytics.events as e
      on e.org_id = b.org_id
     and e.occurred_at < p_as_of
    where not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
    group by 1, 2, 3
  ),
  cohorts as (
    select f.org_id, f.visitor_key, f.cohort_week
    from (
      select v.org_id, v.visitor_key, pg_catalog.min(v.week) as cohort_week
      from visitor_weeks as v
      group by 1, 2
    ) as f
    join bounds as b on b.org_id = f.org_id
    where f.cohort_week >= b.first_week
  ),
  sizes as (
    select c.org_id, c.cohort_week, pg_catalog.count(*) as cohort_size
    from cohorts as c
    group by 1, 2
  ),
  retained as (
    select c.org_id, c.cohort_week, (a.week - c.cohort_week) / 7 as week_offset, pg_catalog.count(*) as retained_visitors
    from cohorts as c
    join visitor_weeks as a on a.org_id = c.org_id and a.visitor_key = c.visitor_key
    group by 1, 2, 3
  )
  select s.org_id, s.cohort_week, w.week_offset, s.cohort_size, coalesce(r.retained_visitors, 0)
  from sizes as s
  join bounds as b on b.org_id = s.org_id
  cross join lateral pg_catalog.generate_series(0, (b.current_week - s.cohort_week) / 7) as w (week_offset)
  left join retained as r
    on r.org_id = s.org_id and r.cohort_week = s.cohort_week and r.week_offset = w.week_offset
$$;
revoke execute on function private.cohort_retention_rows(uuid[], timestamptz, integer) from public, anon, authenticated;
comment on function private.cohort_retention_rows(uuid[], timestamptz, integer) is
  'Weekly cohorts (first non-bot event ever, weeks from Monday in the organization''s time zone) x week offset at p_as_of over p_weeks weeks: cohort size and retained visitors. Source of private.mv_cohort_retention. Internal helper.';
