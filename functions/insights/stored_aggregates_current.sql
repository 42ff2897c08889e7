-- Whether the stored insights.event_aggregates result of an organization
-- (private.insight_aggregates / insight_aggregate_rows) equals what the raw events give now
-- for these bucket boundaries: same boundaries and releases, and no event of the read
-- range received since it was complete (late events; BRIN on received_at). A retention run
-- deletes the stored results whose range its cutoff reaches (analytics.apply_retention, step
-- 4, serialized with their writers; migration 1120): a stored result is not affected by the
-- runs since it was computed, whatever retention_run_at says. See migration 0040 (its
-- aggregation watermark condition went with analytics.aggregation_watermarks, migration
-- 0661: complete_before is the safe bound
-- private.received_upper_bound of the run that stored the result). p_received_none: the
-- caller has shown that no event of the organization was received since complete_before
-- (insights.refresh_all_aggregates: one scan for every organization), so the late-event
-- probe is skipped.
-- Internal helper: owner only (insights.event_aggregates, insights.refresh_aggregates).
drop function if exists insights.stored_aggregates_current(uuid, timestamptz, timestamptz, timestamptz, timestamptz,
  timestamptz, text, timestamptz, timestamptz, timestamptz, timestamptz);
create or replace function insights.stored_aggregates_current(
  p_org_id            uuid,
  p_comparison_start  timestamptz,
  p_comparison_mid    timestamptz,
  p_period_start      timestamptz,
  p_period_mid        timestamptz,
  p_period_end        timestamptz,
  p_timezone          text,
  p_window_start      timestamptz,
  p_window_before_mid timestamptz,
  p_window_mid        timestamptz,
  p_window_after_mid  timestamptz,
  p_received_none     boolean default false)
returns boolean
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_stored record;
begin
  select a.* into v_stored
  from private.insight_aggregates as a
  where a.org_id = p_org_id
    and a.comparison_start = p_comparison_start and a.comparison_mid = p_comparison_mid
    and a.period_start = p_period_start and a.period_mid = p_period_mid and a.period_end = p_period_end
    and a.timezone = p_timezone
    and a.window_start = p_window_start and a.window_before_mid = p_window_before_mid
    and a.window_mid = p_window_mid and a.window_after_mid = p_window_after_mid;
  if not found then
    return false;
  end if;
  if v_stored.releases <> insights.release_fingerprint(p_org_id, p_period_start, p_period_end) then
    return false;
  end if;
  -- Late events: received since the result was complete, about the read range. Planned
  -- with the actual mark (custom plan): a BRIN range on received_at, not the organization's
  -- whole (org_id, occurred_at) range.
  return p_received_none
      or not exists (select 1 from analytics.events as e
                     where e.received_at >= v_stored.complete_before
                       and e.org_id = p_org_id
                       and e.occurred_at >= p_comparison_start
                       and e.occurred_at < p_period_end);
end;
$$;
revoke execute on function insights.stored_aggregates_current(uuid, timestamptz, timestamptz, timestamptz, timestamptz,
  timestamptz, text, timestamptz, timestamptz, timestamptz, timestamptz, boolean) from public, anon, authenticated;
comment on function insights.stored_aggregates_current(uuid, timestamptz, timestamptz, timestamptz, timestamptz,
  timestamptz, text, timestamptz, timestamptz, timestamptz, timestamptz, boolean) is
  'Whether the stored event aggregates of an organization (private.insight_aggregates) are current for these bucket boundaries (no late events, same releases; retention deletes the results it affects). Internal helper (owner only).';
