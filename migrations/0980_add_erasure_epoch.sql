-- 0980: an erasure counter, so that a shared read of the rollup engine (0970) is never
-- applied after an erasure that it predates.
--
-- private.apply_rollup keeps a shared source's rows in a temporary table for the rest of a
-- refresh run (0970). app.erase_user deletes a person's raw and derived rows; if it commits
-- between that read and a later apply of the same round, the apply would write the person's
-- rows back from the older read. app.erase_user now takes a share lock on every registry
-- row (waiting for a rollup step in progress, holding off the next until it commits) and
-- adds one to this counter; apply_rollup records the counter with its shared read and reads
-- the source again when it has moved. One row, never readable by API roles.
create table private.erasure_epoch (
  id    boolean not null default true,
  epoch bigint  not null default 0,
  constraint pk_erasure_epoch primary key (id),
  constraint check_erasure_epoch_id check (id)
);
insert into private.erasure_epoch default values;
revoke all on table private.erasure_epoch from public, anon, authenticated, service_role;
comment on table private.erasure_epoch is
  'How many erasures (app.erase_user) have committed: private.apply_rollup reads a shared source again when this moved since its shared read (migrations/0980). One row; owner only.';
