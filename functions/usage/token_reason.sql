-- Why the value of p_key in a model request object is not a valid count (tokens,
-- latency_ms, time_to_first_token_ms: an integer 0..2147483647, or absent / null): NULL
-- when valid, else 'negative_tokens: <key>' (a negative number of a *_tokens key) or
-- 'invalid: <key>'. A plain expression (no SET clause): the planner inlines it into
-- usage.parse_requests, which asks it only for values that are not a JSON number of 1-9
-- digits.
create or replace function usage.token_reason(p_request jsonb, p_key text)
returns text
language sql
immutable
parallel safe
as $$
  select case
           when pg_catalog.jsonb_typeof(p_request operator(pg_catalog.->) p_key) is null
                or pg_catalog.jsonb_typeof(p_request operator(pg_catalog.->) p_key) operator(pg_catalog.=) 'null' then null
           when pg_catalog.jsonb_typeof(p_request operator(pg_catalog.->) p_key) operator(pg_catalog.<>) 'number' then 'invalid: ' operator(pg_catalog.||) p_key
           when (p_request operator(pg_catalog.->>) p_key)::numeric operator(pg_catalog.<) 0
             then case when p_key operator(pg_catalog.~~) '%tokens' then 'negative_tokens: ' else 'invalid: ' end operator(pg_catalog.||) p_key
           when (p_request operator(pg_catalog.->>) p_key)::numeric operator(pg_catalog.<>) pg_catalog.trunc((p_request operator(pg_catalog.->>) p_key)::numeric)
                or (p_request operator(pg_catalog.->>) p_key)::numeric operator(pg_catalog.>) 2147483647 then 'invalid: ' operator(pg_catalog.||) p_key
         end
$$;
revoke execute on function usage.token_reason(jsonb, text) from public, anon, authenticated;
grant execute on function usage.token_reason(jsonb, text) to service_role;
comment on function usage.token_reason(jsonb, text) is
  'Validation reason of a count field of a model request (tokens, latency_ms, time_to_first_token_ms): NULL when valid or absent, else negative_tokens: <key> or invalid: <key>.';
