-- Contract: public.get_usage_trends at hour grain in a zone whose clocks move by half an
-- hour. Fixture: org ut-lhi in Australia/Lord_Howe (UTC+10:30; on 2026-10-04 at 02:00 the
-- clocks go to 02:30, UTC+11), one request every 17 minutes from 2026-10-03 12:00Z
-- (k = 0..170). The local day 2026-10-04 is [10-03 13:30Z, 10-04 13:00Z), 23.5 hours:
-- requests k = 6..88, 83 of them; its last hour, 23:00-24:00 local = [12:00Z, 13:00Z),
-- holds k = 85..88, 4 requests. Hourly buckets stepped from midnight by whole hours fell
-- on :30 after the change and missed that last hour (23 buckets, 79 requests).
select plan(3);

do $$
begin
  perform tests.create_user('ut-owner@example.com');
  perform tests.create_org('ut-lhi', md5('ut-owner@example.com')::uuid);
  update app.organizations set timezone = 'Australia/Lord_Howe' where id = md5('org:ut-lhi')::uuid;
  insert into usage.models (provider, model, display_name) values ('ut-test', 'm', 'M');
  perform public.log_model_requests(md5('org:ut-lhi')::uuid,
    (select jsonb_agg(jsonb_build_object('request_id', 'ut' || k,
                                         'occurred_at', to_char((timestamptz '2026-10-03 12:00Z' + k * interval '17 minutes') at time zone 'UTC',
                                                                'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                         'provider', 'ut-test', 'model', 'm', 'output_tokens', 10))
     from generate_series(0, 170) as k));
end $$;

select tests.authenticate_as(md5('ut-owner@example.com')::uuid);
select results_eq(
  $$ select count(*), sum(requests) from public.get_usage_trends(md5('org:ut-lhi')::uuid, '2026-10-04', '2026-10-05', 'hour') $$,
  $$ values (24::bigint, 83::numeric) $$,
  'the local day of the half-hour change: 24 hourly buckets holding its 83 requests');
select results_eq(
  $$ select bucket_start, requests from public.get_usage_trends(md5('org:ut-lhi')::uuid, '2026-10-04', '2026-10-05', 'hour')
     order by bucket_start desc limit 1 $$,
  $$ values ('2026-10-04 12:00:00+00'::timestamptz, 4::bigint) $$,
  'its last hour, 23:00 local (12:00Z), with its 4 requests');
select results_eq(
  $$ select sum(requests) from public.get_usage_trends(md5('org:ut-lhi')::uuid, '2026-10-04', '2026-10-05', 'day') $$,
  $$ values (83::numeric) $$,
  'the day grain agrees: 83');
select tests.clear_authentication();

select * from finish();
