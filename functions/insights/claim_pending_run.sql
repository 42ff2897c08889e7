-- Takes the oldest pending generation run and marks it processing; returns it, or no row
-- when none is pending. Concurrent workers never take the same run (FOR UPDATE SKIP
-- LOCKED). Used by `audiencectl insights work`; service_role only.
create or replace function insights.claim_pending_run()
returns table (run_id uuid, org_id uuid, is_manual boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  update insights.generation_runs r
  set status = 'processing', started_at = pg_catalog.now()
  where r.id = (select p.id from insights.generation_runs p
                where p.status = 'pending'
                order by p.created_at, p.id
                limit 1
                for update skip locked)
  returning r.id, r.org_id, r.is_manual;
end;
$$;
revoke execute on function insights.claim_pending_run() from public, anon, authenticated;
grant execute on function insights.claim_pending_run() to service_role;
comment on function insights.claim_pending_run() is
  'Marks the oldest pending insight generation run processing and returns it (none when no run is pending); concurrent workers skip each other''s runs. service_role only.';
