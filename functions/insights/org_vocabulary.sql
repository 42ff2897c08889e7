-- The names an organization's data holds, for the fact check of insight texts: a text may
-- name its own candidate's places, platforms and referrers, and no other name listed here.
-- Cities and countries of events (bots excluded), orders and subscribers, platforms (keys
-- and insights.platform_label), referrer domains and UTM sources of events, in the
-- comparison and analysed periods (insights.period_bounds); tour date cities and venue
-- names of any time. Distinct, sorted. Callable by members of at least analyst role and
-- service_role (42501 otherwise).
create or replace function insights.org_vocabulary(p_org_id uuid)
returns text[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_bounds record;
  v_names  text[];
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  select * into v_bounds from insights.period_bounds(p_org_id);
  with recent as (
    select e.city, e.country::text as country, e.platform, e.referrer_domain, e.utm_source
    from analytics.events e
    where e.org_id = p_org_id and not e.is_bot
      and e.occurred_at >= v_bounds.comparison_start and e.occurred_at < v_bounds.period_end
  ),
  names as (
    select r.city as name from recent r
    union select r.country from recent r
    union select r.platform from recent r
    union select insights.platform_label(r.platform) from recent r where r.platform is not null
    union select r.referrer_domain from recent r
    union select r.utm_source from recent r
    union select t.city from app.tour_dates t where t.org_id = p_org_id
    union select t.country::text from app.tour_dates t where t.org_id = p_org_id
    union select t.venue_name from app.tour_dates t where t.org_id = p_org_id
    union select o.city from audience.orders o where o.org_id = p_org_id
    union select o.country::text from audience.orders o where o.org_id = p_org_id
  )
  select coalesce(pg_catalog.array_agg(n.name order by n.name), '{}') into v_names
  from names n
  where n.name is not null and pg_catalog.btrim(n.name) <> '';
  return v_names;
end;
$$;
revoke execute on function insights.org_vocabulary(uuid) from public, anon;
grant execute on function insights.org_vocabulary(uuid) to authenticated, service_role;
comment on function insights.org_vocabulary(uuid) is
  'Names in an organization''s data (cities, countries, platforms and their labels, referrers, UTM sources of the analysed and comparison periods; tour cities and venues; order places): an insight text may name only its own candidate''s. Analyst or above and service_role.';
