-- 0600: replace units and dependents for the rollup engine (migrations/0100).
--
-- A rollup whose rows are groups (counts per (org, day, prev_day), per (org, day, device))
-- can lose a group when a key is recomputed: the visitor who made (day, prev_day) = 3 now
-- makes it 2, and a group may vanish. Such a rollup names its unit of replacement, a subset
-- of its key columns with org_id (say {org_id, day}): its compute function returns every row
-- of each unit it touches, private.apply_rollup deletes the stored rows of those units that
-- the result no longer has, and private.rollup_rows replaces stored rows unit by unit.
-- NULL (every existing rollup) means the unit is the key.
--
-- A rollup that depends_on others (a rollup of a rollup) is applied no further than the
-- lowest watermark of its dependencies, so its compute function may read their targets.
alter table private.rollups add column unit_columns text[];

comment on column private.rollups.unit_columns is
  'The unit of replacement, a subset of key_columns with org_id: the compute function returns all rows of each unit it touches, apply deletes stored rows of those units that it no longer returns, rollup_rows replaces stored rows unit by unit. NULL: the key.';
comment on column private.rollups.depends_on is
  'Rollups whose targets the compute function reads: applied first, and this rollup''s watermark never passes the lowest of theirs.';
