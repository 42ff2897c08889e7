-- audiencectl:no-transaction
-- The queue of requested generations (public.request_insight_generation, insights.
-- enqueue_due): insights.claim_pending_run takes the oldest pending run, and
-- insights.fail_abandoned_runs finds runs left processing. Partial: only unfinished runs.
create index concurrently if not exists index_generation_runs_on_created_at_unfinished
  on insights.generation_runs (created_at) where status in ('pending', 'processing');
