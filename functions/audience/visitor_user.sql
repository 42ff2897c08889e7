-- The user a visitor key belongs to in an organization, for opt-outs (audience.opted_out):
-- for 'user:<id>' that id; for a visitor_id the user id of its latest non-bot event that
-- names one and was logged by a trusted writer (service_role, ingest: not self_logged, as
-- app.user_identities links them), by occurred_at then id; NULL when none does. Read
-- through the (org_id, visitor_id, occurred_at) index, newest first.
-- SQL, inlined. Internal helper; owner only.
create or replace function audience.visitor_user(p_org_id uuid, p_visitor_key text)
returns uuid
language sql
stable
as $$
  select case when p_visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then pg_catalog.substr(p_visitor_key, 6)::uuid
              else (select e.user_id from analytics.events as e
                    where e.org_id = p_org_id and e.visitor_id = p_visitor_key
                      and e.user_id is not null and not e.is_bot and not e.self_logged
                    order by e.occurred_at desc, e.id desc
                    limit 1) end
$$;
revoke execute on function audience.visitor_user(uuid, text) from public, anon, authenticated;
comment on function audience.visitor_user(uuid, text) is
  'The user of a visitor key: the id of ''user:<id>'', else the user id of the visitor''s latest non-bot event logged by a trusted writer that names one (NULL: none). Internal helper (owner only).';
