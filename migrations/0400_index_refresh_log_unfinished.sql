-- audiencectl:no-transaction
-- Each refresh run marks the steps that dead runs left unfinished (private.run_refresh):
-- a partial index keeps that lookup small however long private.refresh_log grows.
-- Built concurrently: refresh_log may already be large and written every minute.
create index concurrently if not exists index_refresh_log_on_id_unfinished
  on private.refresh_log (id) where finished_at is null and error is null;
