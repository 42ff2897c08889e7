-- Maintains audience.customers incrementally; returns the number of customer rows
-- touched (inserted, changed or deleted; a recomputed row that comes out identical is
-- not counted, so a second call without new activity returns 0).
-- Callable by service_role (audiencectl refresh) and DBA sessions; p_org_id NULL: every
-- organization.
--
-- Which visitors are recomputed (from their whole history, set-based):
--   * visitors with non-bot events received (analytics.events.received_at) since the
--     organization's watermark (audience.customer_watermarks; all events the first time);
--   * visitors whose orders (audience.orders) no longer match their row: a new order, a
--     refund, a deleted order;
--   * rows whose review_at has passed: a propensity signal left its 30-day window, or
--     60 / 180 days of inactivity made them at_risk / churned;
--   * visitors who opted out (audience.opt_outs): their row is deleted, never rebuilt.
-- Events pseudonymized by analytics.apply_retention (visitor_id 'anon:<key>') are never
-- profiled; with raw-event retention on, lifetime columns cover the retained events (and
-- all orders).
-- The new watermark is the start of the oldest other transaction still running (or now
-- when there is none; an hour ago for sessions whose start this role may not see), so an
-- event committed later by a transaction that began earlier is still picked up next
-- time: events are read from the watermark on, with no upper bound, and re-reading one is
-- harmless. This assumes received_at is the inserting transaction's now(), as every
-- ingestion path sets it.
-- Definitions of the columns: see comment on table audience.customers and the helpers
-- audience.lifecycle_stage_for, audience.engagement_score_for, audience.propensity_scores.
create or replace function audience.update_customers(p_org_id uuid default null)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now      timestamptz := pg_catalog.now();
  v_bound    timestamptz;
  v_orgs     uuid[];
  v_new_orgs uuid[];
  v_since    timestamptz;
  v_touched  bigint := 0;
  v_rows     bigint;
