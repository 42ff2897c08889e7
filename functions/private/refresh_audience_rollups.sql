-- requires: functions/private/visitor_day_channels.sql
-- requires: functions/private/visitor_day_devices.sql
-- requires: functions/private/audience_session_rows.sql
-- Brings the audience rollups (private.audience_visitor_days, audience_visitor_day_combos,
-- audience_device_days, audience_day_counts, audience_sessions, audience_session_prefixes;
-- see migrations/0050) up to date; one row per organization it changed.
-- Called by private.run_refresh (`audiencectl refresh`); owner / DBA sessions only.
--
-- Incremental by received_at: for an organization with a
-- watermark (private.audience_rollup_watermarks) the local days of the events received
-- since, and the day after each (its first session may continue one of the evening
-- before), are recomputed from analytics.events; a late event recomputes its own day.
-- The previous-day columns of every visitor seen on those days are recomputed from the
-- first recomputed day of the organization on, starting from the visitor's last row before
-- it (its stored columns exact: they depend on earlier rows only); a changed next click of
-- that row is carried back to the earlier rows that had its old one. The recomputed rows
-- are written once, with those columns; stored rows only where they change; the per-day
-- counts of every day whose rows changed are recomputed.
-- After retention removed a visitor's earliest rows, the columns pointing into them stay
-- as stored where the recomputation starts after the visitor's first remaining row (as for
-- every visitor not seen); a first build has only the remaining events to go by.
-- Sessions: for each visitor with events received since, the stored sessions within 30
-- minutes of those events are recomputed from their first event on (a session spanning
-- midnight stays one session; a late event can merge two). An organization without a
-- watermark is built in full: every row deleted, every day recomputed by the same
-- statements (no stored row left to read; its sessions in one pass). The new watermark is the start of the oldest transaction
-- still running (private.received_upper_bound); it never moves backwards. Organizations
-- that received nothing since their watermark are not visited; only it moves.
-- Concurrent runs serialize per organization (transaction-level advisory lock).
-- Against app.erase_user: the call first takes the erasure lock in share mode (an
-- advisory lock erase_user takes exclusively), so an erasure waits for a run in progress
-- and a run waits for an erasure in progress; every statement of the run starts after the
-- erasure committed (READ COMMITTED, as run_refresh), so no row of the erased user is
-- computed from a read made before it and written back.
-- Against the deletion of an organization: the lock of private.delete_organization_rollups,
-- in share mode likewise (the rollup tables have no foreign key to app.organizations).
create or replace function private.refresh_audience_rollups(p_org_id uuid default null)
returns table (org_id uuid, days integer, visitors integer, sessions integer, watermark timestamptz)
language plpgsql
volatile
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_upper   timestamptz;
  v_org     record;
  v_days    date[];
  v_changed_all date[];
  v_changed_checkout date[];
  v_changed_mobile date[];
  v_changed_desktop date[];
  v_changed_channel date[];
  v_changed_combo date[];
  v_run     record;
  v_chunk   date;
  v_visitors integer;
  v_sessions integer;
  v_session_days date[];
  v_from    date;
  v_stored  boolean;
  v_dirty   bigint;
  v_deleted bigint := 0;
