-- 1261: validates 1260's constraints (SHARE UPDATE EXCLUSIVE: writes go on while the rows
-- are checked). A row stored before 1260 that breaks one fails this migration with its
-- constraint's name; shorten that row, then run migrate again.
alter table app.profiles validate constraint check_profiles_business_info_size;
alter table app.account_upgrade_requests validate constraint check_account_upgrade_requests_business_info_size;
alter table audience.segments validate constraint check_segments_description_length;
