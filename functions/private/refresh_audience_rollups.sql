-- requires: functions/private/visitor_day_channels.sql
-- requires: functions/private/visitor_day_devices.sql
-- requires: functions/private/audience_session_rows.sql
-- Brings the audience rollups (private.audience_visitor_days, audience_visitor_day_combos,
-- audience_device_days, audience_day_counts, audience_sessions, audience_session_prefixes;
-- see migrations/0050; audience_day_recency, migration 1210) up to date; one row per
-- organization it changed.
-- Called by private.run_refresh (`audiencectl refresh`); owner / DBA sessions only.
--
-- Incremental by received_at: for an organization with a
-- watermark (private.audience_rollup_watermarks) the visitor-days of the events received
-- since (each visitor's local days of them, and the day after each: its first session may
-- continue one of the evening before) are recomputed from analytics.events, and the device
-- sums of those days move by the difference between the visitors' old and new shares (kept
-- in audience_visitor_day_combos, migration 1180); a late event recomputes its visitor's
-- day. Where a touched visitor-day's stored combinations have no shares (written before
-- 1180), or the touched visitor-days are more than per_visitor_max_pct (50) % of their days'
-- rows (private.audience_settings; a day of new events), the organization's touched days
-- are recomputed whole, every visitor of them.
-- The previous-day columns of every visitor seen on those days are recomputed from the
-- first recomputed day of the organization on, starting from the visitor's last row before
-- it (its stored columns exact: they depend on earlier rows only); a changed next click of
-- that row is carried back to the earlier rows that had its old one. The recomputed rows
-- are written once, with those columns; stored rows only where they change; the per-day
-- counts of every day whose rows changed are recomputed, and the cumulated-by-gap rows
-- (audience_day_recency) with them: those of a day recomputed whole from its new rows as
-- they are written (every row of that day is new), those of another day whose rows
-- changed (a visitor-day recomputed, pointers moved) from the table.
-- After retention removed a visitor's earliest rows, the columns pointing into them stay
-- as stored where the recomputation starts after the visitor's first remaining row (as for
-- every visitor not seen); a first build has only the remaining events to go by.
-- Sessions: for each visitor with events received since, the stored sessions within 30
-- minutes of those events are recomputed from their first event on (a session spanning
-- midnight stays one session; a late event can merge two), and the per-day prefix counts
-- move by the sessions written minus those they replace. An organization without a
-- watermark is built in full: every row deleted, every day recomputed by the same
-- statements (no stored row left to read; its sessions in one pass, their prefix counts
-- from the sessions as they are inserted). The new watermark is the start of the oldest transaction
-- still running (private.received_upper_bound); it never moves backwards. Organizations
-- that received nothing since their watermark are not visited; only it moves. The others
-- are recomputed together, by statements that each cover a batch of organizations, keyed
-- by organization: consecutive organizations (in id order), a new batch at every 200,000
-- events received since their watermarks, cumulated; those without a watermark in batches
-- of their own, a new one at every 10,000 of their events (a build in full sorts every row
-- of the batch: larger batches were slower from empty at 1M events / 100 orgs). The
-- statements read and write the rollup tables by key (organization and day, visitor or
-- measure) through their indexes: hash and merge joins are off but for the read of the
-- events (a batch of hundreds of organizations was otherwise planned as whole-table scans
-- of the rollup tables).
-- Concurrent runs serialize per organization (transaction-level advisory lock; a run
-- locks every organization it visits first, in organization order).
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
set enable_hashjoin = off
set enable_mergejoin = off
as $$
#variable_conflict use_column
declare
  v_upper    timestamptz;
  v_batch    record;
  v_run      record;
  v_orgs     uuid[];
  v_full     uuid[];
  v_pv       uuid[];
  v_keys     text[];
  v_visitors integer;
  v_dirty    bigint;
  v_deleted  bigint := 0;
