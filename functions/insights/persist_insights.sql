-- Stores the validated insights of a generation run, applying the lifecycle rules, and
-- returns what happened to each. Callable by service_role (audiencectl insights generate);
-- granted to nobody else.
--
-- p_insights: a JSON array (at most 100 elements) of objects, in rank order (the first is
-- the most important). Keys (any other key is rejected):
--   insight_type       required  one of insights.insight_type
--   subject_key        required  non-empty text, at most 200 characters
--   confidence         required  number 0..1 (stored as numeric(3,2))
--   title              required  non-empty text, at most 80 characters
--   description        required  non-empty text, at most 500 characters
--   data_snapshot      required  JSON object
--   period_start       required  timestamp with time zone (ISO 8601 text)
--   period_end         required  idem, after period_start, at most 366 days later
--   action_suggestion  optional  text, at most 300 characters, or null
--   comparison_start, comparison_end  optional, both or neither, end after start
--   category, priority optional  when present, must equal the type's (insights.category_of,
--                                insights.priority_of); stored from the type either way
--   metadata           optional  JSON object (e.g. {"source": "llm", "model": "...", "fallback_reason": "..."})
--   detector_version   optional  text (default insights.detector_version())
-- No text may contain an e-mail address. The whole array is validated before anything is
-- written: one malformed element raises 22023 (message with its index, hint with the
-- rule) and nothing is stored. Other errors: 22023 for a run of another organization,
-- P0002 unknown run, 55000 a run already finished.
--
-- Lifecycle, per element in order (now() is the transaction time):
--   1. an insight with the same (organization, type, subject, period) exists:
--      active and the new confidence is higher -> replaced (texts, confidence, snapshot,
--      run, expiry renewed); active otherwise -> skipped "duplicate_not_higher";
--      dismissed / acted_on / expired -> skipped "duplicate_dismissed" / "duplicate_acted_on"
--      / "duplicate_expired";
--   2. else an active insight of the same type and subject created within
--      lifecycle.recent_days (7) -> skipped "recently_active"; one dismissed within those
--      days -> skipped "recently_dismissed" (a dismissal is respected for a week);
--   3. else stored (status active); older active insights of the same type and subject
--      are marked expired (superseded), their metadata naming the new id;
--   4. at most lifecycle.max_per_run (8) insights stored or replaced per run (over all
--      calls for the run): the rest -> skipped "run_limit".
-- expires_at = now() + lifecycle.expiry_days_high / _medium / _low (7 / 14 / 30 days).
-- Result: {"stored": n, "replaced": n, "skipped": n, "skipped_reasons": {"reason": n, ...},
--          "items": [{"index", "insight_type", "subject_key", "outcome": "stored" |
--          "replaced" | "skipped", "reason": null | "...", "id": uuid | null}]}.
-- The run's insights_generated is updated to the number of insights it stored or replaced.
create or replace function insights.persist_insights(p_org_id uuid, p_run_id uuid, p_insights jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run         insights.generation_runs;
  v_rules       jsonb;
  v_allowed     text[] := array['insight_type', 'category', 'priority', 'subject_key', 'confidence', 'title', 'description',
                                'action_suggestion', 'data_snapshot', 'period_start', 'period_end', 'comparison_start',
                                'comparison_end', 'metadata', 'detector_version'];
  v_item        jsonb;
  v_index       integer;
  v_key         text;
  v_type        insights.insight_type;
  v_priority    insights.insight_priority;
  v_conf        numeric(3,2);
  v_ps          timestamptz;
  v_pe          timestamptz;
  v_cs          timestamptz;
  v_ce          timestamptz;
  v_existing    insights.ai_insights;
  v_id          uuid;
  v_outcome     text;
  v_reason      text;
  v_expires     timestamptz;
  v_hash        text;
  v_count       integer;
  v_items       jsonb := '[]'::jsonb;
  v_stored      integer := 0;
  v_replaced    integer := 0;
  v_skipped     integer := 0;
  v_reasons     jsonb := '{}'::jsonb;
begin
  perform app.assert_org_role(p_org_id, 'analyst');

  select r.* into v_run from insights.generation_runs r where r.id = p_run_id for update;
  if not found then
    raise exception 'generation run % does not exist', p_run_id
      using errcode = 'P0002', hint = 'Pass the id returned by insights.start_run.';
  end if;
  if v_run.org_id <> p_org_id then
    raise exception 'generation run % belongs to another organization', p_run_id
      using errcode = '22023', hint = 'Pass the run started for this organization.';
  end if;
  if v_run.status not in ('pending', 'processing') then
    raise exception 'generation run % is already %', p_run_id, v_run.status
      using errcode = '55000', hint = 'Store insights before finishing the run, or start a new run.';
  end if;

  -- Validation of the whole array first: nothing is written unless every element is valid.
  if p_insights is null or pg_catalog.jsonb_typeof(p_insights) <> 'array' then
    raise exception 'p_insights must be a JSON array'
      using errcode = '22023', hint = 'Pass [] or an array of insight objects (see the comment of insights.persist_insights).';
  end if;
  if pg_catalog.jsonb_array_length(p_insights) > 100 then
    raise exception 'p_insights holds % elements; at most 100 are accepted', pg_catalog.jsonb_array_length(p_insights)
      using errcode = '22023', hint = 'Send the ranked candidates only (at most 8 are stored per run).';
  end if;

  for v_item, v_index in
    select e.item, (e.ord - 1)::integer from pg_catalog.jsonb_array_elements(p_insights) with ordinality as e (item, ord)
  loop
    if pg_catalog.jsonb_typeof(v_item) <> 'object' then
      raise exception 'insight %: not a JSON object', v_index
        using errcode = '22023', hint = 'Each element is an object with insight_type, subject_key, confidence, title, description, data_snapshot, period_start, period_end.';
    end if;
    select k into v_key from pg_catalog.jsonb_object_keys(v_item) as k where k <> all (v_allowed) order by k limit 1;
    if v_key is not null then
      raise exception 'insight %: unknown key "%"', v_index, v_key
        using errcode = '22023', hint = 'Allowed keys: ' || pg_catalog.array_to_string(v_allowed, ', ') || '.';
    end if;
    foreach v_key in array array['insight_type', 'subject_key', 'confidence', 'title', 'description', 'data_snapshot',
                                 'period_start', 'period_end'] loop
      if pg_catalog.jsonb_typeof(v_item->v_key) is null or pg_catalog.jsonb_typeof(v_item->v_key) = 'null' then
        raise exception 'insight %: "%" is missing', v_index, v_key
          using errcode = '22023', hint = 'Required: insight_type, subject_key, confidence, title, description, data_snapshot, period_start, period_end.';
      end if;
    end loop;
    foreach v_key in array array['insight_type', 'subject_key', 'title', 'description', 'period_start', 'period_end'] loop
      if pg_catalog.jsonb_typeof(v_item->v_key) <> 'string' then
        raise exception 'insight %: "%" must be a string', v_index, v_key
          using errcode = '22023', hint = 'Texts, types and timestamps are JSON strings.';
      end if;
    end loop;
    foreach v_key in array array['action_suggestion', 'comparison_start', 'comparison_end', 'category', 'priority', 'detector_version'] loop
      if pg_catalog.jsonb_typeof(v_item->v_key) not in ('string', 'null') then
        raise exception 'insight %: "%" must be a string or null', v_index, v_key
          using errcode = '22023', hint = 'Texts, types and timestamps are JSON strings.';
      end if;
    end loop;
    if not (v_item->>'insight_type') = any (pg_catalog.enum_range(null::insights.insight_type)::text[]) then
      raise exception 'insight %: unknown insight_type "%"', v_index, v_item->>'insight_type'
        using errcode = '22023', hint = 'One of: ' || pg_catalog.array_to_string(pg_catalog.enum_range(null::insights.insight_type)::text[], ', ') || '.';
    end if;
    v_type := (v_item->>'insight_type')::insights.insight_type;
    if v_item->>'category' is not null and v_item->>'category' is distinct from insights.category_of(v_type)::text then
      raise exception 'insight %: category "%" does not match type % (category %)', v_index, v_item->>'category', v_type, insights.category_of(v_type)
        using errcode = '22023', hint = 'Omit category or pass the type''s own (insights.category_of).';
    end if;
    if v_item->>'priority' is not null and v_item->>'priority' is distinct from insights.priority_of(v_type)::text then
      raise exception 'insight %: priority "%" does not match type % (priority %)', v_index, v_item->>'priority', v_type, insights.priority_of(v_type)
        using errcode = '22023', hint = 'Omit priority or pass the type''s own (insights.priority_of); rank by the order of the array.';
    end if;
    if pg_catalog.btrim(v_item->>'subject_key') = '' or pg_catalog.char_length(v_item->>'subject_key') > 200 then
      raise exception 'insight %: subject_key must be 1 to 200 characters', v_index
        using errcode = '22023', hint = 'Use the candidate''s subject_key as insights.detect_candidates returned it.';
    end if;
    if pg_catalog.jsonb_typeof(v_item->'confidence') <> 'number' then
      raise exception 'insight %: confidence must be a number from 0 to 1', v_index
        using errcode = '22023', hint = 'Use the candidate''s confidence as insights.detect_candidates returned it.';
    end if;
    if (v_item->>'confidence')::numeric not between 0 and 1 then
      raise exception 'insight %: confidence must be a number from 0 to 1', v_index
        using errcode = '22023', hint = 'Use the candidate''s confidence as insights.detect_candidates returned it.';
    end if;
    if pg_catalog.btrim(v_item->>'title') = '' or pg_catalog.char_length(v_item->>'title') > 80 then
      raise exception 'insight %: title must be 1 to 80 characters', v_index
        using errcode = '22023', hint = 'Shorten the title (the template title always fits).';
    end if;
    if pg_catalog.btrim(v_item->>'description') = '' or pg_catalog.char_length(v_item->>'description') > 500 then
      raise exception 'insight %: description must be 1 to 500 characters', v_index
        using errcode = '22023', hint = 'One or two sentences.';
    end if;
    if pg_catalog.char_length(v_item->>'action_suggestion') > 300 then
      raise exception 'insight %: action_suggestion must be at most 300 characters', v_index
        using errcode = '22023', hint = 'One sentence.';
    end if;
    if pg_catalog.concat_ws(' ', v_item->>'title', v_item->>'description', v_item->>'action_suggestion')
       ~* '[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}' then
      raise exception 'insight %: texts must not contain e-mail addresses', v_index
        using errcode = '22023', hint = 'Insights describe aggregates; never include contact details.';
    end if;
    if pg_catalog.jsonb_typeof(v_item->'data_snapshot') <> 'object' then
      raise exception 'insight %: data_snapshot must be a JSON object', v_index
        using errcode = '22023', hint = 'Use the candidate''s data_snapshot as insights.detect_candidates returned it.';
    end if;
    if pg_catalog.jsonb_typeof(v_item->'metadata') not in ('object', 'null') then
      raise exception 'insight %: metadata must be a JSON object', v_index
        using errcode = '22023', hint = 'For example {"source": "llm", "model": "..."}.';
    end if;
    begin
      v_ps := (v_item->>'period_start')::timestamptz;
      v_pe := (v_item->>'period_end')::timestamptz;
      v_cs := (v_item->>'comparison_start')::timestamptz;
      v_ce := (v_item->>'comparison_end')::timestamptz;
    exception when others then
      raise exception 'insight %: a period bound is not a valid timestamp', v_index
        using errcode = '22023', hint = 'Use ISO 8601 with an offset, e.g. "2026-03-01T00:00:00+01:00".';
    end;
    if v_pe <= v_ps or v_pe - v_ps > interval '366 days' then
      raise exception 'insight %: period_end must be after period_start, at most 366 days later', v_index
        using errcode = '22023', hint = 'Use the candidate''s period as insights.detect_candidates returned it.';
    end if;
    if (v_cs is null) <> (v_ce is null) or v_ce <= v_cs then
      raise exception 'insight %: comparison_start and comparison_end go together, end after start', v_index
        using errcode = '22023', hint = 'Pass both or neither.';
    end if;
  end loop;

  -- Lifecycle.
  v_rules := insights.thresholds_json(array['lifecycle.expiry_days_high', 'lifecycle.expiry_days_medium',
                                            'lifecycle.expiry_days_low', 'lifecycle.recent_days', 'lifecycle.max_per_run']);
  -- One writer per organization at a time (two runs persisting at once).
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('insights.persist_insights'), pg_catalog.hashtext(p_org_id::text));

  for v_item, v_index in
    select e.item, (e.ord - 1)::integer from pg_catalog.jsonb_array_elements(p_insights) with ordinality as e (item, ord)
  loop
    v_type := (v_item->>'insight_type')::insights.insight_type;
    v_priority := insights.priority_of(v_type);
    v_conf := (v_item->>'confidence')::numeric;
    v_ps := (v_item->>'period_start')::timestamptz;
    v_pe := (v_item->>'period_end')::timestamptz;
    v_cs := (v_item->>'comparison_start')::timestamptz;
    v_ce := (v_item->>'comparison_end')::timestamptz;
    v_expires := pg_catalog.now() + pg_catalog.make_interval(days => (v_rules->>('lifecycle.expiry_days_' || v_priority::text))::integer);
    v_hash := pg_catalog.md5(pg_catalog.concat_ws('|', v_type, v_item->>'subject_key', extract(epoch from v_ps),
                                                  extract(epoch from v_pe), v_item->'data_snapshot'));
    v_outcome := 'skipped';
    v_reason := null;
    v_id := null;

    select i.* into v_existing
    from insights.ai_insights i
    where i.org_id = p_org_id and i.insight_type = v_type and i.subject_key = v_item->>'subject_key'
      and i.period_start = v_ps and i.period_end = v_pe
    for update;

    if found then
      v_id := v_existing.id;
      if v_existing.status = 'active' and v_existing.expires_at > pg_catalog.now() and v_conf > v_existing.confidence then
        v_outcome := 'replaced';
      elsif v_existing.status = 'active' and v_existing.expires_at > pg_catalog.now() then
        v_reason := 'duplicate_not_higher';
      elsif v_existing.status = 'active' then
        v_reason := 'duplicate_expired';
      else
        v_reason := 'duplicate_' || v_existing.status::text;
      end if;
    elsif exists (select 1 from insights.ai_insights i
                  where i.org_id = p_org_id and i.insight_type = v_type and i.subject_key = v_item->>'subject_key'
                    and i.status = 'active' and i.expires_at > pg_catalog.now()
                    and i.created_at >= pg_catalog.now() - pg_catalog.make_interval(days => (v_rules->>'lifecycle.recent_days')::integer)) then
      v_reason := 'recently_active';
    elsif exists (select 1 from insights.ai_insights i
                  where i.org_id = p_org_id and i.insight_type = v_type and i.subject_key = v_item->>'subject_key'
                    and i.status = 'dismissed'
                    and i.dismissed_at >= pg_catalog.now() - pg_catalog.make_interval(days => (v_rules->>'lifecycle.recent_days')::integer)) then
      v_reason := 'recently_dismissed';
    else
      v_outcome := 'stored';
    end if;

    if v_outcome in ('stored', 'replaced') then
      select pg_catalog.count(*) into v_count from insights.ai_insights i where i.generation_run_id = p_run_id;
      if v_count >= (v_rules->>'lifecycle.max_per_run')::integer then
        v_outcome := 'skipped';
        v_reason := 'run_limit';
      end if;
    end if;

    if v_outcome = 'replaced' then
      update insights.ai_insights i
      set title = v_item->>'title',
          description = v_item->>'description',
          action_suggestion = v_item->>'action_suggestion',
          confidence = v_conf,
          data_snapshot = v_item->'data_snapshot',
          comparison_start = v_cs,
          comparison_end = v_ce,
          expires_at = v_expires,
          generation_run_id = p_run_id,
          detector_version = coalesce(v_item->>'detector_version', insights.detector_version()),
          input_hash = v_hash,
          metadata = coalesce(v_item->'metadata', '{}'::jsonb)
                     || pg_catalog.jsonb_build_object('rank', v_index + 1, 'replaced_confidence', v_existing.confidence),
          updated_at = pg_catalog.now()
      where i.id = v_existing.id;
      v_replaced := v_replaced + 1;
    elsif v_outcome = 'stored' then
      insert into insights.ai_insights (org_id, insight_type, category, priority, title, description, action_suggestion,
                                        confidence, data_snapshot, subject_key, period_start, period_end,
                                        comparison_start, comparison_end, expires_at, generation_run_id,
                                        detector_version, input_hash, metadata)
      values (p_org_id, v_type, insights.category_of(v_type), v_priority, v_item->>'title', v_item->>'description',
              v_item->>'action_suggestion', v_conf, v_item->'data_snapshot', v_item->>'subject_key', v_ps, v_pe,
              v_cs, v_ce, v_expires, p_run_id,
              coalesce(v_item->>'detector_version', insights.detector_version()), v_hash,
              coalesce(v_item->'metadata', '{}'::jsonb) || pg_catalog.jsonb_build_object('rank', v_index + 1))
      returning id into v_id;
      -- Superseded: older active insights of the same type and subject.
      update insights.ai_insights i
      set status = 'expired', updated_at = pg_catalog.now(),
          metadata = i.metadata || pg_catalog.jsonb_build_object('superseded_by', v_id)
      where i.org_id = p_org_id and i.insight_type = v_type and i.subject_key = v_item->>'subject_key'
        and i.status = 'active' and i.id <> v_id;
      v_stored := v_stored + 1;
    else
      v_skipped := v_skipped + 1;
      v_reasons := v_reasons || pg_catalog.jsonb_build_object(v_reason, coalesce((v_reasons->>v_reason)::integer, 0) + 1);
    end if;

    v_items := v_items || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
      'index', v_index, 'insight_type', v_type, 'subject_key', v_item->>'subject_key',
      'outcome', v_outcome, 'reason', v_reason, 'id', v_id));
    v_existing := null;
  end loop;

  update insights.generation_runs r
  set insights_generated = (select pg_catalog.count(*) from insights.ai_insights i where i.generation_run_id = p_run_id)
  where r.id = p_run_id;

  return pg_catalog.jsonb_build_object('stored', v_stored, 'replaced', v_replaced, 'skipped', v_skipped,
                                       'skipped_reasons', v_reasons, 'items', v_items);
end;
$$;
revoke execute on function insights.persist_insights(uuid, uuid, jsonb) from public, anon, authenticated;
grant execute on function insights.persist_insights(uuid, uuid, jsonb) to service_role;
comment on function insights.persist_insights(uuid, uuid, jsonb) is
  'Stores a run''s validated insights (JSON array in rank order) with the lifecycle rules: dedup on (org, type, subject, period), replace an active one only with a higher confidence, skip a type/subject active (or dismissed) in the last 7 days, supersede older ones, expiry 7/14/30 days (high/medium/low), at most 8 per run. Validates the whole array first (22023 with the element index; nothing stored). Returns {stored, replaced, skipped, skipped_reasons, items}. service_role only.';
