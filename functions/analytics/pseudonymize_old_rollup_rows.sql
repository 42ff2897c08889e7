-- requires: functions/private/hmac_uuid.sql
-- Step 2b of analytics.apply_retention: the per-person identifiers that the daily rollups
-- copied from the raw events are replaced, for the local days wholly before p_cutoff, by
-- the keyed hashes that analytics.anonymize_old_events writes into those events, so that
-- retention leaves no raw identifier in derived rows either and a recompute of such a day
-- from its (pseudonymized) events gives the same rows:
--   analytics.user_daily_stats.user_id, analytics.user_daily_interactions.user_id
--     -> HMAC('<org_id>:user_id:<user_id>') as a uuid;
--   analytics.visitor_daily_counts.sessions (session ids)
--     -> 'anon:' || HMAC('<org_id>:session:<session_id>'), sorted as the rollup sorts them
--     (ids that start with 'anon:' are kept).
-- The visitor keys of the rollups are keyed hashes already. Which rows: those of the days
-- from analytics.retention_state.rollup_ids_pseudonymized_before (NULL: every day) up to
-- the cutoff, which is then stored there, once (a session id starting with 'anon:' is
-- kept); and on any older day (a backfill after the run) the rows whose user_id is an
-- account of auth.users (through the user_id indexes). The session ids of a day backfilled
-- behind an earlier run stay raw until the day is recomputed. A row whose hashed twin
-- exists already is left as it is: a local day that straddled an earlier cutoff and was
-- recomputed for late events then holds the person's events before the cutoff under the
-- hash and the later ones under the raw id, and two rows cannot become one key (merging
-- their counts is not done; such a day keeps its raw row). Returns the rows changed.
-- Internal helper of analytics.apply_retention: owner only.
create or replace function analytics.pseudonymize_old_rollup_rows(p_cutoff timestamptz)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_from  timestamptz;
  v_org   record;
  v_table text;
  v_rows  bigint;
  v_total bigint := 0;
  -- A user id becomes its keyed hash, unless the hashed twin of the row exists (see above).
  v_hash_users constant text := $sql$
    update %1$s as t
       set user_id = private.hmac_uuid(k.inner_pad, k.outer_pad, t.org_id::text || ':user_id:' || t.user_id::text)
      from private.pseudonymization_key as k, app.organizations as o
     where k.id = 1 and o.id = t.org_id and %2$s
       and not exists (select 1 from %1$s as x
                        where x.org_id = t.org_id and x.day = t.day
                          and x.user_id = private.hmac_uuid(k.inner_pad, k.outer_pad, t.org_id::text || ':user_id:' || t.user_id::text))
  $sql$;
begin
  select s.rollup_ids_pseudonymized_before into v_from from analytics.retention_state as s where s.id = 1 for update;
  v_from := least(coalesce(v_from, '-infinity'), p_cutoff);

  -- The days from v_from to the cutoff, one organization at a time: each statement is a range
  -- of the (org_id, day) indexes with constant bounds (one statement over every organization,
  -- with bounds per time zone, scanned the tables whole: ~3 s a day at 10M events).
  if v_from < p_cutoff then
    for v_org in
      select o.id, (v_from at time zone o.timezone)::date as from_day, (p_cutoff at time zone o.timezone)::date as to_day
      from app.organizations as o
    loop
      foreach v_table in array array['analytics.user_daily_stats', 'analytics.user_daily_interactions'] loop
        execute pg_catalog.format(v_hash_users, v_table, 't.org_id = $1 and t.day >= $2 and t.day < $3')
          using v_org.id, v_org.from_day, v_org.to_day;
        get diagnostics v_rows = row_count;
        v_total := v_total + v_rows;
      end loop;
      update analytics.visitor_daily_counts as t
         set sessions = (select pg_catalog.array_agg(h.id order by h.id collate "C")
                         from (select case when pg_catalog.left(s.id, 5) = 'anon:' then s.id
                                           else 'anon:' || private.hmac_uuid(k.inner_pad, k.outer_pad, t.org_id::text || ':session:' || s.id)::text
                                      end as id
                               from pg_catalog.unnest(t.sessions) as s (id)) as h)
        from private.pseudonymization_key as k
       where k.id = 1 and t.org_id = v_org.id and t.day >= v_org.from_day and t.day < v_org.to_day
         and exists (select 1 from pg_catalog.unnest(t.sessions) as s (id) where pg_catalog.left(s.id, 5) <> 'anon:');
      get diagnostics v_rows = row_count;
      v_total := v_total + v_rows;
    end loop;
  end if;

  -- Older days (a backfill behind an earlier run): the rows of accounts, through the user_id indexes.
  foreach v_table in array array['analytics.user_daily_stats', 'analytics.user_daily_interactions'] loop
    execute pg_catalog.format(v_hash_users, v_table,
                              't.user_id in (select u.id from auth.users as u) and t.day < ($1 at time zone o.timezone)::date')
      using v_from;
    get diagnostics v_rows = row_count;
    v_total := v_total + v_rows;
  end loop;

  update analytics.retention_state as s set rollup_ids_pseudonymized_before = p_cutoff where s.id = 1;
  return v_total;
end;
$$;
revoke execute on function analytics.pseudonymize_old_rollup_rows(timestamptz) from public, anon, authenticated;
comment on function analytics.pseudonymize_old_rollup_rows(timestamptz) is
  'Replaces the user ids and session ids of the daily rollups'' local days wholly before p_cutoff (once per day) by the keyed hashes retention writes into the raw events (step 2b of analytics.apply_retention). Internal (owner only).';
