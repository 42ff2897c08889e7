-- requires: functions/insights/aggregate_bounds.sql
-- requires: functions/insights/refresh_aggregates.sql
-- requires: functions/insights/stored_aggregates_current.sql
-- The refresh step insights.refresh_aggregates (private.run_refresh): brings the stored
-- insight aggregates of every organization up to date, with the same outcome per
-- organization as insights.refresh_aggregates(org) but without its late-event probe. One
-- scan of the events received since the oldest stored complete_before (BRIN on received_at),
-- each probing its organization's stored result, names the organizations with a late event
-- (received at or after their own complete_before, occurred_at in their stored range
-- [comparison_start, period_end)): exactly the events the probe of
-- insights.stored_aggregates_current looks for. Their stored results are stale: deleted, so
-- that insights.refresh_aggregates recomputes them without probing again. Every other
-- organization whose stored result still matches today's boundaries
-- (insights.aggregate_bounds) and releases (insights.stored_aggregates_current with
-- p_received_none) is kept in one UPDATE that advances complete_before to the safe bound,
-- read first (events received since but outside the stored range, such as today's, keep it
-- too); the rest (a late event, a new local day, a release, no stored result) go through
-- insights.refresh_aggregates one by one (computed there). Takes the advisory lock of
-- analytics.apply_retention in share mode first, as insights.refresh_aggregates does (a
-- retention run deletes the stored results its cutoff reaches; migration 1120). Returns one
-- row per organization: 'kept' or 'computed'. The per-organization probe cost ~0.3 ms, 0.9 s
-- a minute for 1,000 organizations (BENCHMARKS.md "Insight aggregates kept in bulk"), and
-- after a day of new events each probe read the new day's pages that the BRIN index had not
-- summarized yet (~3 ms an organization at 1M events; BENCHMARKS.md "Insight aggregates of
-- small organizations on a generic plan").
-- Internal: owner only.
create or replace function insights.refresh_all_aggregates()
returns table (org_id uuid, result text)
language plpgsql
volatile
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_mark   timestamptz;
  v_since  timestamptz;
  v_late   uuid[];
  v_quiet  uuid[];
begin
  -- Waits for a retention run in progress (analytics.apply_retention), which waits for this.
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('insights.insight_aggregates'), 0);
  -- The safe bound first: every event received before it is committed and visible to the scan.
  v_mark := private.received_upper_bound();
  select pg_catalog.min(a.complete_before) into v_since from private.insight_aggregates as a;
  -- One primary-key probe of the stored result per recent event (OFFSET 0 keeps the
  -- subquery a subplan): the statistics know nothing of events received since the last
  -- ANALYZE, and a join planned on that estimate (one row) compared every stored result with
  -- every recent event (10M events / 1,000 orgs, a day's 55,566 events: 6.5 s, this form 0.1 s).
  select coalesce(pg_catalog.array_agg(distinct e.org_id), '{}') into v_late
  from analytics.events as e
  where e.received_at >= v_since
    and exists (select from private.insight_aggregates as a
                where a.org_id = e.org_id
                  and e.received_at >= a.complete_before
                  and e.occurred_at >= a.comparison_start
                  and e.occurred_at < a.period_end
                offset 0);
  delete from private.insight_aggregates as a where a.org_id = any (v_late);
  delete from private.insight_aggregate_rows as r where r.org_id = any (v_late);  -- no foreign key (migration 1121)
  select coalesce(pg_catalog.array_agg(o.id), '{}') into v_quiet
  from app.organizations as o
  cross join lateral insights.aggregate_bounds(o.id) as b
  where not (o.id = any (v_late))
    and insights.stored_aggregates_current(o.id, b.comparison_start, b.comparison_mid, b.period_start, b.period_mid,
                                           b.period_end, b.timezone, b.window_start, b.window_before_mid, b.window_mid,
                                           b.window_after_mid, true);
  update private.insight_aggregates as a
     set complete_before = v_mark
   where a.org_id = any (v_quiet) and a.complete_before < v_mark;
  return query select q.id, 'kept'::text from pg_catalog.unnest(v_quiet) as q (id);
  return query
  select o.id, insights.refresh_aggregates(o.id)
  from app.organizations as o
  where not (o.id = any (v_quiet))
  order by o.id;
end;
$$;
revoke execute on function insights.refresh_all_aggregates() from public, anon, authenticated;
comment on function insights.refresh_all_aggregates() is
  'Refresh step of the stored insight aggregates: every organization kept (complete_before advanced) or recomputed, as insights.refresh_aggregates, without a late-event probe each: one scan of the recently received events finds the late ones; the rest kept in bulk. Returns (org_id, kept / computed). Internal (owner only).';
