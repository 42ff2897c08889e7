-- The impression -> click -> ticket link click funnel of one entity (an event, a mashup,
-- any events.entity_id) for the local days [p_from, p_to), per source and position of the
-- first impression, from the rollup analytics.entity_daily_funnel (exact at every moment;
-- rules in migration 0556: visitor-days, nested steps; the entity is the id, whatever entity
-- types its events carry: a visitor-day counts once). Rows:
--   source, position            one row per pair, plus a total row (source NULL, position NULL) first,
--                               also when nothing was impressed (zeros, NULL rates);
--   impressed, clicked, ticket_clicked      visitor-days at each step;
--   click_rate_pct = clicked / impressed x 100, ticket_rate_pct = ticket_clicked / clicked x 100,
--   conversion_rate_pct = ticket_clicked / impressed x 100; two decimals, NULL when 0 / 0.
-- Order: the total, then by impressed descending, source, position.
-- Callable by members (viewer or above) and service_role.
-- Errors: 42501 not a member; 22023 bad period (NULL, reversed, infinite, > 366 days) or
-- NULL entity id.
create or replace function public.get_entity_funnel(p_org_id uuid, p_entity_id uuid, p_from date, p_to date)
returns table (source text, "position" integer, impressed bigint, clicked bigint, ticket_clicked bigint,
               click_rate_pct numeric, ticket_rate_pct numeric, conversion_rate_pct numeric)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
begin
  perform app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"
  perform analytics.check_period(p_from, p_to);      -- raises 22023
  if p_entity_id is null then
    raise exception 'entity id must not be null'
      using errcode = '22023', hint = 'Pass the id of an event, a content item or another entity of your events.';
  end if;
  return query
  with f as (
    select x.source::text as source, x.position, coalesce(pg_catalog.sum(x.impressed), 0)::bigint as impressed,
           coalesce(pg_catalog.sum(x.clicked), 0)::bigint as clicked,
           coalesce(pg_catalog.sum(x.ticket_clicked), 0)::bigint as ticket_clicked
    from private.rollup_rows(null::analytics.entity_daily_funnel, p_org_id, p_from, p_to) as x
    where x.org_id = p_org_id and x.entity_id = p_entity_id
    group by grouping sets ((x.source, x.position), ())
  )
  select f.source, f.position, f.impressed, f.clicked, f.ticket_clicked,
         case when f.impressed > 0 then pg_catalog.round(100.0 * f.clicked / f.impressed, 2) end,
         case when f.clicked > 0 then pg_catalog.round(100.0 * f.ticket_clicked / f.clicked, 2) end,
         case when f.impressed > 0 then pg_catalog.round(100.0 * f.ticket_clicked / f.impressed, 2) end
  from f
  order by (f.source is not null), f.impressed desc, f.source, f.position;
end;
$$;
revoke execute on function public.get_entity_funnel(uuid, uuid, date, date) from public, anon;
grant execute on function public.get_entity_funnel(uuid, uuid, date, date) to authenticated, service_role;
comment on function public.get_entity_funnel(uuid, uuid, date, date) is
  'Impression -> click -> ticket link click funnel of one entity for local days [p_from, p_to): visitor-days per step, per source and position of the first impression, with click, ticket and overall conversion rates; total row first. Members and service_role; 42501 otherwise; 22023 bad period or NULL entity.';
