-- 0740: private.audience_visitor_day_rows fed get_audience_attribution its visitor-days
-- until the attribution read the rollup private.audience_touch_days (migration 0700);
-- nothing calls it any more, and its repeatable file is gone. IF EXISTS: on a new database
-- the migrations run before the repeatable files, so it was never created.
drop function if exists private.audience_visitor_day_rows(uuid, date, date);
