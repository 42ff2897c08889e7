-- requires: functions/audience/opted_out.sql
-- requires: functions/audience/propensity_scores.sql
-- Propensity to buy (0..10) of one visitor of an organization, now. Callable by members
-- (analyst or above) and service_role.
-- Score, from the visitor's non-bot events of the last 30 days: +3 viewed a ticket CTA,
-- +4 started checkout, +1 repeat visitor (2 or more sessions; a session ends after 30
-- minutes without an event), -2 slow network (the network_type of the latest event is
-- slow-2g, 2g or 3g), +3 past purchaser (an order, any time before now, not refunded);
-- clamped to 0..10. A visitor with no activity scores 0. The same set-based definition
-- (audience.propensity_scores) scores many visitors at once in get_high_intent_visitors;
-- customer rows derive it from stored dates (audience.propensity_from_dates).
-- p_visitor_id is the visitor key (visitor_id, or 'user:<user_id>').
-- A visitor who opted out (audience.opt_outs), or whose user did (audience.opted_out, the
-- user as audience.visitor_user finds it), is not scored: NULL.
-- 42501: not a member / below analyst; 22023: p_visitor_id NULL, empty or over 128 bytes.
create or replace function public.calculate_propensity_score(p_org_id uuid, p_visitor_id text)
returns integer
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set jit = off
as $$
declare
  v_score integer;
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  if p_visitor_id is null or p_visitor_id = '' or pg_catalog.octet_length(p_visitor_id) > 128 then
    raise exception 'visitor id must have 1 to 128 bytes'
      using errcode = '22023', hint = 'Pass the visitor_id (or ''user:<user id>'' for signed-in activity without one).';
  end if;

  if audience.opted_out(p_org_id, p_visitor_id) then
    return null;
  end if;
  select s.propensity_score into v_score
  from audience.propensity_scores(array[p_org_id], array[p_visitor_id], pg_catalog.now()) as s;
  return coalesce(v_score, 0);
end;
$$;
revoke execute on function public.calculate_propensity_score(uuid, text) from public, anon;
grant execute on function public.calculate_propensity_score(uuid, text) to authenticated, service_role;
comment on function public.calculate_propensity_score(uuid, text) is
  'Propensity to buy 0..10 of one visitor now: +3 ticket CTA, +4 checkout started, +1 repeat visitor (2+ sessions), -2 slow network (latest event on slow-2g/2g/3g), all over the last 30 days, +3 past purchaser (order not refunded), clamped; 0 without activity; NULL for a visitor who opted out. Bots excluded. Members (analyst+) and service_role; 42501 otherwise, 22023 empty visitor id.';
