-- 0802: usage.dimension_days is recomputed from the raw requests of each touched local day
-- (functions/usage/compute_dimension_days.sql), no longer from usage.user_days: the same
-- rows, one index range per touched day instead of every touched user's day through
-- usage.user_days. Its registration (depends_on) changes with the compute function's file;
-- the table's description changes here.
comment on table usage.dimension_days is
  'Rollup (engine: usage.dimension_days) per organization, local day, dimension (user, team, project, feature) and key (the user id as text, the nil uuid for requests without a user; team, project or feature as stored, '''' when empty): requests, cost of the priced requests, tokens of all kinds, recomputed from the raw requests of each touched day. Read through private.dimension_days_rows.';
