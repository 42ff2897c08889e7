-- Retention of the rollup private.audience_touch_days (migration 0700), a step of
-- analytics.apply_retention: deletes the rows of local days wholly before p_cutoff (in
-- each organization's time zone), as for the audience rollups' other per-visitor rows,
-- and the pointers that lead to such a day, so that no answer credits a touch whose row is
-- gone: nd_*, prev_day and click_day are cleared; ft_* (the earliest touch of the 30 days
-- up to the row) becomes the visitor's earliest remaining row, which lies in those 30 days
-- (migration 0900). The rows of private.audience_attribution_days of the deleted days go
-- too. Returns the touch rows deleted.
-- Internal: analytics.apply_retention (owner only).
create or replace function private.retain_audience_touch_days(p_cutoff timestamptz)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_rows bigint;
begin
  delete from private.audience_touch_days as d
  using app.organizations as o
  where o.id = d.org_id and d.day < (p_cutoff at time zone o.timezone)::date;
  get diagnostics v_rows = row_count;
  -- The attribution's sums of those days (private.audience_attribution_days, migration
  -- 0950) go too; get_audience_attribution reads the touch rows for periods that start
  -- less than 30 days after the cutoff (pointers cleared below).
  delete from private.audience_attribution_days as d
  using app.organizations as o
  where o.id = d.org_id and d.day < (p_cutoff at time zone o.timezone)::date;
  update private.audience_touch_days as d
     set nd_day = case when d.nd_day >= x.cutoff then d.nd_day end,
         nd_source = case when d.nd_day >= x.cutoff then d.nd_source end,
         nd_medium = case when d.nd_day >= x.cutoff then d.nd_medium end,
         nd_campaign = case when d.nd_day >= x.cutoff then d.nd_campaign end,
         prev_day = case when d.prev_day >= x.cutoff then d.prev_day end,
         click_day = case when d.click_day >= x.cutoff then d.click_day end
    from (select o.id, (p_cutoff at time zone o.timezone)::date as cutoff from app.organizations as o) as x
   where x.id = d.org_id and (d.nd_day < x.cutoff or d.prev_day < x.cutoff or d.click_day < x.cutoff);
  update private.audience_touch_days as d
     set ft_day = f.day, ft_source = f.source, ft_medium = f.medium, ft_campaign = f.campaign
    from (select distinct on (s.org_id, s.visitor_key) s.org_id, s.visitor_key, s.day, s.source, s.medium, s.campaign
          from private.audience_touch_days as s
          where (s.org_id, s.visitor_key) in (select a.org_id, a.visitor_key
                                              from private.audience_touch_days as a
                                              join app.organizations as o on o.id = a.org_id
                                              where a.ft_day < (p_cutoff at time zone o.timezone)::date)
          order by s.org_id, s.visitor_key, s.day) as f
   where f.org_id = d.org_id and f.visitor_key = d.visitor_key and d.ft_day < f.day;
  return v_rows;
end;
$$;
revoke execute on function private.retain_audience_touch_days(timestamptz) from public, anon, authenticated;
comment on function private.retain_audience_touch_days(timestamptz) is
  'Deletes the private.audience_touch_days rows of local days before the cutoff and clears the pointers to them; returns the rows deleted. Internal step of analytics.apply_retention (owner only).';
