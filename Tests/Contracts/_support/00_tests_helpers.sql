-- Shared pgTAP fixtures and identity switches for the contract files.
-- `audiencectl verify` runs this inside each contract's transaction (then ROLLBACK), so
-- nothing here persists. No transaction control here.
--
-- Identity: tests.authenticate_as*() do what PostgREST does: SET LOCAL ROLE plus the
-- transaction-local request.jwt.claims GUC; tests.clear_authentication() returns to the
-- session user (a superuser without claims, which app.is_service_session() treats as
-- service_role). pgTAP keeps its state in temp tables/sequences that plan() grants to
-- PUBLIC (GRANT ALL ON __tcache__, __tcache___id_seq, __tresults___numb_seq TO PUBLIC),
-- so assertions still record after switching to anon/authenticated/service_role; the
-- contracts exercise that on every run.
--
-- Fixture builders (create_user, create_org, add_member) run with the caller's rights:
-- call them before authenticate_as*() or after clear_authentication(), so that they
-- bypass RLS and the membership role ceiling.

create schema if not exists tests;
comment on schema tests is 'pgTAP fixtures and identity helpers; exists only inside a contract run.';

-- A user with a readable, deterministic id: md5 of the lower-cased email, as a uuid.
create or replace function tests.create_user(p_email text)
returns uuid
language sql
as $$
  insert into auth.users (id, email)
  values (pg_catalog.md5(pg_catalog.lower(p_email))::uuid, pg_catalog.lower(p_email))
  returning id
$$;
comment on function tests.create_user(text) is 'Inserts a user into auth.users with id md5(lower(email))::uuid; returns the id.';

-- The one identity switch: p_role as SET LOCAL ROLE (NULL: back to the session user)
-- and p_claims as request.jwt.claims (NULL: no claims). The legacy per-claim GUCs are
-- cleared. Lets a contract build unusual identities (a role without sub, claims without
-- SET ROLE...).
create or replace function tests.set_identity(p_role text, p_claims jsonb)
returns void
language plpgsql
as $$
begin
  perform pg_catalog.set_config('request.jwt.claims', coalesce(p_claims::text, ''), true);
  perform pg_catalog.set_config('request.jwt.claim.sub', '', true);
  perform pg_catalog.set_config('request.jwt.claim.role', '', true);
  perform pg_catalog.set_config('role', coalesce(p_role, 'none'), true);
end;
$$;
comment on function tests.set_identity(text, jsonb) is
  'SET LOCAL ROLE p_role (NULL: none) and request.jwt.claims = p_claims (NULL: cleared) for this transaction.';

-- Act as a signed-in user: role authenticated, claims {sub, role}.
create or replace function tests.authenticate_as(p_user_id uuid)
returns void
language sql
as $$
  select tests.set_identity('authenticated',
                            pg_catalog.jsonb_build_object('sub', p_user_id, 'role', 'authenticated'))
$$;
comment on function tests.authenticate_as(uuid) is 'SET LOCAL ROLE authenticated with request.jwt.claims {sub, role: authenticated}.';

-- Act as service_role: role service_role, claims {role: service_role}, no sub.
create or replace function tests.authenticate_as_service_role()
returns void
language sql
as $$
  select tests.set_identity('service_role', '{"role": "service_role"}')
$$;
comment on function tests.authenticate_as_service_role() is 'SET LOCAL ROLE service_role with request.jwt.claims {role: service_role}.';

-- Act as an anonymous API caller: role anon, claims {role: anon}.
create or replace function tests.authenticate_as_anon()
returns void
language sql
as $$
  select tests.set_identity('anon', '{"role": "anon"}')
$$;
comment on function tests.authenticate_as_anon() is 'SET LOCAL ROLE anon with request.jwt.claims {role: anon}.';

-- Back to the session user with no claims at all.
create or replace function tests.clear_authentication()
returns void
language sql
as $$
  select tests.set_identity(null, null)
$$;
comment on function tests.clear_authentication() is 'RESET ROLE and clear every request.jwt.* claim GUC for this transaction.';

