-- Brings the stored insights.event_aggregates result of one organization (migration 0040)
-- up to date for its default insight period (insights.period_bounds with no dates, the
-- referrer window of insights.metric_snapshot / detect_candidates): kept, with
-- complete_before advanced to the safe bound (private.received_upper_bound: every event
-- received before it is committed and visible), when still current; recomputed from raw
-- events when the period moved (a new local day), a late event arrived in it, a release
-- changed or nothing is stored (a retention run whose cutoff reaches the range deletes the
-- stored result: analytics.apply_retention, step 4; boundaries: insights.aggregate_bounds).
-- Takes that run's advisory lock in share mode first, so it never stores a result read
-- before a retention run that has committed since; then the exclusive lock that
-- insights.refresh_all_aggregates takes (one writer of the stored aggregates at a time).
-- Returns 'kept' or 'computed'. The refresh step is insights.refresh_all_aggregates, which
-- maintains the same rows from their parts (migration 1140); this one-organization form
-- recomputes from raw events and leaves the parts alone, so the organization's parts state
-- no longer matches its complete_before and the next refresh step computes it in full.
-- Internal: owner only.
create or replace function insights.refresh_aggregates(p_org_id uuid)
returns text
language plpgsql
volatile
set search_path = ''
set jit = off
as $$
declare
  v_mark     timestamptz;
  v_b        record;
  v_started  timestamptz := pg_catalog.clock_timestamp();
begin
  -- Waits for a retention run in progress (analytics.apply_retention), which waits for this.
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('insights.insight_aggregates'), 0);
  -- One writer of the stored aggregates and their parts at a time: the parts are sums that a
  -- run adds its differences to, so two runs from the same state would add them twice.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.refresh_aggregates'), 0);
  -- The safe bound first: the result computed below sees every event received before it.
  v_mark := private.received_upper_bound();
  select * into v_b from insights.aggregate_bounds(p_org_id);
  if insights.stored_aggregates_current(p_org_id, v_b.comparison_start, v_b.comparison_mid, v_b.period_start,
                                        v_b.period_mid, v_b.period_end, v_b.timezone, v_b.window_start,
                                        v_b.window_before_mid, v_b.window_mid, v_b.window_after_mid) then
    -- No event of the range was received since complete_before, and every event received
    -- before the bound is committed: the stored result is complete up to it.
    update private.insight_aggregates as a
       set complete_before = v_mark
     where a.org_id = p_org_id and a.complete_before < v_mark;
    return 'kept';
  end if;

  delete from private.insight_aggregates as a where a.org_id = p_org_id;
  delete from private.insight_aggregate_rows as r where r.org_id = p_org_id;  -- no foreign key (migration 1121)
  insert into private.insight_aggregates (org_id, comparison_start, comparison_mid, period_start, period_mid, period_end,
         timezone, window_start, window_before_mid, window_mid, window_after_mid, releases, retention_run_at,
         complete_before, duration_ms)
  values (p_org_id, v_b.comparison_start, v_b.comparison_mid, v_b.period_start, v_b.period_mid, v_b.period_end,
          v_b.timezone, v_b.window_start, v_b.window_before_mid, v_b.window_mid, v_b.window_after_mid,
          insights.release_fingerprint(p_org_id, v_b.period_start, v_b.period_end),
          (select r.last_run_at from analytics.retention_state as r where r.id = 1),
          v_mark, 0);
  insert into private.insight_aggregate_rows
  select p_org_id, x.*
  from insights.event_aggregates_raw(p_org_id, v_b.comparison_start, v_b.period_start, v_b.period_end,
                                     v_b.timezone, v_b.window_start, v_b.window_mid) as x;
  update private.insight_aggregates as a
     set duration_ms = (extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::integer
   where a.org_id = p_org_id;
  return 'computed';
end;
$$;
revoke execute on function insights.refresh_aggregates(uuid) from public, anon, authenticated;
comment on function insights.refresh_aggregates(uuid) is
  'Keeps (advancing complete_before to the safe bound) or recomputes from raw events the stored insights.event_aggregates result of an organization''s default insight period. Returns kept / computed. Internal step of private.run_refresh (owner only).';
