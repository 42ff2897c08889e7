-- Whether a usage.user_days row lies in a budget's scope: org (always), team, project,
-- feature (equal value), user (user_id as text) or model ("provider/model").
create or replace function usage.in_budget_scope(p_scope text, p_scope_value text, p_user_id uuid, p_team text,
                                                 p_project text, p_feature text, p_provider text, p_model text)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_scope
           when 'org' then true
           when 'team' then p_team = p_scope_value
           when 'project' then p_project = p_scope_value
           when 'feature' then p_feature = p_scope_value
           when 'user' then p_user_id::text = p_scope_value
           when 'model' then p_provider || '/' || p_model = p_scope_value
           else false end
$$;
revoke execute on function usage.in_budget_scope(text, text, uuid, text, text, text, text, text) from public, anon;
grant execute on function usage.in_budget_scope(text, text, uuid, text, text, text, text, text) to authenticated, service_role;
comment on function usage.in_budget_scope(text, text, uuid, text, text, text, text, text) is
  'True when a rollup row (user, team, project, feature, provider, model) lies in a budget''s scope.';
