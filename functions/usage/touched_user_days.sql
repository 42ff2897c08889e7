-- The (organization, local day, user) of the requests received in [p_after, p_upto)
-- (p_org_id NULL: every organization), distinct, with the organization's time zone: the
-- keys a batch of new requests touches, mapped the way usage.compute_user_days maps them
-- (day = the local date of occurred_at; user_id NULL for requests without a user). The
-- dependent rollups of the usage module (model_days, dimension_days, active_user_days)
-- find the days they recompute with it.
-- Internal: the compute functions (engine, private.rollup_rows) call it.
create or replace function usage.touched_user_days(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns table (org_id uuid, day date, user_id uuid, timezone text)
language plpgsql
stable
set search_path = ''
set jit = off
-- No parallel workers: the plan is generic (estimates for every request), and starting
-- workers cost 20-30 ms per call of a reader that finds nothing or one hour to recompute.
set max_parallel_workers_per_gather = 0
-- One generic plan per session: its custom plans (which drop the branch of the other case)
-- looked cheaper, so each call was planned anew over every partition (5 ms against 1.5 ms a
-- call for one hour of the largest organization at 10M; three calls an overview).
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
  -- PL/pgSQL: its plan is cached for the session (a SQL function is planned again at
  -- every call: 10-20 ms of a reader's time).
  return query
    select distinct r.org_id, (r.occurred_at at time zone o.timezone)::date, r.user_id, o.timezone
    from (select q.org_id, q.occurred_at, q.user_id from usage.model_requests as q    -- one organization: its (org_id, received_at) index
          where p_org_id is not null and q.org_id = p_org_id and q.received_at >= p_after and q.received_at < p_upto
          union all
          select q.org_id, q.occurred_at, q.user_id from usage.model_requests as q    -- every organization: the BRIN on received_at
          where p_org_id is null and q.received_at >= p_after and q.received_at < p_upto) as r
    join app.organizations as o on o.id = r.org_id;
end;
$$;
revoke execute on function usage.touched_user_days(uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function usage.touched_user_days(uuid, timestamptz, timestamptz) to service_role;
comment on function usage.touched_user_days(uuid, timestamptz, timestamptz) is
  'Distinct (org, local day, user, time zone) of the requests received in [p_after, p_upto): the days the dependent usage rollups recompute. Internal.';
