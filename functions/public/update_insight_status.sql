-- requires: functions/app/assert_object_role.sql
-- Marks an insight dismissed or acted_on; returns it (as in get_insights). The only way
-- members change an insight (they hold no UPDATE privilege on insights.ai_insights).
-- Callable by members of analyst role or above of the insight's organization and
-- service_role. Viewers, other members and anon: 42501; an insight that does not exist
-- answers 42501 to signed-in users with the same text as an insight of another
-- organization, 'insight <id> does not exist or is not in your organizations'
-- (app.assert_object_role: ids cannot be probed), and P0002 to service_role. p_status other than dismissed / acted_on: 22023. An expired
-- insight (status expired or past expires_at): 55000. Setting the status it already has
-- changes nothing. dismissed <-> acted_on is allowed (a member acts on an insight after
-- dismissing it, or corrects a click).
create or replace function public.update_insight_status(p_id uuid, p_status insights.insight_status)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_insight insights.ai_insights;
begin
  if p_status is null or p_status not in ('dismissed', 'acted_on') then
    raise exception 'status % cannot be set by a member', coalesce(p_status::text, 'NULL')
      using errcode = '22023', hint = 'Pass dismissed or acted_on.';
  end if;

  select i.* into v_insight from insights.ai_insights i where i.id = p_id for update;
  perform app.assert_object_role(v_insight.org_id, 'insight', p_id::text, 'analyst');

  if v_insight.status = 'expired' or (v_insight.status = 'active' and v_insight.expires_at <= pg_catalog.now()) then
    raise exception 'insight % has expired', p_id
      using errcode = '55000', hint = 'Expired insights cannot be dismissed or acted on; newer ones replace them.';
  end if;
  if v_insight.status = p_status then
    return insights.insight_json(v_insight);
  end if;

  update insights.ai_insights i
  set status = p_status,
      dismissed_at = case when p_status = 'dismissed' then pg_catalog.now() end,
      acted_on_at = case when p_status = 'acted_on' then pg_catalog.now() end,
      status_changed_by = auth.uid(),
      updated_at = pg_catalog.now()
  where i.id = p_id
  returning i.* into v_insight;
  return insights.insight_json(v_insight);
end;
$$;
revoke execute on function public.update_insight_status(uuid, insights.insight_status) from public, anon;
grant execute on function public.update_insight_status(uuid, insights.insight_status) to authenticated, service_role;
comment on function public.update_insight_status(uuid, insights.insight_status) is
  'Marks an insight dismissed or acted_on and returns it. Members of analyst role or above of its organization and service_role; 42501 otherwise (also for an unknown id, to signed-in users), 22023 for another status, 55000 when it has expired.';
