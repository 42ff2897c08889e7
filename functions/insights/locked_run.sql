-- The generation run p_run_id, locked (FOR UPDATE) for the caller's transaction, once the
-- caller is shown to be an analyst or above of its organization (service_role: any run).
-- Shared by insights.finish_run and insights.hold_run, which act on one run.
-- Errors: unknown run P0002 for service_role; for an API user 42501 alike for a run that
-- does not exist and one of another organization (nothing tells them apart), and 42501
-- below analyst (app.assert_org_role). Internal: called from those SECURITY DEFINER
-- functions; no API role may call it.
create or replace function insights.locked_run(p_run_id uuid)
returns insights.generation_runs
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_run insights.generation_runs;
begin
  select r.* into v_run from insights.generation_runs r where r.id = p_run_id for update;
  if not found then
    if app.is_service_session() then
      raise exception 'generation run % does not exist', p_run_id
        using errcode = 'P0002', hint = 'Pass the id returned by insights.start_run or insights.claim_pending_run.';
    end if;
    raise exception 'generation run % does not exist or is not in your organizations', p_run_id
      using errcode = '42501', hint = 'Pass the id returned by insights.start_run for an organization you belong to.';
  end if;
  perform app.assert_org_role(v_run.org_id, 'analyst');
  return v_run;
end;
$$;
revoke execute on function insights.locked_run(uuid) from public, anon, authenticated, service_role;
comment on function insights.locked_run(uuid) is
  'The generation run p_run_id locked FOR UPDATE, after the analyst check; P0002 / 42501. Internal helper of insights.finish_run and insights.hold_run.';
