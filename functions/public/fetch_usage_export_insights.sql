-- requires: functions/usage/fetchable_export.sql
-- Step 2 of a usage export requested with p_include_insights (public.request_usage_export),
-- after its rows: the organization's stored, grounded insights of the period, one row each,
-- anomalies first (by bucket_start, scope, id), then recommendations (by id):
-- * record 'anomaly': usage.anomalies with bucket_start in the local days [from_date,
--   to_date); kind = the metric, scope, bucket_start, severity, status, value (the
--   observed value), evidence (median, MAD, z-score and the rest of the stored snapshot);
-- * record 'recommendation': usage.recommendations open at the request or created in the period;
--   kind, title, status, estimated_monthly_saving, evidence.
-- The numbers are the stored rows' (computed in SQL by the detection and rule steps), never
-- recomputed or rephrased here. Columns a record does not have are NULL.
-- As of the request, like the export's rows: the request kept these rows
-- (private.usage_export_insights, migration 1266), so a status changed, an anomaly detected
-- or a recommendation created since does not change what the export answers, and every
-- fetch of one export answers the same.
-- Callable by the requester (analyst or above) and service_role (any request).
-- Errors: those of usage.fetchable_export (42501 alike for a missing request and another
-- user's, 55000 not committed yet / expired, 22023 NULL id); 55000 when the export was
-- requested without insights.
create or replace function public.fetch_usage_export_insights(p_export_id bigint)
returns table (
  record text, id bigint, kind text, scope text, bucket_start timestamptz, severity text, status text, title text,
  value numeric, estimated_monthly_saving numeric, evidence jsonb
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_export usage.exports := usage.fetchable_export(p_export_id, (select e.grain from usage.exports as e where e.id = p_export_id));
begin
  if not v_export.include_insights then
    raise exception 'usage export % was requested without insights', p_export_id
      using errcode = '55000', hint = 'Request the export with p_include_insights => true (audiencectl export usage --include-insights).';
  end if;
  return query
  select i.record collate "default", i.id, i.kind collate "default", i.scope collate "default", i.bucket_start,
         i.severity collate "default", i.status collate "default", i.title, i.value, i.estimated_monthly_saving, i.evidence
  from private.usage_export_insights as i
  where i.org_id = v_export.org_id and i.export_id = v_export.id
  order by 1, 5, 4, 2;
end;
$$;
revoke execute on function public.fetch_usage_export_insights(bigint) from public, anon;
grant execute on function public.fetch_usage_export_insights(bigint) to authenticated, service_role;
comment on function public.fetch_usage_export_insights(bigint) is
  'Step 2 of a usage export with insights: the organization''s stored anomalies of the period and its recommendations (open at the request, or created in the period), as they were at the request. The requester (analyst+) or service_role; after the request committed. 42501; 55000 not committed, expired or requested without insights; 22023 NULL id.';
