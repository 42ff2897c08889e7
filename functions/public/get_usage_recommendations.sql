-- The recommendations of one organization (usage.generate_recommendations), open ones
-- first, then by estimated monthly saving (largest first, none last) and kind: kind,
-- title, estimated_monthly_saving (USD per 30 days, computed in SQL), the evidence
-- numbers, status (open, dismissed, applied), created and updated times. A recommendation
-- keeps the evidence and saving of its last generation (usage.generate_recommendations, a
-- refresh step, rewrites an open one whose candidate still holds, by its dedup key); one whose
-- condition no longer holds stays open with its last evidence until dismissed or applied
-- (updated_at: when its content last changed).
-- Who: analysts and above. Errors: 42501 not a member or below analyst.
create or replace function public.get_usage_recommendations(p_org_id uuid)
returns table (id bigint, kind text, title text, estimated_monthly_saving numeric, evidence jsonb, status text,
               created_at timestamptz, updated_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  return query
  select r.id, r.kind::text, r.title, r.estimated_monthly_saving, r.evidence, r.status::text, r.created_at, r.updated_at
  from usage.recommendations as r
  where r.org_id = p_org_id
  order by r.status <> 'open', r.estimated_monthly_saving desc nulls last, r.kind, r.id;
end;
$$;
revoke execute on function public.get_usage_recommendations(uuid) from public, anon;
grant execute on function public.get_usage_recommendations(uuid) to authenticated, service_role;
comment on function public.get_usage_recommendations(uuid) is
  'Usage recommendations (cheaper model, prompt caching, routing, error hot spot) with evidence and estimated monthly saving. Analysts and above. 42501.';
