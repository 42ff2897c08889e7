-- Starts an insight generation run for an organization and returns its id (status
-- processing), after two checks. Callable by service_role only (audiencectl insights
-- generate, or an app back end acting for a member): a run started by an API user would
-- never be processed and would take the organization's manual slot. The membership check
-- (analyst or above) stays inside in case it is ever granted further.
--
-- 1. Rate limit (manual runs only): at most one manual generation per organization within
--    lifecycle.manual_interval_minutes (60). A manual run that failed does not count (the
--    user may retry after a provider outage). Raises SQLSTATE IN001 ("insights rate
--    limited"), the message and hint giving the minutes left, the detail
--    "retry_after_minutes=<n>" for programs.
-- 2. Sufficient data (every run): in the default period (the last 30 whole days in the
--    organization's time zone) at least min.total_clicks (20) link clicks, bots excluded,
--    and at least min.history_days (7) days between the first event and the period end.
--    Raises SQLSTATE IN002 ("insufficient data"), the message giving both numbers.
-- Custom SQLSTATE class IN (insights): IN001 rate limited, IN002 insufficient data.
-- Concurrent starts for one organization are serialized (transaction advisory lock), so
-- two manual requests at once cannot both pass the rate limit.
create or replace function insights.start_run(p_org_id uuid, p_manual boolean)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_interval     integer;
  v_last         timestamptz;
  v_minutes_left integer;
  v_bounds       record;
  v_min_clicks   integer;
  v_min_days     integer;
  v_clicks       bigint;
  v_first        timestamptz;
  v_history_days integer;
  v_run_id       uuid;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  if p_manual is null then
    raise exception 'p_manual must not be null'
      using errcode = '22023', hint = 'Pass true for a generation requested for one organization, false for the scheduled batch.';
  end if;

  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.start_run'), pg_catalog.hashtext(p_org_id::text));

  if p_manual then
    v_interval := insights.threshold('lifecycle.manual_interval_minutes')::integer;
    select pg_catalog.max(r.created_at) into v_last
    from insights.generation_runs r
    where r.org_id = p_org_id
      and r.is_manual
      and r.status <> 'failed'
      and r.created_at > pg_catalog.now() - pg_catalog.make_interval(mins => v_interval);
    if v_last is not null then
      v_minutes_left := greatest(1, pg_catalog.ceil(extract(epoch from
                          v_last + pg_catalog.make_interval(mins => v_interval) - pg_catalog.now()) / 60)::integer);
      raise exception 'insights were already generated manually for organization % at %; the next manual generation is possible in % minute(s)',
                      p_org_id, v_last, v_minutes_left
        using errcode = 'IN001',
              detail = pg_catalog.format('retry_after_minutes=%s', v_minutes_left),
              hint = pg_catalog.format('An organization may start one manual generation every %s minutes; try again in %s minute(s), or wait for the scheduled batch.',
                                       v_interval, v_minutes_left);
    end if;
  end if;

  select * into v_bounds from insights.period_bounds(p_org_id);
  v_min_clicks := insights.threshold('min.total_clicks')::integer;
  v_min_days := insights.threshold('min.history_days')::integer;

  select pg_catalog.count(*) into v_clicks
  from (select 1
        from analytics.events e
        where e.org_id = p_org_id
          and e.occurred_at >= v_bounds.period_start and e.occurred_at < v_bounds.period_end
          and e.event_type = 'link_click' and not e.is_bot
        limit v_min_clicks) as x;
  select pg_catalog.min(e.occurred_at) into v_first
  from analytics.events e
  where e.org_id = p_org_id and not e.is_bot and e.occurred_at < v_bounds.period_end;
  v_history_days := coalesce(pg_catalog.floor(extract(epoch from v_bounds.period_end - v_first) / 86400)::integer, 0);

  if v_clicks < v_min_clicks or v_history_days < v_min_days then
    raise exception 'insufficient data for insights in organization %: % link clicks in the last % days (at least % needed) and % days of history (at least % needed)',
                    p_org_id, case when v_clicks < v_min_clicks then v_clicks::text else pg_catalog.format('%s or more', v_clicks) end,
                    v_bounds.period_days, v_min_clicks, v_history_days, v_min_days
      using errcode = 'IN002',
            hint = 'Insights need more audience activity: share your links, then try again in a few days.';
  end if;

  insert into insights.generation_runs (org_id, status, is_manual, requested_by, period_start, period_end)
  values (p_org_id, 'processing', p_manual, auth.uid(), v_bounds.period_start, v_bounds.period_end)
  returning id into v_run_id;
  return v_run_id;
end;
$$;
revoke execute on function insights.start_run(uuid, boolean) from public, anon, authenticated;
grant execute on function insights.start_run(uuid, boolean) to service_role;
comment on function insights.start_run(uuid, boolean) is
  'Starts an insight generation run (status processing) and returns its id. Manual runs: at most one per lifecycle.manual_interval_minutes per organization, else SQLSTATE IN001 with the minutes left (detail retry_after_minutes=<n>). Every run: at least min.total_clicks link clicks in the last 30 days and min.history_days days of history, else SQLSTATE IN002 (insufficient data). service_role only.';
