-- 1100: usage.request_retractions is pruned (functions/usage/prune_request_retractions.sql):
-- usage.reprice, its only writer, first deletes the old versions retracted before the lowest
-- watermark of the combinable rollups of usage.model_requests (found in private.rollups),
-- which no delta reads any more (usage.request_deltas reads retracted_at >= p_after, a
-- watermark or '-infinity'). The deltas also add back an old version received in the range
-- and retracted at or after its end (the version alive at an apply's bound, replaced before
-- the apply read the source). No index: the prune reads a table that keeps only the
-- retractions since the lowest watermark (a sequential scan of that, as the apply's read).
-- The table's description changes here.
comment on table usage.request_retractions is
  'Old versions of model requests changed after they were received (usage.reprice: retracted_at = its now(), the new received_at; received_at = the old one). Each version counts from its received_at until its retracted_at in the deltas of the combinable usage rollups (usage.request_deltas; migrations/1000, 1001). usage.reprice first deletes those retracted before the lowest watermark of those rollups, which nothing reads (usage.prune_request_retractions, migrations/1100). service_role only.';
