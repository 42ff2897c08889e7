-- requires: functions/app/user_identities.sql
-- Right to erasure: removes everything stored about a user, in one transaction, and
-- returns how many rows each table lost (tables with none are not listed).
-- Callable by service_role (and DBA sessions) only: an account deletion is carried out by
-- the back end on the user's verified request, never directly by an API user.
--
-- What is removed (app.user_data_tables() finds the tables in the catalog, so tables of
-- later migrations are covered; app.user_identities() gathers the identifiers):
--   * every row whose user_id is the user (or its keyed hash in anonymized events):
--     events, orders, memberships, profile, customers, per-user rollups, assignments...;
--   * every row of the visitor ids linked to the user (seen together with the user id
--     in a row of a trusted writer, in any organization: app.user_identities, where a
--     visitor id that only the user's own client claimed is not linked; also 'user:<id>'
--     and the anonymized forms 'anon:<key>') by (org_id, visitor_id), (org_id, subject)
--     or (org_id, visitor_key), of no other user: events of the user's devices while
--     signed out, customers, subscribers (with their contact), opt-outs, experiment
--     assignments and events, the rollups' visitor sets;
--   * rows whose email / contact is the user's e-mail address (subscribers);
--   * references by *_by columns or other foreign keys to auth.users (segments.created_by,
--     segment_exports.exported_by, experiments.created_by...) and the user_id of the admins'
--     audit trail app.admin_access_log (migration 1265) are set to NULL, the row is kept
--     (counted as rows of that table);
--   * finally auth.users itself (1 row; 0 when erasing an erased user again), and the id
--     goes to app.erased_users (a suppression list: the id and the time, nothing else), so
--     that ingestion rejects the user's late rows ('erased_user: user_id') and erase_user
--     can run again for the id, removing whatever a writer stored meanwhile (a row written
--     by a transaction that was already running when the erasure committed).
-- * the stored search rows (analytics.search_daily_stats) of the queries the user searched,
--   on the days they searched them, that no other visitor searched (searchers 1): the
--   query text is theirs (a name, a phone number); a query others searched too keeps its
--   row and numbers.
-- * the insight visitor days of the linked visitors (keyed by a hash of visitor_id,
--   migration 1140); their organizations' insight aggregates are then computed in full by
--   the next refresh step.
-- Aggregates without identifiers (daily counts of the rollups, materialized views) keep
-- their numbers; the materialized views drop the user's rows at their next refresh.
-- Against a concurrent refresh: it first share-locks every rollup's registry row, so it
-- waits for a rollup step in progress (one step, not the run) and the next step waits for
-- it; then it moves private.erasure_epoch, so that no later step of the run applies a shared
-- read made before it (migrations/0980). No apply writes the user's rows back. The
-- audience rollups of private.refresh_audience_rollups (not registered rollups) are
-- guarded by an advisory lock of their own, taken here exclusively and there in share
-- mode: the erasure waits for a run in progress, a run waits for the erasure.
-- Fails (and removes nothing) with 23514 when the user is the last owner of an
-- organization: transfer the ownership first. 22023: NULL id; P0002: unknown user (neither
-- in auth.users nor in app.erased_users);
-- 42501: not service_role.
create or replace function app.erase_user(p_user_id uuid)
returns table (table_name text, rows bigint)
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_ids    record;
  v_table  record;
  v_column text;
  v_rows   bigint;
  v_total  bigint;
  v_where  text;
  v_search_orgs    uuid[];
  v_search_days    date[];
  v_search_queries text[];
