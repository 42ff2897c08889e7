-- Marks every active insight whose expires_at has passed as expired; returns how many.
-- Run by the scheduled batch (audiencectl insights generate --all) after generating.
-- Callable by service_role only (it touches every organization).
create or replace function insights.expire_stale()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_expired integer;
begin
  update insights.ai_insights i
  set status = 'expired', updated_at = pg_catalog.now()
  where i.status = 'active' and i.expires_at <= pg_catalog.now();
  get diagnostics v_expired = row_count;
  return v_expired;
end;
$$;
revoke execute on function insights.expire_stale() from public, anon, authenticated;
grant execute on function insights.expire_stale() to service_role;
comment on function insights.expire_stale() is
  'Marks active insights past expires_at as expired (all organizations); returns the count. service_role only.';
