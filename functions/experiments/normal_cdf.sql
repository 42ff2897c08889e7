-- requires: functions/experiments/erfc.sql
-- The standard normal cumulative distribution function Phi(x) = erfc(-x / sqrt 2) / 2,
-- accurate to a relative 1.2e-7 (experiments.erfc). A two-sided p-value for a z score is
-- erfc(|z| / sqrt 2) = 2 (1 - Phi(|z|)), computed without the cancellation of 1 - Phi.
-- Total (as experiments.erfc): normal_cdf(-40) = 0 and normal_cdf(40) = 1 exactly, never 22003.
-- Callable by authenticated and service_role (pure arithmetic).
create or replace function experiments.normal_cdf(p_x double precision)
returns double precision
language sql
immutable
strict
parallel safe
as $$
  select 0.5 * experiments.erfc(-p_x / pg_catalog.sqrt(2.0::double precision))
$$;
revoke execute on function experiments.normal_cdf(double precision) from public, anon;
grant execute on function experiments.normal_cdf(double precision) to authenticated, service_role;
comment on function experiments.normal_cdf(double precision) is
  'Standard normal CDF Phi(x) via experiments.erfc (relative error < 1.2e-7).';
