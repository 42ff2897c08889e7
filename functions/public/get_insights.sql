-- A page of an organization's insights, most urgent first (priority high > medium > low,
-- then newest, then id), as {"insights": [...], "total": n, "hasMore": bool}.
-- Callable by members (any role) and service_role; 42501 otherwise.
--
-- p_org_id is an addition to the issue's signature, first: a user may belong to several
-- organizations, and an RPC that guessed "the" organization (the first membership, a
-- claim in the JWT) would answer for the wrong one or need hidden session state; an
-- explicit id checked by app.assert_org_role is what every other RPC of this project
-- does. The issue's other parameters and defaults are kept.
-- Filters: p_category / p_priority NULL or empty: any; p_status: the effective status
-- (an active insight past expires_at is expired), NULL: any, default active.
-- p_limit default 20, capped at 50 (a larger value returns 50; hasMore tells there is
-- more); below 1: 22023. p_offset default 0; below 0: 22023. total counts every match.
create or replace function public.get_insights(
  p_org_id   uuid,
  p_category insights.insight_category[] default null,
  p_priority insights.insight_priority[] default null,
  p_status   insights.insight_status default 'active',
  p_limit    integer default 20,
  p_offset   integer default 0)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_limit  integer := least(coalesce(p_limit, 20), 50);
  v_offset integer := coalesce(p_offset, 0);
  v_total  bigint;
  v_page   jsonb;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  if v_limit < 1 then
    raise exception 'limit % is below 1', p_limit
      using errcode = '22023', hint = 'Pass 1 to 50 (default 20).';
  end if;
  if v_offset < 0 then
    raise exception 'offset % is negative', p_offset
      using errcode = '22023', hint = 'Pass 0 or more (default 0).';
  end if;

  with matching as (
    select i.*
    from insights.ai_insights i
    where i.org_id = p_org_id
      and (p_category is null or pg_catalog.cardinality(p_category) = 0 or i.category = any (p_category))
      and (p_priority is null or pg_catalog.cardinality(p_priority) = 0 or i.priority = any (p_priority))
      and (p_status is null
           or (case when i.status = 'active' and i.expires_at <= pg_catalog.now()
                    then 'expired'::insights.insight_status else i.status end) = p_status)
  ),
  page as (
    select m.*
    from matching m
    order by m.priority, m.created_at desc, m.id
    limit v_limit offset v_offset
  )
  select (select pg_catalog.count(*) from matching),
         coalesce((select pg_catalog.jsonb_agg(insights.insight_json(p::insights.ai_insights)
                                               order by p.priority, p.created_at desc, p.id)
                   from page p), '[]'::jsonb)
  into v_total, v_page;

  return pg_catalog.jsonb_build_object(
    'insights', v_page,
    'total', v_total,
    'hasMore', v_offset + pg_catalog.jsonb_array_length(v_page) < v_total);
end;
$$;
revoke execute on function public.get_insights(uuid, insights.insight_category[], insights.insight_priority[], insights.insight_status, integer, integer)
  from public, anon;
grant execute on function public.get_insights(uuid, insights.insight_category[], insights.insight_priority[], insights.insight_status, integer, integer)
  to authenticated, service_role;
comment on function public.get_insights(uuid, insights.insight_category[], insights.insight_priority[], insights.insight_status, integer, integer) is
  'A page of an organization''s AI insights, priority then newest first: {insights, total, hasMore}. Filters by categories, priorities and (effective) status (default active; NULL any); p_limit default 20, at most 50; p_offset default 0. p_org_id first (users may belong to several organizations). Members (any role) and service_role; 42501 otherwise, 22023 on bad paging.';
