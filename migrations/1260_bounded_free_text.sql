-- 1260: free text that API roles write is bounded in the table too, not only by the RPCs that
-- write it (an admin could UPDATE a profile's business_info directly: 5 MB were accepted):
--   app.profiles.business_info and app.account_upgrade_requests.business_info: at most
--     16384 bytes of JSON text (public.request_account_upgrade says so with 22023 first);
--   audience.segments.description: at most 2000 characters (public.create_segment).
-- Added NOT VALID (no scan, a brief lock); 1261 validates them without blocking writes.
alter table app.profiles
  add constraint check_profiles_business_info_size
  check (business_info is null or pg_catalog.octet_length(business_info::text) <= 16384) not valid;
alter table app.account_upgrade_requests
  add constraint check_account_upgrade_requests_business_info_size
  check (business_info is null or pg_catalog.octet_length(business_info::text) <= 16384) not valid;
alter table audience.segments
  add constraint check_segments_description_length
  check (description is null or pg_catalog.char_length(description) <= 2000) not valid;
