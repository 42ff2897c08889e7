-- 0100: the rollup registry, the one maintenance pattern for derived data.
--
-- A rollup is a table (`target`) derived from a raw log (`source`, which has received_at)
-- by ONE compute function
--   f(p_org_id uuid, p_after timestamptz, p_upto timestamptz) returns setof <target>
-- that returns the complete, recomputed rows of every key touched by the source rows
-- received in [p_after, p_upto) (half-open; p_org_id null: every organization), computed
-- from the raw rows of just those keys (a visitor-day, an entity-day, a customer, a
-- model-hour). Everything else follows from that one function:
-- - private.apply_rollup(name) upserts f(null, watermark, bound) into the target and moves
--   the watermark to bound, the received_at below which no in-flight transaction can still
--   add a row (private.received_upper_bound); a rerun, or two runs at once, apply nothing twice;
-- - a full rebuild is the same call from watermark '-infinity' (private.reset_rollup);
-- - readers call private.rollup_rows(null::<target>, org, from, to): the stored rows whose
--   keys no row received since the watermark touches, plus f(org, watermark, 'infinity'),
--   so every answer is exact whether or not refresh has run;
-- - private.run_refresh applies every registered rollup in dependency order, one logged step each.
-- Keys only appear or change: removing derived rows of a person is erasure's and
-- retention's job (they delete from the targets themselves).

create table private.rollups (
  name             text        not null,
  source           regclass    not null,
  target           regclass    not null,
  compute_function text        not null,
  key_columns      text[]      not null,
  bucket_column    text,
  depends_on       text[]      not null default '{}',
  watermark        timestamptz not null default '-infinity',
  applied_at       timestamptz,
  applied_rows     bigint,
  duration_ms      integer,
  description      text        not null,
  constraint pk_rollups primary key (name),
  constraint unique_rollups_target unique (target),
  constraint check_rollups_name check (name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  constraint check_rollups_key_columns check (pg_catalog.cardinality(key_columns) > 0 and 'org_id' = any (key_columns)),
  constraint check_rollups_not_self_dependent check (not name = any (depends_on))
);
revoke all on table private.rollups from public;
comment on table private.rollups is
  'Registered rollups: target table, its source log, its compute function f(org, after, upto) and key, and the watermark: every source row received before it is reflected in target. Written by private.register_rollup and private.apply_rollup only.';
comment on column private.rollups.watermark is
  'Exclusive upper bound on source.received_at: every row received before it is reflected in target; a row received at or after it may be reflected already (its key was recomputed from every visible row) or not yet.';
comment on column private.rollups.key_columns is
  'The unit of recomputation (always includes org_id); target has a unique index on exactly these columns.';
comment on column private.rollups.bucket_column is
  'The column that readers filter on with [from, to) (a day, an hour), or NULL.';
