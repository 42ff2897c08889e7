-- requires: functions/insights/platform_label.sql
-- The facts of an insight candidate: every value of its data_snapshot with an id, and the
-- ratios, differences and percent changes a phrasing may want, precomputed, so that a
-- language model never does arithmetic. An LLM writes `{id}` placeholders (or numbers equal
-- to a fact after its rounding); audiencectl renders and checks the text against exactly
-- these facts. Pure; callable by anyone signed in.
--
-- Result: a JSON array of {"id", "value", "unit", "decimals", "measures"}, ordered by id.
--   id        the snapshot key, or a derived name (below)
--   value     a JSON number, or a string for text facts (unit "text")
--   unit      count | percent | percentage_points | ratio | days | hour | amount | text
--             (from the key: *_pct percent, *_pts percentage_points, ratio / *_ratio ratio,
--             *days* days, *hour* hour, amount / *_amount amount (in the candidate's
--             currency), a string text, anything else count)
--   decimals  the documented rounding: decimals the value is given with (a number written
--             in text may be this or coarser, never finer)
--   measures  what the value is, in words
-- Derived facts, for every numeric key K whose snapshot also has previous_K (K not a
-- percentage): K_change = |K - previous_K| (same unit), and when previous_K > 0,
-- K_ratio = K / previous_K (1 decimal) and K_change_pct = |K - previous_K| x 100 /
-- previous_K (whole percent); for a percentage K: K_change_pts = |K - previous_K|.
-- For a text key ending in "platform": K_label = insights.platform_label(value).
-- Booleans and nulls are not facts.
create or replace function insights.candidate_facts(p_snapshot jsonb)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  with members as (
    select m.key, m.value,
           case
             when pg_catalog.jsonb_typeof(m.value) = 'string' then 'text'
             when m.key ~ '_pct$' then 'percent'
             when m.key ~ '_pts$' then 'percentage_points'
             when m.key ~ '(^|_)ratio$' then 'ratio'
             when m.key ~ 'days' then 'days'
             when m.key ~ 'hour' then 'hour'
             when m.key ~ '(^|_)amount$' then 'amount'
             else 'count'
           end as unit
    from pg_catalog.jsonb_each(coalesce(p_snapshot, '{}'::jsonb)) as m (key, value)
    where pg_catalog.jsonb_typeof(m.value) in ('number', 'string')
  ),
  plain as (
    select m.key as id, m.value, m.unit,
           case when m.unit = 'text' then 0
                else coalesce(pg_catalog.length(pg_catalog.substring(m.value::text, '\.(\d+)$')), 0) end as decimals,
           coalesce(case m.key
             when 'clicks' then 'link clicks in the analysed period'
             when 'previous_clicks' then 'link clicks in the comparison period'
             when 'fans' then 'fans: distinct visitors of the analysed period'
             when 'growth_pct' then 'growth over the comparison period, percent'
             when 'decline_pct' then 'decline from the comparison period, percent'
             when 'period_days' then 'length of the analysed period (and of the comparison period), days'
             when 'window_days' then 'length of the recent window (and of the window before it), days'
             when 'days_until' then 'days from the end of the analysed period to the show'
             when 'visits' then 'referred visits in the recent window'
             when 'previous_visits' then 'referred visits in the window before'
             when 'new_subscribers' then 'new subscribers in the analysed period (or window)'
             when 'previous_new_subscribers' then 'new subscribers in the comparison period'
             when 'active_subscribers' then 'subscribers active at the end of the period'
             when 'events' then 'events (interactions) in the analysed period, or since the release'
             when 'previous_events' then 'events in the comparison period, or of the previous release at the same age'
             when 'visitors' then 'distinct visitors in the analysed period'
             when 'previous_visitors' then 'distinct visitors in the comparison period'
             when 'amount' then 'tip amount in the currency'
             when 'total_amount' then 'all tips, amount in the currency'
           end, pg_catalog.replace(m.key, '_', ' ')) as measures
    from members m
  ),
  pairs as (
    select cur.key, cur.unit, (cur.value)::text::numeric as now_value, (prev.value)::text::numeric as before_value,
           greatest(coalesce(pg_catalog.length(pg_catalog.substring(cur.value::text, '\.(\d+)$')), 0),
                    coalesce(pg_catalog.length(pg_catalog.substring(prev.value::text, '\.(\d+)$')), 0)) as decimals
    from members cur
    join members prev on prev.key = 'previous_' || cur.key and prev.unit = cur.unit
    where cur.unit <> 'text'
  ),
  derived as (
    select p.key || '_change' as id, pg_catalog.to_jsonb(pg_catalog.abs(p.now_value - p.before_value)) as value, p.unit,
           p.decimals,
           pg_catalog.format('difference between %s and previous %s (absolute; the direction is in the other facts)',
                             pg_catalog.replace(p.key, '_', ' '), pg_catalog.replace(p.key, '_', ' ')) as measures
    from pairs p where p.unit not in ('percent', 'percentage_points')
    union all
    select p.key || '_ratio', pg_catalog.to_jsonb(pg_catalog.round(p.now_value / p.before_value, 1)), 'ratio', 1,
           pg_catalog.format('%s divided by previous %s (a multiplier)', pg_catalog.replace(p.key, '_', ' '), pg_catalog.replace(p.key, '_', ' '))
    from pairs p where p.unit not in ('percent', 'percentage_points') and p.before_value > 0
    union all
    select p.key || '_change_pct',
           pg_catalog.to_jsonb(pg_catalog.round(pg_catalog.abs(p.now_value - p.before_value) * 100 / p.before_value)::integer),
           'percent', 0,
           pg_catalog.format('change from previous %s to %s, in percent of previous %s (absolute)',
                             pg_catalog.replace(p.key, '_', ' '), pg_catalog.replace(p.key, '_', ' '), pg_catalog.replace(p.key, '_', ' '))
    from pairs p where p.unit not in ('percent', 'percentage_points') and p.before_value > 0
    union all
    select p.key || '_change_pts', pg_catalog.to_jsonb(pg_catalog.abs(p.now_value - p.before_value)), 'percentage_points',
           p.decimals,
           pg_catalog.format('difference between %s and previous %s, in percentage points (absolute)',
                             pg_catalog.replace(p.key, '_', ' '), pg_catalog.replace(p.key, '_', ' '))
    from pairs p where p.unit = 'percent'
    union all
    select m.key || '_label', pg_catalog.to_jsonb(insights.platform_label(m.value #>> '{}')), 'text', 0,
           pg_catalog.format('display name of %s', pg_catalog.replace(m.key, '_', ' '))
    from members m where m.unit = 'text' and m.key ~ 'platform$'
  ),
  facts as (
    select * from plain
    union all
    select d.* from derived d where not exists (select 1 from plain p where p.id = d.id)
  )
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'id', f.id, 'value', f.value, 'unit', f.unit, 'decimals', f.decimals, 'measures', f.measures) order by f.id),
         '[]'::jsonb)
  from facts f
$$;
revoke execute on function insights.candidate_facts(jsonb) from public, anon;
grant execute on function insights.candidate_facts(jsonb) to authenticated, service_role;
comment on function insights.candidate_facts(jsonb) is
  'The facts of an insight candidate (from its data_snapshot): [{"id", "value", "unit", "decimals", "measures"}], snapshot values plus precomputed K_change, K_ratio, K_change_pct (K vs previous_K), K_change_pts (percentages) and platform labels. The only numbers and names an insight text may state.';
