-- requires: functions/private/hmac_uuid.sql
-- The pseudonymous key of a visitor in an organization, from its visitor key text
-- p_ident = visitor_id, else 'user:<user_id>' (audience.visitor_key's rule): the HMAC of
-- '<org_id>:<p_ident>' as a uuid; NULL when p_ident is NULL. An anonymized visitor_id
-- 'anon:<uuid>' (written by analytics.apply_retention) already is that key and is
-- returned as is, so anonymizing events does not change distinct-visitor counts.
-- Internal helper of the rollups, RPCs and erasure; not callable by API roles.
create or replace function private.pseudonymize_visitor(p_inner_pad bytea, p_outer_pad bytea, p_org_id uuid,
                                                        p_ident text)
returns uuid
language sql
stable
parallel safe
as $$
  select case
           when p_ident is null then null
           when pg_catalog.left(p_ident, 5) = 'anon:'
                and p_ident ~ '^anon:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             then pg_catalog.substr(p_ident, 6)::uuid
           else private.hmac_uuid(p_inner_pad, p_outer_pad, p_org_id::text || ':' || p_ident)
         end
$$;
revoke execute on function private.pseudonymize_visitor(bytea, bytea, uuid, text) from public, anon, authenticated;
comment on function private.pseudonymize_visitor(bytea, bytea, uuid, text) is
  'Pseudonymous visitor key (uuid) of a visitor key text (visitor_id, else ''user:<user_id>'') in an organization; ''anon:<uuid>'' maps to its uuid. Internal helper.';