begin
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('app.erase_user'), 0);
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('private.delete_organization_rollups'), 0);
  -- The safe upper bound first.
  v_upper := private.received_upper_bound();

  create temp table if not exists audience_rollup_keys (visitor_key text collate "C" primary key) on commit drop;
  create temp table if not exists audience_rollup_days (
    day date, visitor_key text collate "C", source text, medium text, campaign text, sessions integer, flags smallint
  ) on commit drop;
  create temp table if not exists audience_rollup_devices (
    day date, device_type text, network_type text, visitor_key text collate "C",
    sessions integer, events integer, page_load_ms bigint, page_loads integer
  ) on commit drop;
  create temp table if not exists audience_rollup_dirty (
    visitor_key text collate "C" primary key, first_at timestamptz, last_at timestamptz
  ) on commit drop;
  create temp table if not exists audience_rollup_touched (
    visitor_key text collate "C", started_at timestamptz, ended_at timestamptz, day date
  ) on commit drop;
  create temp table if not exists audience_rollup_active (org_id uuid primary key) on commit drop;
  create temp table if not exists audience_rollup_received (
    org_id uuid, received_at timestamptz, occurred_at timestamptz, visitor_key text collate "C", is_bot boolean
  ) on commit drop;
  truncate pg_temp.audience_rollup_active, pg_temp.audience_rollup_received;

  -- The events received since the oldest of the watermarks: one scan of the BRIN index on
  -- received_at (offset 0: that index only), kept in pg_temp and indexed by organization,
  -- instead of one scan per organization (24 ms each: 24 s for 1,000 organizations with
  -- nothing new; and each organization with new events read all of them twice, for its days
  -- and its visitors). The organizations that have a watermark and no event here received
  -- nothing since it: it moves up to v_upper (everything received before v_upper was
  -- visible to that scan) without recomputing anything. (An event committed after the scan
  -- was received at or after v_upper: the next run reads it.)
  insert into pg_temp.audience_rollup_received
  select e.org_id, e.received_at, e.occurred_at, audience.visitor_key(e.visitor_id, e.user_id), e.is_bot
  from (select r.org_id, r.received_at, r.occurred_at, r.visitor_id, r.user_id, r.is_bot
        from analytics.events as r
        where r.received_at >= (select pg_catalog.min(w.events_received) from private.audience_rollup_watermarks as w
                                where p_org_id is null or w.org_id = p_org_id)
          and (p_org_id is null or r.org_id = p_org_id)
        offset 0) as e;
  create index if not exists audience_rollup_received_org_id on pg_temp.audience_rollup_received (org_id, received_at);
  analyze pg_temp.audience_rollup_received;
  insert into pg_temp.audience_rollup_active
  select distinct r.org_id from pg_temp.audience_rollup_received as r;
  update private.audience_rollup_watermarks as w
  set events_received = v_upper, refreshed_at = pg_catalog.clock_timestamp()
  where (p_org_id is null or w.org_id = p_org_id)
    and w.events_received < v_upper
    and not exists (select 1 from pg_temp.audience_rollup_active as a where a.org_id = w.org_id);

  for v_org in
    select o.id, o.timezone, w.events_received as mark
    from app.organizations as o
    left join private.audience_rollup_watermarks as w on w.org_id = o.id
    where (p_org_id is null or o.id = p_org_id)
      and (w.events_received is null or o.id in (select a.org_id from pg_temp.audience_rollup_active as a))
    order by o.id
  loop
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('private.refresh_audience_rollups'),
                                             pg_catalog.hashtext(v_org.id::text));
    -- The work tables emptied: by DELETE after an organization of up to 1,000 visitors,
    -- which keeps the statements' cached plans (a TRUNCATE or ANALYZE of a table they read
    -- invalidates them: each of the ~20 statements was planned again for every organization,
    -- ~10 ms each); by TRUNCATE after a larger one, and once the rows deleted since the last
    -- TRUNCATE reach 5,000 visitors' worth (deleted rows stay on their pages until the
    -- transaction ends, and every later organization would scan them).
    v_deleted := v_deleted + coalesce(v_visitors, 0);
    if v_visitors is null or v_visitors > 1000 or v_deleted > 5000 then
      truncate pg_temp.audience_rollup_keys, pg_temp.audience_rollup_days, pg_temp.audience_rollup_devices,
               pg_temp.audience_rollup_dirty, pg_temp.audience_rollup_touched;
      v_deleted := 0;
    else
      delete from pg_temp.audience_rollup_keys;
      delete from pg_temp.audience_rollup_days;
      delete from pg_temp.audience_rollup_devices;
      delete from pg_temp.audience_rollup_dirty;
      delete from pg_temp.audience_rollup_touched;
    end if;

    -- The local days to recompute.
    if v_org.mark is null then
      delete from private.audience_visitor_days as t where t.org_id = v_org.id;
      delete from private.audience_visitor_day_combos as t where t.org_id = v_org.id;
      delete from private.audience_device_days as t where t.org_id = v_org.id;
      delete from private.audience_day_counts as t where t.org_id = v_org.id;
      delete from private.audience_sessions as t where t.org_id = v_org.id;
      delete from private.audience_session_prefixes as t where t.org_id = v_org.id;
      select pg_catalog.array_agg(d::date order by d)
      into v_days
      from (select (pg_catalog.min(e.occurred_at) at time zone v_org.timezone)::date as first_day,
                   (pg_catalog.max(e.occurred_at) at time zone v_org.timezone)::date as last_day
            from analytics.events as e where e.org_id = v_org.id) as x,
           pg_catalog.generate_series(x.first_day, x.last_day, interval '1 day') as d;
    else
      select pg_catalog.array_agg(distinct d.day order by d.day)
      into v_days
      from (select (e.occurred_at at time zone v_org.timezone)::date as day
            from pg_temp.audience_rollup_received as e
            where e.org_id = v_org.id and e.received_at >= v_org.mark
            group by 1) as x
      cross join lateral (values (x.day), (x.day + 1)) as d (day);
    end if;
    v_days := coalesce(v_days, '{}');

    -- Visitor-day and device rows of those days (pg_temp: their pointers are computed
    -- before they are written, so each row is written once), by runs of consecutive days
    -- of at most 31.
    with deleted as (
      delete from private.audience_visitor_days as t
      where t.org_id = v_org.id and t.day = any (v_days)
      returning t.visitor_key
    )
    insert into pg_temp.audience_rollup_keys
    select distinct d.visitor_key from deleted as d;
    for v_run in
      select pg_catalog.min(k.day) as from_day, pg_catalog.max(k.day) + 1 as to_day
      from (select d.day, d.day - (pg_catalog.row_number() over (order by d.day))::integer as island
            from pg_catalog.unnest(v_days) as d (day)) as k
      group by k.island
      order by 1
    loop
      v_chunk := v_run.from_day;
      while v_chunk < v_run.to_day loop
        insert into pg_temp.audience_rollup_days
        select v.day, v.visitor_key, v.source, v.medium, v.campaign, v.sessions,
               (case when v.clicked then 1 else 0 end + case when v.ticket_cta then 2 else 0 end
                + case when v.checkout then 4 else 0 end + case when v.mobile then 8 else 0 end
                + case when v.desktop then 16 else 0 end)::smallint
        from private.visitor_day_channels(array[v_org.id], v_chunk, least(v_chunk + 31, v_run.to_day)) as v;
        insert into pg_temp.audience_rollup_devices
        select v.day, v.device_type, v.network_type, v.visitor_key, v.sessions, v.events, v.page_load_ms, v.page_loads
        from private.visitor_day_devices(array[v_org.id], v_chunk, least(v_chunk + 31, v_run.to_day)) as v;
        v_chunk := v_chunk + 31;
      end loop;
    end loop;
    insert into pg_temp.audience_rollup_keys
    select distinct d.visitor_key from pg_temp.audience_rollup_devices as d
    on conflict do nothing;
    select pg_catalog.count(*)::integer into v_visitors from pg_temp.audience_rollup_keys;
    if v_visitors > 1000 then
      analyze pg_temp.audience_rollup_keys;   -- (a small set is planned as one without)
    end if;

    -- Device x network sums per day (additive).
    delete from private.audience_visitor_day_combos as t
    where t.org_id = v_org.id and t.day = any (v_days);
    delete from private.audience_device_days as t
    where t.org_id = v_org.id and t.day = any (v_days);
    insert into private.audience_device_days (org_id, day, device_type, network_type, sessions, events, page_load_ms, page_loads)
    select v_org.id, d.day, d.device_type, d.network_type, pg_catalog.sum(d.sessions), pg_catalog.sum(d.events),
           pg_catalog.sum(d.page_load_ms), pg_catalog.sum(d.page_loads)
    from pg_temp.audience_rollup_devices as d
    group by d.day, d.device_type, d.network_type;

    -- Previous-day columns, one statement for a first build and an incremental run. Per
    -- visitor seen: the new rows (pg_temp), the stored rows from the first recomputed day
    -- v_from on, and the last stored row before it (the seed, whose stored previous-day
    -- columns are exact: they depend on earlier rows only). The rows' previous days come
    -- from the window or, before it, from the seed; next_click_day from the window for the
    -- seed and every later row; where the seed's changes, the earlier rows that carried the
    -- seed's old value (those after the visitor's last click before it) take the new one.
    -- Combinations likewise: the new ones and the stored ones from v_from on, each
    -- combination's first one pointing to its last day before v_from. New rows are
    -- inserted with their pointers; stored rows are updated only where they change. A first
    -- build (every row of the organization deleted above) has no stored row to read: the
    -- per-visitor lookups are skipped (v_stored).
    v_from := v_days[1];
    v_stored := v_org.mark is not null;
    with win as (
      select n.visitor_key, n.day, n.flags, false as seed, true as fresh,
             null::date as stored_prev, null::date as stored_checkout, null::date as stored_mobile,
             null::date as stored_desktop, null::date as stored_click,
             n.source, n.medium, n.campaign, n.sessions
      from pg_temp.audience_rollup_days as n
      union all
      select k.visitor_key, r.day, r.flags, r.day < v_from, false,
             r.prev_day, r.prev_checkout_day, r.prev_mobile_day, r.prev_desktop_day, r.next_click_day,
             null, null, null, null
      from pg_temp.audience_rollup_keys as k
      cross join lateral (
        (select t.day, t.flags, t.prev_day, t.prev_checkout_day, t.prev_mobile_day, t.prev_desktop_day, t.next_click_day
         from private.audience_visitor_days as t
         where t.org_id = v_org.id and t.visitor_key = k.visitor_key and t.day < v_from
         order by t.day desc
         limit 1)
        union all
        select t.day, t.flags, t.prev_day, t.prev_checkout_day, t.prev_mobile_day, t.prev_desktop_day, t.next_click_day
        from private.audience_visitor_days as t
        where t.org_id = v_org.id and t.visitor_key = k.visitor_key and t.day >= v_from
      ) as r
      where v_stored
    ),
    pointers as (
      select w.visitor_key, w.day, w.flags, w.seed, w.fresh, w.source, w.medium, w.campaign, w.sessions,
             w.stored_prev, w.stored_checkout, w.stored_mobile, w.stored_desktop, w.stored_click,
             case when w.seed then w.stored_prev else pg_catalog.lag(w.day) over w_asc end as prev_day,
             case when w.seed then w.stored_checkout
                  else coalesce(pg_catalog.max(w.day) filter (where w.flags & 4 <> 0) over w_before,
                                pg_catalog.first_value(case when w.seed then w.stored_checkout end) over w_asc) end as prev_checkout_day,
             case when w.seed then w.stored_mobile
                  else coalesce(pg_catalog.max(w.day) filter (where w.flags & 8 <> 0) over w_before,
                                pg_catalog.first_value(case when w.seed then w.stored_mobile end) over w_asc) end as prev_mobile_day,
             case when w.seed then w.stored_desktop
                  else coalesce(pg_catalog.max(w.day) filter (where w.flags & 16 <> 0) over w_before,
                                pg_catalog.first_value(case when w.seed then w.stored_desktop end) over w_asc) end as prev_desktop_day,
             pg_catalog.min(w.day) filter (where w.flags & 1 <> 0) over (partition by w.visitor_key order by w.day desc) as next_click_day
      from win as w
      window w_asc as (partition by w.visitor_key order by w.day),
             w_before as (w_asc rows between unbounded preceding and 1 preceding)
    ),
    inserted as (
      insert into private.audience_visitor_days (org_id, day, visitor_key, source, medium, campaign, sessions, flags,
                                                 prev_day, prev_checkout_day, prev_mobile_day, prev_desktop_day, next_click_day)
      select v_org.id, p.day, p.visitor_key, p.source, p.medium, p.campaign, p.sessions, p.flags,
             p.prev_day, p.prev_checkout_day, p.prev_mobile_day, p.prev_desktop_day, p.next_click_day
      from pointers as p
      where p.fresh
      order by p.visitor_key, p.day
    ),
    changes as (
      select p.visitor_key, p.day, p.prev_day, p.prev_checkout_day, p.prev_mobile_day, p.prev_desktop_day, p.next_click_day,
             p.stored_prev is distinct from p.prev_day as new_prev,
             p.stored_checkout is distinct from p.prev_checkout_day as new_checkout,
             p.stored_mobile is distinct from p.prev_mobile_day as new_mobile,
             p.stored_desktop is distinct from p.prev_desktop_day as new_desktop,
             p.stored_click is distinct from p.next_click_day as new_click
      from pointers as p
      where not p.fresh
        and (p.stored_prev, p.stored_checkout, p.stored_mobile, p.stored_desktop, p.stored_click)
            is distinct from (p.prev_day, p.prev_checkout_day, p.prev_mobile_day, p.prev_desktop_day, p.next_click_day)
      union all
      select t.visitor_key, t.day, t.prev_day, t.prev_checkout_day, t.prev_mobile_day, t.prev_desktop_day, p.next_click_day,
             false, false, false, false, true
      from pointers as p
      join private.audience_visitor_days as t
        on t.org_id = v_org.id and t.visitor_key = p.visitor_key and t.day < p.day
       and t.next_click_day is not distinct from p.stored_click
      where p.seed and p.stored_click is distinct from p.next_click_day
    ),
    updated as (
      update private.audience_visitor_days as t
      set prev_day = c.prev_day, prev_checkout_day = c.prev_checkout_day, prev_mobile_day = c.prev_mobile_day,
          prev_desktop_day = c.prev_desktop_day, next_click_day = c.next_click_day
      from changes as c
      where t.org_id = v_org.id and t.visitor_key = c.visitor_key and t.day = c.day
      returning t.day, c.new_prev, c.new_checkout, c.new_mobile, c.new_desktop, c.new_click
    ),
    combo_win as (
      select d.visitor_key, d.day, d.device_type, d.network_type, true as fresh, null::date as stored
      from pg_temp.audience_rollup_devices as d
      union all
      select c.visitor_key, c.day, c.device_type, c.network_type, false, c.prev_day
      from pg_temp.audience_rollup_keys as k
      join private.audience_visitor_day_combos as c
        on c.org_id = v_org.id and c.visitor_key = k.visitor_key and c.day >= v_from
      where v_stored
    ),
    combo_pointers as (
      select c.visitor_key, c.day, c.device_type, c.network_type, c.fresh, c.stored,
             coalesce(pg_catalog.lag(c.day) over (partition by c.visitor_key, c.device_type, c.network_type order by c.day),
                      case when v_stored then
                        (select b.day from private.audience_visitor_day_combos as b
                         where b.org_id = v_org.id and b.visitor_key = c.visitor_key and b.day < v_from
                           and b.device_type = c.device_type and b.network_type = c.network_type
                         order by b.day desc
                         limit 1) end) as prev_day
      from combo_win as c
    ),
    combos_inserted as (
      insert into private.audience_visitor_day_combos (org_id, day, visitor_key, device_type, network_type, prev_day)
      select v_org.id, p.day, p.visitor_key, p.device_type, p.network_type, p.prev_day
      from combo_pointers as p
      where p.fresh
      order by p.visitor_key, p.day, p.device_type, p.network_type
    ),
    combos_updated as (
      update private.audience_visitor_day_combos as c
      set prev_day = p.prev_day
      from combo_pointers as p
      where c.org_id = v_org.id and c.visitor_key = p.visitor_key and c.day = p.day
        and c.device_type = p.device_type and c.network_type = p.network_type
        and not p.fresh and p.stored is distinct from p.prev_day
      returning c.day
    )
    select pg_catalog.array_agg(distinct x.day) filter (where x.all_),
           pg_catalog.array_agg(distinct x.day) filter (where x.checkout),
           pg_catalog.array_agg(distinct x.day) filter (where x.mobile),
           pg_catalog.array_agg(distinct x.day) filter (where x.desktop),
           pg_catalog.array_agg(distinct x.day) filter (where x.channel),
           pg_catalog.array_agg(distinct x.day) filter (where x.combo)
    into v_changed_all, v_changed_checkout, v_changed_mobile, v_changed_desktop, v_changed_channel, v_changed_combo
    from (select u.day, u.new_prev as all_, u.new_checkout as checkout, u.new_mobile as mobile, u.new_desktop as desktop,
                 u.new_prev or u.new_click as channel, false as combo
          from updated as u
          union all
          select u.day, false, false, false, false, false, true from combos_updated as u
          union all
          select d.day, true, true, true, true, true, true from pg_catalog.unnest(v_days) as d (day)) as x;

    -- Per-day counts of the changed days, measure by measure: a day whose rows changed only
    -- in next_click_day (carried back from a later click) recounts only 'channel'; one
    -- whose combinations alone changed, only 'combo'. (Each measure named: the index
    -- (org_id, measure, day) finds its days.)
    delete from private.audience_day_counts as c
    using (values ('all', v_changed_all), ('checkout', v_changed_checkout), ('mobile', v_changed_mobile),
                  ('desktop', v_changed_desktop), ('channel', v_changed_channel), ('combo', v_changed_combo)) as m (measure, days)
    where c.org_id = v_org.id and c.measure = m.measure and c.day = any (m.days);
    insert into private.audience_day_counts (org_id, day, measure, dim1, dim2, dim3, prev_day, next_day, visitors)
    select v_org.id, t.day, 'all', '', '', '', t.prev_day, null::date, pg_catalog.count(*)
    from private.audience_visitor_days as t
    where t.org_id = v_org.id and t.day = any (v_changed_all)
    group by t.day, t.prev_day
    union all
    select v_org.id, t.day, 'checkout', '', '', '', t.prev_checkout_day, null, pg_catalog.count(*)
    from private.audience_visitor_days as t
    where t.org_id = v_org.id and t.day = any (v_changed_checkout) and t.flags & 4 <> 0
    group by t.day, t.prev_checkout_day
    union all
    select v_org.id, t.day, 'mobile', '', '', '', t.prev_mobile_day, null, pg_catalog.count(*)
    from private.audience_visitor_days as t
    where t.org_id = v_org.id and t.day = any (v_changed_mobile) and t.flags & 8 <> 0
    group by t.day, t.prev_mobile_day
    union all
    select v_org.id, t.day, 'desktop', '', '', '', t.prev_desktop_day, null, pg_catalog.count(*)
    from private.audience_visitor_days as t
    where t.org_id = v_org.id and t.day = any (v_changed_desktop) and t.flags & 16 <> 0
    group by t.day, t.prev_desktop_day
    union all
    select v_org.id, t.day, 'channel', t.source, t.medium, t.campaign, t.prev_day, t.next_click_day, pg_catalog.count(*)
    from private.audience_visitor_days as t
    where t.org_id = v_org.id and t.day = any (v_changed_channel)
    group by t.day, t.source, t.medium, t.campaign, t.prev_day, t.next_click_day
    union all
    select v_org.id, c.day, 'combo', c.device_type, c.network_type, '', c.prev_day, null, pg_catalog.count(*)
    from private.audience_visitor_day_combos as c
    where c.org_id = v_org.id and c.day = any (v_changed_combo)
    group by c.day, c.device_type, c.network_type, c.prev_day;

    -- Sessions.
    if v_org.mark is null then
      insert into private.audience_sessions (org_id, visitor_key, started_at, ended_at, day, steps, step_at, step_count,
                                             purchase_step, purchased_at)
      select v_org.id, s.visitor_key, s.started_at, s.ended_at, (s.started_at at time zone v_org.timezone)::date,
             s.steps, s.step_at, s.step_count, s.purchase_step, s.purchased_at
      from private.audience_session_rows(v_org.id, null, array['-infinity'::timestamptz], array['infinity'::timestamptz]) as s;
      get diagnostics v_sessions = row_count;
      select pg_catalog.array_agg(distinct d.day) into v_session_days
      from pg_catalog.unnest(v_days) as d (day);
    else
      insert into pg_temp.audience_rollup_dirty
      select e.visitor_key, pg_catalog.min(e.occurred_at), pg_catalog.max(e.occurred_at)
      from pg_temp.audience_rollup_received as e
      where e.org_id = v_org.id and e.received_at >= v_org.mark
        and not e.is_bot and e.visitor_key is not null
      group by 1;
      get diagnostics v_dirty = row_count;
      if v_dirty > 1000 then
        analyze pg_temp.audience_rollup_dirty;
      end if;
      -- Each such visitor's range: their new events and every stored session within 30
      -- minutes of them, from its first event on. A visitor's sessions are disjoint, so
      -- none that began before the last one beginning before first_at - 30 minutes
      -- (lo) ends after it: the primary key's range from lo is all that is read.
      with touched as (
        delete from private.audience_sessions as s
        using pg_temp.audience_rollup_dirty as d
        cross join lateral (
          select coalesce((select b.started_at from private.audience_sessions as b
                           where b.org_id = v_org.id and b.visitor_key = d.visitor_key
                             and b.started_at < d.first_at - interval '30 minutes'
                           order by b.started_at desc
                           limit 1), '-infinity') as lo
        ) as l
        where s.org_id = v_org.id and s.visitor_key = d.visitor_key
          and s.started_at >= l.lo
          and s.started_at <= d.last_at + interval '30 minutes'
          and s.ended_at >= d.first_at - interval '30 minutes'
        returning s.visitor_key, s.started_at, s.ended_at, s.day
      )
      insert into pg_temp.audience_rollup_touched select * from touched;
      with ranges as (
        select d.visitor_key,
               least(d.first_at, pg_catalog.min(t.started_at)) as lo,
               greatest(d.last_at, pg_catalog.max(t.ended_at)) as hi
        from pg_temp.audience_rollup_dirty as d
        left join pg_temp.audience_rollup_touched as t on t.visitor_key = d.visitor_key
        group by d.visitor_key, d.first_at, d.last_at
      ),
      inserted as (
        insert into private.audience_sessions (org_id, visitor_key, started_at, ended_at, day, steps, step_at, step_count,
                                               purchase_step, purchased_at)
        select v_org.id, s.visitor_key, s.started_at, s.ended_at, (s.started_at at time zone v_org.timezone)::date,
               s.steps, s.step_at, s.step_count, s.purchase_step, s.purchased_at
        from private.audience_session_rows(
               v_org.id,
               (select pg_catalog.array_agg(r.visitor_key order by r.visitor_key) from ranges as r),
               (select pg_catalog.array_agg(r.lo order by r.visitor_key) from ranges as r),
               (select pg_catalog.array_agg(r.hi + interval '1 microsecond' order by r.visitor_key) from ranges as r)) as s
        returning day
      )
      select pg_catalog.array_agg(distinct x.day), pg_catalog.count(*) filter (where x.new)::integer
      into v_session_days, v_sessions
      from (select t.day, false as new from pg_temp.audience_rollup_touched as t
            union all select i.day, true from inserted as i) as x;
    end if;

    -- Prefix counts of the days whose sessions changed.
    delete from private.audience_session_prefixes as p
    where p.org_id = v_org.id and p.day = any (coalesce(v_session_days, '{}'));
    insert into private.audience_session_prefixes (org_id, prefix, day, sessions)
    select v_org.id, s.steps[1:k.n], s.day, pg_catalog.count(*)
    from private.audience_sessions as s
    cross join lateral pg_catalog.generate_series(0, least(9, pg_catalog.cardinality(s.steps))) as k (n)
    where s.org_id = v_org.id and s.day = any (coalesce(v_session_days, '{}'))
    group by 2, 3;

    insert into private.audience_rollup_watermarks as w (org_id, events_received, refreshed_at)
    values (v_org.id, v_upper, pg_catalog.clock_timestamp())
    on conflict on constraint pk_audience_rollup_watermarks do update
      set events_received = greatest(w.events_received, excluded.events_received),
          refreshed_at = excluded.refreshed_at;

    if pg_catalog.cardinality(v_days) > 0 or coalesce(v_sessions, 0) > 0 then
      org_id := v_org.id; days := pg_catalog.cardinality(v_days); visitors := v_visitors;
      sessions := coalesce(v_sessions, 0); watermark := greatest(v_upper, v_org.mark);
      return next;
    end if;
  end loop;
end;
$$;
revoke execute on function private.refresh_audience_rollups(uuid) from public, anon, authenticated;
comment on function private.refresh_audience_rollups(uuid) is
  'Audience rollups (private.audience_*): incremental by received_at watermark (the local days of events received since, and the next day; sessions near those events), organizations without a watermark in full. One row per organization changed: days, visitors, sessions written, watermark. Run by private.run_refresh.';
