-- The per-bucket event aggregates of an organization that insights.metric_snapshot and
-- insights.detect_candidates read (rows and definitions: insights.event_aggregates_raw).
-- Returns the result stored by insights.refresh_aggregates (a step of `audiencectl refresh`) when insights.stored_aggregates_current proves it equal to a
-- fresh computation (same bucket boundaries, no late event since, ...); otherwise computes
-- it from the raw events. Definer (it reads schema private); called by those definer
-- functions after their membership check; granted to service_role only.
--
-- Performance (largest `seed scale` organization, ~330k events in the 60 days read, default
-- period): stored ~a few ms (validity check: a BRIN range of recently received events),
-- raw ~1.8 s.
create or replace function insights.event_aggregates(
  p_org_id           uuid,
  p_comparison_start timestamptz,
  p_period_start     timestamptz,
  p_period_end       timestamptz,
  p_timezone         text,
  p_window_start     timestamptz,
  p_window_mid       timestamptz)
returns table (dim text, key1 text, key2 text, release_id uuid, weekday integer, hour integer,
               events_1 bigint, events_2 bigint, events_3 bigint, events_4 bigint,
               clicks_1 bigint, clicks_2 bigint, clicks_3 bigint, clicks_4 bigint,
               visitors_1 bigint, visitors_2 bigint, visitors_3 bigint, visitors_4 bigint,
               visitors_now bigint, visitors_before bigint,
               engaged_1 bigint, engaged_2 bigint, engaged_3 bigint, engaged_4 bigint,
               engaged_now bigint, engaged_before bigint,
               high_now bigint, high_before bigint, medium_now bigint, medium_before bigint, located_now bigint,
               recent_1 bigint, recent_2 bigint, recent_3 bigint, recent_4 bigint)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
begin
  -- The same bucket boundaries as insights.event_aggregates_raw computes.
  if insights.stored_aggregates_current(
       p_org_id, p_comparison_start, p_comparison_start + (p_period_start - p_comparison_start) / 2,
       p_period_start, p_period_start + (p_period_end - p_period_start) / 2, p_period_end, p_timezone,
       p_window_start, p_window_start + (p_window_mid - p_window_start) / 2,
       p_window_mid, p_window_mid + (p_period_end - p_window_mid) / 2) then
    return query
    select r.dim, r.key1, r.key2, r.release_id, r.weekday, r.hour,
           r.events_1, r.events_2, r.events_3, r.events_4, r.clicks_1, r.clicks_2, r.clicks_3, r.clicks_4,
           r.visitors_1, r.visitors_2, r.visitors_3, r.visitors_4, r.visitors_now, r.visitors_before,
           r.engaged_1, r.engaged_2, r.engaged_3, r.engaged_4, r.engaged_now, r.engaged_before,
           r.high_now, r.high_before, r.medium_now, r.medium_before, r.located_now,
           r.recent_1, r.recent_2, r.recent_3, r.recent_4
    from private.insight_aggregate_rows as r
    where r.org_id = p_org_id;
    return;
  end if;
  return query
  select * from insights.event_aggregates_raw(p_org_id, p_comparison_start, p_period_start, p_period_end,
                                              p_timezone, p_window_start, p_window_mid);
end;
$$;
revoke execute on function insights.event_aggregates(uuid, timestamptz, timestamptz, timestamptz, text, timestamptz, timestamptz)
  from public, anon, authenticated;
grant execute on function insights.event_aggregates(uuid, timestamptz, timestamptz, timestamptz, text, timestamptz, timestamptz)
  to service_role;
comment on function insights.event_aggregates(uuid, timestamptz, timestamptz, timestamptz, text, timestamptz, timestamptz) is
  'Internal: an organization''s non-bot events over the comparison and analysed periods reduced to per-bucket counts (see insights.event_aggregates_raw); the stored result of insights.refresh_aggregates when provably current, else computed from raw events. Service_role only.';
