-- requires: functions/audience/compile_segment_filter.sql
-- requires: functions/audience/customers_now.sql
-- How many customers of an organization a segment filter matches now (a count only,
-- nothing about who). Callable by members (analyst or above) and service_role.
-- The filter is validated and compiled by audience.compile_segment_filter (whitelisted
-- fields and operators; values are bound, never concatenated into SQL). Visitors who
-- opted out (audience.opt_outs) are never counted. Customers are the stored rows of the
-- customers rollup (audience.customers_now(org, false)) with stage, intent and propensity
-- derived at now(): a customer with an event or order received since the last refresh
-- counts as of that refresh (or not at all when new since); see audience.customers_now.
-- Retention: a customer's row is a lifetime profile. It keeps counting events that
-- retention has since pseudonymized or dropped (under its own visitor id) until the
-- customer is touched again (audience.compute_customers' header), so a recount from the
-- raw events kept differs for customers first seen before the last retention cutoff.
-- 42501: not a member / below analyst; 22023: invalid filter (the hint lists what is
-- allowed).
create or replace function public.preview_segment(p_org_id uuid, p_filter jsonb)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_count bigint;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  execute pg_catalog.format(
    'select pg_catalog.count(*) from audience.customers_now($2, false) as c where %s', audience.compile_segment_filter(p_filter))
    into v_count
    using p_filter, p_org_id;
  return v_count;
end;
$$;
revoke execute on function public.preview_segment(uuid, jsonb) from public, anon;
grant execute on function public.preview_segment(uuid, jsonb) to authenticated, service_role;
comment on function public.preview_segment(uuid, jsonb) is
  'Number of customers (audience.customers, opted-out visitors excluded) matching a segment filter (see audience.compile_segment_filter for fields and operators). Count only. Members (analyst+) and service_role; 42501 otherwise, 22023 invalid filter.';
