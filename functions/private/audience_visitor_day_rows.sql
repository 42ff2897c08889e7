-- requires: functions/private/audience_dirty_days.sql
-- requires: functions/private/visitor_day_channels.sql
-- One row per visitor and local day in [p_from, p_to) of one organization (bots excluded):
-- the channel of the visitor's first event that day (source / medium / campaign, as
-- private.visitor_day_channels defines it) and whether they clicked (link_click or
-- ticket_cta) that day. From the audience rollup private.audience_visitor_days for the
-- days it reflects, from analytics.events for the others (private.audience_dirty_days):
-- the same rows either way. Internal helper (public.get_audience_attribution).
create or replace function private.audience_visitor_day_rows(p_org_id uuid, p_from date, p_to date)
returns table (day date, visitor_key text, source text, medium text, campaign text, clicked boolean)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_dirty date[];
begin
  v_dirty := private.audience_dirty_days(p_org_id, p_from, p_to);
  if pg_catalog.cardinality(v_dirty) = 0 then
    -- Every day from the rollup (and no planning of the events query, ~35 ms).
    return query
    select t.day, t.visitor_key::text, t.source, t.medium, t.campaign, t.flags & 1 <> 0
    from private.audience_visitor_days as t
    where t.org_id = p_org_id and t.day >= p_from and t.day < p_to;
    return;
  end if;
  return query
  select t.day, t.visitor_key::text, t.source, t.medium, t.campaign, t.flags & 1 <> 0
  from private.audience_visitor_days as t
  where t.org_id = p_org_id and t.day >= p_from and t.day < p_to and not (t.day = any (v_dirty))
  union all
  select v.day, v.visitor_key, v.source, v.medium, v.campaign, v.clicked
  from private.visitor_day_channels(array[p_org_id], coalesce(v_dirty[1], p_to),
                                    coalesce(v_dirty[pg_catalog.cardinality(v_dirty)] + 1, p_to)) as v
  where v.day = any (v_dirty);
end;
$$;
revoke execute on function private.audience_visitor_day_rows(uuid, date, date) from public, anon, authenticated;
comment on function private.audience_visitor_day_rows(uuid, date, date) is
  'Per visitor and local day of [p_from, p_to) of one organization: first channel of the day and whether they clicked; from private.audience_visitor_days where it reflects the day, from analytics.events otherwise. Internal helper.';
