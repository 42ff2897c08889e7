-- The local days of [p_from, p_to) of one organization that the audience rollups
-- (private.audience_visitor_days and the tables derived from it) do not reflect: every
-- day when the organization has no watermark (private.audience_rollup_watermarks), else
-- the days of events received since the watermark (today; late events) and the day after
-- each (its first session may continue one of the evening before). The audience RPCs
-- compute these days from analytics.events. Internal helper.
create or replace function private.audience_dirty_days(p_org_id uuid, p_from date, p_to date)
returns date[]
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_mark timestamptz;
  v_tz   text;
  v_days date[];
begin
  select w.events_received into v_mark from private.audience_rollup_watermarks as w where w.org_id = p_org_id;
  if v_mark is null then
    select pg_catalog.array_agg(d::date order by d) into v_days
    from pg_catalog.generate_series(p_from, p_to - 1, interval '1 day') as d;
    return coalesce(v_days, '{}');
  end if;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  select pg_catalog.array_agg(distinct d.day order by d.day) into v_days
  from (select (e.occurred_at at time zone v_tz)::date as day
        -- Only the BRIN index on received_at, in the partitions of the period (offset 0:
        -- not combined with the primary key, which would read the whole period's entries).
        from (select r.org_id, r.occurred_at from analytics.events as r
              where r.received_at >= v_mark
                and r.occurred_at >= ((p_from - 1)::timestamp at time zone v_tz)
                and r.occurred_at < (p_to::timestamp at time zone v_tz)
              offset 0) as e
        where e.org_id = p_org_id
        group by 1) as x
  cross join lateral (values (x.day), (x.day + 1)) as d (day)
  where d.day >= p_from and d.day < p_to;
  return coalesce(v_days, '{}');
end;
$$;
revoke execute on function private.audience_dirty_days(uuid, date, date) from public, anon, authenticated;
comment on function private.audience_dirty_days(uuid, date, date) is
  'Local days of [p_from, p_to) not reflected by the audience rollups (all of them without a watermark; else days of events received since it, and the next day). Internal helper.';
