-- Whether private.mv_cohort_retention, computed at p_as_of (its marker row's as_of; NULL:
-- not populated, or no marker), should be recomputed at p_now: when it is NULL, when it
-- is p_max_age old or older (as_of <= p_now - p_max_age), when it lies after p_now, or
-- when a new week (Monday 00:00) began between p_as_of and p_now in the time zone of some
-- organization or in UTC (public.get_audience_cohorts reads the view only when as_of falls
-- in the organization's current local week, and computes otherwise, so a new week makes
-- the view useless there until the next refresh). Otherwise the view is kept: readers get
-- its numbers as of p_as_of, less than p_max_age old.
-- Used by private.refresh_mv_cohort_retention (the refresh step, p_max_age 1 hour).
-- Internal helper; owner only. 22023 when p_now or p_max_age is NULL or p_max_age <= 0.
create or replace function private.mv_cohort_retention_due(p_as_of timestamptz, p_now timestamptz, p_max_age interval)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_now is null or p_max_age is null or p_max_age <= interval '0' then
    raise exception 'mv_cohort_retention_due needs a time and a positive age, got % and %', p_now, p_max_age
      using errcode = '22023', hint = 'Pass p_now (e.g. now()) and p_max_age > 0 (e.g. interval ''1 hour'').';
  end if;
  return p_as_of is null
      or p_as_of <= p_now - p_max_age
      or p_as_of > p_now
      or exists (select 1
                 from (select o.timezone from app.organizations as o union select 'UTC') as z
                 where pg_catalog.date_trunc('week', p_as_of at time zone z.timezone)
                       <> pg_catalog.date_trunc('week', p_now at time zone z.timezone));
end;
$$;
revoke execute on function private.mv_cohort_retention_due(timestamptz, timestamptz, interval) from public, anon, authenticated;
comment on function private.mv_cohort_retention_due(timestamptz, timestamptz, interval) is
  'Whether private.mv_cohort_retention computed at p_as_of is due at p_now: never computed, p_max_age old or older, in the future, or a new local week began since in some organization''s time zone (or UTC). Internal helper of private.refresh_mv_cohort_retention.';
