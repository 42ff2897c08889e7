-- Stores a batch of at most 1,000 events; answers {accepted, duplicates, rejected} where
-- rejected is [{index, reason}] (index: 0-based position in p_events; reason: a code of
-- analytics.parse_event(), or unknown_org / forbidden, below). Valid events are stored
-- even when others of the batch are rejected.
-- Callable by service_role (any organization, any user_id) and by signed-in users
-- (authenticated) about themselves only; anon may not call it.
--
-- Rules for a signed-in user (auth.uid()), each failure rejecting that event only:
--   * user_id must be absent (it is then set to auth.uid()) or equal auth.uid()
--     ('forbidden: user_id');
--   * visitor_id may be any device id the client keeps, but not another user's audience
--     identity 'user:<id>' nor an anonymized one 'anon:...' ('forbidden: visitor_id'). A
--     visitor id named only by signed-in clients is never linked to the user for export
--     or erasure (app.user_identities): anyone can name any visitor id;
--   * the organization must exist, but the user need NOT be a member: the events of an
--     organization are about its audience (fans, visitors), who are not its members;
--   * only types marked client_loggable in analytics.event_types ('forbidden: event_type':
--     purchase, tip, e-mail and export events come from trusted back ends), and no
--     revenue_cents ('forbidden: revenue_cents'), so that nobody can inflate an
--     organization's revenue.
-- For everyone: the organization must exist ('unknown_org: <id>'; events have no foreign
-- key, see analytics.events).
-- Do-not-track: an event with "dnt": true is stored without visitor_id, user_id and
-- session_id (analytics.parse_event): it counts in event totals, never as a visitor; the
-- same holds for `audiencectl ingest` (analytics.ingest_staged), which shares the parser.
-- Idempotent, per writer: an event whose (org_id, writer, client_event_id, occurred_at) is
-- already stored, or repeated within the batch, is counted in duplicates and not stored
-- again. The writer is the signed-in caller (the event is stored with self_logged = true
-- and user_id = auth.uid(); a do-not-track event of a signed-in caller keeps no user_id, so
-- all such events share one "anonymous signed-in" writer) or, for service_role, the trusted
-- back end (shared with ingest and the seeds). Keys of different writers never collide: a
-- stranger who logs an event with a guessed client_event_id and time cannot make the
-- organization's own event with that key a duplicate. Events without client_event_id are
-- never deduplicated.
-- Set-based: one plain INSERT ... SELECT for the whole batch; only when an event of it is
-- stored already, the same with ON CONFLICT DO NOTHING (below). The first statement runs
-- in a subtransaction (an exception block): a caller that sends more than 64 batches in
-- one transaction overflows the per-backend subtransaction cache, which slows every
-- session's snapshots; send one batch per transaction (as PostgREST does).
-- Raises 22023 when p_events is not a JSON array or holds more than 1,000 events, 42501
-- when the caller is neither service_role nor signed in.
create or replace function public.log_events(p_events jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
-- One plan per session: with custom plans (the default for the first calls, and then
-- forever, since a custom plan always looks cheaper) every call planned the inlined
-- analytics.parse_event again, 5 to 40 ms per call whatever the batch size.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_now      timestamptz := pg_catalog.now();
  v_service  boolean := app.is_service_session();
  v_user_id  uuid := auth.uid();
  v_valid    bigint;
  v_accepted bigint;
  v_rejected jsonb;
begin
  if not v_service and v_user_id is null then
    raise exception 'not signed in'
      using errcode = '42501', hint = 'Sign in to log events about yourself, or call as service_role.';
  end if;
  if p_events is null or pg_catalog.jsonb_typeof(p_events) <> 'array' then
    raise exception 'p_events must be a JSON array of event objects'
      using errcode = '22023', hint = 'Send [{"org_id": ..., "event_type": ..., "occurred_at": ...}, ...].';
  end if;
  if pg_catalog.jsonb_array_length(p_events) > 1000 then
    raise exception 'a batch holds at most 1000 events; this one holds %', pg_catalog.jsonb_array_length(p_events)
      using errcode = '22023', hint = 'Split the events into batches of 1000 or fewer.';
  end if;

  -- The work set (analytics.check_event_batch: index, reason, row) is computed by each
  -- of the two statements below; the second runs only when the first fails.
  -- First a plain INSERT of the valid events: when none is stored yet and no key repeats
  -- within the batch, as is usual, this is all, and a plain insert costs about 5 us per
  -- event less than INSERT ... ON CONFLICT (its speculative insertion). If an event is
  -- stored already (a resent batch, or a concurrent session storing the same event) or
  -- repeated in the batch, the unique index raises 23505, the block undoes the whole
  -- insert, and the batch is stored again with ON CONFLICT DO NOTHING, which counts that
  -- event as a duplicate. Either way the counts are exact. (Leaving the repeats out of
  -- the first statement with a window over the keys cost 2 us per event on every batch.)
  begin
    with checked as materialized (
      select c.idx, c.reason, c.event_row
      from analytics.check_event_batch(p_events, v_now, v_service, v_user_id) as c
    ),
    inserted as (
      insert into analytics.events overriding user value
      select (c.event_row).*
      from checked as c
      where c.reason is null
      order by c.idx
      returning 1
    )
    select (select pg_catalog.count(*) from inserted),
           pg_catalog.count(*) filter (where c.reason is null),
           coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('index', c.idx, 'reason', c.reason) order by c.idx)
                      filter (where c.reason is not null),
                    '[]'::jsonb)
    into v_accepted, v_valid, v_rejected
    from checked as c;
  exception
    when unique_violation then
      with checked as materialized (
        select c.idx, c.reason, c.event_row
        from analytics.check_event_batch(p_events, v_now, v_service, v_user_id) as c
      ),
      inserted as (
        insert into analytics.events overriding user value
        select (c.event_row).*
        from checked as c
        where c.reason is null
        order by c.idx                      -- the first of two equal events in a batch wins
        on conflict do nothing              -- the writer-scoped idempotency key (the only unique index a new row can hit)
        returning 1
      )
      select (select pg_catalog.count(*) from inserted),
             pg_catalog.count(*) filter (where c.reason is null),
             coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('index', c.idx, 'reason', c.reason) order by c.idx)
                        filter (where c.reason is not null),
                      '[]'::jsonb)
      into v_accepted, v_valid, v_rejected
      from checked as c;
  end;

  return pg_catalog.jsonb_build_object('accepted', v_accepted, 'duplicates', v_valid - v_accepted, 'rejected', v_rejected);
end;
$$;
revoke execute on function public.log_events(jsonb) from public, anon;
grant execute on function public.log_events(jsonb) to authenticated, service_role;
comment on function public.log_events(jsonb) is
  'Stores up to 1000 events (JSON array; event shape: analytics.parse_event). Returns {"accepted": n, "duplicates": n, "rejected": [{"index": i, "reason": "..."}]}; valid events are stored even if others are rejected; a resent (org_id, writer, client_event_id, occurred_at) is stored once, writer = the signed-in caller or the trusted back end (keys of different writers never collide). service_role: any organization; signed-in users: about themselves only (user_id = auth.uid(), client-loggable types, no revenue). 22023: not an array or more than 1000 events.';
