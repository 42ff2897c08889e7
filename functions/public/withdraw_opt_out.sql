-- requires: functions/audience/visitor_key.sql
-- Withdraws a visitor's opt-out of an organization's profiling (deletes their
-- audience.opt_outs row); returns true when there was one. Person-level outputs include
-- the visitor again from then on; their customer row (the rollup audience.customers) is
-- rebuilt from their whole history once their next event or order is received (at once
-- in audience.customers_now, by the next refresh in the table; until then they have none).
-- p_visitor_id: the visitor key; NULL: the caller's own 'user:<auth.uid()>'.
-- Callable as public.record_opt_out: service_role, admins / owners, or a signed-in user
-- for themselves. Errors: 42501 anyone else; 22023 empty or too long visitor key;
-- P0002 no such organization.
create or replace function public.withdraw_opt_out(p_org_id uuid, p_visitor_id text default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key    text := coalesce(p_visitor_id, audience.visitor_key(null, auth.uid()));
  v_at     timestamptz;
  v_source text;
begin
  perform private.assert_opt_out_caller(p_org_id, v_key);
  delete from audience.opt_outs as x where x.org_id = p_org_id and x.visitor_id = v_key
  returning x.opted_out_at, x.source into v_at, v_source;
  -- A user's key: the opt-outs of their devices that record_opt_out added with it (its time
  -- and source); a device's own opt-out, recorded apart, stays (a user who named someone
  -- else's device in an event cannot withdraw that device's opt-out).
  if v_at is not null and v_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    delete from audience.opt_outs as x
    where x.org_id = p_org_id and x.opted_out_at = v_at and x.source = v_source
      and x.visitor_id in (select e.visitor_id from analytics.events as e
                            where e.org_id = p_org_id and e.user_id = pg_catalog.substr(v_key, 6)::uuid
                              and e.visitor_id is not null and not e.self_logged);
  end if;
  return v_at is not null;
end;
$$;
revoke execute on function public.withdraw_opt_out(uuid, text) from public, anon;
grant execute on function public.withdraw_opt_out(uuid, text) to authenticated, service_role;
comment on function public.withdraw_opt_out(uuid, text) is
  'Withdraws a visitor''s opt-out of the organization''s profiling; returns true when there was one. The customer row comes back with their next activity. service_role and admins for any visitor key; a signed-in user for their own (p_visitor_id NULL). 42501 others; 22023 bad key.';
