-- requires: functions/audience/compile_segment_filter.sql
-- requires: functions/audience/customers_now.sql
-- The customers of organization p_org_id that segment filter p_filter matches now, as
-- exported (audience.customers_now(org, false): the stored rows with stage and propensity
-- derived at now(); customers with activity received since the last refresh as of that
-- refresh, see audience.customers_now): opted-out visitors (audience.opt_outs) never appear; email and phone (the
-- visitor's active subscriptions in audience.subscribers) only when p_include_pii, else
-- NULL. Ordered by visitor_id. Internal: no membership check (the export RPCs check
-- first); executable by nobody but its owner and the definer RPCs that call it.
create or replace function audience.segment_members(p_org_id uuid, p_filter jsonb, p_include_pii boolean)
returns table (
  visitor_id       text,
  user_id          uuid,
  lifecycle_stage  audience.lifecycle_stage,
  intent_level     audience.intent_level,
  propensity_score smallint,
  engagement_score smallint,
  orders_count     integer,
  revenue_cents    bigint,
  first_source     text,
  last_source      text,
  device_type      text,
  country          text,
  city             text,
  first_seen_at    timestamptz,
  last_seen_at     timestamptz,
  email            text,
  phone            text
)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
begin
  return query execute pg_catalog.format(
    'select c.visitor_id::text, c.user_id, c.lifecycle_stage, c.intent_level, c.propensity_score, c.engagement_score,
            c.orders_count, c.revenue_cents, c.first_source::text, c.last_source::text, c.device_type::text,
            c.country::text, c.city, c.first_seen_at, c.last_seen_at, ct.email, ct.phone
     from audience.customers_now($2, false) as c
     left join lateral (
       select pg_catalog.min(sb.contact) filter (where sb.channel = ''email'') as email,
              pg_catalog.min(sb.contact) filter (where sb.channel = ''sms'') as phone
       from audience.subscribers as sb
       where $3
         and sb.org_id = c.org_id
         and sb.visitor_id = c.visitor_id
         and sb.unsubscribed_at is null
     ) as ct on true
     where %s
     order by c.visitor_id', audience.compile_segment_filter(p_filter))
    using p_filter, p_org_id, p_include_pii;
end;
$$;
revoke execute on function audience.segment_members(uuid, jsonb, boolean) from public, anon, authenticated;
comment on function audience.segment_members(uuid, jsonb, boolean) is
  'Internal: the customers a segment filter matches now in one organization, as exported (opt-outs excluded, contact details only with p_include_pii). No membership check: called by public.materialize_segment, public.request_segment_export and public.fetch_segment_export after theirs.';
