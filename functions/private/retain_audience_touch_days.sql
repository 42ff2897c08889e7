-- Retention of the rollup private.audience_touch_days (migration 0700), a step of
-- analytics.apply_retention: deletes the rows of local days wholly before p_cutoff (in
-- each organization's time zone), as for the audience rollups' other per-visitor rows,
-- and clears the pointers that lead to such a day (nd_day), so that no answer credits a
-- touch whose row is gone. Returns the rows deleted.
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
  update private.audience_touch_days as d
     set nd_day = null, nd_source = null, nd_medium = null, nd_campaign = null
    from app.organizations as o
   where o.id = d.org_id and d.nd_day < (p_cutoff at time zone o.timezone)::date;
  return v_rows;
end;
$$;
revoke execute on function private.retain_audience_touch_days(timestamptz) from public, anon, authenticated;
comment on function private.retain_audience_touch_days(timestamptz) is
  'Deletes the private.audience_touch_days rows of local days before the cutoff and clears the pointers to them; returns the rows deleted. Internal step of analytics.apply_retention (owner only).';
