-- requires: functions/experiments/erfc.sql
-- requires: functions/app/assert_object_role.sql
-- The outcome of an experiment, one row per variant (in listed order).
-- Callable by members (viewer or above) of the experiment's organization and service_role.
--
-- subjects: assignments of the variant. conversions: its subjects with at least one
-- experiments.events row of the primary success metric (success_metrics[1]) at or after
-- their assignment. conversion_rate = conversions / subjects (a fraction, 6 decimals;
-- NULL without subjects). uplift_pct = (rate - control rate) / control rate x 100
-- (2 decimals; NULL for the control or when the control rate is 0 or unknown).
-- z_score: two-proportion z-test against the control with the pooled proportion,
-- z = (rate - control rate) / sqrt(p (1 - p) (1/n + 1/n_control)), p = all conversions of
-- both / all subjects of both (4 decimals); p_value: two-sided, erfc(|z| / sqrt 2)
-- (experiments.erfc, relative error < 1.2e-7; 6 decimals). Both NULL for the control,
-- and when either side has no subjects or the pooled proportion is 0 or 1.
-- Example: control 250/1000, variant 200/1000: z = -2.6774, p = 0.007419.
-- 42501: not a member (or anon), also for an id that does not exist, with the same text
-- 'experiment <id> does not exist or is not in your organizations' (app.assert_object_role;
-- service_role gets P0002 instead), so that nobody learns which ids exist; 22023: NULL id.
create or replace function public.get_experiment_results(p_experiment uuid)
returns table (variant text, is_control boolean, subjects bigint, conversions bigint, conversion_rate numeric,
               uplift_pct numeric, z_score numeric, p_value numeric)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_exp record;
begin
  if p_experiment is null then
    raise exception 'experiment id must not be null'
      using errcode = '22023', hint = 'Pass the id of an experiment.';
  end if;
  select x.org_id, x.id, x.variants, x.control_variant, x.success_metrics[1] as metric
  into v_exp
  from experiments.experiments as x
  where x.id = p_experiment;
  -- raises 42501 for a stranger whether or not the id exists (P0002 to service_role)
  perform app.assert_object_role(v_exp.org_id, 'experiment', p_experiment::text, 'viewer');

  return query
  with variants as (
    select v.value ->> 'name' as name, v.ordinality
    from pg_catalog.jsonb_array_elements(v_exp.variants) with ordinality as v (value, ordinality)
  ),
  per_subject as (
    select a.variant,
           exists (select 1 from experiments.events as e
                    where e.org_id = a.org_id and e.experiment_id = a.experiment_id and e.subject = a.subject
                      and e.event_type = v_exp.metric and e.occurred_at >= a.assigned_at) as converted
    from experiments.assignments as a
    where a.org_id = v_exp.org_id and a.experiment_id = v_exp.id
  ),
  counts as (
    select v.name, v.ordinality, v.name = v_exp.control_variant as is_control,
           pg_catalog.count(s.variant) as n,
           pg_catalog.count(s.variant) filter (where s.converted) as c
    from variants as v
    left join per_subject as s on s.variant = v.name
    group by v.name, v.ordinality
  ),
  tested as (
    select t.*, ctl.n as n0, ctl.c as c0,
           case when t.n > 0 then t.c::numeric / t.n end as rate,
           case when ctl.n > 0 then ctl.c::numeric / ctl.n end as rate0,
           (t.c + ctl.c)::double precision / nullif(t.n + ctl.n, 0) as pooled
    from counts as t
    cross join (select c.n, c.c from counts as c where c.is_control) as ctl
  ),
  scored as (
    select t.*,
           case when not t.is_control and t.n > 0 and t.n0 > 0 and t.pooled > 0 and t.pooled < 1
                then (t.rate - t.rate0)::double precision
                     / pg_catalog.sqrt(t.pooled * (1 - t.pooled) * (1.0 / t.n + 1.0 / t.n0)) end as z
    from tested as t
  )
  select s.name, s.is_control, s.n, s.c,
         pg_catalog.round(s.rate, 6),
         case when not s.is_control and s.rate0 > 0 then pg_catalog.round((s.rate - s.rate0) / s.rate0 * 100, 2) end,
         pg_catalog.round(s.z::numeric, 4),
         pg_catalog.round(experiments.erfc(pg_catalog.abs(s.z) / pg_catalog.sqrt(2.0::double precision))::numeric, 6)
  from scored as s
  order by s.ordinality;
end;
$$;
revoke execute on function public.get_experiment_results(uuid) from public, anon;
grant execute on function public.get_experiment_results(uuid) to authenticated, service_role;
comment on function public.get_experiment_results(uuid) is
  'Per variant of an experiment: subjects, conversions (primary success metric after assignment), conversion_rate, uplift_pct vs control, two-proportion pooled z_score and two-sided p_value (erfc approximation, relative error < 1.2e-7). Viewer or above; 42501 otherwise; P0002 unknown id for service_role; 22023 NULL id.';
