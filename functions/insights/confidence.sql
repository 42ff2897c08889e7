-- Confidence of an insight candidate, as numeric(3,2):
--   base x min(1, data_points / (required x 1.5)) x consistency
-- where consistency is 1.0 (monotonic), 0.8 (noisy) or 0.6 (contradictory). NULL or
-- non-positive required gives NULL (no candidate). The result is clamped to [0, 1] before
-- the cast, so the function is total: inputs outside the usual ranges (a base or
-- consistency above 1, negative data points, huge numbers) give 1.00 or 0.00, never a
-- 22003 numeric overflow. Pure; callable by anyone signed in.
create or replace function insights.confidence(p_base numeric, p_data_points numeric, p_required numeric, p_consistency numeric)
returns numeric(3,2)
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when p_required > 0
              then pg_catalog.round(greatest(0::numeric, least(1::numeric,
                     p_base * least(1::numeric, p_data_points / (p_required * 1.5)) * p_consistency)), 2)::numeric(3,2)
         end
$$;
revoke execute on function insights.confidence(numeric, numeric, numeric, numeric) from public, anon;
grant execute on function insights.confidence(numeric, numeric, numeric, numeric) to authenticated, service_role;
comment on function insights.confidence(numeric, numeric, numeric, numeric) is
  'base x min(1, data_points / (required x 1.5)) x consistency, clamped to [0, 1] and rounded to 2 decimals (numeric(3,2)); total (never 22003).';
