-- 0052: the audience RPCs read the rows of a few hundred visitors (those seen on days the
-- rollups do not yet reflect, and the period's buyers) by (org_id, visitor_key, day):
-- covering indexes make those index-only scans (measured on the largest scale organization:
-- 23,000 combination rows of 777 buyers cost some 45 ms in heap fetches).
create index index_audience_visitor_days_on_org_id_visitor_key_day_covering
  on private.audience_visitor_days (org_id, visitor_key, day)
  include (flags, prev_day, prev_checkout_day, prev_mobile_day, prev_desktop_day, next_click_day, source, medium, campaign);
create index index_audience_visitor_day_combos_on_org_id_visitor_key_day_covering
  on private.audience_visitor_day_combos (org_id, visitor_key, day) include (device_type, network_type, prev_day);
