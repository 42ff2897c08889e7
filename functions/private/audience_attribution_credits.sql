-- requires: functions/audience/visitor_key.sql
-- requires: functions/private/create_rollup_reader.sql
-- requires: functions/private/compute_audience_touch_days.sql
-- The channel each visitor with an event in the local days [p_from, p_to) of an organization
-- is credited to under public.get_audience_attribution's model and lookback (its header
-- states the definitions), and whether they clicked in the period: one row per visitor.
-- p_visitors: only these visitor keys (NULL: every visitor). p_windows: buyers' windows end
-- on their conversion day (the local day of their first order in the period); false: every
-- window ends on the visitor's last day in the period (what the sums of
-- private.audience_attribution_days count, which the attribution corrects for its buyers).
-- p_fresh: the organization's touch rows since the rollup's watermark, as
-- private.rollup_fresh(null::private.audience_touch_days, p_org_id) returns them, computed
-- once by the caller for every read below (each read computed them: a day not refreshed
-- cost one computation per read, 2-4 per get_audience_attribution call).
-- Read from private.audience_touch_days through its inlinable reader, one row per visitor:
--   * first touch: the visitor's first row of the period (prev_day before it) gives the
--     first day and the touch (its own when no touch lies in the lookback; the stored first
--     touch of the 30 days up to it, ft_*, for lookbacks up to 30 days when it lies in the
--     lookback; else the earliest row of the lookback, a second read over [p_from -
--     p_lookback_days, p_from) for lookbacks other than 0 and 30); clicked: the last row's
--     click_day (latest click up to it) in the period, read for visitors with several rows;
--   * last touch and last non-direct: the visitor's last row of the period (next_day after
--     it), a buyer's latest row up to the conversion day (else first row): its touch, its
--     click_day and its latest earlier non-direct touch (nd_*), and for last non-direct the
--     visitor's first day (a second read: the first rows of visitors with several rows).
-- plan_cache_mode force_custom_plan: the model's branch alone is planned (a generic plan
-- joined per row of a whole-period read: 51 s). enable_nestloop and enable_mergejoin off:
-- each reader's "stored rows not recomputed since the watermark" is an anti-join with its
-- fresh rows, which the planner, estimating 5 fresh rows, made a nested loop or a merge
-- join rescanning them (with a day of events not refreshed, at 10M: 5,000 x 5,500 rows in
-- 17 s; 7.7M rows re-read in 2.5 s); a hash anti-join reads them once. The compute function
-- called by the readers sets both back on for itself.
-- Internal helper of public.get_audience_attribution (which checks the caller); owner only.
drop function if exists private.audience_attribution_credits(uuid, date, date, text, integer, text[], boolean);
create or replace function private.audience_attribution_credits(
  p_org_id uuid, p_from date, p_to date, p_model text, p_lookback_days integer, p_visitors text[], p_windows boolean,
  p_fresh private.audience_touch_days[])
returns table (visitor_key text, clicked boolean, source text, medium text, campaign text)
language plpgsql
stable
set search_path = ''
set jit = off
set plan_cache_mode = force_custom_plan
set enable_nestloop = off
set enable_mergejoin = off
as $$
#variable_conflict use_column
declare
  v_tz text;
  v_buyers text[];
