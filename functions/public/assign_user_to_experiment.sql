-- requires: functions/experiments/variant_for.sql
-- Assigns a subject to a variant of an experiment and returns the variant's name.
-- Callable by service_role (any subject) and by signed-in users for themselves only
-- (p_subject NULL or 'user:<their id>'); not by anon (anonymous visitors are assigned by
-- the back end as service_role, with their visitor_id as subject).
--
-- Subject: a visitor_id, or 'user:<user_id>' (the audience identity). The variant is
-- experiments.variant_for(experiment, subject, variants): consistent hashing, so the same
-- subject always gets the same variant, even before (or without) an assignment row.
-- The assignment is stored once: INSERT ... ON CONFLICT DO NOTHING on the key
-- (org_id, experiment_id, subject), so concurrent calls for one subject store one row and
-- all return its variant. An existing assignment always wins (it is returned as stored,
-- even if the allocation changed since or the experiment has stopped).
-- A new assignment needs a running experiment (is_active and now() within
-- [starts_at, ends_at)): otherwise 55000. P0002: no such experiment. 22023: NULL
-- experiment, or a subject that is empty or longer than 128 characters. 42501: anon, or
-- a signed-in user assigning someone else.
create or replace function public.assign_user_to_experiment(p_experiment uuid, p_subject text default null)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_service  boolean := app.is_service_session();
  v_user_id  uuid := auth.uid();
  v_subject  text := p_subject;
  v_exp      record;
  v_variant  text;
begin
  if not v_service then
    if v_user_id is null then
      raise exception 'not signed in'
        using errcode = '42501', hint = 'Sign in to be assigned yourself, or call as service_role to assign a visitor.';
    end if;
    v_subject := coalesce(v_subject, 'user:' || v_user_id::text);
    if v_subject <> 'user:' || v_user_id::text then
      raise exception 'a signed-in user may only assign themselves'
        using errcode = '42501', hint = pg_catalog.format('Pass p_subject NULL or ''user:%s''.', v_user_id);
    end if;
  end if;
  if p_experiment is null then
    raise exception 'experiment id must not be null'
      using errcode = '22023', hint = 'Pass the id of an experiment.';
  end if;
  if v_subject is null or pg_catalog.btrim(v_subject) = '' or pg_catalog.char_length(v_subject) > 128 then
    raise exception 'subject must be a visitor id or ''user:<user id>'' of 1 to 128 characters'
      using errcode = '22023', hint = 'Pass the visitor_id, or ''user:'' followed by the user''s id.';
  end if;

  select x.org_id, x.id, x.variants,
         x.is_active and (x.starts_at is null or x.starts_at <= pg_catalog.now())
                     and (x.ends_at is null or pg_catalog.now() < x.ends_at) as running
  into v_exp
  from experiments.experiments as x
  where x.id = p_experiment;
  if not found then
    raise exception 'experiment % does not exist', p_experiment
      using errcode = 'P0002', hint = 'Check the experiment id.';
  end if;

  -- The common case first: store the new assignment (one statement; the primary key
  -- arbitrates concurrent callers). Nothing is returned when the subject already has one.
  if v_exp.running then
    insert into experiments.assignments as a (org_id, experiment_id, subject, variant, user_id, visitor_id)
    select v_exp.org_id, v_exp.id, v_subject,
           experiments.variant_for(v_exp.id, v_subject, v_exp.variants),
           case when v_subject ~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                then pg_catalog.substr(v_subject, 6)::uuid end,
           case when v_subject !~ '^user:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                then v_subject end
    on conflict on constraint pk_assignments do nothing
    returning a.variant into v_variant;
    if v_variant is not null then
      return v_variant;
    end if;
  end if;

  -- Already assigned (earlier, or by a concurrent call that committed first): as stored.
  select a.variant into v_variant
  from experiments.assignments as a
  where a.org_id = v_exp.org_id and a.experiment_id = v_exp.id and a.subject = v_subject collate "C";
  if not found then
    raise exception 'experiment % is not running', p_experiment
      using errcode = '55000', hint = 'Subjects are assigned only while the experiment is active and within its start and end.';
  end if;
  return v_variant;
end;
$$;
revoke execute on function public.assign_user_to_experiment(uuid, text) from public, anon;
grant execute on function public.assign_user_to_experiment(uuid, text) to authenticated, service_role;
comment on function public.assign_user_to_experiment(uuid, text) is
  'Variant of a subject (visitor_id or ''user:<user_id>'') in an experiment by consistent hashing (md5 bucket 0..9999 over the allocations); stored once (ON CONFLICT DO NOTHING), an existing assignment wins. service_role: any subject; signed-in users: themselves only. 55000 not running, P0002 unknown experiment, 22023 bad arguments, 42501 anon / someone else.';
