-- 1230: private.audience_dirty_days is no longer called: the audience readers take the days
-- (and the visitors) the rollups do not reflect from private.audience_touched, one scan of
-- the received events; its repeatable file is gone, so its function goes here.
drop function if exists private.audience_dirty_days(uuid, date, date);