begin
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  if p_windows then
    select pg_catalog.array_agg(distinct audience.visitor_key(o.visitor_id, o.user_id)) into v_buyers
    from audience.orders as o
    where o.org_id = p_org_id and o.refunded_at is null
      and o.occurred_at >= (p_from::timestamp at time zone v_tz) and o.occurred_at < (p_to::timestamp at time zone v_tz)
      and (p_visitors is null or audience.visitor_key(o.visitor_id, o.user_id) = any (p_visitors));
  end if;

  return query
  with buyer_rows as materialized (
    select audience.visitor_key(o.visitor_id, o.user_id) collate "C" as visitor_key,
           (pg_catalog.min(o.occurred_at) at time zone v_tz)::date as conversion_day
    from audience.orders as o
    where v_buyers is not null and o.org_id = p_org_id and o.refunded_at is null
      and o.occurred_at >= (p_from::timestamp at time zone v_tz) and o.occurred_at < (p_to::timestamp at time zone v_tz)
      and audience.visitor_key(o.visitor_id, o.user_id) = any (v_buyers)
    group by 1
  ),
  -- First touch: each visitor's first row of the period (prev_day before it): its own
  -- touch when no touch lies in the lookback (pick 0), the stored first touch of the 30
  -- days up to it when that lies in the lookback (1), else the lookback's rows (2). Clicked
  -- in the period: by the last row (this one, or a later one that clicked).
  firsts as not materialized (
    select t.visitor_key, coalesce(t.next_day >= p_to, true) as is_last, coalesce(t.click_day >= p_from, false) as clicked,
           case when t.prev_day is null or t.prev_day < t.day - p_lookback_days then 0
                when p_lookback_days <= 30 and t.ft_day >= t.day - p_lookback_days then 1 else 2 end as pick,
           t.day, t.source, t.medium, t.campaign, t.ft_source, t.ft_medium, t.ft_campaign
    from private.audience_touch_days_rows(p_org_id, p_from, p_to, p_fresh) as t
    where p_model = 'first_touch' and (t.prev_day is null or t.prev_day < p_from)
      and (p_visitors is null or t.visitor_key = any (p_visitors))
  ),
  -- The visitors whose last row of the period, not their first, clicked.
  later_clicks as (
    select t.visitor_key
    from private.audience_touch_days_rows(p_org_id, p_from, p_to, p_fresh) as t
    where p_model = 'first_touch' and t.prev_day >= p_from and (t.next_day is null or t.next_day >= p_to) and t.click_day >= p_from
      and (p_visitors is null or t.visitor_key = any (p_visitors))
  ),
  lookback as (
    select distinct on (r.visitor_key) r.visitor_key, r.source, r.medium, r.campaign
    from private.audience_touch_days_rows(p_org_id, p_from - p_lookback_days, p_from, p_fresh) as r
    join firsts as f on f.pick = 2 and f.visitor_key = r.visitor_key and r.day >= f.day - p_lookback_days
    where p_model = 'first_touch' and p_lookback_days not in (0, 30)
    order by r.visitor_key, r.day
  ),
  -- Last touch and last non-direct touch: each visitor's touch, the last row of the period
  -- (next_day after it); a buyer's, their latest row up to the conversion day (else their
  -- first row of the period). v_buyers: an array, so the filters reach the index scans.
  buyer_touches as materialized (
    select t.visitor_key, t.day, coalesce(t.prev_day < p_from, true) as is_first,
           coalesce(t.click_day >= p_from, false) as clicked_since, t.source, t.medium, t.campaign,
           t.nd_day, t.nd_source, t.nd_medium, t.nd_campaign
    from private.audience_touch_days_rows(p_org_id, p_from, p_to, p_fresh) as t
    where p_model <> 'first_touch' and v_buyers is not null and t.visitor_key = any (v_buyers)
  ),
  ends as (
    select t.visitor_key, t.day, coalesce(t.prev_day < p_from, true) as is_first,
           coalesce(t.click_day >= p_from, false) as clicked, t.source, t.medium, t.campaign,
           t.nd_day, t.nd_source, t.nd_medium, t.nd_campaign
    from private.audience_touch_days_rows(p_org_id, p_from, p_to, p_fresh) as t
    where p_model <> 'first_touch' and (t.next_day is null or t.next_day >= p_to)
      and not coalesce(t.visitor_key = any (v_buyers), false)
      and (p_visitors is null or t.visitor_key = any (p_visitors))
    union all
    (select distinct on (t.visitor_key) t.visitor_key, t.day, t.is_first,
            exists (select 1 from buyer_touches as c where c.visitor_key = t.visitor_key and c.clicked_since),
            t.source, t.medium, t.campaign, t.nd_day, t.nd_source, t.nd_medium, t.nd_campaign
     from buyer_touches as t
     join buyer_rows as b on b.visitor_key = t.visitor_key
     order by t.visitor_key, t.day <= b.conversion_day desc, case when t.day <= b.conversion_day then t.day end desc, t.day)
  ),
  -- Last non-direct: a direct touch pointing to a non-direct one before the period is
  -- credited to it when it lies in the window, from the first day minus the lookback: the
  -- touch's own day when it is the visitor's first row of the period, else the first row's
  -- (first_days: visitors with several rows).
  first_days as (
    select t.visitor_key, t.day
    from private.audience_touch_days_rows(p_org_id, p_from, p_to, p_fresh) as t
    where p_model = 'last_non_direct' and (t.prev_day is null or t.prev_day < p_from) and t.next_day < p_to
      and (p_visitors is null or t.visitor_key = any (p_visitors))
  ),
  lasts as (
    select e.visitor_key, e.clicked,
           p_model = 'last_non_direct' and e.source = '(direct)'
             and e.nd_day >= coalesce(f.day, e.day) - p_lookback_days as pick,
           e.source, e.medium, e.campaign, e.nd_source, e.nd_medium, e.nd_campaign
    from ends as e
    left join first_days as f on f.visitor_key = e.visitor_key and not e.is_first
  )
  select f.visitor_key, f.clicked or c.visitor_key is not null,
         case f.pick when 0 then f.source when 1 then f.ft_source else l.source end,
         case f.pick when 0 then f.medium when 1 then f.ft_medium else l.medium end,
         case f.pick when 0 then f.campaign when 1 then f.ft_campaign else l.campaign end
  from firsts as f
  left join later_clicks as c on not f.is_last and c.visitor_key = f.visitor_key
  left join lookback as l on f.pick = 2 and l.visitor_key = f.visitor_key
  union all
  select l.visitor_key, l.clicked,
         case when l.pick then l.nd_source else l.source end,
         case when l.pick then l.nd_medium else l.medium end,
         case when l.pick then l.nd_campaign else l.campaign end
  from lasts as l;
end;
$$;
revoke execute on function private.audience_attribution_credits(uuid, date, date, text, integer, text[], boolean, private.audience_touch_days[]) from public, anon, authenticated;
comment on function private.audience_attribution_credits(uuid, date, date, text, integer, text[], boolean, private.audience_touch_days[]) is
  'Per visitor with an event in local days [p_from, p_to) (or of p_visitors): the channel get_audience_attribution''s model and lookback credit and whether they clicked in the period; p_windows false ends every window on the last day in the period. Internal helper (owner only).';
