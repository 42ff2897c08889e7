-- The cutoff of the retention run before the last (analytics.apply_retention), so that
-- audience.compute_customers can tell which pseudonymized events a stored customer row
-- still counts: a row whose first event lies at or after the previous run's cutoff counts
-- exactly its pseudonymized events from that first event on (see its header).
alter table analytics.retention_state add column previous_cutoff timestamptz;
comment on column analytics.retention_state.previous_cutoff is
  'The cutoff of the run before the last one (last_cutoff before analytics.apply_retention last wrote it); NULL until two runs have happened. Read by audience.compute_customers.';
