-- Compiles a segment filter (jsonb) into a SQL predicate over the rows of
-- audience.customers_now (alias c: the customers with stage, intent and propensity as of
-- now) that reads every value from the filter itself, passed as parameter $1: the returned
-- text contains only whitelisted column names, operators and array positions generated
-- here, never text taken from the filter, so no filter can inject SQL. Callers run
--   execute format('... from audience.customers_now($2, false) as c where (%s)', predicate)
--   using filter, org_id
-- Internal helper of create_segment / preview_segment / materialize_segment.
--
-- The filter: a JSON array of at most 20 conditions {"field": f, "op": o, "value": v},
-- all of which must hold ([] matches every customer). Fields and operators:
--   text      utm_source, utm_medium, utm_campaign (first touch), last_utm_source,
--             last_utm_medium, last_utm_campaign (last touch), device_type, country
--             (ISO alpha-2, upper case), city:
--               eq / neq (a string), in / not_in (an array of 1 to 100 strings)
--   stage     lifecycle_stage (prospect, customer, repeat_buyer, champion, at_risk,
--             churned), intent_level (low, medium, high): eq / neq / in / not_in
--   number    propensity_score, engagement_score, orders_count, revenue_cents,
--             sessions_count: eq / neq / gt / gte / lt / lte (a whole number), between
--             (an array [low, high] of whole numbers, inclusive)
--   date      last_seen, first_seen, last_order: within / not_within (a whole number of
--             days, 1 to 3650: seen in the last N days, or not; never ordered counts as
--             not within)
-- Example: [{"field": "utm_source", "op": "eq", "value": "instagram"},
--           {"field": "propensity_score", "op": "gte", "value": 7},
--           {"field": "lifecycle_stage", "op": "in", "value": ["customer", "repeat_buyer"]},
--           {"field": "last_seen", "op": "within", "value": 30}]
-- Raises 22023 naming the condition (0-based index) and, in the hint, what is allowed.
create or replace function audience.compile_segment_filter(p_filter jsonb)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  -- field -> [column, kind]
  v_fields constant jsonb := '{
    "utm_source": ["first_source", "text"], "utm_medium": ["first_medium", "text"],
    "utm_campaign": ["first_campaign", "text"], "last_utm_source": ["last_source", "text"],
    "last_utm_medium": ["last_medium", "text"], "last_utm_campaign": ["last_campaign", "text"],
    "device_type": ["device_type", "text"], "country": ["country", "text"], "city": ["city", "text"],
    "lifecycle_stage": ["lifecycle_stage", "stage"], "intent_level": ["intent_level", "stage"],
    "propensity_score": ["propensity_score", "number"], "engagement_score": ["engagement_score", "number"],
    "orders_count": ["orders_count", "number"], "revenue_cents": ["revenue_cents", "number"],
    "sessions_count": ["sessions_count", "number"],
    "last_seen": ["last_seen_at", "date"], "first_seen": ["first_seen_at", "date"],
    "last_order": ["last_order_at", "date"]}';
  v_ops constant jsonb := '{
    "text": ["eq", "neq", "in", "not_in"], "stage": ["eq", "neq", "in", "not_in"],
    "number": ["eq", "neq", "gt", "gte", "lt", "lte", "between"], "date": ["within", "not_within"]}';
  v_hint constant text :=
    'A filter is a JSON array of {"field", "op", "value"} conditions, all of which must hold. '
    'Fields: utm_source, utm_medium, utm_campaign, last_utm_source, last_utm_medium, last_utm_campaign, '
    'device_type, country, city (eq, neq: a string; in, not_in: an array of strings); '
    'lifecycle_stage, intent_level (the same operators, known values only); '
    'propensity_score, engagement_score, orders_count, revenue_cents, sessions_count '
    '(eq, neq, gt, gte, lt, lte: a whole number; between: [low, high]); '
    'last_seen, first_seen, last_order (within, not_within: days 1-3650).';
  v_condition jsonb;
  v_index     integer;
  v_field     text;
  v_op        text;
  v_value     jsonb;
  v_column    text;
  v_kind      text;
  v_enum      text;
  v_ref       text;
  v_list      text;
  v_parts     text[] := '{}';
