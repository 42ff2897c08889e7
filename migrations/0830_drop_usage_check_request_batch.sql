-- 0830: drop usage.check_request_batch: public.log_model_requests and the bulk load
-- (usage.ingest_lines) validate and price with the inlinable usage.parse_requests instead
-- (one set-based statement: no jsonb_agg of a chunk, no per-batch function call).
-- "if exists": a new database runs migrations before the repeatable files, so the
-- function never existed there.
drop function if exists usage.check_request_batch(uuid, jsonb, timestamptz);
