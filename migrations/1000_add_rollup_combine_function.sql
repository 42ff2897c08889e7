-- 1000: combinable (delta) rollups on the rollup engine (0100, 0600, 0970).
--
-- A rollup's reader recomputes every key touched since the watermark over the key's whole
-- unit (a day of the usage rollups: at 10M requests, ~11,800 raw requests of the largest
-- organization, ~40 ms, for a reader that finds one new hour of 675 requests). When every
-- value column of the target combines by a known function (sums of counts, costs and tokens,
-- an element-wise merge of histogram buckets, min / max, and columns derived from those), the
-- rows received since the watermark only need their own partial aggregate per key, combined
-- with the stored row of the key.
--
-- A rollup may now name a combine function c(stored <target>, delta <target>) returning
-- <target> (stored is NULL for a key without a stored row; c then returns delta completed).
-- Its compute function then returns the DELTA: the partial aggregates, by key, of the source
-- rows received in [p_after, p_upto) (and only of them), so the stored row of a key is exactly
-- the aggregate of the source rows received before the watermark:
-- * apply upserts compute(null, watermark, bound) with ON CONFLICT DO UPDATE SET
--   <columns> = c(stored, excluded), in the statement whose transaction moves the watermark
--   (a rerun or a concurrent run, serialized on the registry row, never combines a row twice);
-- * the reader returns the stored rows of untouched keys and c(stored, delta) of the touched
--   ones; the full rebuild is the same apply from '-infinity' into an empty target.
-- A source row that changes after it was applied (rather than being added) must retract its
-- old contribution in the source's delta (usage: usage.request_retractions, 1001).
-- NULL (every rollup until now) keeps the recompute-the-key path.
alter table private.rollups add column combine_function text;

comment on column private.rollups.combine_function is
  'A function c(stored <target>, delta <target>) returns <target>: the compute function then returns the partial aggregates of the source rows received in [p_after, p_upto), which apply_rollup and the reader combine with the stored row of each key (migrations/1000). NULL: the compute function recomputes whole keys.';
