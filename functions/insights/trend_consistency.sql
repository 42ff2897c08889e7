-- Consistency of a change between two periods, from four equal consecutive buckets:
-- b1, b2 the halves of the comparison period, b3, b4 the halves of the analysed period;
-- p_direction 1 for a claimed rise, -1 for a claimed fall.
--   1.0 monotonic:      every step goes the claimed way or stays level (b1 -> b2 -> b3 -> b4);
--   0.6 contradictory:  the latest half (b4) is back at or beyond the comparison
--                       period's half-average, against the claim;
--   0.8 noisy:          anything else.
-- Pure; callable by anyone signed in.
create or replace function insights.trend_consistency(p_b1 numeric, p_b2 numeric, p_b3 numeric, p_b4 numeric, p_direction integer)
returns numeric
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
           when p_direction * (p_b2 - p_b1) >= 0 and p_direction * (p_b3 - p_b2) >= 0 and p_direction * (p_b4 - p_b3) >= 0
             then 1.0
           when p_direction * (p_b4 - (p_b1 + p_b2) / 2.0) <= 0
             then 0.6
           else 0.8
         end
$$;
revoke execute on function insights.trend_consistency(numeric, numeric, numeric, numeric, integer) from public, anon;
grant execute on function insights.trend_consistency(numeric, numeric, numeric, numeric, integer) to authenticated, service_role;
comment on function insights.trend_consistency(numeric, numeric, numeric, numeric, integer) is
  'Consistency factor of a change from four consecutive half-period buckets: 1.0 monotonic, 0.8 noisy, 0.6 contradictory (the latest half is back at the earlier level).';
