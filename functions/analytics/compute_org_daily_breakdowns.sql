-- requires: functions/analytics/received_day_types.sql
-- requires: functions/analytics/received_any.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/analytics/touched_days.sql
-- requires: functions/analytics/tier_label.sql
-- Compute function of the rollup analytics.org_daily_breakdowns (migration 0554): the
-- complete rows of every (organization, local day) touched by play, mashup_exported,
-- ai_reaction or subscription_upgraded events received in [p_after, p_upto), recomputed
-- from all those events of the day. Labels: lower-cased, trimmed text of the property;
-- '(unknown)' when missing, not a string or blank; '(other)' beyond 40 characters; tiers
-- must be app.subscription_tier names (else '(unknown)').
-- Internal: the engine (private.apply_rollup, private.rollup_rows); owner only.
create or replace function analytics.compute_org_daily_breakdowns(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof analytics.org_daily_breakdowns
language plpgsql
stable
set search_path = ''
as $$
begin
  if not analytics.received_any(p_org_id, p_after, p_upto) then
    return;   -- nothing new: no query over the partitioned log to plan (a reader's common case)
  end if;
  return query
  with ev as (
    select t.org_id, (e.occurred_at at time zone t.timezone)::date as day, e.event_type,
           (e.occurred_at at time zone t.timezone) as local_ts,
           e.platform, e.properties
    from analytics.touched_days(p_org_id, p_after, p_upto,
                                array['play', 'mashup_exported', 'ai_reaction', 'subscription_upgraded']) as t
    join analytics.events as e
      on e.org_id = t.org_id and e.occurred_at >= t.from_ts and e.occurred_at < t.to_ts
    where e.event_type in ('play', 'mashup_exported', 'ai_reaction', 'subscription_upgraded')
      and not e.is_bot
  ),
  labelled as (
    select ev.org_id, ev.day, m.metric, m.raw
    from ev
    cross join lateral (values
      ('play_hour', case when ev.event_type = 'play' then pg_catalog.to_char(ev.local_ts, 'HH24') end, ev.event_type = 'play'),
      ('export_platform', ev.platform::text, ev.event_type = 'mashup_exported'),
      ('export_format', case when pg_catalog.jsonb_typeof(ev.properties -> 'format') = 'string' then ev.properties ->> 'format' end,
       ev.event_type = 'mashup_exported'),
      ('ai_reaction', case when pg_catalog.jsonb_typeof(ev.properties -> 'reaction') = 'string' then ev.properties ->> 'reaction' end,
       ev.event_type = 'ai_reaction'),
      ('upgrade_from', analytics.tier_label(ev.properties -> 'from_tier'), ev.event_type = 'subscription_upgraded'),
      ('upgrade_to', analytics.tier_label(ev.properties -> 'to_tier'), ev.event_type = 'subscription_upgraded'),
      ('upgrade_path', analytics.tier_label(ev.properties -> 'from_tier') || '>' || analytics.tier_label(ev.properties -> 'to_tier'),
       ev.event_type = 'subscription_upgraded')
    ) as m (metric, raw, applies)
    where m.applies
  )
  select l.org_id, l.day, l.metric,
         case when l.raw is null or pg_catalog.btrim(l.raw) = '' then '(unknown)'
              when pg_catalog.char_length(pg_catalog.btrim(l.raw)) > 40 then '(other)'
              else pg_catalog.lower(pg_catalog.btrim(l.raw)) end as label,
         pg_catalog.count(*)
  from labelled as l
  group by 1, 2, 3, 4;
end;
$$;
revoke execute on function analytics.compute_org_daily_breakdowns(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function analytics.compute_org_daily_breakdowns(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup analytics.org_daily_breakdowns: complete rows of the organization-days touched by play / mashup_exported / ai_reaction / subscription_upgraded events received in [p_after, p_upto). Internal (owner only).';

-- Registered with the rollup engine here, beside its compute function (a migration cannot
-- call private.register_rollup: repeatable files are applied after the versioned ones).
select private.register_rollup(
  'analytics.org_daily_breakdowns', 'analytics.events', 'analytics.org_daily_breakdowns', 'analytics.compute_org_daily_breakdowns',
  array['org_id', 'day', 'metric', 'label'], 'day', '{}',
  'Mashup dashboard breakdowns per organization and local day: plays per hour, exports by platform and format, AI reactions, subscription upgrades by tier.',
  p_shared_source => 'analytics.received_day_types');
