-- When a generation run began processing (insights.start_run, insights.claim_pending_run):
-- a run requested through public.request_insight_generation may wait in the queue before a
-- worker takes it, so created_at does not say how long it has been processing.
alter table insights.generation_runs add column started_at timestamptz;
comment on column insights.generation_runs.started_at is
  'When the run began processing (a worker took it); NULL while pending. insights.fail_abandoned_runs fails runs processing for too long.';
