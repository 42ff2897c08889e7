-- 1215: the replaced versions of private.audience_touch_days rows, so that the attribution
-- sums (private.audience_attribution_days, migration 0950) move by the touched visitors'
-- weights instead of recomputing whole organization-days (issue 11: a minute of ~45 events
-- at 10M read 30,392 touch rows of the touched days' visitors for ~45 touched ones).
--
-- The pattern of usage.request_retractions (migration 1001), for a rollup of a rollup: an
-- upstream whose registry row names a retractions table (private.rollups.retractions) has
-- private.apply_rollup copy, in the statement that writes them, the stored version of every
-- row it changes and a marker (existed = false) for every key it adds, with retracted_at =
-- the watermark the apply starts from. The upstream's rows at a watermark x are then its
-- current rows with each key that has a retraction at or after x taken back to the earliest
-- of them (a marker: no row). A dependent applied over [p_after, p_upto) subtracts what the
-- visitors with a retraction in that range contributed at p_after and adds what they
-- contribute at p_upto; both states come from the same rule, so consecutive applies add up
-- whatever the order of the upstream's and the dependent's bounds. The rebuild of the
-- upstream (from '-infinity') writes none: resetting it resets the dependents that read its
-- retractions (private.reset_rollup). Rows older than the lowest watermark of those
-- dependents are read by nobody: the upstream's apply deletes them before it writes.
--
-- Small tables (no rewrite, no lock held for long): a nullable column of the registry and
-- a new, empty table. A rollup whose upstream applied rows since it did, without
-- retractions (the rows applied before this file), is reset here: its next apply rebuilds
-- it (until then its reader computes an organization's rows from the touch rows, exact).
alter table private.rollups add column retractions regclass;
comment on column private.rollups.retractions is
  'A table into which private.apply_rollup copies the stored rows it replaces (and markers for the keys it adds), for the dependents that move by differences (migration 1215). NULL: none kept.';

create table private.audience_touch_retractions (
  retracted_at timestamptz not null,
  seq          bigint      generated always as identity,
  existed      boolean     not null,
  org_id       uuid        not null,
  day          date        not null,
  visitor_key  text        collate "C" not null,
  source       text        collate "C",
  medium       text        collate "C",
  campaign     text        collate "C",
  clicked      boolean,
  nd_day       date,
  nd_source    text        collate "C",
  nd_medium    text        collate "C",
  nd_campaign  text        collate "C",
  prev_day     date,
  next_day     date,
  click_day    date,
  ft_day       date,
  ft_source    text        collate "C",
  ft_medium    text        collate "C",
  ft_campaign  text        collate "C",
  constraint pk_audience_touch_retractions primary key (org_id, retracted_at, seq)
);
comment on table private.audience_touch_retractions is
  'Replaced versions of private.audience_touch_days rows (existed = false: the key was added), written by private.apply_rollup with retracted_at = the watermark the apply started from; read by private.compute_audience_attribution_days (migration 1215). Internal.';
revoke all on table private.audience_touch_retractions from public, anon, authenticated;

do $$
begin
  if (select a.watermark from private.rollups as a where a.name = 'private.audience_attribution_days')
     < (select t.watermark from private.rollups as t where t.name = 'private.audience_touch_days') then
    truncate private.audience_attribution_days;
    update private.rollups set watermark = '-infinity', applied_at = null, applied_rows = null, duration_ms = null
     where name = 'private.audience_attribution_days';
  end if;
end;
$$;
