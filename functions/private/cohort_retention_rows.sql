-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/pseudonymize_visitor.sql
-- requires: functions/analytics/compute_visitor_daily_counts.sql
-- requires: functions/analytics/received_days.sql
-- Weekly retention cohorts of some organizations now (the transaction's now()), over the
-- p_weeks weeks ending with the current week (weeks start on Monday, in each
-- organization's time zone). A visitor (audience.visitor_key of the raw events) belongs
-- to the cohort of the week of their first non-bot event ever (a visitor active before
-- the first of those weeks belongs to no cohort here); retained in week offset k = active
-- (any non-bot event before now()) in cohort week + k. Every offset from 0 to the current
-- week is returned (retained 0 when nobody came back). p_weeks: 1 to 52 (the weeks of the
-- window are the bits of a bigint; callers pass at most 52).
-- Where it reads which visitor was active in which week (the same visitors and weeks as
-- the raw events, so the numbers are those of a scan of analytics.events):
--   * the local days from the first one wholly after the last retention cutoff
--     (analytics.retention_state.last_cutoff; all days when retention never ran) up to
--     yesterday: the rollup analytics.visitor_daily_counts through its exact reader
--     private.visitor_daily_counts_rows (stored rows plus what was received since its
--     watermark), one row per visitor-day, keyed by the visitor's keyed hash (the nil key,
--     events without any visitor, left out). Its days hold no anonymized event (retention
--     pseudonymizes only events before the cutoff);
--   * the raw events before that day: those left after retention, where an anonymized
--     visitor 'anon:<key>' is a visitor of its own, as in the raw events (never merged
--     with the visitor's later, non-anonymized events), and every other visitor is keyed
--     by its keyed hash (private.pseudonymize_visitor), the rollup's key;
--   * today's raw events before now() (the rollup's row of today would also count events
--     dated later today).
-- One pass over those rows for all the organizations: each visitor's first week and the
-- weeks of the window as a bitmask, counted by (first week, bitmask).
-- Source of private.mv_cohort_retention (52 weeks) and of public.get_audience_cohorts
-- when the view cannot answer. Internal helper; SQL; owner only (it reads the
-- pseudonymization key).
create or replace function private.cohort_retention_rows(p_org_ids uuid[], p_weeks integer)
returns table (
  org_id            uuid,
  cohort_week       date,
  week_offset       integer,
  cohort_size       bigint,
  retained_visitors bigint
)
language sql
stable
-- The visitors of every organization are grouped in memory (at 1M events a sort spilled
-- to disk with the default work_mem), by hashing: the planner estimates a few thousand rows
-- where the function scans and laterals return millions, and sorted them by visitor (at 10M
-- events, 3.5M visitor-weeks into 1.06M visitors: 6.8-7.1 s with the sorts, 5.0-5.1 s
-- hashed, the same rows).
set work_mem = '256MB'
set enable_sort = off
set jit = off
as $$
  with received as materialized (
    -- The organizations with days that events received since the rollup's watermark
    -- touch (one scan of the recent events; none when nothing was received): the others'
    -- stored rows are their reader's rows.
    select pg_catalog.array_agg(distinct d.org_id) as org_ids
    from private.rollups as r
    cross join lateral analytics.received_days(null, r.watermark, 'infinity') as d
    where r.name = 'analytics.visitor_daily_counts'
  ),
  bounds as materialized (
    select o.id as org_id, o.timezone, w.today, w.current_week,
           w.current_week - 7 * (p_weeks - 1) as first_week,
           least(coalesce((s.last_cutoff at time zone o.timezone)::date + 1, '-infinity'::date), w.today) as recent_from,
           coalesce(o.id = any (r.org_ids), false) as received
    from app.organizations as o
    cross join received as r
    cross join lateral (select (pg_catalog.now() at time zone o.timezone)::date as today,
                               pg_catalog.date_trunc('week', pg_catalog.now() at time zone o.timezone)::date as current_week) as w
    left join analytics.retention_state as s on s.id = 1
    where o.id = any (p_org_ids)
  ),
  -- Each visitor once: the first week they were active and, as bits 0 .. p_weeks - 1, the
  -- weeks of the window they were active in. A visitor is (organization, key, anonymized):
  -- the rollup's keyed hash, or the key inside an anonymized 'anon:<key>' of the raw events.
  visitors as (
    select x.org_id, pg_catalog.min(x.week) as cohort_week,
           pg_catalog.bit_or(1::bigint << ((x.week - x.first_week) / 7)) filter (where x.week >= x.first_week) as weeks
    from (
      -- The raw events before recent_from, and today's before now() (one primary-key range
      -- per organization: offset 0 keeps them subqueries), one row per visitor and week.
      select y.org_id, y.first_week,
             case when y.anonymized then pg_catalog.substr(y.ident, 6)::uuid
                  else private.pseudonymize_visitor(k.inner_pad, k.outer_pad, y.org_id, y.ident) end,
             y.anonymized, y.week
      from (select z.org_id, z.first_week, z.ident, z.week,
                   pg_catalog.left(z.ident, 5) = 'anon:'
                   and z.ident ~ '^anon:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' as anonymized
            from (select b.org_id, b.first_week, audience.visitor_key(e.visitor_id, e.user_id) as ident,
                         pg_catalog.date_trunc('week', e.occurred_at at time zone b.timezone)::date as week
                  from bounds as b
                  cross join lateral (
                    select e.visitor_id, e.user_id, e.occurred_at
                    from analytics.events as e
                    where e.org_id = b.org_id
                      and e.occurred_at < (b.recent_from::timestamp at time zone b.timezone)
                      and not e.is_bot
                      and (e.visitor_id is not null or e.user_id is not null)
                    offset 0) as e
                  union all
                  select b.org_id, b.first_week, audience.visitor_key(e.visitor_id, e.user_id), b.current_week
                  from bounds as b
                  cross join lateral (
                    select e.visitor_id, e.user_id
                    from analytics.events as e
                    where e.org_id = b.org_id
                      and e.occurred_at >= (b.today::timestamp at time zone b.timezone)
                      and e.occurred_at < pg_catalog.now()
                      and not e.is_bot
                      and (e.visitor_id is not null or e.user_id is not null)
                    offset 0) as e) as z
            group by 1, 2, 3, 4) as y
      cross join private.pseudonymization_key as k
      where k.id = 1
      union all
      -- The rollup's visitor-days from recent_from to yesterday (the nil key: events
      -- without any visitor): its reader for an organization with days touched since the
      -- watermark; else the stored rows are the reader's rows (its compute function
      -- recomputes only the days analytics.received_days returns), read from the primary
      -- key alone. The Monday of a day: 1900-01-01 was one.
      select b.org_id, b.first_week, v.visitor_key, false, v.day - ((v.day - date '1900-01-01') % 7 + 7) % 7
      from bounds as b
      cross join lateral private.visitor_daily_counts_rows(b.org_id, b.recent_from, b.today) as v
      where b.received
        and v.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid
      union all
      select t.org_id, b.first_week, t.visitor_key, false, t.day - ((t.day - date '1900-01-01') % 7 + 7) % 7
      from bounds as b
      join analytics.visitor_daily_counts as t
        on t.org_id = b.org_id and t.day >= b.recent_from and t.day < b.today
      where not b.received
        and t.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid
    ) as x (org_id, first_week, visitor_key, anonymized, week)
    group by x.org_id, x.visitor_key, x.anonymized, x.first_week
    having pg_catalog.min(x.week) >= x.first_week
  ),
  -- Visitors with the same first week and weeks counted together (few patterns).
  patterns as (
    select v.org_id, v.cohort_week, v.weeks, pg_catalog.count(*) as visitors
    from visitors as v
    group by 1, 2, 3
  ),
  retained as materialized (
    select p.org_id, p.cohort_week, w.i - (p.cohort_week - b.first_week) / 7 as week_offset,
           pg_catalog.sum(p.visitors)::bigint as retained_visitors
    from patterns as p
    join bounds as b on b.org_id = p.org_id
    -- Only the bits from the cohort's week to the current week can be set (a visitor's
    -- weeks start with their first; no event is read after now()).
    cross join lateral pg_catalog.generate_series((p.cohort_week - b.first_week) / 7, (b.current_week - b.first_week) / 7) as w (i)
    where p.weeks & (1::bigint << w.i) <> 0
    group by 1, 2, 3
  )
  -- Every member is active in their cohort week: offset 0 is the cohort's size. Every
  -- offset up to the current week.
  select s.org_id, s.cohort_week, w.week_offset, s.retained_visitors, coalesce(t.retained_visitors, 0)
  from retained as s
  join bounds as b on b.org_id = s.org_id
  cross join lateral pg_catalog.generate_series(0, (b.current_week - s.cohort_week) / 7) as w (week_offset)
  left join retained as t on t.org_id = s.org_id and t.cohort_week = s.cohort_week and t.week_offset = w.week_offset
  where s.week_offset = 0
$$;
revoke execute on function private.cohort_retention_rows(uuid[], integer) from public, anon, authenticated;
comment on function private.cohort_retention_rows(uuid[], integer) is
  'Weekly cohorts (first non-bot event ever, weeks from Monday in the organization''s time zone) x week offset now, over p_weeks weeks: cohort size and retained visitors. The visitor-days after the last retention cutoff from the rollup analytics.visitor_daily_counts (exact reader), the older raw events and today''s from analytics.events. Source of private.mv_cohort_retention. Internal helper (owner only).';
