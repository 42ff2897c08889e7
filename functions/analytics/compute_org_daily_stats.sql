-- requires: functions/analytics/received_days.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/org_day_counts.sql
-- Compute function of the rollup analytics.org_daily_stats (migration 0030 states the
-- columns), a rollup of the rollup analytics.visitor_daily_counts: the row of every
-- (organization, local day) touched by non-bot events received in [p_after, p_upto),
-- summed from that day's visitor rows (analytics.org_day_counts): counts by event type,
-- visitors = the day's visitor rows other than the nil key (events without a visitor),
-- sessions = the distinct session ids of all of them.
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_org_daily_stats(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.org_daily_stats
language sql
stable
as $$
  with v as materialized (
    select c.* from analytics.org_day_counts(p_org_id, p_after, p_upto) as c
  ),
  sessions as (
    select v.org_id, v.day, pg_catalog.count(distinct s.session_id) as sessions
    from v cross join lateral pg_catalog.unnest(v.sessions) as s (session_id)
    group by v.org_id, v.day
  )
  select v.org_id, v.day,
         pg_catalog.sum(v.events)::bigint, pg_catalog.sum(v.page_views)::bigint, pg_catalog.sum(v.profile_views)::bigint,
         pg_catalog.sum(v.plays)::bigint, pg_catalog.sum(v.likes)::bigint, pg_catalog.sum(v.shares)::bigint,
         pg_catalog.sum(v.comments)::bigint, pg_catalog.sum(v.downloads)::bigint, pg_catalog.sum(v.follows)::bigint,
         pg_catalog.sum(v.impressions)::bigint, pg_catalog.sum(v.link_clicks)::bigint, pg_catalog.sum(v.ticket_clicks)::bigint,
         pg_catalog.sum(v.purchases)::bigint, pg_catalog.sum(v.tips)::bigint, pg_catalog.sum(v.subscribes)::bigint,
         pg_catalog.sum(v.searches)::bigint,
         pg_catalog.count(*) filter (where v.visitor_key <> '00000000-0000-0000-0000-000000000000'::uuid),
         coalesce(pg_catalog.max(s.sessions), 0)
  from v
  left join sessions as s on s.org_id = v.org_id and s.day = v.day
  group by v.org_id, v.day
$$;
revoke execute on function analytics.compute_org_daily_stats(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_org_daily_stats(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.org_daily_stats (a rollup of analytics.visitor_daily_counts): the touched organization-days. Internal (owner only).';

select private.register_rollup(
  'analytics.org_daily_stats', 'analytics.events', 'analytics.org_daily_stats', 'analytics.compute_org_daily_stats',
  array['org_id', 'day'], 'day', array['analytics.visitor_daily_counts'],
  'Per organization and local day: non-bot events by type, visitors and sessions of the day (migration 0030); from analytics.visitor_daily_counts.',
  p_shared_source => 'analytics.received_days');
