-- requires: functions/audience/visitor_key.sql
-- What the audience rollups of one organization do not reflect in the local days
-- [p_from, p_to), from one scan of the events received since its watermark
-- (private.audience_rollup_watermarks; the BRIN index on received_at):
--   days: the local days of those events and the day after each (its first session may
--         continue one of the evening before), within [p_from, p_to); every day of it when
--         the organization has no watermark.
--   keys: the visitor keys of those events: the only visitors whose stored rows
--         (private.audience_visitor_days, audience_visitor_day_combos) on those days may be
--         stale. Every other visitor's stored rows there are exact (their events were all
--         received before the watermark), so a reader recomputes only these visitors from
--         the events, on every day of `days`, and takes the others from the stored rows and
--         per-day counts minus what those hold for these visitors: the unit of
--         private.refresh_audience_rollups (a visitor-day), not the whole local day.
--         NULL, meaning "recompute every visitor of those days" (the whole-day rule), when
--         the organization has no watermark, when a stored combination of one of them on
--         those days has no device shares (written before migration 1180: nothing to
--         subtract), or when they are more than per_visitor_max_pct % (private.audience_settings,
--         as for the refresh) of the visitor rows stored on those days (a day of new
--         events: the whole days cost less).
--   touched: the number of those visitors, whether or not keys is NULL (NULL without a
--         watermark). public.get_audience_attribution weighs it against the period's
--         visitor-days.
-- Internal helper of the audience readers; owner only.
-- (The drop: touched was added to the out parameters, which create or replace cannot do.)
drop function if exists private.audience_touched(uuid, date, date);
create or replace function private.audience_touched(p_org_id uuid, p_from date, p_to date, out days date[], out keys text[],
                                                    out touched integer)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_mark   timestamptz;
  v_tz     text;
  v_stored bigint;
  v_pct    numeric;
begin
  select w.events_received into v_mark from private.audience_rollup_watermarks as w where w.org_id = p_org_id;
  if v_mark is null then
    select pg_catalog.array_agg(d::date order by d) into days
    from pg_catalog.generate_series(p_from, p_to - 1, interval '1 day') as d;
    days := coalesce(days, '{}');
    keys := null;
    return;
  end if;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  with received as materialized (
    select (e.occurred_at at time zone v_tz)::date as day,
           case when e.visitor_id is not null or e.user_id is not null
                then audience.visitor_key(e.visitor_id, e.user_id) collate "C" end as visitor_key
    -- Only the BRIN index on received_at, in the partitions of the period (offset 0:
    -- not combined with the primary key, which would read the whole period's entries).
    from (select r.org_id, r.occurred_at, r.visitor_id, r.user_id from analytics.events as r
          where r.received_at >= v_mark
            and r.occurred_at >= ((p_from - 1)::timestamp at time zone v_tz)
            and r.occurred_at < (p_to::timestamp at time zone v_tz)
          offset 0) as e
    where e.org_id = p_org_id
  )
  select (select pg_catalog.array_agg(distinct d.day order by d.day)
          from (select distinct r.day from received as r) as x
          cross join lateral (values (x.day), (x.day + 1)) as d (day)
          where d.day >= p_from and d.day < p_to),
         (select pg_catalog.array_agg(distinct r.visitor_key) from received as r where r.visitor_key is not null)
  into days, keys;
  days := coalesce(days, '{}');
  keys := coalesce(keys, '{}');
  touched := pg_catalog.cardinality(keys);
  if days = '{}' then
    return;
  end if;
  select pg_catalog.sum(r.visitors) into v_stored
  from private.audience_day_recency as r
  where r.org_id = p_org_id and r.measure = 'all' and r.day = any (days);
  select s.value into v_pct from private.audience_settings as s where s.name = 'per_visitor_max_pct';
  if pg_catalog.cardinality(keys) * 100 > coalesce(v_pct, 50) * coalesce(v_stored, 0)
     or exists (select 1 from private.audience_visitor_day_combos as c
                where c.org_id = p_org_id and c.visitor_key = any (keys) and c.day = any (days)
                  and c.sessions is null) then
    keys := null;
  end if;
end;
$$;
revoke execute on function private.audience_touched(uuid, date, date) from public, anon, authenticated;
comment on function private.audience_touched(uuid, date, date) is
  'From one scan of an organization''s events received since the audience watermark: the local days of [p_from, p_to) the audience rollups do not reflect (days) and the visitors a reader recomputes on them (keys; NULL: every visitor of those days, when there is no watermark, a touched combination lacks device shares, or the touched visitors exceed per_visitor_max_pct % of the stored visitor rows of those days); touched: how many visitors those are (NULL without a watermark). Internal helper.';
