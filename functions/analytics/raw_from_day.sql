-- The first local day of an organization that the dashboard RPCs read from raw events
-- rather than from the rollups: the day of its aggregation watermark (partly
-- aggregated) or the current local day, whichever comes first; '-infinity' when the
-- organization has never been aggregated (everything raw); but never a day that starts
-- before the retention horizon (analytics.retention_state.raw_events_from), whose raw
-- events were dropped. Days before it are whole past days already rolled up.
-- Internal helper of the dashboard RPCs: owner only.
create or replace function analytics.raw_from_day(p_org_id uuid)
returns date
language sql
stable
as $$
  select greatest(case when w.events_received is null then '-infinity'::date
                       else least((pg_catalog.now() at time zone o.timezone)::date,
                                  (w.events_received at time zone o.timezone)::date) end,
                  -- Days starting before the retention horizon have no (complete) raw
                  -- events any more: always their rollups.
                  case when r.raw_events_from is null then '-infinity'::date
                       else (r.raw_events_from at time zone o.timezone)::date
                            + case when (r.raw_events_from at time zone o.timezone)::time > '00:00' then 1 else 0 end
                  end)
  from app.organizations as o
  left join analytics.aggregation_watermarks as w on w.org_id = o.id
  left join analytics.retention_state as r on r.id = 1
  where o.id = p_org_id
$$;
revoke execute on function analytics.raw_from_day(uuid) from public, anon, authenticated;
comment on function analytics.raw_from_day(uuid) is
  'First local day the dashboard RPCs read from raw events (current day, or the watermark''s day if earlier; -infinity if never aggregated). Internal helper (owner only).';
