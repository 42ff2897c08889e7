-- Intent level of a propensity score: high 7-10, medium 4-6, low 0-3 (NULL for NULL).
-- Internal helper (inlined); not callable by API roles.
create or replace function audience.intent_level_for(p_score integer)
returns audience.intent_level
language sql
immutable
parallel safe
as $$
  select case when p_score >= 7 then 'high'::audience.intent_level
              when p_score >= 4 then 'medium'::audience.intent_level
              when p_score is not null then 'low'::audience.intent_level end
$$;
revoke execute on function audience.intent_level_for(integer) from public, anon, authenticated;
comment on function audience.intent_level_for(integer) is 'Intent level of a propensity score: high 7-10, medium 4-6, low 0-3.';
