-- requires: functions/audience/visitor_key.sql
-- Records that a visitor opted out of an organization's profiling (audience.opt_outs);
-- returns when the opt-out was first recorded (recording it again keeps that time and
-- source). From then on the visitor appears in no person-level output: their customer
-- row (audience.customers) is deleted here at once and never rebuilt (the rollup's
-- compute function audience.compute_customers skips opted-out visitors), and hot leads (get_high_intent_visitors, get_hot_lead_detail),
-- segment previews and exports (preview_segment, materialize_segment) and
-- calculate_propensity_score leave them out. Aggregate dashboards still count their
-- anonymous events.
-- p_visitor_id: the visitor key (visitor_id, or 'user:<user id>' for signed-in users, as
-- audience.visitor_key); NULL: the caller's own key 'user:<auth.uid()>'. A user's key
-- also records an opt-out (with the user key's time and source, by which withdraw_opt_out
-- tells them from a device's own opt-out) for every visitor id that the
-- organization's events of trusted writers (service_role, ingest: not self_logged, as
-- app.user_identities links them) name together with that user (their devices: the
-- audience identity of an event is its visitor_id when it has one), and deletes the
-- customer rows of the user (a device named only in the user's self-logged events is left
-- out through the customer's user id, below); a device the user is first seen on later is left out by
-- audience.customers_now (the customer's user_id) until the user's opt-out is withdrawn.
-- p_source: api (default), do_not_track, user_request or support.
-- Callable by service_role and admins / owners for any visitor of the organization, and by
-- any signed-in user for themselves (p_visitor_id NULL or their own key; they need not be
-- a member, as in log_events).
-- Errors: 42501 anyone else (hint: admins, service_role, or the user themselves);
-- 22023 empty or too long (> 128 bytes) visitor key, unknown source; P0002 no such
-- organization.
create or replace function public.record_opt_out(p_org_id uuid, p_visitor_id text default null, p_source text default 'api')
returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key text := coalesce(p_visitor_id, audience.visitor_key(null, auth.uid()));
  v_at  timestamptz;
begin
  perform private.assert_opt_out_caller(p_org_id, v_key);
  if p_source is null or p_source not in ('api', 'do_not_track', 'user_request', 'support') then
    raise exception 'unknown opt-out source %', coalesce(pg_catalog.quote_literal(p_source), 'NULL')
      using errcode = '22023', hint = 'Use api, do_not_track, user_request or support.';
  end if;
  insert into audience.opt_outs as x (org_id, visitor_id, opted_out_at, source)
  values (p_org_id, v_key, pg_catalog.now(), p_source)
  on conflict on constraint pk_opt_outs do update set org_id = x.org_id
  returning x.opted_out_at into v_at;
  -- A user's key: the devices their events name opt out with it (the audience identity
  -- of an event is its visitor_id when it has one, so 'user:<id>' alone left them in).
  if v_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    insert into audience.opt_outs as x (org_id, visitor_id, opted_out_at, source)
    select distinct p_org_id, e.visitor_id, v_at, p_source
    from analytics.events as e
    where e.org_id = p_org_id and e.user_id = pg_catalog.substr(v_key, 6)::uuid
      and e.visitor_id is not null and e.visitor_id not like 'anon:%'
      and not e.self_logged   -- a device named only by a signed-in client is not theirs (anyone may name any device)
    on conflict on constraint pk_opt_outs do nothing;
    delete from audience.customers as c
    where c.org_id = p_org_id
      and (c.user_id = pg_catalog.substr(v_key, 6)::uuid
           or c.visitor_id in (select x.visitor_id from audience.opt_outs as x
                                where x.org_id = p_org_id and x.opted_out_at = v_at and x.source = p_source));
  end if;
  delete from audience.customers as c where c.org_id = p_org_id and c.visitor_id = v_key;
  return v_at;
end;
$$;
revoke execute on function public.record_opt_out(uuid, text, text) from public, anon;
grant execute on function public.record_opt_out(uuid, text, text) to authenticated, service_role;
comment on function public.record_opt_out(uuid, text, text) is
  'Records a visitor''s opt-out of the organization''s profiling (audience.opt_outs; source api, do_not_track, user_request or support) and deletes their customer row; returns when it was first recorded. They then appear in no person-level output (customers, hot leads, segments, exports, propensity). service_role and admins for any visitor key; a signed-in user for their own (p_visitor_id NULL). 42501 others; 22023 bad key or source.';
