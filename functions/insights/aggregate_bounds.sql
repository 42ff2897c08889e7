-- The bucket boundaries of an organization's stored insight aggregates today: its default
-- insight period (insights.period_bounds with no dates: the last 30 whole local days and the
-- 30 before), the referrer window of insights.metric_snapshot / detect_candidates
-- (referrer_surge.window_days of insights.thresholds: the last window_days local days and the
-- window_days before, or the period and its comparison when the window is not shorter than
-- the period), and the midpoints insights.event_aggregates_raw splits each half at.
-- Used by insights.refresh_aggregates and insights.refresh_all_aggregates. Internal: owner
-- only. P0002 from insights.period_bounds for an unknown organization.
create or replace function insights.aggregate_bounds(p_org_id uuid)
returns table (comparison_start timestamptz, comparison_mid timestamptz, period_start timestamptz,
               period_mid timestamptz, period_end timestamptz, timezone text, window_start timestamptz,
               window_before_mid timestamptz, window_mid timestamptz, window_after_mid timestamptz)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_bounds   record;
  v_ref_days integer;
  v_ws       timestamptz;
  v_wm       timestamptz;
begin
  select * into v_bounds from insights.period_bounds(p_org_id, null, null);
  v_ref_days := (insights.thresholds_json(array['referrer_surge.window_days'])->>'referrer_surge.window_days')::integer;
  if v_ref_days <= v_bounds.period_days then
    v_ws := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => 2 * v_ref_days))
            at time zone v_bounds.timezone;
    v_wm := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => v_ref_days))
            at time zone v_bounds.timezone;
  else
    v_ws := v_bounds.comparison_start;
    v_wm := v_bounds.period_start;
  end if;
  return query
  select v_bounds.comparison_start, v_bounds.comparison_start + (v_bounds.period_start - v_bounds.comparison_start) / 2,
         v_bounds.period_start, v_bounds.period_start + (v_bounds.period_end - v_bounds.period_start) / 2,
         v_bounds.period_end, v_bounds.timezone::text,
         v_ws, v_ws + (v_wm - v_ws) / 2, v_wm, v_wm + (v_bounds.period_end - v_wm) / 2;
end;
$$;
revoke execute on function insights.aggregate_bounds(uuid) from public, anon, authenticated;
comment on function insights.aggregate_bounds(uuid) is
  'Today''s bucket boundaries of an organization''s stored insight aggregates (default period, referrer window, midpoints). Internal helper of insights.refresh_aggregates / refresh_all_aggregates (owner only).';
