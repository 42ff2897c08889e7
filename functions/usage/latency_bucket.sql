-- The log-scale latency histogram bucket of a latency in milliseconds: 8 buckets per
-- doubling. Bucket 0 holds [0, 1) ms; bucket b >= 1 holds [2^((b-1)/8), 2^(b/8)) ms.
-- NULL for NULL. usage.bucket_value gives the value a percentile reports for a bucket.
-- A SQL-standard body (RETURN, names resolved when the function is created) without a SET
-- clause, so that PostgreSQL inlines it into the caller's expression: with SET search_path
-- it was an SQL function call per request (GUC saved and restored each time, ~0.1 ms): 90 of
-- the 100 ms that usage.compute_model_hours spent on one hour of 675 requests at 10M, and
-- most of its full rebuild.
create or replace function usage.latency_bucket(p_ms integer)
returns smallint
language sql
immutable
parallel safe
return case when p_ms is null then null
            when p_ms < 1 then 0
            -- + 1e-9: log2 of an exact power of two must not round down below the integer.
            else (pg_catalog.floor(8 * pg_catalog.ln(p_ms::double precision) / pg_catalog.ln(2::double precision) + 1e-9) + 1)::smallint end;
revoke execute on function usage.latency_bucket(integer) from public, anon;
grant execute on function usage.latency_bucket(integer) to authenticated, service_role;
comment on function usage.latency_bucket(integer) is
  'Latency histogram bucket: 0 for [0, 1) ms, else b with 2^((b-1)/8) <= ms < 2^(b/8) (8 buckets per doubling).';
