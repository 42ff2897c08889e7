-- The bucket boundaries of an organization's insight aggregates for a period: the period
-- and its comparison (insights.period_bounds; no dates: the default period, the last 30
-- whole local days and the 30 before, which the stored aggregates cover), the referrer
-- window (referrer_surge.window_days of insights.thresholds: the last window_days local
-- days of the period and the window_days before, or the period and its comparison when the
-- window is not shorter than the period; window_days is then the period's length), and the
-- midpoints insights.event_aggregates_raw splits each half at.
-- Used by insights.metric_snapshot, insights.refresh_aggregates and
-- insights.refresh_all_aggregates. Internal: owner only. Errors of insights.period_bounds
-- (P0002 unknown organization, 22023 bad period).
drop function if exists insights.aggregate_bounds(uuid);
create or replace function insights.aggregate_bounds(p_org_id uuid, p_period_start timestamptz default null,
                                                     p_period_end timestamptz default null)
returns table (comparison_start timestamptz, comparison_mid timestamptz, period_start timestamptz,
               period_mid timestamptz, period_end timestamptz, timezone text, window_start timestamptz,
               window_before_mid timestamptz, window_mid timestamptz, window_after_mid timestamptz,
               comparison_end timestamptz, period_days integer, window_days integer)
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
  select * into v_bounds from insights.period_bounds(p_org_id, p_period_start, p_period_end);
  v_ref_days := (insights.thresholds_json(array['referrer_surge.window_days'])->>'referrer_surge.window_days')::integer;
  if v_ref_days <= v_bounds.period_days then
    v_ws := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => 2 * v_ref_days))
            at time zone v_bounds.timezone;
    v_wm := ((v_bounds.period_end at time zone v_bounds.timezone) - pg_catalog.make_interval(days => v_ref_days))
            at time zone v_bounds.timezone;
  else
    v_ref_days := v_bounds.period_days;
    v_ws := v_bounds.comparison_start;
    v_wm := v_bounds.period_start;
  end if;
  return query
  select v_bounds.comparison_start, v_bounds.comparison_start + (v_bounds.period_start - v_bounds.comparison_start) / 2,
         v_bounds.period_start, v_bounds.period_start + (v_bounds.period_end - v_bounds.period_start) / 2,
         v_bounds.period_end, v_bounds.timezone::text,
         v_ws, v_ws + (v_wm - v_ws) / 2, v_wm, v_wm + (v_bounds.period_end - v_wm) / 2,
         v_bounds.comparison_end, v_bounds.period_days, v_ref_days;
end;
$$;
revoke execute on function insights.aggregate_bounds(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function insights.aggregate_bounds(uuid, timestamptz, timestamptz) is
  'Bucket boundaries of an organization''s insight aggregates for a period (default: the stored one): period, comparison, referrer window, midpoints. Internal helper of insights.metric_snapshot / refresh_aggregates / refresh_all_aggregates (owner only).';