begin
  if p_filter is null or pg_catalog.jsonb_typeof(p_filter) <> 'array' then
    raise exception 'segment filter must be a JSON array'
      using errcode = '22023', hint = v_hint;
  end if;
  if pg_catalog.jsonb_array_length(p_filter) > 20 then
    raise exception 'segment filter has % conditions; at most 20 are allowed', pg_catalog.jsonb_array_length(p_filter)
      using errcode = '22023', hint = v_hint;
  end if;

  for v_condition, v_index in
    select a.value, (a.ordinality - 1)::integer
    from pg_catalog.jsonb_array_elements(p_filter) with ordinality as a (value, ordinality)
  loop
    if pg_catalog.jsonb_typeof(v_condition) <> 'object'
       or not (v_condition ? 'field' and v_condition ? 'op' and v_condition ? 'value')
       or exists (select 1 from pg_catalog.jsonb_object_keys(v_condition) as k (key)
                  where k.key not in ('field', 'op', 'value')) then
      raise exception 'condition % must be an object with exactly the keys field, op and value', v_index
        using errcode = '22023', hint = v_hint;
    end if;
    v_field := v_condition ->> 'field';
    v_op := v_condition ->> 'op';
    v_value := v_condition -> 'value';
    if pg_catalog.jsonb_typeof(v_condition -> 'field') <> 'string' or not (v_fields ? v_field) then
      raise exception 'condition %: unknown field %', v_index, pg_catalog.left(coalesce(v_condition -> 'field', 'null'::jsonb)::text, 64)
        using errcode = '22023', hint = v_hint;
    end if;
    v_column := v_fields -> v_field ->> 0;
    v_kind := v_fields -> v_field ->> 1;
    if pg_catalog.jsonb_typeof(v_condition -> 'op') <> 'string' or not (v_ops -> v_kind ? v_op) then
      raise exception 'condition %: operator % is not allowed for field %', v_index,
                      pg_catalog.left(coalesce(v_condition -> 'op', 'null'::jsonb)::text, 32), v_field
        using errcode = '22023',
              hint = pg_catalog.format('Operators for %s: %s. ', v_field,
                                       (select pg_catalog.string_agg(o.value, ', ')
                                        from pg_catalog.jsonb_array_elements_text(v_ops -> v_kind) as o (value))) || v_hint;
    end if;

    -- The value is read at run time from $1 at this position; only the position is in the SQL.
    v_ref := pg_catalog.format('($1 -> %s -> ''value'')', v_index);

    -- Values: checked here so that the casts in the predicate cannot fail.
    if v_kind in ('text', 'stage') then
      if v_op in ('eq', 'neq') then
        if pg_catalog.jsonb_typeof(v_value) <> 'string' or pg_catalog.length(v_value #>> '{}') not between 1 and 200 then
          raise exception 'condition %: % % needs a string of 1 to 200 characters', v_index, v_field, v_op
            using errcode = '22023', hint = v_hint;
        end if;
      else
        if pg_catalog.jsonb_typeof(v_value) <> 'array'
           or pg_catalog.jsonb_array_length(v_value) not between 1 and 100
           or exists (select 1 from pg_catalog.jsonb_array_elements(v_value) as x (value)
                      where pg_catalog.jsonb_typeof(x.value) <> 'string'
                         or pg_catalog.length(x.value #>> '{}') not between 1 and 200) then
          raise exception 'condition %: % % needs an array of 1 to 100 strings', v_index, v_field, v_op
            using errcode = '22023', hint = v_hint;
        end if;
      end if;
      if v_kind = 'stage' then
        v_enum := case v_field when 'lifecycle_stage' then 'audience.lifecycle_stage' else 'audience.intent_level' end;
        select pg_catalog.string_agg(e.enumlabel, ', ' order by e.enumsortorder) into v_list
        from pg_catalog.pg_enum as e
        where e.enumtypid = v_enum::pg_catalog.regtype;
        if exists (select 1
                   from pg_catalog.jsonb_array_elements_text(case when pg_catalog.jsonb_typeof(v_value) = 'array'
                                                                 then v_value else pg_catalog.jsonb_build_array(v_value) end) as x (value)
                   where x.value not in (select e.enumlabel::text from pg_catalog.pg_enum as e
                                         where e.enumtypid = v_enum::pg_catalog.regtype)) then
          raise exception 'condition %: unknown % value', v_index, v_field
            using errcode = '22023', hint = pg_catalog.format('%s is one of: %s.', v_field, v_list);
        end if;
      end if;
      if v_field = 'country'
         and exists (select 1
                     from pg_catalog.jsonb_array_elements_text(case when pg_catalog.jsonb_typeof(v_value) = 'array'
                                                                   then v_value else pg_catalog.jsonb_build_array(v_value) end) as x (value)
                     where x.value !~ '^[A-Z][A-Z]$') then
        raise exception 'condition %: country must be an ISO 3166-1 alpha-2 code in upper case', v_index
          using errcode = '22023', hint = 'For example "DE", "GB", "US".';
      end if;
      v_column := case when v_kind = 'stage' then pg_catalog.format('c.%I::text', v_column)
                       else pg_catalog.format('c.%I::text', v_column) end;
      v_parts := v_parts || case v_op
        when 'eq' then pg_catalog.format('%s = (%s #>> ''{}'') collate "C"', v_column, v_ref)
        when 'neq' then pg_catalog.format('%s is distinct from (%s #>> ''{}'') collate "C"', v_column, v_ref)
        when 'in' then pg_catalog.format(
          'coalesce(%s = any (array(select pg_catalog.jsonb_array_elements_text(%s)) collate "C"), false)', v_column, v_ref)
        else pg_catalog.format(
          'not coalesce(%s = any (array(select pg_catalog.jsonb_array_elements_text(%s)) collate "C"), false)', v_column, v_ref)
      end;
    elsif v_kind = 'number' then
      if v_op = 'between' then
        if pg_catalog.jsonb_typeof(v_value) <> 'array' or pg_catalog.jsonb_array_length(v_value) <> 2
           or pg_catalog.jsonb_typeof(v_value -> 0) <> 'number' or pg_catalog.jsonb_typeof(v_value -> 1) <> 'number'
           or (v_value ->> 0)::numeric <> pg_catalog.trunc((v_value ->> 0)::numeric)
           or (v_value ->> 1)::numeric <> pg_catalog.trunc((v_value ->> 1)::numeric)
           or pg_catalog.abs((v_value ->> 0)::numeric) > 1e15 or pg_catalog.abs((v_value ->> 1)::numeric) > 1e15
           or (v_value ->> 0)::numeric > (v_value ->> 1)::numeric then
          raise exception 'condition %: % between needs [low, high], two whole numbers with low <= high', v_index, v_field
            using errcode = '22023', hint = v_hint;
        end if;
        v_parts := v_parts || pg_catalog.format('c.%I between (%s ->> 0)::bigint and (%s ->> 1)::bigint',
                                                v_column, v_ref, v_ref);
      else
        if pg_catalog.jsonb_typeof(v_value) <> 'number'
           or (v_value #>> '{}')::numeric <> pg_catalog.trunc((v_value #>> '{}')::numeric)
           or pg_catalog.abs((v_value #>> '{}')::numeric) > 1e15 then
          raise exception 'condition %: % % needs a whole number', v_index, v_field, v_op
            using errcode = '22023', hint = v_hint;
        end if;
        -- bigint, the columns' own family: comparisons can use their indexes.
        v_parts := v_parts || pg_catalog.format('c.%I %s (%s #>> ''{}'')::bigint', v_column,
          case v_op when 'eq' then '=' when 'neq' then '<>' when 'gt' then '>' when 'gte' then '>='
                    when 'lt' then '<' else '<=' end,
          v_ref);
      end if;
    else  -- date
      if pg_catalog.jsonb_typeof(v_value) <> 'number'
         or (v_value #>> '{}')::numeric <> pg_catalog.trunc((v_value #>> '{}')::numeric)
         or (v_value #>> '{}')::numeric not between 1 and 3650 then
        raise exception 'condition %: % % needs a whole number of days from 1 to 3650', v_index, v_field, v_op
          using errcode = '22023', hint = v_hint;
      end if;
      v_parts := v_parts || pg_catalog.format(
        case when v_op = 'within'
             then 'c.%1$I >= pg_catalog.now() - pg_catalog.make_interval(days => (%2$s #>> ''{}'')::integer)'
             else '(c.%1$I is null or c.%1$I < pg_catalog.now() - pg_catalog.make_interval(days => (%2$s #>> ''{}'')::integer))' end,
        v_column, v_ref);
    end if;
  end loop;

  if pg_catalog.cardinality(v_parts) = 0 then
    return 'true';
  end if;
  return '(' || pg_catalog.array_to_string(v_parts, ') and (') || ')';
end;
$$;
revoke execute on function audience.compile_segment_filter(jsonb) from public, anon, authenticated;
comment on function audience.compile_segment_filter(jsonb) is
  'Compiles a segment filter (JSON array of {field, op, value}; whitelisted fields and operators) into a SQL predicate over audience.customers c that reads each value from $1 (the filter) at run time: no filter text ever becomes SQL. 22023 with the allowed fields and operators in the hint. Internal helper.';
