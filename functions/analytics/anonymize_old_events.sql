-- requires: functions/private/pseudonymize_visitor.sql
-- requires: functions/private/hmac_uuid.sql
-- requires: functions/analytics/personal_property_keys.sql
-- Step 2 of analytics.apply_retention (see its header for the rules): replaces the
-- identifiers of the covered events with occurred_at before p_cutoff that are still in
-- analytics.events (content_created excepted, rows already anonymized skipped) by keyed
-- hashes, and removes the personal keys of their properties
-- (analytics.personal_property_keys()). Returns the number of rows changed. Also run by apply_retention before it
-- archives partitions, so that archived rows carry no identifier.
-- Internal helper of analytics.apply_retention: owner only.
create or replace function analytics.anonymize_old_events(p_cutoff timestamptz)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_rows bigint;
begin
  update analytics.events as e
     -- A row anonymized already (taken again for a personal property key) keeps its hashes.
     set visitor_id = case when e.visitor_id ~ '^anon:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then e.visitor_id
                           when e.visitor_id is not null or e.user_id is not null then
                        'anon:' || private.pseudonymize_visitor(k.inner_pad, k.outer_pad, e.org_id,
                                                       coalesce(e.visitor_id, 'user:' || e.user_id::text))::text end,
         user_id = case when e.visitor_id ~ '^anon:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then e.user_id
                        when e.user_id is not null then
                     private.hmac_uuid(k.inner_pad, k.outer_pad, e.org_id::text || ':user_id:' || e.user_id::text) end,
         session_id = case when e.session_id is not null and pg_catalog.left(e.session_id, 5) <> 'anon:' then
                        'anon:' || private.hmac_uuid(k.inner_pad, k.outer_pad, e.org_id::text || ':session:' || e.session_id)::text
                        else e.session_id end,
         properties = e.properties - analytics.personal_property_keys()
    from private.pseudonymization_key as k
   where k.id = 1
     and e.occurred_at < p_cutoff
     and e.event_type <> 'content_created'
     and (   (e.visitor_id is not null
              and e.visitor_id !~ '^anon:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
          or (e.visitor_id is null and e.user_id is not null)
          or (e.visitor_id is null and e.user_id is null and pg_catalog.left(e.session_id, 5) <> 'anon:')
          or e.properties ?| analytics.personal_property_keys())
     and e.received_at < (select coalesce(pg_catalog.min(r.watermark), 'infinity') from private.rollups as r);
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;
revoke execute on function analytics.anonymize_old_events(timestamptz) from public, anon, authenticated;
comment on function analytics.anonymize_old_events(timestamptz) is
  'Pseudonymizes the identifiers of the covered raw events before p_cutoff still stored (step 2 of analytics.apply_retention). Internal (owner only).';
