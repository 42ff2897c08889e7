-- 1121: private.insight_aggregate_rows loses its foreign key to private.insight_aggregates
-- (0040, on delete cascade). Every row insights.refresh_aggregates writes paid a per-row RI
-- check (a key-share lock of its organization's insight_aggregates row): 193,242 rows at 10M
-- events / 1,000 organizations inserted in 2,075 / 2,240 ms with it, 640 ms without, i.e.
-- ~1.5 s of every full recompute of the step (~0.7 s at 1M). Its writers delete the rows
-- with the result they replace (insights.refresh_aggregates, insights.refresh_all_aggregates,
-- analytics.apply_retention), and deleting an organization deletes them through the
-- statement trigger private.delete_organization_rollups (private.derived_tables() names the
-- table), as for the derived tables of 1110. A row left without its insight_aggregates row
-- is never read: insights.event_aggregates reads the rows only when
-- insights.stored_aggregates_current finds that row, and insights.refresh_aggregates deletes
-- an organization's rows before it writes new ones.
-- Dropping a constraint takes a brief ACCESS EXCLUSIVE lock on both tables; no rows are read
-- or written. (squawk's ban-drop-constraint: the guarantee is the writers' and the trigger's
-- now, checked by the contracts insights_refresh_all and organization_delete_rollups.)
-- squawk-ignore ban-drop-constraint
alter table private.insight_aggregate_rows drop constraint fk_insight_aggregate_rows_org_id;
comment on table private.insight_aggregate_rows is
  'The rows of insights.event_aggregates for the period described by private.insight_aggregates (same organization; no foreign key since migration 1121: deleted with it by its writers and by private.delete_organization_rollups). Never readable by API roles.';
