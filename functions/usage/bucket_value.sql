-- The value reported for a latency histogram bucket (usage.latency_bucket): its geometric
-- middle 2^((b - 0.5)/8) ms, rounded to 0.1 ms (bucket 0: 0). Any latency of the bucket
-- lies within a factor 2^(1/16) of it, so a percentile read from the histogram is within
-- 4.4 % of the exact nearest-rank percentile (plus the 0.05 ms rounding).
-- A SQL-standard body without a SET clause, so that it is inlined into its caller
-- (usage.histogram_percentile): with SET search_path each call went through the SQL
-- function executor and was planned anew (3-6 ms a call at 10M under load, four calls an
-- overview and one a recomputed day).
create or replace function usage.bucket_value(p_bucket smallint)
returns numeric
language sql
immutable
parallel safe
return case when p_bucket is null then null
            when p_bucket = 0 then 0::numeric
            else pg_catalog.round(pg_catalog.power(2::double precision, (p_bucket - 0.5) / 8)::numeric, 1) end;
revoke execute on function usage.bucket_value(smallint) from public, anon;
grant execute on function usage.bucket_value(smallint) to authenticated, service_role;
comment on function usage.bucket_value(smallint) is
  'Reported latency of a histogram bucket: its geometric middle 2^((b-0.5)/8) ms rounded to 0.1 ms; within 4.4 % of any latency in the bucket.';
