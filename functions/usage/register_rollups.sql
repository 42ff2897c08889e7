-- requires: functions/private/register_rollup.sql
-- requires: functions/usage/compute_user_days.sql
-- requires: functions/usage/compute_model_hours.sql
-- Registers the rollups of the usage module with the engine (migrations/0100). A
-- repeatable file rather than a migration: private.register_rollup and the compute
-- functions are repeatable files themselves, applied after every migration, so a
-- migration could not call them on a fresh database. register_rollup is idempotent and
-- keeps the watermark, so re-applying this file (whenever it changes) is safe.
select private.register_rollup(
  'usage.user_days', 'usage.model_requests', 'usage.user_days', 'usage.compute_user_days',
  array['org_id', 'day', 'user_id', 'team', 'project', 'feature', 'provider', 'model'], 'day', '{}',
  'Model requests per organization, local day, user, team, project, feature and model: exact distinct users, cost breakdowns, budget spend.');
select private.register_rollup(
  'usage.model_hours', 'usage.model_requests', 'usage.model_hours', 'usage.compute_model_hours',
  array['org_id', 'hour', 'provider', 'model', 'feature'], 'hour', '{}',
  'Model requests per organization, local hour, model and feature: volume, errors, cost, tokens, latency histogram, ratings, routing.');
