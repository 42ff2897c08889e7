-- 0031: A/B testing. Experiments (variants with a traffic allocation, success metrics),
-- assignments of subjects to variants, and experiment events (conversions), with RLS.
--
-- Subjects follow the audience identity (audience.visitor_key): a visitor_id, or
-- 'user:<user_id>' for a signed-in user. public.assign_user_to_experiment assigns by
-- consistent hashing (the same subject always gets the same variant, even before its
-- assignment row exists) and stores the assignment once. public.get_experiment_results
-- reads the outcome. Conversions are rows of experiments.events written by trusted back
-- ends (service_role).

create schema experiments;
comment on schema experiments is
  'A/B testing: experiments, assignments of subjects (visitors or users) to variants, experiment events. Exposed through RLS and RPCs.';
grant usage on schema experiments to authenticated, service_role;

-- Validation of an experiment row (a trigger, so that the error is 22023 with a hint
-- rather than a bare check violation; variants are jsonb, which a CHECK could only
-- validate through a function anyway). Defined here because the trigger binds to it.
create function experiments.validate_experiment()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_names text[];
  v_total numeric;
  v_bad   integer;
begin
  if pg_catalog.jsonb_typeof(new.variants) is distinct from 'array'
     or pg_catalog.jsonb_array_length(new.variants) not between 2 and 20 then
    raise exception 'variants must be a JSON array of 2 to 20 variants'
      using errcode = '22023', hint = 'Pass [{"name": "control", "allocation": 50}, {"name": "b", "allocation": 50}].';
  end if;
  select pg_catalog.count(*) filter (
           where pg_catalog.jsonb_typeof(v.value) <> 'object'
              or pg_catalog.jsonb_typeof(v.value -> 'name') is distinct from 'string'
              or (v.value ->> 'name') !~ '^[a-z0-9][a-z0-9_-]{0,39}$'
              or pg_catalog.jsonb_typeof(v.value -> 'allocation') is distinct from 'number'),
         pg_catalog.array_agg(v.value ->> 'name')
  into v_bad, v_names
  from pg_catalog.jsonb_array_elements(new.variants) as v (value);
  if v_bad > 0 then
    raise exception 'each variant needs a name (lower case, digits, _ or -, up to 40) and a numeric allocation'
      using errcode = '22023', hint = 'Pass [{"name": "control", "allocation": 50}, {"name": "b", "allocation": 50}].';
  end if;
  select pg_catalog.sum((v.value ->> 'allocation')::numeric),
         pg_catalog.count(*) filter (where (v.value ->> 'allocation')::numeric <= 0
                                        or (v.value ->> 'allocation')::numeric <> pg_catalog.round((v.value ->> 'allocation')::numeric, 2))
  into v_total, v_bad
  from pg_catalog.jsonb_array_elements(new.variants) as v (value);
  if v_bad > 0 or v_total <> 100 then
    raise exception 'variant allocations must be positive, with at most 2 decimals, and add up to 100 (they add up to %)', v_total
      using errcode = '22023', hint = 'Allocations are percentages of the traffic, e.g. 50 and 50, or 33.34, 33.33 and 33.33.';
  end if;
  if (select pg_catalog.count(distinct n) from pg_catalog.unnest(v_names) as n) <> pg_catalog.cardinality(v_names) then
    raise exception 'variant names must be unique'
      using errcode = '22023', hint = 'Give each variant its own name.';
  end if;
  if not new.control_variant = any (v_names) then
    raise exception 'control variant "%" is not one of the variants', new.control_variant
      using errcode = '22023', hint = 'Name one of the variants as control_variant.';
  end if;
  if new.success_metrics is null or pg_catalog.cardinality(new.success_metrics) = 0
     or pg_catalog.array_position(new.success_metrics, null) is not null then
    raise exception 'an experiment needs at least one success metric'
      using errcode = '22023', hint = 'Pass success_metrics as event names, e.g. {purchase}; the first one is the primary metric.';
  end if;
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
revoke execute on function experiments.validate_experiment() from public, anon;
comment on function experiments.validate_experiment() is
  'Trigger: variants (2-20 objects {name, allocation}, unique names, allocations > 0 with at most 2 decimals adding up to 100), control_variant among them, at least one success metric; raises 22023. Stamps updated_at.';

-- Tables -------------------------------------------------------------------------------

create table experiments.experiments (
  id              uuid        not null default pg_catalog.gen_random_uuid(),
  org_id          uuid        not null,
  name            text        not null,
  description     text,
  starts_at       timestamptz,
  ends_at         timestamptz,
  is_active       boolean     not null default true,
  variants        jsonb       not null,
  control_variant text        not null,
  success_metrics text[]      not null,
  created_by      uuid        default auth.uid(),
  created_at      timestamptz not null default pg_catalog.now(),
  updated_at      timestamptz not null default pg_catalog.now(),
  constraint pk_experiments primary key (org_id, id),
  constraint unique_experiments_id unique (id),
  constraint unique_experiments_org_id_name unique (org_id, name),
  constraint fk_experiments_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint fk_experiments_created_by foreign key (created_by) references auth.users (id) on delete set null,
  constraint check_experiments_name check (pg_catalog.btrim(name) <> '' and pg_catalog.char_length(name) <= 200),
  constraint check_experiments_period check (ends_at is null or starts_at is null or ends_at > starts_at)
);
create index index_experiments_on_created_by on experiments.experiments (created_by);
comment on table experiments.experiments is
  'An A/B test of an organization: variants [{name, allocation}] whose allocations (percent) add up to 100, the control variant, success metrics (experiments.events.event_type values; the first is primary), and when it runs: is_active and within [starts_at, ends_at) (NULL bound: open).';