begin
  if p_org_id is not null and not exists (select 1 from app.organizations as o where o.id = p_org_id) then
    raise exception 'organization % does not exist', p_org_id
      using errcode = 'P0002', hint = 'Pass an existing organization id, or NULL for every organization.';
  end if;

  -- One run at a time (two refresh runs, or a run and a manual call).
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('audience.update_customers'));

  -- The next watermark, taken before any event is read (see the header).
  select least(pg_catalog.clock_timestamp(),
                          pg_catalog.min(coalesce(a.xact_start, v_now - interval '1 hour')))
  into v_bound
  from pg_catalog.pg_stat_activity as a
  where a.pid <> pg_catalog.pg_backend_pid()
    and a.backend_type = 'client backend'
    and (a.xact_start is not null or a.state is null);

  select pg_catalog.array_agg(o.id) into v_orgs
  from app.organizations as o
  where p_org_id is null or o.id = p_org_id;
  if v_orgs is null then
    return 0;
  end if;

  select pg_catalog.array_agg(o.id) filter (where w.org_id is null), pg_catalog.min(w.events_received)
  into v_new_orgs, v_since
  from pg_catalog.unnest(v_orgs) as o (id)
  left join audience.customer_watermarks as w on w.org_id = o.id;

  if pg_catalog.to_regclass('pg_temp.audience_update_candidates') is null then
    create temp table audience_update_candidates (
      org_id      uuid not null,
      visitor_key text collate "C" not null,
      visitor_id  text collate "C",
      key_user_id uuid,
      primary key (org_id, visitor_key)
    ) on commit drop;
    create temp table audience_update_orders (
      org_id          uuid not null,
      visitor_key     text collate "C" not null,
      visitor_id      text collate "C",
      key_user_id     uuid,
      user_id         uuid,
      orders_count    integer not null,
      revenue_cents   bigint not null,
      first_order_at  timestamptz,
      last_order_at   timestamptz,
      first_activity  timestamptz not null,
      last_activity   timestamptz not null,
      primary key (org_id, visitor_key)
    ) on commit drop;
  end if;
  truncate pg_temp.audience_update_candidates, pg_temp.audience_update_orders;

  -- Candidates 1: events received since the watermark (organizations with one: the BRIN
  -- index on received_at; organizations seen for the first time: their whole history).
  if v_since is not null then
    insert into pg_temp.audience_update_candidates (org_id, visitor_key, visitor_id, key_user_id)
    select distinct e.org_id, audience.visitor_key(e.visitor_id, e.user_id), e.visitor_id,
           case when e.visitor_id is null then e.user_id end
    from analytics.events as e
    join audience.customer_watermarks as w on w.org_id = e.org_id
    where e.received_at >= v_since
      and e.received_at >= w.events_received
      and e.org_id = any (v_orgs)
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
      and (e.visitor_id is null or e.visitor_id not like 'anon:%')
    on conflict do nothing;
  end if;
  if v_new_orgs is not null then
    insert into pg_temp.audience_update_candidates (org_id, visitor_key, visitor_id, key_user_id)
    select distinct e.org_id, audience.visitor_key(e.visitor_id, e.user_id), e.visitor_id,
           case when e.visitor_id is null then e.user_id end
    from analytics.events as e
    where e.org_id = any (v_new_orgs)
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
      and (e.visitor_id is null or e.visitor_id not like 'anon:%')
    on conflict do nothing;
  end if;

  -- Orders per visitor (all of them: orders are few next to events).
  insert into pg_temp.audience_update_orders
  select o.org_id, audience.visitor_key(o.visitor_id, o.user_id), o.visitor_id,
         case when o.visitor_id is null then o.user_id end,
         (pg_catalog.array_agg(o.user_id order by o.occurred_at desc) filter (where o.user_id is not null))[1],
         (pg_catalog.count(*) filter (where o.refunded_at is null))::integer,
         coalesce(pg_catalog.sum(o.amount_cents) filter (where o.refunded_at is null), 0),
         pg_catalog.min(o.occurred_at) filter (where o.refunded_at is null),
         pg_catalog.max(o.occurred_at) filter (where o.refunded_at is null),
         pg_catalog.min(o.occurred_at),
         pg_catalog.max(o.occurred_at)
  from audience.orders as o
  where o.org_id = any (v_orgs)
    and (o.visitor_id is not null or o.user_id is not null)
  group by o.org_id, audience.visitor_key(o.visitor_id, o.user_id), o.visitor_id,
           case when o.visitor_id is null then o.user_id end;

  -- Candidates 2: orders that do not match the stored row, and rows whose orders are gone.
  insert into pg_temp.audience_update_candidates (org_id, visitor_key, visitor_id, key_user_id)
  select r.org_id, r.visitor_key, r.visitor_id, r.key_user_id
  from pg_temp.audience_update_orders as r
  left join audience.customers as c on c.org_id = r.org_id and c.visitor_id = r.visitor_key
  where c.visitor_id is null
     or (r.orders_count, r.revenue_cents, r.first_order_at, r.last_order_at)
          is distinct from (c.orders_count, c.revenue_cents, c.first_order_at, c.last_order_at)
     or r.first_activity < c.first_seen_at
     or r.last_activity > c.last_seen_at
  on conflict do nothing;

  -- Candidates 3: rows gone stale with time (review_at passed; partial index on review_at).
  insert into pg_temp.audience_update_candidates (org_id, visitor_key, visitor_id, key_user_id)
  select c.org_id, c.visitor_id,
         case when c.visitor_id = audience.visitor_key(null, c.user_id) then null else c.visitor_id end,
         case when c.visitor_id = audience.visitor_key(null, c.user_id) then c.user_id end
  from audience.customers as c
  where c.org_id = any (v_orgs)
    and c.review_at <= v_now
  on conflict do nothing;

  -- Candidates 4: rows with orders recorded that have none any more (partial index on
  -- buyers).
  insert into pg_temp.audience_update_candidates (org_id, visitor_key, visitor_id, key_user_id)
  select c.org_id, c.visitor_id,
         case when c.visitor_id = audience.visitor_key(null, c.user_id) then null else c.visitor_id end,
         case when c.visitor_id = audience.visitor_key(null, c.user_id) then c.user_id end
  from audience.customers as c
  where c.org_id = any (v_orgs)
    and c.orders_count > 0
    and not exists (select 1 from pg_temp.audience_update_orders as r
                    where r.org_id = c.org_id and r.visitor_key = c.visitor_id)
  on conflict do nothing;

  -- Opted-out visitors: delete their rows, never rebuild them.
  delete from pg_temp.audience_update_candidates as k
  using audience.opt_outs as x
  where x.org_id = k.org_id and x.visitor_id = k.visitor_key;
  delete from audience.customers as c
  using audience.opt_outs as x
  where x.org_id = c.org_id and x.visitor_id = c.visitor_id and c.org_id = any (v_orgs);
  get diagnostics v_rows = row_count;
  v_touched := v_touched + v_rows;

  analyze pg_temp.audience_update_candidates;

  -- Recompute every candidate from its whole history.
  insert into audience.customers as c (
    org_id, visitor_id, user_id, first_seen_at, last_seen_at,
    first_source, first_medium, first_campaign, last_source, last_medium, last_campaign,
    device_type, country, city, events_count, sessions_count,
    orders_count, revenue_cents, aov_cents, first_order_at, last_order_at,
    engagement_score, propensity_score, intent_level, lifecycle_stage, review_at, refreshed_at)
  with ev as (
    select k.org_id, k.visitor_key, e.id, e.occurred_at, e.event_type, e.user_id,
           audience.channel_source(e.utm_source, e.referrer_domain) as source,
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain) as medium,
           audience.channel_campaign(e.utm_campaign) as campaign,
           e.utm_source is not null or e.referrer_domain is not null as has_channel,
           e.device_type, e.country, e.city
    from pg_temp.audience_update_candidates as k
    join analytics.events as e on e.org_id = k.org_id and e.visitor_id = k.visitor_id
    where not e.is_bot
    union all
    select k.org_id, k.visitor_key, e.id, e.occurred_at, e.event_type, e.user_id,
           audience.channel_source(e.utm_source, e.referrer_domain),
           audience.channel_medium(e.utm_source, e.utm_medium, e.referrer_domain),
           audience.channel_campaign(e.utm_campaign),
           e.utm_source is not null or e.referrer_domain is not null,
           e.device_type, e.country, e.city
    from pg_temp.audience_update_candidates as k
    join analytics.events as e on e.org_id = k.org_id and e.visitor_id is null and e.user_id = k.key_user_id
    where k.key_user_id is not null
      and not e.is_bot
  ),
  sequenced as (
    select ev.*,
           pg_catalog.lag(ev.occurred_at) over (partition by ev.org_id, ev.visitor_key order by ev.occurred_at, ev.id) as previous_at
    from ev
  ),
  stats as (
    select s.org_id, s.visitor_key,
           pg_catalog.min(s.occurred_at) as first_event_at,
           pg_catalog.max(s.occurred_at) as last_event_at,
           (pg_catalog.array_agg(s.source order by s.occurred_at, s.id))[1] as first_source,
           (pg_catalog.array_agg(s.medium order by s.occurred_at, s.id))[1] as first_medium,
           (pg_catalog.array_agg(s.campaign order by s.occurred_at, s.id))[1] as first_campaign,
           (pg_catalog.array_agg(s.source order by s.occurred_at desc, s.id desc) filter (where s.has_channel))[1] as last_source,
           (pg_catalog.array_agg(s.medium order by s.occurred_at desc, s.id desc) filter (where s.has_channel))[1] as last_medium,
           (pg_catalog.array_agg(s.campaign order by s.occurred_at desc, s.id desc) filter (where s.has_channel))[1] as last_campaign,
           (pg_catalog.array_agg(s.user_id order by s.occurred_at desc, s.id desc) filter (where s.user_id is not null))[1] as user_id,
           (pg_catalog.array_agg(s.device_type order by s.occurred_at desc, s.id desc) filter (where s.device_type is not null))[1] as device_type,
           (pg_catalog.array_agg(s.country order by s.occurred_at desc, s.id desc) filter (where s.country is not null))[1] as country,
           (pg_catalog.array_agg(s.city order by s.occurred_at desc, s.id desc) filter (where s.city is not null))[1] as city,
           pg_catalog.count(*) as events_count,
           pg_catalog.count(*) filter (where s.previous_at is null or s.occurred_at - s.previous_at >= interval '30 minutes') as sessions_count,
           pg_catalog.count(*) filter (where s.event_type in ('play', 'like', 'share', 'comment', 'follow', 'subscribe', 'download')) as engaged_events
    from sequenced as s
    group by s.org_id, s.visitor_key
  ),
  scores as (
    select p.*
    from audience.propensity_scores(
           (select pg_catalog.array_agg(k.org_id order by k.org_id, k.visitor_key) from pg_temp.audience_update_candidates as k),
           (select pg_catalog.array_agg(k.visitor_key order by k.org_id, k.visitor_key) from pg_temp.audience_update_candidates as k),
           v_now) as p
  ),
  merged as (
    select k.org_id, k.visitor_key,
           coalesce(s.user_id, r.user_id) as user_id,
           least(s.first_event_at, r.first_activity) as first_seen_at,
           greatest(s.last_event_at, r.last_activity) as last_seen_at,
           coalesce(s.first_source, '(direct)') as first_source,
           coalesce(s.first_medium, '(none)') as first_medium,
           coalesce(s.first_campaign, '(none)') as first_campaign,
           coalesce(s.last_source, '(direct)') as last_source,
           coalesce(s.last_medium, '(none)') as last_medium,
           coalesce(s.last_campaign, '(none)') as last_campaign,
           s.device_type, s.country, s.city,
           coalesce(s.events_count, 0) as events_count,
           coalesce(s.sessions_count, 0) as sessions_count,
           coalesce(r.orders_count, 0) as orders_count,
           coalesce(r.revenue_cents, 0) as revenue_cents,
           pg_catalog.round(r.revenue_cents::numeric / nullif(r.orders_count, 0))::bigint as aov_cents,
           r.first_order_at, r.last_order_at,
           audience.engagement_score_for(s.sessions_count, s.engaged_events) as engagement_score,
           coalesce(p.propensity_score, 0) as propensity_score,
           p.review_at as score_review_at
    from pg_temp.audience_update_candidates as k
    left join stats as s on s.org_id = k.org_id and s.visitor_key = k.visitor_key
    left join pg_temp.audience_update_orders as r on r.org_id = k.org_id and r.visitor_key = k.visitor_key
    left join scores as p on p.org_id = k.org_id and p.visitor_key = k.visitor_key
    where s.visitor_key is not null or r.visitor_key is not null
  )
  select m.org_id, m.visitor_key, m.user_id, m.first_seen_at, m.last_seen_at,
         m.first_source, m.first_medium, m.first_campaign, m.last_source, m.last_medium, m.last_campaign,
         m.device_type, m.country, m.city, m.events_count, m.sessions_count,
         m.orders_count, m.revenue_cents, m.aov_cents, m.first_order_at, m.last_order_at,
         m.engagement_score, m.propensity_score::smallint,
         audience.intent_level_for(m.propensity_score),
         audience.lifecycle_stage_for(m.orders_count, m.engagement_score, m.last_seen_at, v_now),
         least(m.score_review_at,
                          case when m.last_seen_at + interval '60 days' > v_now then m.last_seen_at + interval '60 days' end,
                          case when m.last_seen_at + interval '180 days' > v_now then m.last_seen_at + interval '180 days' end),
         v_now
  from merged as m
  on conflict (org_id, visitor_id) do update
    set user_id = excluded.user_id, first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
        first_source = excluded.first_source, first_medium = excluded.first_medium, first_campaign = excluded.first_campaign,
        last_source = excluded.last_source, last_medium = excluded.last_medium, last_campaign = excluded.last_campaign,
        device_type = excluded.device_type, country = excluded.country, city = excluded.city,
        events_count = excluded.events_count, sessions_count = excluded.sessions_count,
        orders_count = excluded.orders_count, revenue_cents = excluded.revenue_cents, aov_cents = excluded.aov_cents,
        first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at,
        engagement_score = excluded.engagement_score, propensity_score = excluded.propensity_score,
        intent_level = excluded.intent_level, lifecycle_stage = excluded.lifecycle_stage,
        review_at = excluded.review_at, refreshed_at = excluded.refreshed_at
    where (c.user_id, c.first_seen_at, c.last_seen_at, c.first_source, c.first_medium, c.first_campaign,
           c.last_source, c.last_medium, c.last_campaign, c.device_type, c.country, c.city,
           c.events_count, c.sessions_count, c.orders_count, c.revenue_cents, c.aov_cents,
           c.first_order_at, c.last_order_at, c.engagement_score, c.propensity_score,
           c.intent_level, c.lifecycle_stage, c.review_at)
          is distinct from
          (excluded.user_id, excluded.first_seen_at, excluded.last_seen_at, excluded.first_source,
           excluded.first_medium, excluded.first_campaign, excluded.last_source, excluded.last_medium,
           excluded.last_campaign, excluded.device_type, excluded.country, excluded.city,
           excluded.events_count, excluded.sessions_count, excluded.orders_count, excluded.revenue_cents,
           excluded.aov_cents, excluded.first_order_at, excluded.last_order_at, excluded.engagement_score,
           excluded.propensity_score, excluded.intent_level, excluded.lifecycle_stage, excluded.review_at);
  get diagnostics v_rows = row_count;
  v_touched := v_touched + v_rows;

  -- Candidates left without any activity (e.g. only bot events, or deleted data).
  delete from audience.customers as c
  using pg_temp.audience_update_candidates as k
  where c.org_id = k.org_id and c.visitor_id = k.visitor_key
    and not exists (select 1 from pg_temp.audience_update_orders as r
                    where r.org_id = k.org_id and r.visitor_key = k.visitor_key)
    and not exists (select 1 from analytics.events as e
                    where e.org_id = k.org_id and e.visitor_id = k.visitor_id and not e.is_bot)
    and not exists (select 1 from analytics.events as e
                    where e.org_id = k.org_id and e.visitor_id is null and e.user_id = k.key_user_id and not e.is_bot);
  get diagnostics v_rows = row_count;
  v_touched := v_touched + v_rows;

  insert into audience.customer_watermarks as w (org_id, events_received, updated_at)
  select o.id, v_bound, pg_catalog.clock_timestamp()
  from pg_catalog.unnest(v_orgs) as o (id)
  on conflict (org_id) do update set events_received = excluded.events_received, updated_at = excluded.updated_at;

  truncate pg_temp.audience_update_candidates, pg_temp.audience_update_orders;
  return v_touched;
end;
$$;
revoke execute on function audience.update_customers(uuid) from public, anon, authenticated;
grant execute on function audience.update_customers(uuid) to service_role;
comment on function audience.update_customers(uuid) is
  'Incrementally maintains audience.customers for one organization (or all when NULL): recomputes visitors with events received since the watermark, with changed orders, or whose review_at passed; deletes opted-out visitors. Returns the rows inserted, changed or deleted (0 when nothing changed). service_role / DBA only.';
