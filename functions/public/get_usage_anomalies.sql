-- The stored anomalies of one organization (usage.detect_anomalies) whose hour lies in
-- the local days [p_from, p_to), optionally only those with p_status (open,
-- acknowledged, resolved); newest hour first, then metric and scope. Each with its value,
-- the median and MAD of the same hour of week in previous weeks, the robust z-score,
-- severity and the evidence (thresholds: usage.thresholds, anomaly.*).
-- Who: analysts and above. Errors: 42501 not a member or below analyst; 22023 bad period
-- or unknown status.
create or replace function public.get_usage_anomalies(p_org_id uuid, p_from date, p_to date, p_status text default null)
returns table (id bigint, metric text, scope text, bucket_start timestamptz, value numeric, median numeric, mad numeric,
               z_score numeric, severity text, status text, evidence jsonb, detected_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_tz text;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  perform private.assert_period(p_from, p_to);
  if p_status is not null and p_status not in ('open', 'acknowledged', 'resolved') then
    raise exception 'unknown anomaly status %', p_status using errcode = '22023', hint = 'Use open, acknowledged or resolved (or NULL for all).';
  end if;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  return query
  select a.id, a.metric::text, a.scope::text, a.bucket_start, a.value, a.median, a.mad, a.z_score, a.severity::text,
         a.status::text, a.evidence, a.detected_at
  from usage.anomalies as a
  where a.org_id = p_org_id
    and a.bucket_start >= p_from::timestamp at time zone v_tz and a.bucket_start < p_to::timestamp at time zone v_tz
    and (p_status is null or a.status = p_status)
  order by a.bucket_start desc, a.metric, a.scope;
end;
$$;
revoke execute on function public.get_usage_anomalies(uuid, date, date, text) from public, anon;
grant execute on function public.get_usage_anomalies(uuid, date, date, text) to authenticated, service_role;
comment on function public.get_usage_anomalies(uuid, date, date, text) is
  'Stored usage anomalies (robust z-score per hour of week) of local days [p_from, p_to), optionally by status. Analysts and above. 42501; 22023 bad period or status.';
