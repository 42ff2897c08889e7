-- requires: functions/analytics/share_list.sql
-- requires: functions/analytics/compute_org_daily_breakdowns.sql
-- requires: functions/private/create_rollup_reader.sql
-- The mashup dashboard's fields for local days [p_from, p_to) of one organization, from
-- the rollup analytics.org_daily_breakdowns (exact: its reader private.org_daily_breakdowns_rows), as jsonb:
--   { "exports":      {"total", "by_platform": [{"platform", "exports", "percentage"}],
--                               "by_format":   [{"format", "exports", "percentage"}]},
--     "ai_reactions": {"total", "by_reaction": [{"reaction", "reactions", "percentage"}]},
--     "upgrades":     {"total", "by_tier": [{"tier", "upgrades", "conversion_rate_pct"}],
--                      "by_path": [{"from_tier", "to_tier", "upgrades"}]},
--     "peak_play_times": {"hours": [{"hour", "plays"}], "slots": [{"weekday", "hour", "plays"}]} }
-- Definitions: lists sorted by count then label; percentages as the dashboard's breakdowns
-- (analytics.share_list: one decimal, adding up to exactly 100.0, beyond 10 entries the
-- rest merged into '(other)'). by_tier: upgrades by the tier reached (to_tier), with
-- conversion_rate_pct = upgrades to that tier / p_visitors x 100, two decimals (NULL when
-- p_visitors is 0; the dashboard passes its distinct visitors of the period). by_path:
-- every (from, to) pair. peak_play_times: play events by local hour of the day (hours:
-- the 3 busiest, ties to the earlier hour) and by (ISO weekday 1 = Monday, hour) (slots:
-- the 3 busiest, ties to the earlier weekday and hour).
-- Internal helper of public.get_dashboard, which checks membership first; owner only.
create or replace function analytics.mashup_dashboard(p_org_id uuid, p_from date, p_to date, p_visitors bigint)
returns jsonb
language sql
stable
set search_path = ''
as $$
  with b as materialized (
    select r.metric, r.label, r.day, r.events
    from private.org_daily_breakdowns_rows(p_org_id, p_from, p_to) as r
  ),
  sums as (
    select b.metric, b.label, pg_catalog.sum(b.events)::bigint as n from b group by b.metric, b.label
  ),
  lists as (
    select s.metric, pg_catalog.sum(s.n)::bigint as total,
           analytics.share_list(pg_catalog.array_agg(s.label), pg_catalog.array_agg(s.n), 'label') as shares
    from sums as s
    where s.metric in ('export_platform', 'export_format', 'ai_reaction')
    group by s.metric
  ),
  renamed as (
    select l.metric, l.total,
           (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                      case l.metric when 'export_platform' then 'platform' when 'export_format' then 'format' else 'reaction' end, x -> 'label',
                      case l.metric when 'ai_reaction' then 'reactions' else 'exports' end, x -> 'visitors',
                      'percentage', x -> 'percentage') order by o), '[]'::jsonb)
              from pg_catalog.jsonb_array_elements(l.shares) with ordinality as a (x, o)) as items
    from lists as l
  ),
  hours as (
    select (b.label)::integer as hour, pg_catalog.sum(b.events)::bigint as plays,
           extract(isodow from b.day)::integer as weekday
    from b where b.metric = 'play_hour'
    group by b.label, b.day
  )
  select pg_catalog.jsonb_build_object(
    'exports', pg_catalog.jsonb_build_object(
       'total', coalesce((select r.total from renamed as r where r.metric = 'export_platform'), 0),
       'by_platform', coalesce((select r.items from renamed as r where r.metric = 'export_platform'), '[]'::jsonb),
       'by_format', coalesce((select r.items from renamed as r where r.metric = 'export_format'), '[]'::jsonb)),
    'ai_reactions', pg_catalog.jsonb_build_object(
       'total', coalesce((select r.total from renamed as r where r.metric = 'ai_reaction'), 0),
       'by_reaction', coalesce((select r.items from renamed as r where r.metric = 'ai_reaction'), '[]'::jsonb)),
    'upgrades', pg_catalog.jsonb_build_object(
       'total', coalesce((select pg_catalog.sum(s.n) from sums as s where s.metric = 'upgrade_to'), 0),
       'by_tier', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                           'tier', s.label, 'upgrades', s.n,
                           'conversion_rate_pct', case when p_visitors > 0 then pg_catalog.round(100.0 * s.n / p_visitors, 2) end)
                         order by s.n desc, s.label), '[]'::jsonb)
                   from sums as s where s.metric = 'upgrade_to'),
       'by_path', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                           'from_tier', pg_catalog.split_part(s.label, '>', 1), 'to_tier', pg_catalog.split_part(s.label, '>', 2),
                           'upgrades', s.n)
                         order by s.n desc, s.label), '[]'::jsonb)
                   from sums as s where s.metric = 'upgrade_path')),
    'peak_play_times', pg_catalog.jsonb_build_object(
       'hours', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('hour', x.hour, 'plays', x.plays)
                                                      order by x.plays desc, x.hour), '[]'::jsonb)
                 from (select h.hour, pg_catalog.sum(h.plays)::bigint as plays from hours as h
                       group by h.hour order by 2 desc, 1 limit 3) as x),
       'slots', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('weekday', x.weekday, 'hour', x.hour, 'plays', x.plays)
                                                      order by x.plays desc, x.weekday, x.hour), '[]'::jsonb)
                 from (select h.weekday, h.hour, pg_catalog.sum(h.plays)::bigint as plays from hours as h
                       group by h.weekday, h.hour order by 3 desc, 1, 2 limit 3) as x)))
$$;
revoke execute on function analytics.mashup_dashboard(uuid, date, date, bigint) from public, anon, authenticated;
comment on function analytics.mashup_dashboard(uuid, date, date, bigint) is
  'Mashup dashboard fields of an organization for local days [p_from, p_to): exports by platform / format, AI reactions by kind, upgrades by tier (conversion rate against p_visitors) and path, peak play hours and weekday-hour slots. Internal helper of public.get_dashboard (owner only).';
