-- Consistency of a level claim ("many fans here", "momentum", "a new market") from the
-- two halves of the analysed period:
--   1.0 the second half holds or grows (h2 >= h1); 0.8 it shrinks but is not empty
--   (noisy); 0.6 the second half is empty (contradictory: it has faded).
-- Pure; callable by anyone signed in.
create or replace function insights.halves_consistency(p_h1 numeric, p_h2 numeric)
returns numeric
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when p_h2 >= p_h1 then 1.0 when p_h2 > 0 then 0.8 else 0.6 end
$$;
revoke execute on function insights.halves_consistency(numeric, numeric) from public, anon;
grant execute on function insights.halves_consistency(numeric, numeric) to authenticated, service_role;
comment on function insights.halves_consistency(numeric, numeric) is
  'Consistency factor of a level claim from the two halves of the period: 1.0 holds or grows, 0.8 shrinks, 0.6 second half empty.';
