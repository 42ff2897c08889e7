-- Whether any non-bot event was received in [p_after, p_upto) (p_org_id NULL: by any
-- organization): the early exit of the daily rollups' compute functions
-- (analytics.received_days, touched_day_events, and the compute functions that join the
-- events themselves), so that a reader finds "nothing new since the watermark" without
-- planning their queries over the partitioned log. One BRIN range scan per partition (the
-- partitions follow occurred_at, so none can be pruned): its generic plan is as good as a
-- custom one and is made once per session (force_generic_plan, whatever the caller set). At
-- 10M events, planning the touched-days query took 5-13 ms per reader call, executing this
-- one 0.3-0.7 ms.
-- Internal helper of the engine-registered daily rollups: owner only.
create or replace function analytics.received_any(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns boolean
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  return exists (
    select 1 from analytics.events as e
    where e.received_at >= p_after and e.received_at < p_upto
      and (p_org_id is null or e.org_id = p_org_id)
      and not e.is_bot);
end;
$$;
revoke execute on function analytics.received_any(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.received_any(uuid, timestamptz, timestamptz) is
  'Whether a non-bot event was received in [p_after, p_upto) (by p_org_id, or any organization): the daily rollups'' early exit. Internal (owner only).';