begin
  if not app.is_service_session() then
    raise exception 'only service_role may erase a user'
      using errcode = '42501', hint = 'Erasure is carried out by the back end (service_role) on the user''s verified request.';
  end if;
  if p_user_id is null then
    raise exception 'user id must not be null'
      using errcode = '22023', hint = 'Pass the id of the user (auth.users.id) to erase.';
  end if;
  if not exists (select 1 from auth.users as u where u.id = p_user_id)
     and not exists (select 1 from app.erased_users as e where e.user_id = p_user_id) then
    raise exception 'user % does not exist', p_user_id
      using errcode = 'P0002', hint = 'Check the user id (neither a user nor an erased one).';
  end if;

  perform 1 from private.rollups as r for share of r;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('app.erase_user'), 0);
  update private.erasure_epoch as e set epoch = e.epoch + 1;

  select * into v_ids from app.user_identities(p_user_id);

  -- The queries the user searched (their search events, before they go): a stored search
  -- row of no other searcher is their text (a name, a phone number), deleted below.
  select t.predicate into v_where from app.user_data_tables() as t where t.table_name = 'analytics.events';
  execute pg_catalog.format(
    'select coalesce(pg_catalog.array_agg(x.org_id), ''{}''), coalesce(pg_catalog.array_agg(x.day), ''{}''),
            coalesce(pg_catalog.array_agg(x.query), ''{}'')
       from (select distinct t.org_id, (t.occurred_at at time zone o.timezone)::date as day,
                    analytics.normalize_query(t.properties -> ''query'') as query
               from analytics.events as t join app.organizations as o on o.id = t.org_id
              where t.event_type = ''search'' and (%s)) as x
      where x.query is not null', v_where)
    into v_search_orgs, v_search_days, v_search_queries
    using v_ids.user_ids, v_ids.pair_orgs, v_ids.pair_idents, v_ids.key_orgs, v_ids.visitor_keys, v_ids.email;

  for v_table in select * from app.user_data_tables() as t order by t.level, t.table_name loop
    v_total := 0;
    if v_table.predicate is not null then
      execute pg_catalog.format('delete from %s as t where %s', v_table.table_name, v_table.predicate)
        using v_ids.user_ids, v_ids.pair_orgs, v_ids.pair_idents, v_ids.key_orgs, v_ids.visitor_keys, v_ids.email;
      get diagnostics v_rows = row_count;
      v_total := v_total + v_rows;
    end if;
    foreach v_column in array v_table.null_columns loop
      execute pg_catalog.format('update %s as t set %I = null where t.%I = $1', v_table.table_name, v_column, v_column)
        using p_user_id;
      get diagnostics v_rows = row_count;
      v_total := v_total + v_rows;
    end loop;
    if v_total > 0 then
      table_name := v_table.table_name; rows := v_total;
      return next;
    end if;
  end loop;

  -- The insight visitor days (migration 1140) are keyed by a hash of visitor_id, not by a
  -- column user_data_tables() finds: the linked visitors' rows go, and with them their
  -- organizations' parts state, so that the next insight refresh step computes those
  -- organizations in full (from the events left). The lock waits for a refresh step in
  -- progress (insights.refresh_all_aggregates takes it in share mode), which would write
  -- the rows back.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.insight_aggregates'), 0);
  delete from private.insight_visitor_days as d
  using (select x.org_id, pg_catalog.hashtextextended(x.visitor_id, 0) as vh
         from rows from (pg_catalog.unnest(v_ids.pair_orgs), pg_catalog.unnest(v_ids.pair_idents)) as x (org_id, visitor_id)) as x
  where d.org_id = x.org_id and d.vh = x.vh;
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    delete from private.insight_aggregate_parts_state as s where s.org_id = any (v_ids.pair_orgs);
    table_name := 'private.insight_visitor_days'; rows := v_rows;
    return next;
  end if;

  delete from analytics.search_daily_stats as s
  using rows from (pg_catalog.unnest(v_search_orgs), pg_catalog.unnest(v_search_days), pg_catalog.unnest(v_search_queries))
        as k (org_id, day, query)
  where s.org_id = k.org_id and s.day = k.day and s.query = k.query and s.searchers <= 1;
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    table_name := 'analytics.search_daily_stats'; rows := v_rows;
    return next;
  end if;

  delete from auth.users as u where u.id = p_user_id;
  get diagnostics v_rows = row_count;
  table_name := 'auth.users'; rows := v_rows;
  return next;
  insert into app.erased_users as e (user_id) values (p_user_id)
  on conflict on constraint pk_erased_users do update set erased_at = pg_catalog.now();
end;
$$;
revoke execute on function app.erase_user(uuid) from public, anon, authenticated;
grant execute on function app.erase_user(uuid) to service_role;
comment on function app.erase_user(uuid) is
  'Right to erasure: deletes every row about the user (user_id or its keyed hash; linked visitor ids in raw and anonymized form; e-mail/contact), sets *_by references to NULL, deletes auth.users; one transaction; returns (table_name, rows) per table touched. service_role only; 23514 if the user is an organization''s last owner.';
