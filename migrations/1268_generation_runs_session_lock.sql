-- 1268: insights.generation_runs.session_lock: the key of the session-level advisory lock that
-- the session processing a run holds while it works (insights.hold_run, which audiencectl
-- calls in the statement that starts or claims the run). A run was failed as abandoned only
-- after 30 minutes (insights.fail_abandoned_runs), so a generation killed while the provider
-- was slow kept the organization's manual slot (IN001) for half an hour, though nothing was
-- generated. With the key, a run whose lock can be taken has lost its session (the process
-- died, or its connection did: the server, or a session pooler's reset, releases a session's
-- advisory locks) and is failed at once (insights.fail_orphaned_runs). NULL: the run is not
-- tied to a session (an app back end processing it itself); then only the 30 minutes apply.
-- A nullable column without a default: no rewrite, a brief lock.
alter table insights.generation_runs add column session_lock bigint;
comment on column insights.generation_runs.session_lock is
  'Key of the session-level advisory lock (pg_advisory_lock(bigint)) the processing session holds (insights.hold_run); a processing run whose lock is free lost its session and is failed (insights.fail_orphaned_runs). NULL: not tied to a session.';
