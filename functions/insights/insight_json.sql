-- One insight as the public RPCs return it (camelCase keys). status is the effective one:
-- an active insight past expires_at reads as expired even before insights.expire_stale
-- has run. Callable by authenticated and service_role (it reads only its argument).
create or replace function insights.insight_json(p_insight insights.ai_insights)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p_insight.id,
    'type', p_insight.insight_type,
    'category', p_insight.category,
    'priority', p_insight.priority,
    'title', p_insight.title,
    'description', p_insight.description,
    'actionSuggestion', p_insight.action_suggestion,
    'confidence', p_insight.confidence,
    'dataSnapshot', p_insight.data_snapshot,
    'subjectKey', p_insight.subject_key,
    'periodStart', p_insight.period_start,
    'periodEnd', p_insight.period_end,
    'comparisonStart', p_insight.comparison_start,
    'comparisonEnd', p_insight.comparison_end,
    'status', case when p_insight.status = 'active' and p_insight.expires_at <= pg_catalog.now()
                   then 'expired'::insights.insight_status else p_insight.status end,
    'createdAt', p_insight.created_at,
    'updatedAt', p_insight.updated_at,
    'expiresAt', p_insight.expires_at,
    'dismissedAt', p_insight.dismissed_at,
    'actedOnAt', p_insight.acted_on_at)
$$;
revoke execute on function insights.insight_json(insights.ai_insights) from public, anon;
grant execute on function insights.insight_json(insights.ai_insights) to authenticated, service_role;
comment on function insights.insight_json(insights.ai_insights) is
  'An insight as the public RPCs return it: {id, type, category, priority, title, description, actionSuggestion, confidence, dataSnapshot, subjectKey, periodStart, periodEnd, comparisonStart, comparisonEnd, status (effective), createdAt, updatedAt, expiresAt, dismissedAt, actedOnAt}.';
