-- requires: functions/analytics/recompute_days.sql
-- Brings the daily rollups (analytics.org_daily_stats, org_daily_visitors,
-- entity_daily_stats, entity_daily_visitors, user_daily_stats, profile_daily_stats) up to
-- date; one row per organization whose days were recomputed.
-- Callable by service_role (audiencectl refresh, pg_cron) and DBA sessions.
--
--   aggregate_daily()                 incremental, every organization
--   aggregate_daily(p_org_id)         incremental, one organization
--   aggregate_daily(p_org_id, p_day)  recompute that local day of that organization
--   aggregate_daily(null, p_day)      recompute that local day of every organization
--
-- Incremental: for an organization with a watermark (analytics.aggregation_watermarks),
-- only the local days of the events received since the watermark are recomputed; a late
-- event (old occurred_at, new received_at) recomputes its own day. An organization
-- without a watermark is recomputed in full (every day from its first to its last event
-- or rollup row); analytics.reset_aggregation forces that. Every recomputation is an
-- idempotent upsert of whole days (analytics.recompute_days): running twice changes
-- nothing. The new watermark is the start of the oldest transaction still running in this
-- database when the run begins (or the current time if none): every event received before it is
-- already committed and visible, so none is skipped. Requires the owner to see other
-- sessions' xact_start (superuser or pg_read_all_stats); without that it falls back to
-- the current time minus 10 minutes. A watermark never moves backwards. (The stored insight
-- aggregates, which read the watermark, are kept current by insights.refresh_aggregates,
-- the refresh step after this one.)
-- Local days that start before analytics.retention_state.raw_events_from (raw events
-- dropped by analytics.apply_retention) are never recomputed: their rollups stay.
-- Concurrent runs serialize per organization (transaction-level advisory lock).
-- 22023: p_org_id given but no such organization. JIT is off (compiling every query of
-- every organization's run would cost more than it saves).
create or replace function analytics.aggregate_daily(p_org_id uuid default null, p_day date default null)
returns table (org_id uuid, days integer, first_day date, last_day date, rows_changed bigint, watermark timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_upper    timestamptz;
  v_horizon  timestamptz;
  v_org      record;
  v_run      record;
  v_changed  bigint;
  v_days     integer;
  v_first    date;
  v_last     date;
  v_min_mark timestamptz;
  v_touched  jsonb;
  v_chunk    date;
begin
  if p_org_id is not null and not exists (select 1 from app.organizations as o where o.id = p_org_id) then
    raise exception 'organization % does not exist', p_org_id
      using errcode = '22023', hint = 'Pass the id of an existing organization, or NULL for every organization.';
  end if;

  select s.raw_events_from into v_horizon from analytics.retention_state as s where s.id = 1;

  -- One day, recomputed as asked; watermarks untouched.
  if p_day is not null then
    for v_org in
      select o.id, o.timezone from app.organizations as o
      where (p_org_id is null or o.id = p_org_id)
      order by o.id
    loop
      continue when v_horizon is not null and (p_day::timestamp at time zone v_org.timezone) < v_horizon;
      perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('analytics.aggregate_daily'),
                                               pg_catalog.hashtext(v_org.id::text));
      v_changed := analytics.recompute_days(v_org.id, p_day, p_day + 1);
      org_id := v_org.id; days := 1; first_day := p_day; last_day := p_day; rows_changed := v_changed;
      select w.events_received into watermark from analytics.aggregation_watermarks as w where w.org_id = v_org.id;
      return next;
    end loop;
    return;
  end if;

  -- Incremental. The safe upper bound first (see the header).
  v_upper := private.received_upper_bound();

  -- The local days touched since each watermark, for every organization at once: one
  -- scan of the recently received events (BRIN on received_at).
  select pg_catalog.min(w.events_received) into v_min_mark
  from analytics.aggregation_watermarks as w
  where p_org_id is null or w.org_id = p_org_id;

  select coalesce(pg_catalog.jsonb_object_agg(t.org_id, t.days), '{}'::jsonb)
  into v_touched
  from (
    select d.org_id, pg_catalog.array_agg(d.day order by d.day) as days
    from (
      select distinct e.org_id, (e.occurred_at at time zone o.timezone)::date as day
      from analytics.events as e
      join analytics.aggregation_watermarks as w on w.org_id = e.org_id
      join app.organizations as o on o.id = e.org_id
      where e.received_at >= v_min_mark
        and e.received_at >= w.events_received
        and (p_org_id is null or e.org_id = p_org_id)
    ) as d
    group by d.org_id
  ) as t;

  for v_org in
    select o.id, o.timezone, w.events_received as mark
    from app.organizations as o
    left join analytics.aggregation_watermarks as w on w.org_id = o.id
    where p_org_id is null or o.id = p_org_id
    order by o.id
  loop
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('analytics.aggregate_daily'),
                                             pg_catalog.hashtext(v_org.id::text));
    v_days := 0; v_changed := 0; v_first := null; v_last := null;

    for v_run in
      with touched as (
        -- With a watermark: the local days of the events received since.
        select x.value::date as day
        from pg_catalog.jsonb_array_elements_text(v_touched -> v_org.id::text) as x (value)
        where v_org.mark is not null
        union
        -- Without: every day from the first to the last event or rollup row.
        select pg_catalog.generate_series(least(x.first_event, x.first_rollup), greatest(x.last_event, x.last_rollup),
                                          interval '1 day')::date
        from (
          select (select (pg_catalog.min(e.occurred_at) at time zone v_org.timezone)::date
                    from analytics.events as e where e.org_id = v_org.id) as first_event,
                 (select (pg_catalog.max(e.occurred_at) at time zone v_org.timezone)::date
                    from analytics.events as e where e.org_id = v_org.id) as last_event,
                 (select pg_catalog.min(s.day) from analytics.org_daily_stats as s where s.org_id = v_org.id) as first_rollup,
                 (select pg_catalog.max(s.day) from analytics.org_daily_stats as s where s.org_id = v_org.id) as last_rollup
        ) as x
        where v_org.mark is null
      ),
      kept as (
        select t.day from touched as t
        where t.day is not null
          and (v_horizon is null or (t.day::timestamp at time zone v_org.timezone) >= v_horizon)
      )
      -- Runs of consecutive days (gaps and islands), each recomputed in one pass.
      select pg_catalog.min(k.day) as from_day, pg_catalog.max(k.day) + 1 as to_day
      from (select d.day, d.day - (pg_catalog.row_number() over (order by d.day))::integer as island from kept as d) as k
      group by k.island
      order by 1
    loop
      -- At most 31 days per recomputation, oldest first (bounded memory; the running
      -- follower totals of a chunk build on the chunks before it).
      v_chunk := v_run.from_day;
      while v_chunk < v_run.to_day loop
        v_changed := v_changed + analytics.recompute_days(v_org.id, v_chunk, least(v_chunk + 31, v_run.to_day));
        v_chunk := v_chunk + 31;
      end loop;
      v_days := v_days + (v_run.to_day - v_run.from_day);
      v_first := coalesce(v_first, v_run.from_day);
      v_last := v_run.to_day - 1;
    end loop;

    insert into analytics.aggregation_watermarks as w (org_id, events_received, aggregated_at)
    values (v_org.id, v_upper, pg_catalog.clock_timestamp())
    on conflict on constraint pk_aggregation_watermarks do update
      set events_received = greatest(w.events_received, excluded.events_received),
          aggregated_at = excluded.aggregated_at;

    if v_days > 0 then
      org_id := v_org.id; days := v_days; first_day := v_first; last_day := v_last;
      rows_changed := v_changed; watermark := greatest(v_upper, v_org.mark);
      return next;
    end if;
  end loop;
end;
$$;
revoke execute on function analytics.aggregate_daily(uuid, date) from public, anon, authenticated;
grant execute on function analytics.aggregate_daily(uuid, date) to service_role;
comment on function analytics.aggregate_daily(uuid, date) is
  'Daily rollups: incremental by received_at watermark without p_day (only days touched by events received since; organizations without a watermark in full), or recompute one local day with p_day. Idempotent upserts. One row per organization recomputed: days, first_day, last_day, rows_changed, watermark. service_role / DBA; `audiencectl refresh` calls analytics.aggregate_daily() after the views.';