comment on column experiments.experiments.variants is
  'JSON array [{"name": "control", "allocation": 50}, ...]; order matters: it lays the variants out on the 10,000 hash buckets (experiments.variant_for).';
comment on column experiments.experiments.created_by is 'The signed-in user who created it (auth.uid() by default); set to NULL when that account is erased.';
comment on column experiments.experiments.success_metrics is 'Event names counted as conversions; success_metrics[1] is the primary metric of get_experiment_results.';

create trigger validate_experiments
  before insert or update on experiments.experiments
  for each row execute function experiments.validate_experiment();
comment on trigger validate_experiments on experiments.experiments is 'Validates variants, allocations, control variant and success metrics (22023).';

create table experiments.assignments (
  org_id        uuid        not null,
  experiment_id uuid        not null,
  subject       text        collate "C" not null,
  variant       text        not null,
  user_id       uuid,
  visitor_id    text        collate "C",
  assigned_at   timestamptz not null default pg_catalog.now(),
  constraint pk_assignments primary key (org_id, experiment_id, subject),
  constraint fk_assignments_org_id_experiment_id foreign key (org_id, experiment_id)
    references experiments.experiments (org_id, id) on delete cascade,
  constraint check_assignments_subject check (pg_catalog.btrim(subject) <> '' and pg_catalog.char_length(subject) <= 128),
  constraint check_assignments_identity check ((user_id is null) <> (visitor_id is null))
);
create index index_assignments_on_user_id on experiments.assignments (user_id) where user_id is not null;
create index index_assignments_on_org_id_visitor_id on experiments.assignments (org_id, visitor_id) where visitor_id is not null;
comment on table experiments.assignments is
  'Which variant each subject got, stored once (first call of public.assign_user_to_experiment). subject = visitor_id or ''user:<user_id>''; exactly one of user_id / visitor_id is set accordingly.';

create table experiments.events (
  id            bigint      not null generated always as identity,
  org_id        uuid        not null,
  experiment_id uuid        not null,
  subject       text        collate "C" not null,
  event_type    text        not null,
  value         numeric,
  occurred_at   timestamptz not null default pg_catalog.now(),
  constraint pk_events primary key (org_id, id),
  constraint fk_events_org_id_experiment_id_subject foreign key (org_id, experiment_id, subject)
    references experiments.assignments (org_id, experiment_id, subject) on delete cascade,
  constraint check_events_event_type check (event_type ~ '^[a-z][a-z0-9_]{0,39}$')
);
create index index_events_on_org_id_experiment_id_subject on experiments.events (org_id, experiment_id, subject);
comment on table experiments.events is
  'Events of assigned subjects within an experiment (conversions such as purchase, signup), written by trusted back ends (service_role). A conversion counts when event_type is the primary success metric and it occurred at or after the assignment.';

-- Row-level security -------------------------------------------------------------------

alter table experiments.experiments enable row level security;
create policy select_members on experiments.experiments
  for select to authenticated
  using (org_id in (select app.current_user_org_ids()));
comment on policy select_members on experiments.experiments is 'Members (any role) read their organizations'' experiments.';
create policy insert_admins on experiments.experiments
  for insert to authenticated
  with check (org_id in (select app.current_user_org_ids('admin')));
comment on policy insert_admins on experiments.experiments is 'Admins and owners create experiments in their organizations.';
create policy update_admins on experiments.experiments
  for update to authenticated
  using (org_id in (select app.current_user_org_ids('admin')))
  with check (org_id in (select app.current_user_org_ids('admin')));
comment on policy update_admins on experiments.experiments is 'Admins and owners change their organizations'' experiments.';
create policy delete_admins on experiments.experiments
  for delete to authenticated
  using (org_id in (select app.current_user_org_ids('admin')));
comment on policy delete_admins on experiments.experiments is 'Admins and owners delete their organizations'' experiments (with their assignments and events).';
create policy all_service_role on experiments.experiments
  for all to service_role using (true) with check (true);
comment on policy all_service_role on experiments.experiments is 'service_role reads and writes every row (it also has BYPASSRLS; explicit for clarity).';

alter table experiments.assignments enable row level security;
create policy select_analysts on experiments.assignments
  for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on experiments.assignments is 'Analysts and above read their organizations'' assignments (pseudonymous subjects).';
create policy select_own on experiments.assignments
  for select to authenticated
  using (user_id = (select auth.uid()));
comment on policy select_own on experiments.assignments is 'A user reads their own assignments.';
create policy all_service_role on experiments.assignments
  for all to service_role using (true) with check (true);
comment on policy all_service_role on experiments.assignments is 'service_role reads and writes every row; others assign through public.assign_user_to_experiment.';

alter table experiments.events enable row level security;
create policy select_analysts on experiments.events
  for select to authenticated
  using (org_id in (select app.current_user_org_ids('analyst')));
comment on policy select_analysts on experiments.events is 'Analysts and above read their organizations'' experiment events.';
create policy all_service_role on experiments.events
  for all to service_role using (true) with check (true);
comment on policy all_service_role on experiments.events is 'Experiment events are written by service_role back ends.';

-- Grants -------------------------------------------------------------------------------

revoke all on table experiments.experiments, experiments.assignments, experiments.events from public, anon, authenticated;
grant select, delete on table experiments.experiments to authenticated;
grant insert (org_id, name, description, starts_at, ends_at, is_active, variants, control_variant, success_metrics)
  on table experiments.experiments to authenticated;
grant update (name, description, starts_at, ends_at, is_active, variants, control_variant, success_metrics)
  on table experiments.experiments to authenticated;
grant select on table experiments.assignments, experiments.events to authenticated;
grant select, insert, update, delete on table experiments.experiments, experiments.assignments, experiments.events
  to service_role;