-- An organization (kind artist, id md5('org:' || slug)::uuid) owned by p_owner.
create or replace function tests.create_org(p_slug text, p_owner uuid)
returns uuid
language plpgsql
as $$
declare
  v_org_id uuid := pg_catalog.md5('org:' || p_slug)::uuid;
begin
  insert into app.organizations (id, slug, name, kind)
  values (v_org_id, p_slug, 'Org ' || p_slug, 'artist');
  insert into app.memberships (org_id, user_id, role)
  values (v_org_id, p_owner, 'owner');
  return v_org_id;
end;
$$;
comment on function tests.create_org(text, uuid) is
  'Creates organization md5(''org:''||slug)::uuid (name ''Org <slug>'', kind artist) with p_owner as owner; returns its id.';

create or replace function tests.add_member(p_org uuid, p_user uuid, p_role app.org_role)
returns void
language sql
as $$
  insert into app.memberships (org_id, user_id, role) values (p_org, p_user, p_role)
$$;
comment on function tests.add_member(uuid, uuid, app.org_role) is 'Adds p_user to p_org with p_role.';

-- The identity switches must be callable whatever the current role is.
grant usage on schema tests to anon, authenticated, service_role;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- The retention horizon (analytics.retention_state.raw_events_from) is global: on a
-- database whose retention has run (staging, production), the aggregation never recomputes
-- a day before it, and a fixture dated in the past would aggregate to nothing. A contract
-- whose fixture lies in fixed past months calls this first: the horizon is cleared (NULL)
-- for its transaction only (verify rolls every contract back), as on a database
-- that never dropped a partition. The fixture's own months hold only its own rows.
create or replace function tests.reset_retention_horizon()
returns void
language sql
as $$
  update analytics.retention_state set raw_events_from = null, rollup_ids_pseudonymized_before = null where id = 1;
$$;
comment on function tests.reset_retention_horizon() is
  'Clears analytics.retention_state.raw_events_from and rollup_ids_pseudonymized_before (NULL) for the contract''s transaction (fixtures in past months on a database whose retention has run).';

-- The engine's safe bound (private.received_upper_bound) stays below the start of the
-- oldest transaction another session holds open in this database, so events the contract
-- received after that start are not applied yet: rightly, but a contract asserting that
-- they are would then fail beside someone else's transaction. Waits (at most p_timeout)
-- until no other client transaction begun before p_before, and less than p_young before
-- now, is open, other than those waiting for a lock this transaction holds; returns
-- whether none is (false: the wait ran out). An older transaction
-- (a long report, an idle session left in a transaction) is not waited for: it is not
-- about to end; a contract that fails beside it is reported with it (verify lists the
-- transactions open beside a failing contract).
create or replace function tests.wait_for_earlier_transactions(
  p_before timestamptz default pg_catalog.clock_timestamp(), p_timeout interval default '30 seconds',
  p_young interval default '1 minute')
returns boolean
language plpgsql
as $$
declare
  v_deadline timestamptz := pg_catalog.clock_timestamp() + p_timeout;
begin
  loop
    perform pg_catalog.pg_stat_clear_snapshot();
    if not exists (select 1 from pg_catalog.pg_stat_activity as a
                   where a.datname = pg_catalog.current_database() and a.pid <> pg_catalog.pg_backend_pid()
                     and a.xact_start < p_before and a.xact_start > pg_catalog.clock_timestamp() - p_young
                     and a.backend_type in ('client backend', 'background worker')
                     -- not one that waits for this transaction (another verify's contract
                     -- blocked on this one's pgTAP or tests schema): it cannot end first
                     and not pg_catalog.pg_backend_pid() = any (pg_catalog.pg_blocking_pids(a.pid))) then
      return true;
    end if;
    if pg_catalog.clock_timestamp() > v_deadline then
      return false;
    end if;
    perform pg_catalog.pg_sleep(0.05);
  end loop;
end;
$$;
comment on function tests.wait_for_earlier_transactions(timestamptz, interval, interval) is
  'Waits (at most p_timeout, 30 s) until no other client transaction of this database begun before p_before (now) and less than p_young (1 minute) ago is open, so the rollups'' safe bound can pass p_before; true when none is.';
