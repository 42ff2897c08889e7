-- The complementary error function erfc(x), by the Chebyshev-fitted approximation of
-- Numerical Recipes (erfcc, after W. H. Press et al., 2nd ed., 6.2): fractional error
-- below 1.2e-7 for every x, so a p-value from it is right to 6 significant digits,
-- far beyond the 3 decimals reported. erfc(-x) = 2 - erfc(x).
-- Total: every input has an answer. Where the exponential would underflow to zero
-- (exponent below -745, i.e. |x| above about 27.2, erfc(x) < 5e-324) the result is exactly
-- 0 (x > 0) or 2 (x < 0) instead of PostgreSQL's 22003 underflow error; erfc(+-Infinity)
-- = 0 / 2; NaN gives NaN.
-- Callable by authenticated and service_role (pure arithmetic).
create or replace function experiments.erfc(p_x double precision)
returns double precision
language sql
immutable
strict
parallel safe
as $$
  select case when p_x = 'NaN' then p_x when p_x >= 0 then r.value else 2 - r.value end
  from (
    select case when e.e < -745 then 0::double precision else t.t * pg_catalog.exp(e.e) end as value
    -- beyond 28 the exponent is below -745 anyway; capping keeps z * z from overflowing
    from (select least(pg_catalog.abs(p_x), 28) as z) as z
    cross join lateral (select 1.0 / (1.0 + 0.5 * z.z) as t) as t
    cross join lateral (
      select -z.z * z.z - 1.26551223 + t.t * (1.00002368 + t.t * (0.37409196 + t.t * (0.09678418
             + t.t * (-0.18628806 + t.t * (0.27886807 + t.t * (-1.13520398 + t.t * (1.48851587
             + t.t * (-0.82215223 + t.t * 0.17087277)))))))) as e
    ) as e
  ) as r
$$;
revoke execute on function experiments.erfc(double precision) from public, anon;
grant execute on function experiments.erfc(double precision) to authenticated, service_role;
comment on function experiments.erfc(double precision) is
  'Complementary error function (Numerical Recipes erfcc; fractional error < 1.2e-7 everywhere). Total: 0 / 2 exactly where |x| > ~27.2 (below the smallest double), never an underflow error.';
