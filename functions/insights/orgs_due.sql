-- The organizations the scheduled batch (audiencectl insights generate --all) should
-- generate insights for, at most p_limit (1 to 1000), those never run or run longest ago
-- first: more than schedule.min_clicks (50) link clicks (bots excluded) in the last 30
-- whole days (organization's time zone), events over more than schedule.min_history_days
-- (7) days (the first event is older than that), and no run that has not failed started
-- within schedule.run_interval_hours (20): a run that failed, or that a killed batch left
-- behind and insights.fail_abandoned_runs failed, does not hold its organization back.
-- Callable by service_role only.
create or replace function insights.orgs_due(p_limit integer default 100)
returns table (org_id uuid, link_clicks bigint, first_event_at timestamptz, last_run_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_min_clicks integer;
  v_min_days   integer;
  v_hours      integer;
begin
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit % is out of range', p_limit
      using errcode = '22023', hint = 'Pass 1 to 1000.';
  end if;
  v_min_clicks := insights.threshold('schedule.min_clicks')::integer;
  v_min_days := insights.threshold('schedule.min_history_days')::integer;
  v_hours := insights.threshold('schedule.run_interval_hours')::integer;

  return query
  with not_recent as materialized (
    select o.id, r.last_run_at
    from app.organizations o
    left join lateral (select pg_catalog.max(gr.created_at) as last_run_at
                       from insights.generation_runs gr where gr.org_id = o.id and gr.status <> 'failed') r on true
    where r.last_run_at is null
       or r.last_run_at <= pg_catalog.now() - pg_catalog.make_interval(hours => v_hours)
  ),
  with_history as materialized (
    select n.id, n.last_run_at, f.first_event_at
    from not_recent n
    cross join lateral (select pg_catalog.min(e.occurred_at) as first_event_at
                        from analytics.events e where e.org_id = n.id and not e.is_bot) f
    where f.first_event_at < pg_catalog.now() - pg_catalog.make_interval(days => v_min_days)
  )
  select h.id, c.clicks, h.first_event_at, h.last_run_at
  from with_history h
  cross join lateral insights.period_bounds(h.id) b
  cross join lateral (select pg_catalog.count(*) as clicks
                      from (select 1
                            from analytics.events e
                            where e.org_id = h.id
                              and e.occurred_at >= b.period_start and e.occurred_at < b.period_end
                              and e.event_type = 'link_click' and not e.is_bot
                            limit v_min_clicks + 1) x) c
  where c.clicks > v_min_clicks
  order by h.last_run_at nulls first, h.id
  limit p_limit;
end;
$$;
revoke execute on function insights.orgs_due(integer) from public, anon, authenticated;
grant execute on function insights.orgs_due(integer) to service_role;
comment on function insights.orgs_due(integer) is
  'Organizations due for the scheduled insight batch: > schedule.min_clicks link clicks in the last 30 days, > schedule.min_history_days days of events, no run within schedule.run_interval_hours; never-run or oldest-run first, at most p_limit (1-1000). service_role only.';
