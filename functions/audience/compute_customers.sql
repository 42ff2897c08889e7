-- requires: functions/audience/opted_out.sql
-- requires: functions/private/register_rollup.sql
-- requires: functions/audience/visitor_key.sql
-- requires: functions/audience/channel_source.sql
-- requires: functions/audience/channel_medium.sql
-- requires: functions/audience/channel_campaign.sql
-- requires: functions/audience/engagement_score_for.sql
-- Compute function of the rollup audience.customers (migrations/0010, 0640): the complete
-- rows of every customer (organization, visitor key = audience.visitor_key) touched by a
-- row received in [p_after, p_upto) (p_org_id NULL: every organization), recomputed from
-- all of that customer's non-bot events and orders, or continued from the stored row
-- (below). Touched by:
--   * analytics.events.received_at (the registered source): a non-bot event of the key
--     (visitor ids pseudonymized by retention, 'anon:...', are never profiled);
--   * audience.orders.received_at (the second source): an order stored, or changed (a
--     trigger bumps received_at on every update: a refund, a correction);
--   * audience.orders_removed.received_at: the old key of a deleted order, or of an order
--     moved to another visitor (written by the triggers of audience.orders, which also
--     delete that customer's stored row: a key whose activity is all gone gets no row).
-- The engine's safe bound (private.received_upper_bound) is database-wide, so it covers
-- all three (each writes the writing transaction's now() or clock_timestamp()).
-- Raw-event retention (analytics.apply_retention) pseudonymizes or drops old events without
-- touching their customers: a stored row keeps counting them until the customer is touched
-- again (then, like a rebuild, it counts the retained events and all orders).
-- Visitors who opted out (audience.opt_outs), or whose user did (audience.opted_out: the
-- user a trusted writer named; a device first seen after the opt-out too), are never
-- returned; their rows are deleted by
-- public.record_opt_out (and by audience.update_customers, for a row an apply wrote from a
-- snapshot taken before the opt-out).
-- Columns (definitions in the comments of audience.customers): first/last seen over
-- events and orders (refunded included), first touch (first event), last touch (latest
-- event with utm_source or a referrer), the latest user id, device, country and city
-- reported, events, sessions (a gap of 30 minutes or more starts one), orders, revenue and
-- AOV without refunded orders, lifetime engagement, and the dates from which time-relative
-- values are derived at read time (audience.customers_now): latest event and its network
-- type, latest ticket CTA, latest checkout start, the event before the latest 30-minute gap.
-- A touched customer whose stored row exists and whose new events (received in
-- [p_after, p_upto)) all occurred after the stored row's last event is not recomputed from
-- its history: its row is the stored row continued by the new events ("fast"). Every
-- column then combines exactly: counts and sessions add up (the first new event starts a
-- session when it comes 30 minutes or more after the stored last event), the latest
-- values (last touch, user id, device, country, city, network type) are the new events'
-- where they carry one, maxima and minima combine, first touch stays, last_gap_at may
-- become the stored last event, and the engagement score (least(100, 5 x sessions + 2 x
-- engaged events)) adds 5 and 2 per new session and engaged event, as its sum below 100
-- is exact and 100 stays 100.
-- A customer with a new event at or before its stored last event ("late") is recomputed
-- from its first new event on: its events from that instant (stored ones, received before
-- p_after, and the new ones) and the stored event just before it; the stored row minus
-- the stored events read is the part before ("prefix": its events and sessions, its
-- first touch, its latest values where the later part has none, its last gap when that
-- lies before). Where that part cannot decide (the last gap of the stored row was in the
-- later part and no gap is left there; a score of 100 whose sessions fell), and for
-- 'user:<id>' keys, the whole history is read.
-- These rest on the stored row reflecting exactly the events received before the
-- watermark: every read here takes received_at < p_upto, and an apply of main's earlier
-- code (which also counted events committed while it ran) is excluded for late keys by
-- requiring their new events to be received after the last apply ended
-- (private.rollups.applied_at; continued keys need nothing: an event counted twice would
-- make the key late). The whole history is also read with no stored row (new customer,
-- opt-out withdrawn, erased), on a touch by orders or removed orders (orders are always
-- recomputed), and for a stored first_seen_at before the last retention cutoff or the
-- first raw event kept (analytics.retention_state: retention may have pseudonymized or
-- dropped events that the stored row still counts; not covered: an earlier run with a
-- later cutoff than the last run's, i.e. retention lengthened since, for a customer not
-- touched between the two runs), unless it is trimmed (below).
-- A customer that qualified for "fast" except that retention pseudonymized some of the
-- events its stored row counts ("trimmed") is not read from its history either: its
-- stored row is first trimmed of those events, then continued by the new ones. It
-- qualifies when its stored row has no order (and the key none in audience.orders), its
-- first event lies before the last cutoff and its last event at or after it, its first
-- event at or after raw_events_from, and that first event (now pseudonymized) was
-- pseudonymized by the first run whose cutoff lies after it (analytics.retention_state's
-- run history: it was received before that run's covered bound). Then no event from the
-- first event on was pseudonymized before the stored row was computed (the runs before
-- that one had cutoffs at or before the first event; that run found the first event
-- unpseudonymized, so it came after the computation), and every one pseudonymized since
-- had been applied (each run applies the rollup first): the stored row counts exactly
-- every event of the key from its first event on that is pseudonymized now ('anon:' ||
-- private.pseudonymize_visitor of the key, found by the visitor index: P), and every
-- event still the key's (R). The customer's first event still its own must lie
-- at or after the last cutoff (no event before it left unpseudonymized: a late event
-- before a cutoff, or a content_created event, sends the key to its whole history) and
-- after the last event of P, so P is a prefix in time: events and sessions subtract (the first event of R starts a
-- session of its own), engaged events too (a stored score of 100 is kept only when the
-- sessions left give 100), first seen and first touch are R's first event, a latest
-- value that P also carried is kept only when an event of R carries one (an index
-- probe, only then), and the dates at or after R's first event are kept, the others
-- cleared (the latest such event lay in P). An erasure (app.erase_user) that deletes
-- pseudonymized events of a key deletes all of them (their pseudonymous key is linked to
-- the user), the stored first event among them whenever the row counts any: it is then not
-- found, and the key is read from its history (contract audience_customers_retention, t10). A key that does not qualify or whose score cannot be
-- decided is read from its whole history.
-- One sort of the touched customers' events by (customer, occurred_at desc, id desc) and
-- one window pass, no ordered aggregate; a full rebuild (private.reset_rollup + apply) is this statement over
-- (-infinity, bound), which reads the events and the orders in one scan each, without
-- collecting touched keys first (the rows are then driven by the events and orders).
-- work_mem 256MB: the sort of a full rebuild stays in memory (1M events: ~150 MB; with
-- the default it spilled to disk), and no parallel workers (on 2 cores the Gather Merge of
-- the sorted halves cost more than the sort).
-- plpgsql only for its settings: a custom plan for each call (the range decides between
-- one scan and index probes), and no JIT (compiling this plan cost more than running it:
-- 82 s against 39 s for a full build at 1M events). Internal: the engine
-- (private.apply_rollup, private.rollup_rows); owner only.
create or replace function audience.compute_customers(p_org_id uuid, p_after timestamptz, p_upto timestamptz)
returns setof audience.customers
language plpgsql
stable
set jit = off
set plan_cache_mode = force_custom_plan
set work_mem = '256MB'
set max_parallel_workers_per_gather = 0
as $$
begin
  return query
  with new_ev as materialized (
    select e.org_id, audience.visitor_key(e.visitor_id, e.user_id) as visitor_key, e.id, e.occurred_at, e.event_type,
           e.user_id, e.utm_source, e.utm_medium, e.utm_campaign, e.referrer_domain, e.device_type, e.country, e.city,
           e.network_type, e.received_at
    from analytics.events as e
    where p_after > '-infinity'
      and e.received_at >= p_after and e.received_at < p_upto
      and (p_org_id is null or e.org_id = p_org_id)
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
      and (e.visitor_id is null or e.visitor_id not like 'anon:%')
  ),
  touched as (
    select n.org_id, n.visitor_key, n.occurred_at as new_first, n.received_at as new_received, false as by_orders
    from new_ev as n
    union all
    select o.org_id, audience.visitor_key(o.visitor_id, o.user_id), null, null, true
    from audience.orders as o
    where p_after > '-infinity'
      and o.received_at >= p_after and o.received_at < p_upto
      and (p_org_id is null or o.org_id = p_org_id)
      and (o.visitor_id is not null or o.user_id is not null)
    union all
    select r.org_id, r.visitor_id, null, null, true
    from audience.orders_removed as r
    where p_after > '-infinity'
      and r.received_at >= p_after and r.received_at < p_upto
      and (p_org_id is null or r.org_id = p_org_id)
  ),
  touched_keys as (
    select t.org_id, t.visitor_key collate "C" as visitor_key, pg_catalog.min(t.new_first) as new_first,
           pg_catalog.min(t.new_received) as new_received, pg_catalog.bool_or(t.by_orders) as by_orders
    from touched as t
    group by 1, 2
    order by 1, 2   -- the stored rows are then read in key order (index and heap pages in turn)
  ),
  -- fast: continued from the stored row; late: recomputed from the first new event on (see the header).
  keys as materialized (
    select t.org_id, t.visitor_key,
           case when t.visitor_key ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                then pg_catalog.substr(t.visitor_key, 6)::uuid end as key_user_id,
           coalesce(not t.by_orders and t.new_first > c.last_event_at
                    and c.first_seen_at >= (select coalesce(greatest(s.last_cutoff, s.raw_events_from), '-infinity')
                                            from analytics.retention_state as s where s.id = 1),
                    false) as fast,
           coalesce(not t.by_orders and t.new_first <= c.last_event_at
                    and t.visitor_key !~ '^user:'
                    and c.first_seen_at >= (select coalesce(greatest(s.last_cutoff, s.raw_events_from), '-infinity')
                                            from analytics.retention_state as s where s.id = 1)
                    and t.new_received >= (select r.applied_at from private.rollups as r where r.name = 'audience.customers'),
                    false) as late,
           coalesce(not t.by_orders and t.new_first > c.last_event_at
                    and t.visitor_key !~ '^user:'
                    and c.first_seen_at < rs.last_cutoff
                    and c.last_event_at >= rs.last_cutoff
                    and c.first_seen_at >= coalesce(rs.raw_events_from, '-infinity')
                    and c.orders_count = 0 and c.first_order_at is null
                    and not exists (select 1 from audience.orders as o where o.org_id = t.org_id and o.visitor_id = t.visitor_key),
                    false) as trim,
           rs.last_cutoff,
           t.new_first,
           c.last_event_at as stored_last_at,
           c as stored
    from touched_keys as t
    left join audience.customers as c on c.org_id = t.org_id and c.visitor_id = t.visitor_key
    left join analytics.retention_state as rs on rs.id = 1
    where not exists (select 1 from audience.opt_outs as x where x.org_id = t.org_id and x.visitor_id = t.visitor_key)
  ),
  -- Late keys: their events from the first new one on (stored: received before p_after,
  -- i.e. counted by the stored row; new: received in [p_after, p_upto)) and the stored
  -- event just before them; the part of the stored row before them ("prefix") is the
  -- stored row minus the stored events read here.
  late_keys as materialized (
    select k.org_id, k.visitor_key, k.new_first, k.stored,
           -- the day before first (one or two partitions), then all before it
           coalesce((select e.occurred_at from analytics.events as e
                     where e.org_id = k.org_id and e.visitor_id = k.visitor_key
                       and e.occurred_at >= k.new_first - interval '1 day' and e.occurred_at < k.new_first
                       and not e.is_bot and e.received_at < p_after
                     order by e.occurred_at desc limit 1),
                    (select e.occurred_at from analytics.events as e
                     where e.org_id = k.org_id and e.visitor_id = k.visitor_key
                       and e.occurred_at >= (k.stored).first_seen_at and e.occurred_at < k.new_first - interval '1 day'
                       and not e.is_bot and e.received_at < p_after
                     order by e.occurred_at desc limit 1)) as prev_at
    from keys as k
    where k.late
  ),
  late_ev as (
    select k.org_id, k.visitor_key, k.prev_at, k.stored, e.id, e.occurred_at, e.event_type, e.user_id, e.utm_source,
           e.utm_medium, e.utm_campaign, e.referrer_domain, e.device_type, e.country, e.city, e.network_type,
           e.received_at < p_after as is_stored
    from late_keys as k
    join analytics.events as e on e.org_id = k.org_id and e.visitor_id = k.visitor_key and e.occurred_at >= k.new_first
    where not e.is_bot
      and e.received_at < p_upto
  ),
  late_sequenced as (
    select l.*,
           pg_catalog.row_number() over w as rn,
           pg_catalog.lag(l.occurred_at) over w as previous_at,
           pg_catalog.lead(l.occurred_at) over w as next_at,
           pg_catalog.lag(l.occurred_at) over (partition by l.org_id, l.visitor_key, l.is_stored order by l.occurred_at, l.id) as previous_same_at
    from late_ev as l
    window w as (partition by l.org_id, l.visitor_key order by l.occurred_at, l.id)
  ),
  late_positioned as (
    select s.*,
           pg_catalog.max(s.rn) over c as last_rn,
           pg_catalog.max(s.rn) filter (where s.utm_source is not null or s.referrer_domain is not null) over c as channel_rn,
           pg_catalog.max(s.rn) filter (where s.user_id is not null) over c as user_rn,
           pg_catalog.max(s.rn) filter (where s.device_type is not null) over c as device_rn,
           pg_catalog.max(s.rn) filter (where s.country is not null) over c as country_rn,
           pg_catalog.max(s.rn) filter (where s.city is not null) over c as city_rn
    from late_sequenced as s
    window c as (partition by s.org_id, s.visitor_key)
  ),
  late_stats as (
    select s.org_id, s.visitor_key,
           (pg_catalog.array_agg(s.stored))[1] as stored,
           pg_catalog.min(s.prev_at) as prev_at,
           pg_catalog.min(s.occurred_at) as first_at,
           pg_catalog.max(s.occurred_at) as last_event_at,
           pg_catalog.max(s.channel_rn) as channel_rn,
           pg_catalog.min(audience.channel_source(s.utm_source, s.referrer_domain)) filter (where s.rn = 1) as first_source,
           pg_catalog.min(audience.channel_medium(s.utm_source, s.utm_medium, s.referrer_domain)) filter (where s.rn = 1) as first_medium,
           pg_catalog.min(audience.channel_campaign(s.utm_campaign)) filter (where s.rn = 1) as first_campaign,
           pg_catalog.min(audience.channel_source(s.utm_source, s.referrer_domain)) filter (where s.rn = s.channel_rn) as last_source,
           pg_catalog.min(audience.channel_medium(s.utm_source, s.utm_medium, s.referrer_domain)) filter (where s.rn = s.channel_rn) as last_medium,
           pg_catalog.min(audience.channel_campaign(s.utm_campaign)) filter (where s.rn = s.channel_rn) as last_campaign,
           pg_catalog.min(s.user_id::text) filter (where s.rn = s.user_rn)::uuid as user_id,
           pg_catalog.min(s.device_type) filter (where s.rn = s.device_rn) as device_type,
           pg_catalog.min(s.country) filter (where s.rn = s.country_rn) as country,
           pg_catalog.min(s.city) filter (where s.rn = s.city_rn) as city,
           pg_catalog.min(s.network_type) filter (where s.rn = s.last_rn) as last_network_type,
           pg_catalog.count(*) filter (where not s.is_stored) as new_events,
           pg_catalog.count(*) filter (where coalesce(s.occurred_at - coalesce(s.previous_at, s.prev_at) >= interval '30 minutes', true)) as sessions,
           pg_catalog.count(*) filter (where s.is_stored and coalesce(s.occurred_at - coalesce(s.previous_same_at, s.prev_at) >= interval '30 minutes', true)) as stored_sessions,
           pg_catalog.count(*) filter (where not s.is_stored and s.event_type in ('play', 'like', 'share', 'comment', 'follow', 'subscribe', 'download')) as new_engaged,
           pg_catalog.max(s.occurred_at) filter (where s.event_type = 'ticket_cta') as last_ticket_cta_at,
           pg_catalog.max(s.occurred_at) filter (where s.event_type = 'checkout_started') as last_checkout_at,
           pg_catalog.max(s.occurred_at) filter (where s.next_at - s.occurred_at >= interval '30 minutes') as last_gap_at
    from late_positioned as s
    group by s.org_id, s.visitor_key
  ),
  -- The combined sessions and the score; a late key whose score or last gap the suffix
  -- cannot decide (a capped score whose sessions fell, the stored last gap filled by a
  -- late event) is recomputed with the others.
  late_rows as (
    select l.*,
           (l.stored).sessions_count - l.stored_sessions + l.sessions as sessions_count,
           greatest(l.last_gap_at,
                    case when l.first_at - l.prev_at >= interval '30 minutes' then l.prev_at end) as suffix_gap_at,
           (l.stored).engagement_score < 100
             or 5 * (l.sessions - l.stored_sessions) + 2 * l.new_engaged >= 0 as score_known,
           case when l.prev_at is null or l.last_gap_at is not null or l.first_at - l.prev_at >= interval '30 minutes' then true
                else coalesce((l.stored).last_gap_at is null or (l.stored).last_gap_at < l.prev_at, false) end as gap_known
    from late_stats as l
  ),
  -- Trimmed keys: the stored row without the events that retention pseudonymized since it
  -- was computed (see the header). P: those events, found under their pseudonymous key
  -- from the stored first event on; first: the customer's first event still its own (it
  -- must lie at or after the last cutoff: no event before it is left to the customer).
  trim_rows as materialized (
    select k.org_id, k.visitor_key, k.stored_last_at,
           f.occurred_at >= k.last_cutoff and f.occurred_at > p.p_last and p.p_events > 0
             -- received before the covered bound of the first run whose cutoff follows it
             and p.p_first_received < (select r.covered_upto
                                       from rows from (pg_catalog.unnest(rs.run_cutoffs), pg_catalog.unnest(rs.run_covered_upto))
                                            with ordinality as r (cutoff, covered_upto, n)
                                       where r.cutoff > (k.stored).first_seen_at
                                       order by r.n
                                       limit 1)
             and ((k.stored).engagement_score < 100
                  or 5 * ((k.stored).sessions_count - p.p_sessions + (f.occurred_at - p.p_last < interval '30 minutes')::integer) >= 100)
             as ok,
           row((k.stored).org_id, (k.stored).visitor_id,
               case when p.p_user and not x.r_user then null else (k.stored).user_id end,
               f.occurred_at, (k.stored).last_seen_at,
               coalesce(audience.channel_source(f.utm_source, f.referrer_domain), '(direct)'),
               coalesce(audience.channel_medium(f.utm_source, f.utm_medium, f.referrer_domain), '(none)'),
               coalesce(audience.channel_campaign(f.utm_campaign), '(none)'),
               case when p.p_channel and not x.r_channel then '(direct)' else (k.stored).last_source end,
               case when p.p_channel and not x.r_channel then '(none)' else (k.stored).last_medium end,
               case when p.p_channel and not x.r_channel then '(none)' else (k.stored).last_campaign end,
               case when p.p_device and not x.r_device then null else (k.stored).device_type end,
               case when p.p_country and not x.r_country then null else (k.stored).country end,
               case when p.p_city and not x.r_city then null else (k.stored).city end,
               (k.stored).events_count - p.p_events,
               (k.stored).sessions_count - p.p_sessions + (f.occurred_at - p.p_last < interval '30 minutes')::integer,
               0, 0, null, null, null,
               case when (k.stored).engagement_score < 100
                    then audience.engagement_score_for(
                           (k.stored).sessions_count - p.p_sessions + (f.occurred_at - p.p_last < interval '30 minutes')::integer,
                           ((k.stored).engagement_score - 5 * (k.stored).sessions_count) / 2 - p.p_engaged)
                    else 100::smallint end,
               (k.stored).last_event_at, (k.stored).last_network_type,
               case when (k.stored).last_ticket_cta_at >= f.occurred_at then (k.stored).last_ticket_cta_at end,
               case when (k.stored).last_checkout_at >= f.occurred_at then (k.stored).last_checkout_at end,
               case when (k.stored).last_gap_at >= f.occurred_at then (k.stored).last_gap_at end
              )::audience.customers as stored
    from keys as k
    cross join private.pseudonymization_key as pk
    cross join analytics.retention_state as rs
    cross join lateral (
      select pg_catalog.count(*) as p_events,
             pg_catalog.count(*) filter (where a.previous_at is null or a.occurred_at - a.previous_at >= interval '30 minutes') as p_sessions,
             pg_catalog.count(*) filter (where a.event_type in ('play', 'like', 'share', 'comment', 'follow', 'subscribe', 'download')) as p_engaged,
             pg_catalog.max(a.occurred_at) as p_last,
             pg_catalog.max(a.received_at) filter (where a.occurred_at = (k.stored).first_seen_at) as p_first_received,
             coalesce(pg_catalog.bool_or(a.utm_source is not null or a.referrer_domain is not null), false) as p_channel,
             coalesce(pg_catalog.bool_or(a.user_id is not null), false) as p_user,
             coalesce(pg_catalog.bool_or(a.device_type is not null), false) as p_device,
             coalesce(pg_catalog.bool_or(a.country is not null), false) as p_country,
             coalesce(pg_catalog.bool_or(a.city is not null), false) as p_city
      from (select e.occurred_at, e.received_at, e.event_type, e.user_id, e.utm_source, e.referrer_domain, e.device_type, e.country, e.city,
                   pg_catalog.lag(e.occurred_at) over (order by e.occurred_at, e.id) as previous_at
            from analytics.events as e
            where e.org_id = k.org_id
              and e.visitor_id = 'anon:' || private.pseudonymize_visitor(pk.inner_pad, pk.outer_pad, k.org_id, k.visitor_key)::text
              and e.occurred_at >= (k.stored).first_seen_at
              and not e.is_bot) as a
    ) as p
    cross join lateral (
      select e.occurred_at, e.utm_source, e.utm_medium, e.utm_campaign, e.referrer_domain
      from analytics.events as e
      where e.org_id = k.org_id and e.visitor_id = k.visitor_key and not e.is_bot and e.received_at < p_after
      order by e.occurred_at, e.id
      limit 1
    ) as f
    -- whether an event still the customer's carries what P's last carrier did (read only then)
    cross join lateral (
      select not p.p_channel or exists (select 1 from analytics.events as e
                                        where e.org_id = k.org_id and e.visitor_id = k.visitor_key and not e.is_bot
                                          and e.received_at < p_after and (e.utm_source is not null or e.referrer_domain is not null)) as r_channel,
             not p.p_user or exists (select 1 from analytics.events as e
                                     where e.org_id = k.org_id and e.visitor_id = k.visitor_key and not e.is_bot
                                       and e.received_at < p_after and e.user_id is not null) as r_user,
             not p.p_device or exists (select 1 from analytics.events as e
                                       where e.org_id = k.org_id and e.visitor_id = k.visitor_key and not e.is_bot
                                         and e.received_at < p_after and e.device_type is not null) as r_device,
             not p.p_country or exists (select 1 from analytics.events as e
                                        where e.org_id = k.org_id and e.visitor_id = k.visitor_key and not e.is_bot
                                          and e.received_at < p_after and e.country is not null) as r_country,
             not p.p_city or exists (select 1 from analytics.events as e
                                     where e.org_id = k.org_id and e.visitor_id = k.visitor_key and not e.is_bot
                                       and e.received_at < p_after and e.city is not null) as r_city
    ) as x
    where k.trim and pk.id = 1 and rs.id = 1
  ),
  -- The keys continued from a stored row: fast ones from it, trimmed ones from it trimmed.
  cont as (
    select k.org_id, k.visitor_key, k.stored_last_at, k.stored from keys as k where k.fast
    union all
    select t.org_id, t.visitor_key, t.stored_last_at, t.stored from trim_rows as t where t.ok
  ),
  slow_keys as (
    select k.org_id, k.visitor_key, k.key_user_id from keys as k where not k.fast and not k.late and not k.trim
    union all
    select l.org_id, l.visitor_key, null::uuid
    from late_rows as l
    where not (l.score_known and l.gap_known)
    union all
    select k.org_id, k.visitor_key, null::uuid
    from keys as k
    where k.trim
      and not exists (select 1 from trim_rows as t where t.ok and t.org_id = k.org_id and t.visitor_key = k.visitor_key)
  ),
  -- The events of the touched customers. Every key touched (a full rebuild from
  -- -infinity, which computes no touched keys): all profiled events in one scan, no join
  -- (opted-out keys are dropped at the end); otherwise the index on (org_id, visitor_id,
  -- occurred_at) per key, and the partial index on user_id for 'user:<id>' keys. The same
  -- customers either way; p_after only picks the access path. Orders likewise.
  ev as (
    select e.org_id, audience.visitor_key(e.visitor_id, e.user_id) as visitor_key, e.id, e.occurred_at, e.event_type,
           e.user_id, e.utm_source, e.utm_medium, e.utm_campaign, e.referrer_domain, e.device_type, e.country, e.city,
           e.network_type
    from analytics.events as e
    where p_after = '-infinity'
      and e.received_at < p_upto
      and (p_org_id is null or e.org_id = p_org_id)
      and not e.is_bot
      and (e.visitor_id is not null or e.user_id is not null)
      and (e.visitor_id is null or e.visitor_id not like 'anon:%')
    union all
    select k.org_id, k.visitor_key, e.id, e.occurred_at, e.event_type, e.user_id, e.utm_source, e.utm_medium,
           e.utm_campaign, e.referrer_domain, e.device_type, e.country, e.city, e.network_type
    from slow_keys as k
    join analytics.events as e on e.org_id = k.org_id and e.visitor_id = k.visitor_key
    where p_after > '-infinity'
      and not e.is_bot
      and e.received_at < p_upto
    union all
    select k.org_id, k.visitor_key, e.id, e.occurred_at, e.event_type, e.user_id, e.utm_source, e.utm_medium,
           e.utm_campaign, e.referrer_domain, e.device_type, e.country, e.city, e.network_type
    from slow_keys as k
    join analytics.events as e on e.org_id = k.org_id and e.visitor_id is null and e.user_id = k.key_user_id
    where p_after > '-infinity'
      and k.key_user_id is not null
      and not e.is_bot
      and e.received_at < p_upto
  ),
  -- One sort by (customer, occurred_at desc, id desc) and one window pass in that order,
  -- latest event first: the neighbours, and running counts of the events that carry each
  -- attribute, so that the aggregation below needs no ordered aggregate and no second
  -- pass over each customer's events: "the value of the last event with X" is the value
  -- of the event with X whose running count is 1, the first event is the one without a
  -- previous event, the last event the one without a next event. (occurred_at, id) is
  -- unique: a running frame holds exactly the events up to the current one.
  sequenced as (
    select ev.*,
           pg_catalog.lead(ev.occurred_at) over w as previous_at,
           pg_catalog.lag(ev.occurred_at) over w as next_at,
           pg_catalog.count(*) filter (where ev.utm_source is not null or ev.referrer_domain is not null) over w as channel_k,
           pg_catalog.count(ev.user_id) over w as user_k,
           pg_catalog.count(ev.device_type) over w as device_k,
           pg_catalog.count(ev.country) over w as country_k,
           pg_catalog.count(ev.city) over w as city_k
    from ev
    window w as (partition by ev.org_id, ev.visitor_key order by ev.occurred_at desc, ev.id desc)
  ),
  stats as (
    select s.org_id, s.visitor_key,
           pg_catalog.min(s.occurred_at) as first_event_at,
           pg_catalog.max(s.occurred_at) as last_event_at,
           pg_catalog.min(audience.channel_source(s.utm_source, s.referrer_domain)) filter (where s.previous_at is null) as first_source,
           pg_catalog.min(audience.channel_medium(s.utm_source, s.utm_medium, s.referrer_domain)) filter (where s.previous_at is null) as first_medium,
           pg_catalog.min(audience.channel_campaign(s.utm_campaign)) filter (where s.previous_at is null) as first_campaign,
           pg_catalog.min(audience.channel_source(s.utm_source, s.referrer_domain))
             filter (where s.channel_k = 1 and (s.utm_source is not null or s.referrer_domain is not null)) as last_source,
           pg_catalog.min(audience.channel_medium(s.utm_source, s.utm_medium, s.referrer_domain))
             filter (where s.channel_k = 1 and (s.utm_source is not null or s.referrer_domain is not null)) as last_medium,
           pg_catalog.min(audience.channel_campaign(s.utm_campaign))
             filter (where s.channel_k = 1 and (s.utm_source is not null or s.referrer_domain is not null)) as last_campaign,
           pg_catalog.min(s.user_id::text) filter (where s.user_k = 1 and s.user_id is not null)::uuid as user_id,
           pg_catalog.min(s.device_type) filter (where s.device_k = 1 and s.device_type is not null) as device_type,
           pg_catalog.min(s.country) filter (where s.country_k = 1 and s.country is not null) as country,
           pg_catalog.min(s.city) filter (where s.city_k = 1 and s.city is not null) as city,
           pg_catalog.min(s.network_type) filter (where s.next_at is null) as last_network_type,
           pg_catalog.count(*) as events_count,
           pg_catalog.count(*) filter (where s.previous_at is null or s.occurred_at - s.previous_at >= interval '30 minutes') as sessions_count,
           pg_catalog.count(*) filter (where s.event_type in ('play', 'like', 'share', 'comment', 'follow', 'subscribe', 'download')) as engaged_events,
           pg_catalog.max(s.occurred_at) filter (where s.event_type = 'ticket_cta') as last_ticket_cta_at,
           pg_catalog.max(s.occurred_at) filter (where s.event_type = 'checkout_started') as last_checkout_at,
           pg_catalog.max(s.occurred_at) filter (where s.next_at - s.occurred_at >= interval '30 minutes') as last_gap_at
    from sequenced as s
    group by s.org_id, s.visitor_key
  ),
  order_rows as (
    select o.org_id, audience.visitor_key(o.visitor_id, o.user_id), o.user_id, o.occurred_at, o.amount_cents, o.refunded_at
    from audience.orders as o
    where p_after = '-infinity'
      and (p_org_id is null or o.org_id = p_org_id)
      and (o.visitor_id is not null or o.user_id is not null)
    union all
    select k.org_id, k.visitor_key, o.user_id, o.occurred_at, o.amount_cents, o.refunded_at
    from slow_keys as k
    join audience.orders as o on o.org_id = k.org_id and o.visitor_id = k.visitor_key
    union all
    select k.org_id, k.visitor_key, o.user_id, o.occurred_at, o.amount_cents, o.refunded_at
    from slow_keys as k
    join audience.orders as o on o.org_id = k.org_id and o.visitor_id is null and o.user_id = k.key_user_id
    where k.key_user_id is not null
  ),
  orders as (
    select r.org_id, r.visitor_key,
           (pg_catalog.array_agg(r.user_id order by r.occurred_at desc) filter (where r.user_id is not null))[1] as user_id,
           (pg_catalog.count(*) filter (where r.refunded_at is null))::integer as orders_count,
           coalesce(pg_catalog.sum(r.amount_cents) filter (where r.refunded_at is null), 0)::bigint as revenue_cents,
           pg_catalog.min(r.occurred_at) filter (where r.refunded_at is null) as first_order_at,
           pg_catalog.max(r.occurred_at) filter (where r.refunded_at is null) as last_order_at,
           pg_catalog.min(r.occurred_at) as first_activity,
           pg_catalog.max(r.occurred_at) as last_activity
    from order_rows as r
    group by r.org_id, r.visitor_key
  ),
  -- The fast keys: their new events in order, the stored row's last event before the
  -- first of them (every new event is later than it). Sessions, gaps and "the last event
  -- with X" continue the stored row's; the later values replace its values.
  fast_sequenced as (
    select n.*, k.stored_last_at,
           pg_catalog.row_number() over w as rn,
           pg_catalog.lag(n.occurred_at) over w as previous_at,
           pg_catalog.lead(n.occurred_at) over w as next_at
    from new_ev as n
    join cont as k on k.org_id = n.org_id and k.visitor_key = n.visitor_key
    window w as (partition by n.org_id, n.visitor_key order by n.occurred_at, n.id)
  ),
  fast_positioned as (
    select s.*,
           pg_catalog.max(s.rn) over c as last_rn,
           pg_catalog.max(s.rn) filter (where s.utm_source is not null or s.referrer_domain is not null) over c as channel_rn,
           pg_catalog.max(s.rn) filter (where s.user_id is not null) over c as user_rn,
           pg_catalog.max(s.rn) filter (where s.device_type is not null) over c as device_rn,
           pg_catalog.max(s.rn) filter (where s.country is not null) over c as country_rn,
           pg_catalog.max(s.rn) filter (where s.city is not null) over c as city_rn
    from fast_sequenced as s
    window c as (partition by s.org_id, s.visitor_key)
  ),
  fast_stats as (
    select s.org_id, s.visitor_key,
           pg_catalog.min(s.occurred_at) as first_new_at,
           pg_catalog.max(s.occurred_at) as last_event_at,
           pg_catalog.max(s.channel_rn) as channel_rn,
           pg_catalog.min(audience.channel_source(s.utm_source, s.referrer_domain)) filter (where s.rn = s.channel_rn) as last_source,
           pg_catalog.min(audience.channel_medium(s.utm_source, s.utm_medium, s.referrer_domain)) filter (where s.rn = s.channel_rn) as last_medium,
           pg_catalog.min(audience.channel_campaign(s.utm_campaign)) filter (where s.rn = s.channel_rn) as last_campaign,
           pg_catalog.min(s.user_id::text) filter (where s.rn = s.user_rn)::uuid as user_id,
           pg_catalog.min(s.device_type) filter (where s.rn = s.device_rn) as device_type,
           pg_catalog.min(s.country) filter (where s.rn = s.country_rn) as country,
           pg_catalog.min(s.city) filter (where s.rn = s.city_rn) as city,
           pg_catalog.min(s.network_type) filter (where s.rn = s.last_rn) as last_network_type,
           pg_catalog.count(*) as events_count,
           pg_catalog.count(*) filter (where s.occurred_at - coalesce(s.previous_at, s.stored_last_at) >= interval '30 minutes') as sessions_count,
           pg_catalog.count(*) filter (where s.event_type in ('play', 'like', 'share', 'comment', 'follow', 'subscribe', 'download')) as engaged_events,
           pg_catalog.max(s.occurred_at) filter (where s.event_type = 'ticket_cta') as last_ticket_cta_at,
           pg_catalog.max(s.occurred_at) filter (where s.event_type = 'checkout_started') as last_checkout_at,
           pg_catalog.max(s.occurred_at) filter (where s.next_at - s.occurred_at >= interval '30 minutes') as last_gap_at
    from fast_positioned as s
    group by s.org_id, s.visitor_key
  )
  select coalesce(s.org_id, r.org_id), coalesce(s.visitor_key, r.visitor_key),
         coalesce(s.user_id, r.user_id),
         least(s.first_event_at, r.first_activity),
         greatest(s.last_event_at, r.last_activity),
         coalesce(s.first_source, '(direct)'), coalesce(s.first_medium, '(none)'), coalesce(s.first_campaign, '(none)'),
         coalesce(s.last_source, '(direct)'), coalesce(s.last_medium, '(none)'), coalesce(s.last_campaign, '(none)'),
         s.device_type, s.country::char(2), s.city,
         coalesce(s.events_count, 0), coalesce(s.sessions_count, 0),
         coalesce(r.orders_count, 0), coalesce(r.revenue_cents, 0),
         pg_catalog.round(r.revenue_cents::numeric / nullif(r.orders_count, 0))::bigint,
         r.first_order_at, r.last_order_at,
         audience.engagement_score_for(s.sessions_count, s.engaged_events),
         s.last_event_at, s.last_network_type, s.last_ticket_cta_at, s.last_checkout_at, s.last_gap_at
  from stats as s
  full join orders as r on r.org_id = s.org_id and r.visitor_key = s.visitor_key
  where not exists (select 1 from audience.opt_outs as x
                    where x.org_id = coalesce(s.org_id, r.org_id) and x.visitor_id = coalesce(s.visitor_key, r.visitor_key))
    -- a user's opt-out (audience.opted_out): looked up only in the organizations that have one
    and not (coalesce(s.org_id, r.org_id) in (select u.org_id from audience.opt_outs as u where pg_catalog.left(u.visitor_id, 5) = 'user:')
             and audience.opted_out(coalesce(s.org_id, r.org_id), coalesce(s.visitor_key, r.visitor_key)))
  union all
  -- The stored row with the new events: counts add up; the score, 5 x sessions + 2 x
  -- engaged events capped at 100, is below 100 only as exactly that sum, so it adds up too.
  select c.org_id, c.visitor_id, coalesce(f.user_id, c.user_id),
         least(c.first_seen_at, f.first_new_at), greatest(c.last_seen_at, f.last_event_at),
         c.first_source, c.first_medium, c.first_campaign,
         case when f.channel_rn is null then c.last_source else coalesce(f.last_source, '(direct)') end,
         case when f.channel_rn is null then c.last_medium else coalesce(f.last_medium, '(none)') end,
         case when f.channel_rn is null then c.last_campaign else coalesce(f.last_campaign, '(none)') end,
         coalesce(f.device_type, c.device_type), coalesce(f.country::char(2), c.country), coalesce(f.city, c.city),
         c.events_count + f.events_count, c.sessions_count + f.sessions_count,
         c.orders_count, c.revenue_cents, c.aov_cents, c.first_order_at, c.last_order_at,
         least(100, c.engagement_score + 5 * f.sessions_count + 2 * f.engaged_events)::smallint,
         f.last_event_at, f.last_network_type,
         greatest(c.last_ticket_cta_at, f.last_ticket_cta_at), greatest(c.last_checkout_at, f.last_checkout_at),
         greatest(c.last_gap_at, f.last_gap_at,
                  case when f.first_new_at - c.last_event_at >= interval '30 minutes' then c.last_event_at end)
  from fast_stats as f
  join cont as k on k.org_id = f.org_id and k.visitor_key = f.visitor_key
  cross join lateral (select (k.stored).*) as c
  where not (c.org_id in (select u.org_id from audience.opt_outs as u where pg_catalog.left(u.visitor_id, 5) = 'user:')
             and audience.opted_out(c.org_id, c.visitor_id))
  union all
  -- A late key: the stored row's prefix (before the first new event) with the suffix
  -- recomputed; the engaged events of the stored row are (score - 5 x sessions) / 2 when
  -- its score is below 100.
  select c.org_id, c.visitor_id, coalesce(l.user_id, c.user_id),
         least(c.first_seen_at, l.first_at), greatest(c.last_seen_at, l.last_event_at),
         case when l.prev_at is null then coalesce(l.first_source, '(direct)') else c.first_source end,
         case when l.prev_at is null then coalesce(l.first_medium, '(none)') else c.first_medium end,
         case when l.prev_at is null then coalesce(l.first_campaign, '(none)') else c.first_campaign end,
         case when l.channel_rn is null then c.last_source else coalesce(l.last_source, '(direct)') end,
         case when l.channel_rn is null then c.last_medium else coalesce(l.last_medium, '(none)') end,
         case when l.channel_rn is null then c.last_campaign else coalesce(l.last_campaign, '(none)') end,
         coalesce(l.device_type, c.device_type), coalesce(l.country::char(2), c.country), coalesce(l.city, c.city),
         c.events_count + l.new_events, l.sessions_count,
         c.orders_count, c.revenue_cents, c.aov_cents, c.first_order_at, c.last_order_at,
         case when c.engagement_score < 100
              then audience.engagement_score_for(l.sessions_count, (c.engagement_score - 5 * c.sessions_count) / 2 + l.new_engaged)
              else 100::smallint end,
         l.last_event_at, l.last_network_type,
         greatest(c.last_ticket_cta_at, l.last_ticket_cta_at), greatest(c.last_checkout_at, l.last_checkout_at),
         coalesce(l.suffix_gap_at, case when c.last_gap_at < l.prev_at then c.last_gap_at end)
  from late_rows as l
  cross join lateral (select (l.stored).*) as c
  where l.score_known and l.gap_known
    and not (c.org_id in (select u.org_id from audience.opt_outs as u where pg_catalog.left(u.visitor_id, 5) = 'user:')
             and audience.opted_out(c.org_id, c.visitor_id));
end;
$$;
revoke execute on function audience.compute_customers(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function audience.compute_customers(uuid, timestamptz, timestamptz) is
  'Compute function of the rollup audience.customers: complete rows of the customers touched by events, orders (stored or changed) and removed orders received in [p_after, p_upto), recomputed from all their non-bot events and orders; opted-out visitors never. Internal (owner only).';

-- Registered with the rollup engine here, beside its compute function. Source: the event
-- log; the second source (audience.orders.received_at, and audience.orders_removed) is read
-- by the compute function in the same range under the same database-wide safe bound.
select private.register_rollup(
  'audience.customers', 'analytics.events', 'audience.customers', 'audience.compute_customers',
  array['org_id', 'visitor_id'], null, '{}',
  'One row per customer (organization, visitor key): lifetime activity, orders and the dates that stage and propensity are derived from at read time. Sources: analytics.events and audience.orders (received_at), audience.orders_removed.');
