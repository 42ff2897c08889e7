-- 0051: the audience RPCs read private.audience_day_counts by (org_id, measure, day) and
-- need every other column: an index-only scan instead of a heap fetch per row (a 30-day
-- acquisition question reads some 10,000 rows of measure 'channel').
drop index private.index_audience_day_counts_on_org_id_measure_day;
create index index_audience_day_counts_on_org_id_measure_day
  on private.audience_day_counts (org_id, measure, day) include (prev_day, next_day, dim1, dim2, dim3, visitors);
