-- requires: functions/audience/visitor_user.sql
-- Whether a visitor is out of an organization's person-level outputs (audience.opt_outs):
-- its visitor key opted out, or the user it belongs to did ('user:<id>', recorded by
-- public.record_opt_out; a device first seen after that opt-out too). The user of a key is
-- audience.visitor_user's: named by a trusted writer (service_role, ingest), never by a
-- signed-in client alone (anyone may name any device in a self-logged event, and their
-- opt-out must not reach another person's device). Only organizations with a user's
-- opt-out look the user up (one index probe of audience.opt_outs otherwise).
-- SQL, inlined into the caller's query. Internal helper; owner only (callers are SECURITY
-- DEFINER RPCs and the customers rollup).
create or replace function audience.opted_out(p_org_id uuid, p_visitor_key text)
returns boolean
language sql
stable
as $$
  select exists (select 1 from audience.opt_outs as x where x.org_id = p_org_id and x.visitor_id = p_visitor_key)
      or (exists (select 1 from audience.opt_outs as x
                  where x.org_id = p_org_id and pg_catalog.left(x.visitor_id, 5) = 'user:')
          and exists (select 1 from audience.opt_outs as x
                      where x.org_id = p_org_id
                        and x.visitor_id = 'user:' || audience.visitor_user(p_org_id, p_visitor_key)::text))
$$;
revoke execute on function audience.opted_out(uuid, text) from public, anon, authenticated;
comment on function audience.opted_out(uuid, text) is
  'Whether the visitor key, or its user (audience.visitor_user: named by a trusted writer), opted out of the organization''s profiling (audience.opt_outs). Internal helper (owner only).';
