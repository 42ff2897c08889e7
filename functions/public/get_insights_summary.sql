-- The insight summary of an organization for a dashboard card:
-- {"topInsights": [up to 3 active insights, priority then newest first],
--  "totalActive": n, "byPriority": {"high": n, "medium": n, "low": n},
--  "lastGeneratedAt": when the last completed generation run finished, or null}.
-- Active means status active and not past expires_at. Callable by members (any role) and
-- service_role; 42501 otherwise. p_org_id is an addition to the issue's signature: a user
-- may belong to several organizations, so the caller names the one it asks about
-- (checked by app.assert_org_role) rather than the RPC guessing it.
create or replace function public.get_insights_summary(p_org_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  perform app.assert_org_role(p_org_id, 'viewer');

  with active as (
    select i.*
    from insights.ai_insights i
    where i.org_id = p_org_id and i.status = 'active' and i.expires_at > pg_catalog.now()
  )
  select pg_catalog.jsonb_build_object(
    'topInsights', coalesce((select pg_catalog.jsonb_agg(insights.insight_json(t::insights.ai_insights)
                                                         order by t.priority, t.created_at desc, t.id)
                             from (select a.* from active a order by a.priority, a.created_at desc, a.id limit 3) t),
                            '[]'::jsonb),
    'totalActive', (select pg_catalog.count(*) from active),
    'byPriority', (select pg_catalog.jsonb_build_object(
                     'high', pg_catalog.count(*) filter (where a.priority = 'high'),
                     'medium', pg_catalog.count(*) filter (where a.priority = 'medium'),
                     'low', pg_catalog.count(*) filter (where a.priority = 'low'))
                   from active a),
    'lastGeneratedAt', (select pg_catalog.max(r.finished_at) from insights.generation_runs r
                        where r.org_id = p_org_id and r.status = 'completed'))
  into v_result;
  return v_result;
end;
$$;
revoke execute on function public.get_insights_summary(uuid) from public, anon;
grant execute on function public.get_insights_summary(uuid) to authenticated, service_role;
comment on function public.get_insights_summary(uuid) is
  'Insight summary of an organization: {topInsights (3 active, priority then newest), totalActive, byPriority, lastGeneratedAt (last completed run)}. p_org_id first (users may belong to several organizations). Members (any role) and service_role; 42501 otherwise.';
