-- requires: functions/insights/fail_orphaned_runs.sql
-- Whether an organization may start an insight generation now; raises when not. Shared by
-- insights.start_run (audiencectl) and public.request_insight_generation (apps). Takes a
-- transaction advisory lock per organization first, so two requests at once are serialized
-- and cannot both pass the rate limit. Callers check membership; granted to service_role
-- only.
-- 0. Runs a crash left processing: the organization's processing runs whose session ended
--    (tied by insights.hold_run, their advisory lock free) are failed first
--    (insights.fail_orphaned_runs), so a killed generation does not hold the manual slot.
-- 1. Rate limit (manual runs only): at most one manual generation per organization within
--    lifecycle.manual_interval_minutes (60); pending, processing and completed runs count,
--    a failed one does not (the user may retry after a provider outage). SQLSTATE IN001,
--    the message and hint giving the minutes left, detail "retry_after_minutes=<n>"; the
--    message says whether the last manual run is still pending or processing (in a live
--    session) or was generated.
-- 2. Sufficient data (every run): in the default period (the last 30 whole days in the
--    organization's time zone) at least min.total_clicks (20) link clicks, bots excluded,
--    and at least min.history_days (7) days between the first event and the period end.
--    SQLSTATE IN002 ("insufficient data"), the message giving both numbers and a hint.
create or replace function insights.check_generation_allowed(p_org_id uuid, p_manual boolean)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_interval     integer;
  v_last         timestamptz;
  v_last_status  insights.insight_run_status;
  v_minutes_left integer;
  v_bounds       record;
  v_min_clicks   integer;
  v_min_days     integer;
  v_clicks       bigint;
  v_first        timestamptz;
  v_history_days integer;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.start_run'), pg_catalog.hashtext(p_org_id::text));
  perform insights.fail_orphaned_runs(p_org_id);

  if p_manual then
    v_interval := insights.threshold('lifecycle.manual_interval_minutes')::integer;
    select r.created_at, r.status into v_last, v_last_status
    from insights.generation_runs r
    where r.org_id = p_org_id
      and r.is_manual
      and r.status <> 'failed'
      and r.created_at > pg_catalog.now() - pg_catalog.make_interval(mins => v_interval)
    order by r.created_at desc
    limit 1;
    if v_last is not null then
      v_minutes_left := greatest(1, pg_catalog.ceil(extract(epoch from
                          v_last + pg_catalog.make_interval(mins => v_interval) - pg_catalog.now()) / 60)::integer);
      raise exception '%; the next manual generation is possible in % minute(s)',
                      case when v_last_status = 'completed'
                           then pg_catalog.format('insights were already generated manually for organization %s at %s', p_org_id, v_last)
                           else pg_catalog.format('a manual generation for organization %s requested at %s is still %s', p_org_id, v_last, v_last_status)
                      end, v_minutes_left
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

end;
$$;
revoke execute on function insights.check_generation_allowed(uuid, boolean) from public, anon, authenticated;
grant execute on function insights.check_generation_allowed(uuid, boolean) to service_role;
comment on function insights.check_generation_allowed(uuid, boolean) is
  'Raises unless the organization may start an insight generation: fails first its runs whose session ended (insights.fail_orphaned_runs); IN001 manual rate limit (one per lifecycle.manual_interval_minutes; failed runs do not count), IN002 insufficient data (min.total_clicks link clicks in the last 30 days, min.history_days of history). Serializes per organization. service_role only.';
