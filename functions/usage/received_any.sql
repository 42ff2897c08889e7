-- Whether any model request was received in [p_after, p_upto) (p_org_id NULL: by any
-- organization): the early exit of the usage rollups' compute functions, so that a reader
-- that finds nothing new since the watermark returns without planning their queries (the
-- usage counterpart of analytics.received_any). Two statements, each with its generic plan
-- made once per session (force_generic_plan, whatever the caller set): one organization
-- reads its (org_id, received_at) btree (one descent per partition), every organization
-- the BRIN on received_at. A single statement with "p_org_id is null or org_id = p_org_id"
-- had one generic plan for both, the BRIN's: at 10M requests, a reader of the largest
-- organization rechecked every row of the block ranges not yet summarized (the newest of
-- each partition, 40,000-150,000 rows: 80-145 ms a call, most of a refreshed reader's time).
-- Internal helper of the engine-registered usage rollups: owner only.
create or replace function usage.received_any(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns boolean
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  if p_org_id is not null then
    return exists (
      select 1 from usage.model_requests as q
      where q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto);
  end if;
  return exists (
    select 1 from usage.model_requests as q
    where q.received_at >= p_after and q.received_at < p_upto);
end;
$$;
revoke execute on function usage.received_any(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function usage.received_any(uuid, timestamptz, timestamptz) is
  'Whether a model request was received in [p_after, p_upto) (by p_org_id, or any organization): the usage rollups'' early exit. Internal (owner only).';
