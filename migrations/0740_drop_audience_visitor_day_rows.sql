-- 0740: private.audience_visitor_day_rows fed get_audience_attribution its visitor-days
-- until the attribution read the rollup private.audience_touch_days (migration 0700);
-- nothing calls it any more, and its repeatable file is gone.
drop function private.audience_visitor_day_rows(uuid, date, date);
