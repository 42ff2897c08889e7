-- 1210: private.audience_day_recency, the per-day counts of the audience overview's four
-- visitor measures (all, checkout, mobile, desktop) in the cumulated-by-gap shape of
-- migration 0920 (issue 11: get_audience_kpis, refreshed, 25 ms p95 at 10M events against
-- a 20 ms target).
-- A period's distinct visitors of a measure are the visitor-days of its days whose previous
-- day of that measure is before the period (private.audience_day_counts: one row per day,
-- measure and previous day; a visitor-day counts when prev_day < from or NULL). The KPI
-- cards read three periods (current, previous, trailing 90 days): for the largest
-- organization of the 10M seed 45,204 rows of audience_day_counts, most of the call. Here a
-- day and measure is one row, so a period reads one row per day and measure:
--   first-in-period visitors of day d = visitors - returning_visitors[width_bucket(d - from, gaps)]
-- (gaps: the distinct gaps d - prev_day of the day's rows, ascending, at most 366, the
-- longest period private.assert_period allows; returning_visitors[i]: the rows whose gap is
-- at most gaps[i]; no entry, i.e. 0, when d - from is below the smallest gap).
-- Derived from private.audience_day_counts by private.refresh_audience_rollups, which
-- rewrites an (organization, measure, day)'s row whenever it rewrites that day's counts of
-- the measure (the same unit, in the same transaction). Aggregates without identifiers:
-- retention and erasure keep their numbers, as those of audience_day_counts.
-- The backfill below reads audience_day_counts once (5.1M rows of these measures at 10M
-- events: a new table filled by one statement; ingestion writes analytics.events and is
-- never blocked; `refresh` holds the migrate lock shared, so no refresh changes the counts
-- while this runs).

create table private.audience_day_recency (
  org_id             uuid      not null,
  measure            text      collate "C" not null,
  day                date      not null,
  visitors           integer   not null,
  gaps               integer[] not null,
  returning_visitors integer[] not null,
  constraint pk_audience_day_recency primary key (org_id, measure, day),
  constraint check_audience_day_recency_measure check (measure in ('all', 'checkout', 'mobile', 'desktop')),
  constraint check_audience_day_recency_arrays
    check (pg_catalog.cardinality(gaps) = pg_catalog.cardinality(returning_visitors))
);
comment on table private.audience_day_recency is
  'Per organization, measure (all, checkout, mobile, desktop) and local day: the day''s visitor rows of that measure (private.audience_day_counts summed) and how recently each visitor had a previous day of the measure, cumulated by gap (migration 1210), so that the distinct visitors of any period [from, to) are the sum over its days of visitors - returning_visitors[width_bucket(day - from, gaps)]. Derived from audience_day_counts by private.refresh_audience_rollups. Not readable by API roles.';
comment on column private.audience_day_recency.gaps is
  'The distinct gaps (day minus the visitor''s previous day of the measure, 1..366) of the day''s rows, ascending.';
comment on column private.audience_day_recency.returning_visitors is
  'returning_visitors[i]: the day''s visitor rows whose gap is at most gaps[i] (not first in a period starting gaps[i] days or fewer before the day).';

alter table private.audience_day_recency enable row level security;
create policy all_service_role on private.audience_day_recency
  for all to service_role using (true) with check (true);
comment on policy all_service_role on private.audience_day_recency is 'Read only through RPCs and by service_role.';
revoke all on table private.audience_day_recency from public, anon, authenticated;

insert into private.audience_day_recency (org_id, measure, day, visitors, gaps, returning_visitors)
select c.org_id, c.measure, c.day, pg_catalog.sum(c.visitors)::integer,
       coalesce(pg_catalog.array_agg(c.gap order by c.gap) filter (where c.gap <= 366), '{}'),
       coalesce(pg_catalog.array_agg(c.returning order by c.gap) filter (where c.gap <= 366), '{}')
from (select g.org_id, g.measure, g.day, g.gap, g.visitors,
             (pg_catalog.sum(g.visitors) over (partition by g.org_id, g.measure, g.day order by g.gap
                                               rows between unbounded preceding and current row))::integer as returning
      from (select c.org_id, c.measure, c.day, c.day - c.prev_day as gap, pg_catalog.sum(c.visitors) as visitors
            from private.audience_day_counts as c
            where c.measure in ('all', 'checkout', 'mobile', 'desktop')
            group by 1, 2, 3, 4) as g) as c
group by c.org_id, c.measure, c.day
order by c.org_id, c.measure, c.day;
