-- The platform-wide overview for platform administrators, one row per day of [p_from,
-- p_to): organizations (existing at the end of the day, UTC), active_organizations (with
-- at least one non-bot event that day), events, active_users and net revenue per currency.
-- Every call is written to app.admin_access_log (who, arguments, when) before it answers.
-- Definitions: day = each organization's own local day for the event counts (from
-- analytics.org_daily_stats through private.rollup_rows for each organization with events
-- received since the rollup's watermark, the stored rows for the others, which are the
-- same: exact whether or not refresh has run, a late event counts at once), and the
-- UTC day for organizations and revenue; active_users = the sum over organizations of
-- their distinct visitors that day (visitor keys are per organization by design, so one
-- person active in two organizations counts twice); net_revenue_cents = a JSON object
-- {currency: cents} of the amounts of audience.orders that occurred that UTC day and are
-- not refunded ({} when none).
-- Who may call: signed-in users whose account type grants view_all_analytics (platform
-- admins). Nobody else, not even organization owners or service_role (the audit needs a
-- person).
-- Errors: 42501 anyone else (hint); 22023 a bad period (NULL, reversed, infinite, > 366 days).
create or replace function public.get_admin_overview(p_from date, p_to date)
returns table (day date, organizations bigint, active_organizations bigint, events bigint, active_users bigint,
               net_revenue_cents jsonb)
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
begin
  if auth.uid() is null or not app.user_has_permission(auth.uid(), 'view_all_analytics') then
    raise exception 'only platform administrators may read the cross-organization overview'
      using errcode = '42501', hint = 'It needs the view_all_analytics permission (account type admin); use get_dashboard for your organizations.';
  end if;
  perform analytics.check_period(p_from, p_to);      -- raises 22023
  insert into app.admin_access_log (user_id, function, arguments)
  values (auth.uid(), 'public.get_admin_overview', pg_catalog.jsonb_build_object('p_from', p_from, 'p_to', p_to));

  return query
  with days as (
    select pg_catalog.generate_series(p_from, p_to - 1, interval '1 day')::date as day
  ),
  mark as (
    select r.watermark from private.rollups as r where r.name = 'analytics.org_daily_stats'
  ),
  touched as materialized (
    -- Organizations with a non-bot event received since the rollup's watermark: only their
    -- rows can differ from the stored ones (a row is recomputed only for such events).
    select distinct e.org_id from analytics.events as e, mark as m
    where e.received_at >= m.watermark and not e.is_bot
  ),
  rows as (
    select s.day, s.events, s.visitors
    from app.organizations as o
    cross join lateral private.rollup_rows(null::analytics.org_daily_stats, o.id, p_from, p_to) as s
    where o.id in (select t.org_id from touched as t)
    union all
    select s.day, s.events, s.visitors
    from analytics.org_daily_stats as s
    where s.day >= p_from and s.day < p_to
      and s.org_id not in (select t.org_id from touched as t)
      and s.org_id in (select o.id from app.organizations as o)
  ),
  stats as (
    select s.day, pg_catalog.count(*) as active_orgs, pg_catalog.sum(s.events)::bigint as events,
           pg_catalog.sum(s.visitors)::bigint as users
    from rows as s
    where s.events > 0
    group by s.day
  ),
  revenue as (
    select r.day, pg_catalog.jsonb_object_agg(r.currency, r.cents) as cents
    from (select (o.occurred_at at time zone 'UTC')::date as day, o.currency::text as currency,
                 pg_catalog.sum(o.amount_cents)::bigint as cents
          from audience.orders as o
          where o.occurred_at >= (p_from::timestamp at time zone 'UTC') and o.occurred_at < (p_to::timestamp at time zone 'UTC')
            and o.refunded_at is null
          group by 1, 2) as r
    group by r.day
  )
  select d.day,
         (select pg_catalog.count(*) from app.organizations as o
           where o.created_at < ((d.day + 1)::timestamp at time zone 'UTC')),
         coalesce(s.active_orgs, 0), coalesce(s.events, 0), coalesce(s.users, 0), coalesce(r.cents, '{}'::jsonb)
  from days as d
  left join stats as s on s.day = d.day
  left join revenue as r on r.day = d.day
  order by d.day;
end;
$$;
revoke execute on function public.get_admin_overview(date, date) from public, anon;
grant execute on function public.get_admin_overview(date, date) to authenticated;
comment on function public.get_admin_overview(date, date) is
  'Cross-organization overview per day for platform admins (view_all_analytics): organizations, active organizations, events, active users, net revenue per currency; each call audited in app.admin_access_log. 42501 for anyone else (service_role included); 22023 bad period.';
