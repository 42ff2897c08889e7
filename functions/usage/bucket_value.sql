-- The value reported for a latency histogram bucket (usage.latency_bucket): its geometric
-- middle 2^((b - 0.5)/8) ms, rounded to 0.1 ms (bucket 0: 0). Any latency of the bucket
-- lies within a factor 2^(1/16) of it, so a percentile read from the histogram is within
-- 4.4 % of the exact nearest-rank percentile (plus the 0.05 ms rounding).
create or replace function usage.bucket_value(p_bucket smallint)
returns numeric
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when p_bucket is null then null
              when p_bucket = 0 then 0::numeric
              else pg_catalog.round(pg_catalog.power(2::double precision, (p_bucket - 0.5) / 8)::numeric, 1) end
$$;
revoke execute on function usage.bucket_value(smallint) from public, anon;
grant execute on function usage.bucket_value(smallint) to authenticated, service_role;
comment on function usage.bucket_value(smallint) is
  'Reported latency of a histogram bucket: its geometric middle 2^((b-0.5)/8) ms rounded to 0.1 ms; within 4.4 % of any latency in the bucket.';
