-- requires: functions/insights/locked_run.sql
-- requires: functions/insights/holds_run_lock.sql
-- Records the end of a generation run: status (completed or failed), counts, the model and
-- tokens used, duration, error and fallbacks; returns the run as jsonb. Callable by
-- service_role only (audiencectl insights generate), like insights.start_run.
-- p_insights_generated NULL: the number of insights stored or replaced by this run.
-- p_duration_ms NULL: the time since the run was started. p_fallbacks: a JSON array of
-- {"insight_type", "subject_key", "reason"} objects (22023 otherwise). A failed run needs
-- p_error; a completed one must not have one (22023). Unknown run: P0002; a run already
-- finished: 55000. A run tied to this session (insights.hold_run) is untied: its session-level
-- advisory lock is released (a session other than the one holding it cannot release it;
-- that lock then goes with its session).
create or replace function insights.finish_run(
  p_run_id               uuid,
  p_status               insights.insight_run_status,
  p_insights_generated   integer default null,
  p_data_points_analyzed bigint  default null,
  p_model_used           text    default null,
  p_prompt_tokens        integer default null,
  p_completion_tokens    integer default null,
  p_duration_ms          integer default null,
  p_error                text    default null,
  p_fallbacks            jsonb   default '[]'::jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run insights.generation_runs;
begin
  v_run := insights.locked_run(p_run_id);   -- P0002 / 42501

  if p_status is null or p_status not in ('completed', 'failed') then
    raise exception 'a run finishes as completed or failed, not %', coalesce(p_status::text, 'NULL')
      using errcode = '22023', hint = 'Pass completed or failed.';
  end if;
  if v_run.status not in ('pending', 'processing') then
    raise exception 'generation run % is already %', p_run_id, v_run.status
      using errcode = '55000', hint = 'Start a new run with insights.start_run.';
  end if;
  if p_status = 'failed' and nullif(pg_catalog.btrim(p_error), '') is null then
    raise exception 'a failed run needs an error message'
      using errcode = '22023', hint = 'Pass p_error saying why the run failed.';
  end if;
  if p_status = 'completed' and p_error is not null then
    raise exception 'a completed run has no error'
      using errcode = '22023', hint = 'Pass p_status failed with the error, or no p_error.';
  end if;
  if p_fallbacks is null or pg_catalog.jsonb_typeof(p_fallbacks) <> 'array'
     or exists (select 1 from pg_catalog.jsonb_array_elements(p_fallbacks) f (item)
                where pg_catalog.jsonb_typeof(f.item) <> 'object') then
    raise exception 'p_fallbacks must be a JSON array of objects'
      using errcode = '22023', hint = 'Pass [] or [{"insight_type": "...", "subject_key": "...", "reason": "..."}].';
  end if;
  if p_insights_generated < 0 or p_data_points_analyzed < 0 or p_prompt_tokens < 0
     or p_completion_tokens < 0 or p_duration_ms < 0 then
    raise exception 'counts, tokens and duration must not be negative'
      using errcode = '22023', hint = 'Pass NULL for unknown values.';
  end if;

  update insights.generation_runs r
  set status = p_status,
      insights_generated = coalesce(p_insights_generated,
                                    (select pg_catalog.count(*) from insights.ai_insights i where i.generation_run_id = p_run_id)),
      data_points_analyzed = p_data_points_analyzed,
      model_used = p_model_used,
      prompt_tokens = p_prompt_tokens,
      completion_tokens = p_completion_tokens,
      duration_ms = coalesce(p_duration_ms,
                             pg_catalog.round(extract(epoch from pg_catalog.clock_timestamp() - r.created_at) * 1000)::integer),
      error = case when p_status = 'failed' then p_error end,
      fallbacks = p_fallbacks,
      finished_at = pg_catalog.now()
  where r.id = p_run_id
  returning r.* into v_run;
  if insights.holds_run_lock(v_run.session_lock) then
    perform pg_catalog.pg_advisory_unlock(v_run.session_lock);
  end if;
  return pg_catalog.to_jsonb(v_run);
end;
$$;
revoke execute on function insights.finish_run(uuid, insights.insight_run_status, integer, bigint, text, integer, integer, integer, text, jsonb)
  from public, anon, authenticated;
grant execute on function insights.finish_run(uuid, insights.insight_run_status, integer, bigint, text, integer, integer, integer, text, jsonb)
  to service_role;
comment on function insights.finish_run(uuid, insights.insight_run_status, integer, bigint, text, integer, integer, integer, text, jsonb) is
  'Finishes a generation run as completed or failed with counts, model, tokens, duration (default: since start), error (failed only) and fallbacks (JSON array); returns the run. 22023 on bad arguments, P0002 unknown run, 55000 already finished. service_role only.';
