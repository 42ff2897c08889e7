-- requires: functions/analytics/keyed_event_array.sql
-- analytics.org_daily_visitors rows (one per local day and visitor) of one organization
-- from its keyed events of a range of local days (p_events): the visitor's first
-- source, country and device of the day (first event, by time then id, that carried
-- one; source '(direct)' when none did) and its event count.
-- Internal helper: owner only.
create or replace function analytics.compute_org_daily_visitors(p_org_id uuid, p_events analytics.keyed_event[])
returns table (org_id uuid, day date, visitor_key uuid, source text, country char(2), device_type text, events integer)
language sql
stable
as $$
  select p_org_id, e.day, e.visitor_key,
         coalesce((pg_catalog.array_agg(e.source order by e.occurred_at, e.id) filter (where e.source is not null))[1],
                  '(direct)'),
         (pg_catalog.array_agg(e.country order by e.occurred_at, e.id) filter (where e.country is not null))[1],
         (pg_catalog.array_agg(e.device_type order by e.occurred_at, e.id) filter (where e.device_type is not null))[1],
         pg_catalog.count(*)::integer
  from pg_catalog.unnest(p_events) as e
  where e.visitor_key is not null
  group by e.day, e.visitor_key
$$;
revoke execute on function analytics.compute_org_daily_visitors(uuid, analytics.keyed_event[]) from public, anon, authenticated;
comment on function analytics.compute_org_daily_visitors(uuid, analytics.keyed_event[]) is
  'analytics.org_daily_visitors rows of an organization from its keyed events of a range of local days. Internal helper (owner only).';
