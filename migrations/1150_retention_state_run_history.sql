-- The history of the retention runs (analytics.apply_retention), so that
-- audience.compute_customers can tell which pseudonymized events a stored customer row
-- still counts (see its header): per run, in run order, its cutoff and the received_at
-- bound of the events it could pseudonymize (covered: received before every rollup's
-- watermark). On a database where retention ran before this migration, the earlier runs
-- are unknown: one run at the last cutoff that covered nothing stands in for them (a
-- stored row is then trimmed only of events that a later run pseudonymized).
alter table analytics.retention_state
  add column run_cutoffs timestamptz[] not null default '{}',
  add column run_covered_upto timestamptz[] not null default '{}';
update analytics.retention_state
   set run_cutoffs = array[last_cutoff], run_covered_upto = array['-infinity'::timestamptz]
 where id = 1 and last_cutoff is not null;
comment on column analytics.retention_state.run_cutoffs is
  'The cutoff of every retention run (analytics.apply_retention), in run order; run_covered_upto holds the same runs'' bounds. Read by audience.compute_customers.';
comment on column analytics.retention_state.run_covered_upto is
  'Per retention run (the order of run_cutoffs): the received_at bound of the events it pseudonymized (every event before its cutoff received before it); -infinity for the runs before migration 1150. Read by audience.compute_customers.';
