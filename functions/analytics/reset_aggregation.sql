-- Forgets the aggregation watermark of one organization (or of all, p_org_id NULL), so
-- that the next analytics.aggregate_daily() recomputes their rollups in full (a full
-- recomputation; e.g. after a backfill whose received_at lies in the past, or to
-- benchmark incremental against full). Returns the number of watermarks removed.
-- Callable by service_role and DBA sessions.
create or replace function analytics.reset_aggregation(p_org_id uuid default null)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_removed integer;
begin
  delete from analytics.aggregation_watermarks as w where p_org_id is null or w.org_id = p_org_id;
  get diagnostics v_removed = row_count;
  return v_removed;
end;
$$;
revoke execute on function analytics.reset_aggregation(uuid) from public, anon, authenticated;
grant execute on function analytics.reset_aggregation(uuid) to service_role;
comment on function analytics.reset_aggregation(uuid) is
  'Removes aggregation watermarks (one organization or all) so the next analytics.aggregate_daily() recomputes them in full; returns how many. service_role / DBA.';