begin
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('app.erase_user'), 0);
  perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('private.delete_organization_rollups'), 0);
  -- The safe upper bound first.
  v_upper := private.received_upper_bound();

  -- Work tables, every one keyed by organization: the statements below cover a batch of
  -- organizations at once.
  -- Per organization to visit: its batch, the local days to recompute (days, from_day the
  -- first), whether only its touched visitor-days are (per_visitor), the days whose per-day
  -- counts change, measure by measure (changed_*), and the number of sessions written.
  create temp table if not exists audience_refresh_orgs (
    org_id uuid primary key, timezone text, mark timestamptz, batch integer, per_visitor boolean not null default false,
    days date[] not null default '{}', from_day date,
    changed_all date[], changed_checkout date[], changed_mobile date[], changed_desktop date[],
    changed_channel date[], changed_combo date[], sessions integer
  ) on commit drop;
  -- The visitor-days recomputed one by one (organizations recomputed per visitor) and the
  -- device shares their stored combinations held.
  create temp table if not exists audience_refresh_vdays (
    org_id uuid, visitor_key text collate "C", day date, primary key (org_id, visitor_key, day)
  ) on commit drop;
  create temp table if not exists audience_refresh_old_devices (
    org_id uuid, day date, device_type text, network_type text, sessions integer, events integer,
    page_load_ms bigint, page_loads integer
  ) on commit drop;
  create temp table if not exists audience_refresh_keys (
    org_id uuid, visitor_key text collate "C", primary key (org_id, visitor_key)
  ) on commit drop;
  create temp table if not exists audience_refresh_rows (
    org_id uuid, day date, visitor_key text collate "C", source text, medium text, campaign text, sessions integer,
    flags smallint
  ) on commit drop;
  create temp table if not exists audience_refresh_devices (
    org_id uuid, day date, device_type text, network_type text, visitor_key text collate "C",
    sessions integer, events integer, page_load_ms bigint, page_loads integer
  ) on commit drop;
  create temp table if not exists audience_refresh_dirty (
    org_id uuid, visitor_key text collate "C", first_at timestamptz, last_at timestamptz,
    primary key (org_id, visitor_key)
  ) on commit drop;
  create temp table if not exists audience_refresh_touched (
    org_id uuid, visitor_key text collate "C", started_at timestamptz, ended_at timestamptz, day date, steps text[]
  ) on commit drop;
  create temp table if not exists audience_refresh_active (org_id uuid primary key) on commit drop;
  create temp table if not exists audience_refresh_received (
    org_id uuid, received_at timestamptz, occurred_at timestamptz, visitor_key text collate "C", is_bot boolean
  ) on commit drop;
  create temp table if not exists audience_refresh_result (
    org_id uuid, days integer, visitors integer, sessions integer, watermark timestamptz
  ) on commit drop;
  truncate pg_temp.audience_refresh_active, pg_temp.audience_refresh_received, pg_temp.audience_refresh_orgs,
           pg_temp.audience_refresh_result;

  -- The events received since the oldest of the watermarks: one scan of the BRIN index on
  -- received_at (offset 0: that index only), kept in pg_temp and indexed by organization,
  -- instead of one scan per organization (24 ms each: 24 s for 1,000 organizations with
  -- nothing new; and each organization with new events read all of them twice, for its days
  -- and its visitors). The organizations that have a watermark and no event here received
  -- nothing since it: it moves up to v_upper (everything received before v_upper was
  -- visible to that scan) without recomputing anything. (An event committed after the scan
  -- was received at or after v_upper: the next run reads it.)
  insert into pg_temp.audience_refresh_received
  select e.org_id, e.received_at, e.occurred_at, audience.visitor_key(e.visitor_id, e.user_id), e.is_bot
  from (select r.org_id, r.received_at, r.occurred_at, r.visitor_id, r.user_id, r.is_bot
        from analytics.events as r
        where r.received_at >= (select pg_catalog.min(w.events_received) from private.audience_rollup_watermarks as w
                                where p_org_id is null or w.org_id = p_org_id)
          and (p_org_id is null or r.org_id = p_org_id)
        offset 0) as e;
  create index if not exists audience_refresh_received_org_id on pg_temp.audience_refresh_received (org_id, received_at);
  analyze pg_temp.audience_refresh_received;
  insert into pg_temp.audience_refresh_active
  select distinct r.org_id from pg_temp.audience_refresh_received as r;
  update private.audience_rollup_watermarks as w
  set events_received = v_upper, refreshed_at = pg_catalog.clock_timestamp()
  where (p_org_id is null or w.org_id = p_org_id)
    and w.events_received < v_upper
    and not exists (select 1 from pg_temp.audience_refresh_active as a where a.org_id = w.org_id);

  -- The organizations to visit, in batches of consecutive organizations (bounded work
  -- tables): a new batch at every 200,000 events received since the watermark, or at every
  -- 10,000 events of those built in full (in batches of their own). Each organization is
  -- locked first, all of them in organization order before any is recomputed (two runs lock
  -- in the same order).
  insert into pg_temp.audience_refresh_orgs (org_id, timezone, mark, batch)
  select x.id, x.timezone, x.mark,
         case when x.mark is null
              then -1 - ((pg_catalog.sum(x.events) over (partition by x.mark is null order by x.id) - x.events) / 10000)::integer
              else ((pg_catalog.sum(x.events) over (partition by x.mark is null order by x.id) - x.events) / 200000)::integer end
  from (select o.id, o.timezone, w.events_received as mark,
               case when w.events_received is null
                    then (select pg_catalog.count(*) from analytics.events as e where e.org_id = o.id)
                    else (select pg_catalog.count(*) from pg_temp.audience_refresh_received as r
                          where r.org_id = o.id and r.received_at >= w.events_received) end as events
        from app.organizations as o
        left join private.audience_rollup_watermarks as w on w.org_id = o.id
        where (p_org_id is null or o.id = p_org_id)
          and (w.events_received is null or o.id in (select a.org_id from pg_temp.audience_refresh_active as a))) as x;
  analyze pg_temp.audience_refresh_orgs;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('private.refresh_audience_rollups'),
                                           pg_catalog.hashtext(o.org_id::text))
  from (select b.org_id from pg_temp.audience_refresh_orgs as b order by b.org_id) as o;

  for v_batch in
    select pg_catalog.array_agg(b.org_id order by b.org_id) as orgs,
           coalesce(pg_catalog.array_agg(b.org_id order by b.org_id) filter (where b.mark is null), '{}') as full_orgs
    from pg_temp.audience_refresh_orgs as b
    group by b.batch
    order by b.batch < 0 desc, pg_catalog.abs(b.batch)
  loop
    v_orgs := v_batch.orgs;
    v_full := v_batch.full_orgs;
    -- The work tables emptied: by DELETE after a batch of up to 1,000 visitors, which keeps
    -- the statements' cached plans (a TRUNCATE or ANALYZE of a table they read invalidates
    -- them: each of the ~20 statements was planned again for every batch, ~10 ms each, when
    -- organizations built in full came one by one); by TRUNCATE after a larger one, and once the rows deleted since the last
    -- TRUNCATE reach 5,000 visitors' worth (deleted rows stay on their pages until the
    -- transaction ends, and every later batch would scan them).
    v_deleted := v_deleted + coalesce(v_visitors, 0);
    if v_visitors is null or v_visitors > 1000 or v_deleted > 5000 then
      truncate pg_temp.audience_refresh_keys, pg_temp.audience_refresh_rows, pg_temp.audience_refresh_devices,
               pg_temp.audience_refresh_dirty, pg_temp.audience_refresh_touched, pg_temp.audience_refresh_vdays,
               pg_temp.audience_refresh_old_devices;
      v_deleted := 0;
    else
      delete from pg_temp.audience_refresh_keys;
      delete from pg_temp.audience_refresh_rows;
      delete from pg_temp.audience_refresh_devices;
      delete from pg_temp.audience_refresh_dirty;
      delete from pg_temp.audience_refresh_touched;
      delete from pg_temp.audience_refresh_vdays;
      delete from pg_temp.audience_refresh_old_devices;
    end if;

    -- The local days to recompute: every day of an organization without a watermark (its
    -- rows deleted first), the days of the events received since the watermark and the
    -- day after each for the others.
    delete from private.audience_visitor_days as t where t.org_id = any (v_full);
    delete from private.audience_visitor_day_combos as t where t.org_id = any (v_full);
    delete from private.audience_device_days as t where t.org_id = any (v_full);
    delete from private.audience_day_counts as t where t.org_id = any (v_full);
    delete from private.audience_day_recency as t where t.org_id = any (v_full);
    delete from private.audience_sessions as t where t.org_id = any (v_full);
    delete from private.audience_session_prefixes as t where t.org_id = any (v_full);
    update pg_temp.audience_refresh_orgs as b
    set days = x.days, from_day = x.days[1]
    from (select y.org_id, pg_catalog.array_agg(distinct y.day order by y.day) as days
          from (select b.org_id, d::date as day
                from pg_temp.audience_refresh_orgs as b
                cross join lateral (
                  select (pg_catalog.min(e.occurred_at) at time zone b.timezone)::date as first_day,
                         (pg_catalog.max(e.occurred_at) at time zone b.timezone)::date as last_day
                  from analytics.events as e where e.org_id = b.org_id) as x
                cross join lateral pg_catalog.generate_series(x.first_day, x.last_day, interval '1 day') as d
                where b.org_id = any (v_full)
                union all
                select b.org_id, d.day
                from pg_temp.audience_refresh_orgs as b
                join pg_temp.audience_refresh_received as e on e.org_id = b.org_id and e.received_at >= b.mark
                cross join lateral (values ((e.occurred_at at time zone b.timezone)::date),
                                           ((e.occurred_at at time zone b.timezone)::date + 1)) as d (day)
                where b.org_id = any (v_orgs) and b.mark is not null) as y
          group by y.org_id) as x
    where b.org_id = x.org_id;

    -- An organization with a watermark recomputes only the visitor-days that the events
    -- received since touch: each visitor's local days of those events and the day after each
    -- (the first session of a day may continue the evening before), when every stored
    -- combination of those visitor-days carries its device shares (migration 1180); the
    -- other visitors' rows of those days stay, the device sums move by the touched visitors'
    -- new shares minus their old ones, and the per-day counts of those days are recounted
    -- from the table. Otherwise (no watermark, or shares written before 1180) its days are
    -- recomputed whole, for every visitor; so are they when the touched visitor-days are more
    -- than private.audience_settings('per_visitor_max_pct') % of their days' stored rows.
    insert into pg_temp.audience_refresh_vdays
    select distinct b.org_id, e.visitor_key, d.day
    from pg_temp.audience_refresh_orgs as b
    join pg_temp.audience_refresh_received as e on e.org_id = b.org_id and e.received_at >= b.mark
    cross join lateral (values ((e.occurred_at at time zone b.timezone)::date),
                               ((e.occurred_at at time zone b.timezone)::date + 1)) as d (day)
    where b.org_id = any (v_orgs) and b.mark is not null
      and not e.is_bot and e.visitor_key is not null;
    update pg_temp.audience_refresh_orgs as b
    set per_visitor = true
    from (select v.org_id, pg_catalog.count(*) as n from pg_temp.audience_refresh_vdays as v group by v.org_id) as v
    where v.org_id = b.org_id and b.org_id = any (v_orgs) and b.mark is not null
      and not exists (select 1
                      from pg_temp.audience_refresh_vdays as x
                      join private.audience_visitor_day_combos as c
                        on c.org_id = x.org_id and c.visitor_key = x.visitor_key and c.day = x.day
                      where x.org_id = b.org_id and c.events is null)
      -- (and only while the touched visitor-days are at most per_visitor_max_pct % of those
      -- days' rows, 50 by default: a whole day of new events touches most visitors of its
      -- days, and whole days are then cheaper: counted from their new rows, device sums
      -- written once)
      and 100 * v.n <= coalesce((select s.value from private.audience_settings as s where s.name = 'per_visitor_max_pct'), 50)
                       * (select pg_catalog.count(*) from private.audience_visitor_days as t
                          where t.org_id = b.org_id and t.day = any (b.days));
    v_pv := coalesce((select pg_catalog.array_agg(b.org_id) from pg_temp.audience_refresh_orgs as b
                      where b.org_id = any (v_orgs) and b.per_visitor), '{}');
    delete from pg_temp.audience_refresh_vdays as v where v.org_id <> all (v_pv);
    -- (the touched visitors' keys: a condition on the sessionizing window's partition, which
    -- the planner applies before it, so the other visitors' events are not sessionized)
    v_keys := array(select distinct v.visitor_key from pg_temp.audience_refresh_vdays as v);

    -- Visitor-day and device rows of those days (pg_temp: their pointers are computed
    -- before they are written, so each row is written once), by runs of consecutive days
    -- of at most 31, each run once for every organization that has it. (Here and below the
    -- rollup tables are read by (organization, day) pairs, one index probe each: offset 0
    -- keeps the pairs a relation of their own, which the planner cannot turn into a scan of
    -- the table probing the pairs.)
    -- (An organization built in full had every row deleted above: its days are not deleted
    -- again here, nor below. Probing its days found only the rows just deleted, each one
    -- visited in the heap: 1.3 s of a build from empty at 1M events.)
    with deleted as (
      delete from private.audience_visitor_days as t
      using (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.days) as d (day)
             where b.org_id = any (v_orgs) and b.mark is not null and not b.per_visitor offset 0) as d
      where t.org_id = d.org_id and t.day = d.day
      returning t.org_id, t.visitor_key
    )
    insert into pg_temp.audience_refresh_keys
    select distinct d.org_id, d.visitor_key from deleted as d;
    if v_pv <> '{}' then
      analyze pg_temp.audience_refresh_vdays;
      with deleted as (
        delete from private.audience_visitor_days as t
        using (select v.org_id, v.visitor_key, v.day from pg_temp.audience_refresh_vdays as v offset 0) as v
        where t.org_id = v.org_id and t.visitor_key = v.visitor_key and t.day = v.day
        returning t.org_id, t.visitor_key
      )
      insert into pg_temp.audience_refresh_keys
      select distinct d.org_id, d.visitor_key from deleted as d
      on conflict do nothing;
    end if;
    -- (The events are read with hash joins: private.sessionized_events joins each event to
    -- its organization. Every other statement reads the rollup tables by key, see above.)
    perform pg_catalog.set_config('enable_hashjoin', 'on', true);
    for v_run in
      select c.from_day, c.to_day, pg_catalog.array_agg(c.org_id order by c.org_id) as orgs
      from (select r.org_id, r.from_day + 31 * n.i as from_day, least(r.from_day + 31 * n.i + 31, r.to_day) as to_day
            from (select k.org_id, pg_catalog.min(k.day) as from_day, pg_catalog.max(k.day) + 1 as to_day
                  from (select b.org_id, d.day,
                               d.day - (pg_catalog.row_number() over (partition by b.org_id order by d.day))::integer as island
                        from pg_temp.audience_refresh_orgs as b
                        cross join lateral pg_catalog.unnest(b.days) as d (day)
                        where b.org_id = any (v_orgs)) as k
                  group by k.org_id, k.island) as r
            cross join lateral pg_catalog.generate_series(0, (r.to_day - r.from_day - 1) / 31) as n (i)) as c
      group by c.from_day, c.to_day
      order by c.from_day, c.to_day
    loop
      insert into pg_temp.audience_refresh_rows
      select v.org_id, v.day, v.visitor_key, v.source, v.medium, v.campaign, v.sessions,
             (case when v.clicked then 1 else 0 end + case when v.ticket_cta then 2 else 0 end
              + case when v.checkout then 4 else 0 end + case when v.mobile then 8 else 0 end
              + case when v.desktop then 16 else 0 end)::smallint
      from private.visitor_day_channels(v_run.orgs, v_run.from_day, v_run.to_day) as v
      where (v.org_id <> all (v_pv) or v.visitor_key = any (v_keys))
        and (v.org_id <> all (v_pv)
         or exists (select 1 from pg_temp.audience_refresh_vdays as d
                    where d.org_id = v.org_id and d.visitor_key = v.visitor_key and d.day = v.day));
      insert into pg_temp.audience_refresh_devices
      select v.org_id, v.day, v.device_type, v.network_type, v.visitor_key, v.sessions, v.events, v.page_load_ms, v.page_loads
      from private.visitor_day_devices(v_run.orgs, v_run.from_day, v_run.to_day) as v
      where (v.org_id <> all (v_pv) or v.visitor_key = any (v_keys))
        and (v.org_id <> all (v_pv)
         or exists (select 1 from pg_temp.audience_refresh_vdays as d
                    where d.org_id = v.org_id and d.visitor_key = v.visitor_key and d.day = v.day));
    end loop;
    perform pg_catalog.set_config('enable_hashjoin', 'off', true);
    -- (The keys are the visitors whose stored rows are looked up below. An organization built
    -- in full has none: its visitors, for the result and the work tables' size, are counted
    -- from its new rows; at 1M events inserting them as keys took 0.9 s of a build from empty.)
    insert into pg_temp.audience_refresh_keys
    select distinct d.org_id, d.visitor_key from pg_temp.audience_refresh_devices as d
    where d.org_id <> all (v_full)
    on conflict do nothing;
    select pg_catalog.count(*)::integer into v_visitors from pg_temp.audience_refresh_keys;
    if v_visitors > 1000 then
      analyze pg_temp.audience_refresh_keys;   -- (a small set is planned as one without)
    end if;
    if v_full <> '{}' then
      -- (their new visitor-day rows, an upper bound of their visitors: as large a batch)
      v_visitors := v_visitors + (select pg_catalog.count(*)::integer from pg_temp.audience_refresh_rows as r
                                  where r.org_id = any (v_full));
    end if;

    -- Device x network sums per day (additive): the recomputed days' sums replaced, or moved
    -- by the recomputed visitor-days' new shares minus their old ones (a sum left without
    -- events is deleted: nobody used that combination that day).
    delete from private.audience_visitor_day_combos as t
    using (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.days) as d (day)
           where b.org_id = any (v_orgs) and b.mark is not null and not b.per_visitor offset 0) as d
    where t.org_id = d.org_id and t.day = d.day;
    if v_pv <> '{}' then
      with deleted as (
        delete from private.audience_visitor_day_combos as t
        using (select v.org_id, v.visitor_key, v.day from pg_temp.audience_refresh_vdays as v offset 0) as v
        where t.org_id = v.org_id and t.visitor_key = v.visitor_key and t.day = v.day
        returning t.org_id, t.day, t.device_type, t.network_type, t.sessions, t.events, t.page_load_ms, t.page_loads
      )
      insert into pg_temp.audience_refresh_old_devices select * from deleted;
    end if;
    delete from private.audience_device_days as t
    using (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.days) as d (day)
           where b.org_id = any (v_orgs) and b.mark is not null and not b.per_visitor offset 0) as d
    where t.org_id = d.org_id and t.day = d.day;
    -- (the per-day counts of the days recomputed whole are counted from their new rows below;
    -- those of organizations recomputed per visitor are recounted from the table, as changed)
    delete from private.audience_day_counts as c
    using (select b.org_id, m.measure, d.day
           from pg_temp.audience_refresh_orgs as b
           cross join (values ('all'), ('checkout'), ('mobile'), ('desktop'), ('channel'), ('combo')) as m (measure)
           cross join lateral pg_catalog.unnest(b.days) as d (day)
           where b.org_id = any (v_orgs) and b.mark is not null and not b.per_visitor
           offset 0) as m
    where c.org_id = m.org_id and c.measure = m.measure and c.day = m.day;
    insert into private.audience_device_days as t (org_id, day, device_type, network_type, sessions, events, page_load_ms, page_loads)
    select d.org_id, d.day, d.device_type, d.network_type, pg_catalog.sum(d.sessions), pg_catalog.sum(d.events),
           pg_catalog.sum(d.page_load_ms), pg_catalog.sum(d.page_loads)
    from (select n.org_id, n.day, n.device_type, n.network_type, n.sessions, n.events, n.page_load_ms, n.page_loads
          from pg_temp.audience_refresh_devices as n
          union all
          select o.org_id, o.day, o.device_type, o.network_type, -o.sessions, -o.events, -o.page_load_ms, -o.page_loads
          from pg_temp.audience_refresh_old_devices as o) as d
    group by d.org_id, d.day, d.device_type, d.network_type
    order by d.org_id, d.day, d.device_type, d.network_type
    on conflict on constraint pk_audience_device_days do update
      set sessions = t.sessions + excluded.sessions, events = t.events + excluded.events,
          page_load_ms = t.page_load_ms + excluded.page_load_ms, page_loads = t.page_loads + excluded.page_loads;
    if v_pv <> '{}' then
      delete from private.audience_device_days as t
      using (select distinct o.org_id, o.day, o.device_type, o.network_type from pg_temp.audience_refresh_old_devices as o
             offset 0) as o
      where t.org_id = o.org_id and t.day = o.day and t.device_type = o.device_type and t.network_type = o.network_type
        and t.events = 0;
    end if;

    -- Previous-day columns, one statement for a first build and an incremental run. Per
    -- visitor seen: the new rows (pg_temp), the stored rows from the first recomputed day
    -- of the organization (from_day) on, and the last stored row before it (the seed, whose
    -- stored previous-day columns are exact: they depend on earlier rows only). The rows'
    -- previous days come from the window or, before it, from the seed; next_click_day from
    -- the window for the seed and every later row; where the seed's changes, the earlier rows
    -- that carried the seed's old value (those after the visitor's last click before it) take
    -- the new one. Combinations likewise: the new ones and the stored ones from from_day on,
    -- each combination's first one pointing to its last day before from_day. New rows are
    -- inserted with their pointers; stored rows are updated only where they change. A first
    -- build (every row of the organization deleted above) has no stored row to read: the
    -- per-visitor lookups are skipped (mark is null). The days whose rows changed, measure by
    -- measure, are kept for the per-day counts.
    with win as (
      select n.org_id, n.visitor_key, n.day, n.flags, false as seed, true as fresh,
             null::date as stored_prev, null::date as stored_checkout, null::date as stored_mobile,
             null::date as stored_desktop, null::date as stored_click,
             n.source, n.medium, n.campaign, n.sessions
      from pg_temp.audience_refresh_rows as n
      union all
      select k.org_id, k.visitor_key, r.day, r.flags, r.day < b.from_day, false,
             r.prev_day, r.prev_checkout_day, r.prev_mobile_day, r.prev_desktop_day, r.next_click_day,
             null, null, null, null
      from pg_temp.audience_refresh_orgs as b
      join pg_temp.audience_refresh_keys as k on k.org_id = b.org_id
      cross join lateral (
        (select t.day, t.flags, t.prev_day, t.prev_checkout_day, t.prev_mobile_day, t.prev_desktop_day, t.next_click_day
         from private.audience_visitor_days as t
         where t.org_id = k.org_id and t.visitor_key = k.visitor_key and t.day < b.from_day
         order by t.day desc
         limit 1)
        union all
        select t.day, t.flags, t.prev_day, t.prev_checkout_day, t.prev_mobile_day, t.prev_desktop_day, t.next_click_day
        from private.audience_visitor_days as t
        where t.org_id = k.org_id and t.visitor_key = k.visitor_key and t.day >= b.from_day
      ) as r
      where b.org_id = any (v_orgs) and b.mark is not null
    ),
    pointers as (
      select w.org_id, w.visitor_key, w.day, w.flags, w.seed, w.fresh, w.source, w.medium, w.campaign, w.sessions,
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
             pg_catalog.min(w.day) filter (where w.flags & 1 <> 0)
               over (partition by w.org_id, w.visitor_key order by w.day desc) as next_click_day
      from win as w
      window w_asc as (partition by w.org_id, w.visitor_key order by w.day),
             w_before as (w_asc rows between unbounded preceding and 1 preceding)
    ),
    inserted as (
      insert into private.audience_visitor_days (org_id, day, visitor_key, source, medium, campaign, sessions, flags,
                                                 prev_day, prev_checkout_day, prev_mobile_day, prev_desktop_day, next_click_day)
      select p.org_id, p.day, p.visitor_key, p.source, p.medium, p.campaign, p.sessions, p.flags,
             p.prev_day, p.prev_checkout_day, p.prev_mobile_day, p.prev_desktop_day, p.next_click_day
      from pointers as p
      where p.fresh
      order by p.org_id, p.visitor_key, p.day
    ),
    changes as (
      select p.org_id, p.visitor_key, p.day, p.prev_day, p.prev_checkout_day, p.prev_mobile_day, p.prev_desktop_day,
             p.next_click_day,
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
      select t.org_id, t.visitor_key, t.day, t.prev_day, t.prev_checkout_day, t.prev_mobile_day, t.prev_desktop_day,
             p.next_click_day, false, false, false, false, true
      from pointers as p
      join private.audience_visitor_days as t
        on t.org_id = p.org_id and t.visitor_key = p.visitor_key and t.day < p.day
       and t.next_click_day is not distinct from p.stored_click
      where p.seed and p.stored_click is distinct from p.next_click_day
    ),
    updated as (
      update private.audience_visitor_days as t
      set prev_day = c.prev_day, prev_checkout_day = c.prev_checkout_day, prev_mobile_day = c.prev_mobile_day,
          prev_desktop_day = c.prev_desktop_day, next_click_day = c.next_click_day
      from changes as c
      where t.org_id = c.org_id and t.visitor_key = c.visitor_key and t.day = c.day
      returning t.org_id, t.day, c.new_prev, c.new_checkout, c.new_mobile, c.new_desktop, c.new_click
    ),
    combo_win as (
      -- (stored_org: the organization has a watermark, i.e. is not built in full; its
      -- from_day is looked up below only for the rows that need it, not for every row: a
      -- per-row look-up in pg_temp.audience_refresh_orgs was a scan of it at 100
      -- organizations, 42,878 times in one batch of a build from empty at 1M)
      select d.org_id, d.visitor_key, d.day, d.device_type, d.network_type, true as fresh, null::date as stored,
             d.org_id <> all (v_full) as stored_org, d.sessions, d.events, d.page_load_ms, d.page_loads
      from pg_temp.audience_refresh_devices as d
      union all
      select c.org_id, c.visitor_key, c.day, c.device_type, c.network_type, false, c.prev_day, true,
             null, null, null, null
      from pg_temp.audience_refresh_orgs as b
      join pg_temp.audience_refresh_keys as k on k.org_id = b.org_id
      -- (a lateral: from_day is an index condition; as a join, the planner memoized each
      -- visitor's every combination and filtered them by day: 1.6M rows read for none kept
      -- after a day of new events at 10M)
      cross join lateral (select x.* from private.audience_visitor_day_combos as x
                          where x.org_id = k.org_id and x.visitor_key = k.visitor_key and x.day >= b.from_day
                          offset 0) as c
      where b.org_id = any (v_orgs) and b.mark is not null
    ),
    combo_pointers as (
      select c.org_id, c.visitor_key, c.day, c.device_type, c.network_type, c.fresh, c.stored,
             c.sessions, c.events, c.page_load_ms, c.page_loads,
             coalesce(pg_catalog.lag(c.day) over (partition by c.org_id, c.visitor_key, c.device_type, c.network_type
                                                  order by c.day),
                      case when c.stored_org then
                        (select x.day from private.audience_visitor_day_combos as x
                         where x.org_id = c.org_id and x.visitor_key = c.visitor_key
                           and x.day < (select b.from_day from pg_temp.audience_refresh_orgs as b where b.org_id = c.org_id)
                           and x.device_type = c.device_type and x.network_type = c.network_type
                         order by x.day desc
                         limit 1) end) as prev_day
      from combo_win as c
    ),
    combos_inserted as (
      insert into private.audience_visitor_day_combos (org_id, day, visitor_key, device_type, network_type, prev_day,
                                                       sessions, events, page_load_ms, page_loads)
      select p.org_id, p.day, p.visitor_key, p.device_type, p.network_type, p.prev_day,
             p.sessions, p.events, p.page_load_ms, p.page_loads
      from combo_pointers as p
      where p.fresh
      order by p.org_id, p.visitor_key, p.day, p.device_type, p.network_type
    ),
    combos_updated as (
      update private.audience_visitor_day_combos as c
      set prev_day = p.prev_day
      from combo_pointers as p
      where c.org_id = p.org_id and c.visitor_key = p.visitor_key and c.day = p.day
        and c.device_type = p.device_type and c.network_type = p.network_type
        and not p.fresh and p.stored is distinct from p.prev_day
      returning c.org_id, c.day
    ),
    fresh_counts as (
      -- (the days recomputed whole: all their rows are fresh)
      select p.org_id, p.day, 'all' as measure, '' as dim1, '' as dim2, '' as dim3, p.prev_day, null::date as next_day,
             pg_catalog.count(*) as visitors
      from pointers as p where p.fresh and p.org_id <> all (v_pv)
      group by p.org_id, p.day, p.prev_day
      union all
      select p.org_id, p.day, 'checkout', '', '', '', p.prev_checkout_day, null, pg_catalog.count(*)
      from pointers as p where p.fresh and p.org_id <> all (v_pv) and p.flags & 4 <> 0
      group by p.org_id, p.day, p.prev_checkout_day
      union all
      select p.org_id, p.day, 'mobile', '', '', '', p.prev_mobile_day, null, pg_catalog.count(*)
      from pointers as p where p.fresh and p.org_id <> all (v_pv) and p.flags & 8 <> 0
      group by p.org_id, p.day, p.prev_mobile_day
      union all
      select p.org_id, p.day, 'desktop', '', '', '', p.prev_desktop_day, null, pg_catalog.count(*)
      from pointers as p where p.fresh and p.org_id <> all (v_pv) and p.flags & 16 <> 0
      group by p.org_id, p.day, p.prev_desktop_day
      union all
      select p.org_id, p.day, 'channel', p.source, p.medium, p.campaign, p.prev_day, p.next_click_day, pg_catalog.count(*)
      from pointers as p where p.fresh and p.org_id <> all (v_pv)
      group by p.org_id, p.day, p.source, p.medium, p.campaign, p.prev_day, p.next_click_day
      union all
      select p.org_id, p.day, 'combo', p.device_type, p.network_type, '', p.prev_day, null, pg_catalog.count(*)
      from combo_pointers as p where p.fresh and p.org_id <> all (v_pv)
      group by p.org_id, p.day, p.device_type, p.network_type, p.prev_day
    ),
    counts_inserted as (
      -- (in the order of the index (org_id, measure, day): it holds every column)
      insert into private.audience_day_counts (org_id, day, measure, dim1, dim2, dim3, prev_day, next_day, visitors)
      select c.org_id, c.day, c.measure, c.dim1, c.dim2, c.dim3, c.prev_day, c.next_day, c.visitors
      from fresh_counts as c
      order by c.org_id, c.measure, c.day
    ),
    recency_inserted as (
      -- (the cumulated-by-gap rows of those days, private.audience_day_recency: from their
      -- counts as they are written, as below from the table for the other changed days; one
      -- count row per gap of a visitor measure. Probing the table for each day and measure
      -- cost 1.3 s of a build from empty at 1M events.)
      insert into private.audience_day_recency as r (org_id, measure, day, visitors, gaps, returning_visitors)
      select x.org_id, x.measure, x.day, pg_catalog.sum(x.visitors)::integer,
             coalesce(pg_catalog.array_agg(x.gap order by x.gap) filter (where x.gap <= 366), '{}'),
             coalesce(pg_catalog.array_agg(x.returning order by x.gap) filter (where x.gap <= 366), '{}')
      from (select c.org_id, c.measure, c.day, c.day - c.prev_day as gap, c.visitors,
                   (pg_catalog.sum(c.visitors) over (partition by c.org_id, c.measure, c.day order by c.day - c.prev_day
                                                     rows unbounded preceding))::integer as returning
            from fresh_counts as c
            where c.measure in ('all', 'checkout', 'mobile', 'desktop')) as x
      group by x.org_id, x.measure, x.day
      order by x.org_id, x.measure, x.day
      on conflict on constraint pk_audience_day_recency do update
        set visitors = excluded.visitors, gaps = excluded.gaps, returning_visitors = excluded.returning_visitors
    )
    update pg_temp.audience_refresh_orgs as b
    set changed_all = x.changed_all, changed_checkout = x.changed_checkout, changed_mobile = x.changed_mobile,
        changed_desktop = x.changed_desktop, changed_channel = x.changed_channel, changed_combo = x.changed_combo
    from (select y.org_id,
                 pg_catalog.array_agg(distinct y.day) filter (where y.all_) as changed_all,
                 pg_catalog.array_agg(distinct y.day) filter (where y.checkout) as changed_checkout,
                 pg_catalog.array_agg(distinct y.day) filter (where y.mobile) as changed_mobile,
                 pg_catalog.array_agg(distinct y.day) filter (where y.desktop) as changed_desktop,
                 pg_catalog.array_agg(distinct y.day) filter (where y.channel) as changed_channel,
                 pg_catalog.array_agg(distinct y.day) filter (where y.combo) as changed_combo
          from (select u.org_id, u.day, u.new_prev as all_, u.new_checkout as checkout, u.new_mobile as mobile,
                       u.new_desktop as desktop, u.new_prev or u.new_click as channel, false as combo
                from updated as u
                union all
                select u.org_id, u.day, false, false, false, false, false, true from combos_updated as u
                union all
                -- (the days of organizations recomputed per visitor: recounted from the table)
                select o.org_id, d.day, true, true, true, true, true, true
                from pg_temp.audience_refresh_orgs as o
                cross join lateral pg_catalog.unnest(o.days) as d (day)
                where o.org_id = any (v_pv)) as y
          group by y.org_id) as x
    where b.org_id = x.org_id;

    -- Per-day counts of the other changed days (those of the days recomputed whole were
    -- counted from their new rows above), measure by measure: a day whose rows changed only
    -- in next_click_day (carried back from a later click) recounts only 'channel'; one
    -- whose combinations alone changed, only 'combo'. (Each measure named: the index
    -- (org_id, measure, day) finds its days.)
    delete from private.audience_day_counts as c
    using (select b.org_id, m.measure, d.day
           from pg_temp.audience_refresh_orgs as b
           cross join lateral (values ('all', b.changed_all), ('checkout', b.changed_checkout),
                                      ('mobile', b.changed_mobile), ('desktop', b.changed_desktop),
                                      ('channel', b.changed_channel), ('combo', b.changed_combo)) as m (measure, days)
           cross join lateral pg_catalog.unnest(m.days) as d (day)
           where b.org_id = any (v_orgs)
           offset 0) as m
    where c.org_id = m.org_id and c.measure = m.measure and c.day = m.day;
    insert into private.audience_day_counts (org_id, day, measure, dim1, dim2, dim3, prev_day, next_day, visitors)
    select t.org_id, t.day, 'all', '', '', '', t.prev_day, null::date, pg_catalog.count(*)
    from (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.changed_all) as d (day)
          where b.org_id = any (v_orgs) offset 0) as d
    join private.audience_visitor_days as t on t.org_id = d.org_id and t.day = d.day
    group by t.org_id, t.day, t.prev_day
    union all
    select t.org_id, t.day, 'checkout', '', '', '', t.prev_checkout_day, null, pg_catalog.count(*)
    from (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.changed_checkout) as d (day)
          where b.org_id = any (v_orgs) offset 0) as d
    join private.audience_visitor_days as t on t.org_id = d.org_id and t.day = d.day
    where t.flags & 4 <> 0
    group by t.org_id, t.day, t.prev_checkout_day
    union all
    select t.org_id, t.day, 'mobile', '', '', '', t.prev_mobile_day, null, pg_catalog.count(*)
    from (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.changed_mobile) as d (day)
          where b.org_id = any (v_orgs) offset 0) as d
    join private.audience_visitor_days as t on t.org_id = d.org_id and t.day = d.day
    where t.flags & 8 <> 0
    group by t.org_id, t.day, t.prev_mobile_day
    union all
    select t.org_id, t.day, 'desktop', '', '', '', t.prev_desktop_day, null, pg_catalog.count(*)
    from (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.changed_desktop) as d (day)
          where b.org_id = any (v_orgs) offset 0) as d
    join private.audience_visitor_days as t on t.org_id = d.org_id and t.day = d.day
    where t.flags & 16 <> 0
    group by t.org_id, t.day, t.prev_desktop_day
    union all
    select t.org_id, t.day, 'channel', t.source, t.medium, t.campaign, t.prev_day, t.next_click_day, pg_catalog.count(*)
    from (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.changed_channel) as d (day)
          where b.org_id = any (v_orgs) offset 0) as d
    join private.audience_visitor_days as t on t.org_id = d.org_id and t.day = d.day
    group by t.org_id, t.day, t.source, t.medium, t.campaign, t.prev_day, t.next_click_day
    union all
    select c.org_id, c.day, 'combo', c.device_type, c.network_type, '', c.prev_day, null, pg_catalog.count(*)
    from (select b.org_id, d.day from pg_temp.audience_refresh_orgs as b cross join lateral pg_catalog.unnest(b.changed_combo) as d (day)
          where b.org_id = any (v_orgs) offset 0) as d
    join private.audience_visitor_day_combos as c on c.org_id = d.org_id and c.day = d.day
    group by c.org_id, c.day, c.device_type, c.network_type, c.prev_day;

    -- The cumulated-by-gap rows of the four visitor measures (private.audience_day_recency,
    -- migration 1210), from the per-day counts just written: every (organization, measure,
    -- day) whose counts were rewritten above (a day recomputed whole: all four, written with
    -- its counts above; another day: the measures that changed, from the table here); the
    -- row of such a key without counts left is deleted.
    insert into private.audience_day_recency as r (org_id, measure, day, visitors, gaps, returning_visitors)
    select k.org_id, k.measure, k.day, g.visitors, g.gaps, g.returning_visitors
    from (select distinct b.org_id, m.measure, d.day
          from pg_temp.audience_refresh_orgs as b
          cross join lateral (values ('all', b.changed_all), ('checkout', b.changed_checkout),
                                     ('mobile', b.changed_mobile), ('desktop', b.changed_desktop)) as m (measure, days)
          cross join lateral pg_catalog.unnest(m.days) as d (day)
          where b.org_id = any (v_orgs)
          offset 0) as k
    cross join lateral (
      select pg_catalog.sum(x.visitors)::integer as visitors,
             coalesce(pg_catalog.array_agg(x.gap order by x.gap) filter (where x.gap <= 366), '{}') as gaps,
             coalesce(pg_catalog.array_agg(x.returning order by x.gap) filter (where x.gap <= 366), '{}') as returning_visitors
      from (select y.gap, y.visitors,
                   (pg_catalog.sum(y.visitors) over (order by y.gap rows unbounded preceding))::integer as returning
            from (select c.day - c.prev_day as gap, pg_catalog.sum(c.visitors) as visitors
                  from private.audience_day_counts as c
                  where c.org_id = k.org_id and c.measure = k.measure and c.day = k.day
                  group by 1) as y) as x) as g
    where g.visitors is not null
    order by k.org_id, k.measure, k.day
    on conflict on constraint pk_audience_day_recency do update
      set visitors = excluded.visitors, gaps = excluded.gaps, returning_visitors = excluded.returning_visitors;
    delete from private.audience_day_recency as r
    using pg_temp.audience_refresh_orgs as b
    where b.org_id = any (v_orgs) and b.mark is not null and r.org_id = b.org_id
      and r.measure in ('all', 'checkout', 'mobile', 'desktop') and r.day >= b.from_day
      and r.day = any (case when not b.per_visitor then b.days else '{}' end
                       || case r.measure when 'all' then b.changed_all when 'checkout' then b.changed_checkout
                                         when 'mobile' then b.changed_mobile else b.changed_desktop end)
      -- (r.measure is collated "C", the counts' measure is not: compared in the counts'
      -- collation, the index (org_id, measure, day) finds the row; in "C", it read every
      -- row of the organization: 5.4 s for a day of new events at 10M)
      and not exists (select 1 from private.audience_day_counts as c
                      where c.org_id = r.org_id and c.measure = r.measure collate "default" and c.day = r.day);

    -- Sessions. For an organization with a watermark, each visitor with events received
    -- since: their range is their new events and every stored session within 30 minutes of
    -- them, from its first event on. A visitor's sessions are disjoint, so none that began
    -- before the last one beginning before first_at - 30 minutes (lo) ends after it: the
    -- primary key's range from lo is all that is read. An organization without a watermark:
    -- every visitor's events in one range.
    insert into pg_temp.audience_refresh_dirty
    select e.org_id, e.visitor_key, pg_catalog.min(e.occurred_at), pg_catalog.max(e.occurred_at)
    from pg_temp.audience_refresh_orgs as b
    join pg_temp.audience_refresh_received as e on e.org_id = b.org_id and e.received_at >= b.mark
    where b.org_id = any (v_orgs) and b.mark is not null
      and not e.is_bot and e.visitor_key is not null
    group by 1, 2;
    get diagnostics v_dirty = row_count;
    if v_dirty > 1000 then
      analyze pg_temp.audience_refresh_dirty;
    end if;
    with touched as (
      delete from private.audience_sessions as s
      using pg_temp.audience_refresh_dirty as d
      cross join lateral (
        select coalesce((select b.started_at from private.audience_sessions as b
                         where b.org_id = d.org_id and b.visitor_key = d.visitor_key
                           and b.started_at < d.first_at - interval '30 minutes'
                         order by b.started_at desc
                         limit 1), '-infinity') as lo
      ) as l
      where s.org_id = d.org_id and s.visitor_key = d.visitor_key
        and s.started_at >= l.lo
        and s.started_at <= d.last_at + interval '30 minutes'
        and s.ended_at >= d.first_at - interval '30 minutes'
      returning s.org_id, s.visitor_key, s.started_at, s.ended_at, s.day, s.steps
    )
    insert into pg_temp.audience_refresh_touched select * from touched;
    with ranges as (
      select r.org_id, r.visitor_key, pg_catalog.min(r.lo) as lo, pg_catalog.max(r.hi) as hi
      from (select d.org_id, d.visitor_key, d.first_at as lo, d.last_at as hi from pg_temp.audience_refresh_dirty as d
            union all
            select t.org_id, t.visitor_key, t.started_at, t.ended_at from pg_temp.audience_refresh_touched as t) as r
      group by r.org_id, r.visitor_key
    ),
    regions as (
      select r.org_id,
             pg_catalog.array_agg(r.visitor_key order by r.visitor_key) as keys,
             pg_catalog.array_agg(r.lo order by r.visitor_key) as lo,
             pg_catalog.array_agg(r.hi + interval '1 microsecond' order by r.visitor_key) as hi
      from ranges as r
      group by r.org_id
      union all
      select b.org_id, null, array['-infinity'::timestamptz], array['infinity'::timestamptz]
      from pg_temp.audience_refresh_orgs as b
      where b.org_id = any (v_full)
    ),
    inserted as (
      insert into private.audience_sessions (org_id, visitor_key, started_at, ended_at, day, steps, step_at, step_count,
                                             purchase_step, purchased_at)
      select g.org_id, s.visitor_key, s.started_at, s.ended_at, (s.started_at at time zone b.timezone)::date,
             s.steps, s.step_at, s.step_count, s.purchase_step, s.purchased_at
      from regions as g
      join pg_temp.audience_refresh_orgs as b on b.org_id = g.org_id
      cross join lateral private.audience_session_rows(g.org_id, g.keys, g.lo, g.hi) as s
      returning org_id, day, steps
    ),
    prefixes_inserted as (
      insert into private.audience_session_prefixes (org_id, prefix, day, sessions)
      select i.org_id, i.steps[1:k.n], i.day, pg_catalog.count(*)
      from inserted as i
      cross join lateral pg_catalog.generate_series(0, least(9, pg_catalog.cardinality(i.steps))) as k (n)
      where i.org_id = any (v_full)
      group by i.org_id, i.steps[1:k.n], i.day
      order by i.org_id, i.steps[1:k.n], i.day   -- (the primary key's order)
    ),
    -- Of the others: the prefix counts move by the sessions written (+1 for each of their
    -- prefixes) and the sessions they replace (-1); counts left at 0 are deleted below.
    prefixes_moved as (
      insert into private.audience_session_prefixes as p (org_id, prefix, day, sessions)
      select x.org_id, x.prefix, x.day, pg_catalog.sum(x.n)::integer
      from (select i.org_id, i.steps[1:k.n] as prefix, i.day, 1 as n
            from inserted as i
            cross join lateral pg_catalog.generate_series(0, least(9, pg_catalog.cardinality(i.steps))) as k (n)
            where i.org_id <> all (v_full)
            union all
            select t.org_id, t.steps[1:k.n], t.day, -1
            from pg_temp.audience_refresh_touched as t
            cross join lateral pg_catalog.generate_series(0, least(9, pg_catalog.cardinality(t.steps))) as k (n)) as x
      group by x.org_id, x.prefix, x.day
      having pg_catalog.sum(x.n) <> 0
      order by x.org_id, x.prefix, x.day
      on conflict on constraint pk_audience_session_prefixes do update set sessions = p.sessions + excluded.sessions
    )
    update pg_temp.audience_refresh_orgs as b
    set sessions = x.sessions
    from (select i.org_id, pg_catalog.count(*)::integer as sessions from inserted as i group by i.org_id) as x
    where b.org_id = x.org_id;

    -- Prefix counts that the replaced sessions brought to 0 (only their days can have one).
    delete from private.audience_session_prefixes as p
    using (select distinct t.org_id, t.day from pg_temp.audience_refresh_touched as t offset 0) as d
    where p.org_id = d.org_id and p.day = d.day and p.sessions = 0;

    insert into private.audience_rollup_watermarks as w (org_id, events_received, refreshed_at)
    select b.org_id, v_upper, pg_catalog.clock_timestamp()
    from pg_temp.audience_refresh_orgs as b
    where b.org_id = any (v_orgs)
    on conflict on constraint pk_audience_rollup_watermarks do update
      set events_received = greatest(w.events_received, excluded.events_received),
          refreshed_at = excluded.refreshed_at;

    insert into pg_temp.audience_refresh_result (org_id, days, visitors, sessions, watermark)
    select b.org_id, pg_catalog.cardinality(b.days),
           coalesce(f.visitors,
                    (select pg_catalog.count(*) from pg_temp.audience_refresh_keys as k where k.org_id = b.org_id))::integer,
           coalesce(b.sessions, 0), greatest(v_upper, b.mark)
    from pg_temp.audience_refresh_orgs as b
    -- (an organization built in full: the visitors of its new rows, counted in one pass)
    left join (select r.org_id, pg_catalog.count(distinct r.visitor_key) as visitors
               from pg_temp.audience_refresh_rows as r
               where r.org_id = any (v_full)
               group by r.org_id) as f on f.org_id = b.org_id
    where b.org_id = any (v_orgs)
      and (pg_catalog.cardinality(b.days) > 0 or b.sessions > 0);
  end loop;

  return query
  select r.org_id, r.days, r.visitors, r.sessions, r.watermark
  from pg_temp.audience_refresh_result as r
  order by r.org_id;
end;
$$;
revoke execute on function private.refresh_audience_rollups(uuid) from public, anon, authenticated;
comment on function private.refresh_audience_rollups(uuid) is
  'Audience rollups (private.audience_*): incremental by received_at watermark (the local days of events received since, and the next day; sessions near those events), organizations without a watermark in full. One row per organization changed: days, visitors, sessions written, watermark. Run by private.run_refresh.';
