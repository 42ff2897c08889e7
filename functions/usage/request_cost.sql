-- The exact cost (numeric, unrounded) of a request's tokens at a price: each token kind
-- times its price per million tokens, divided by 1,000,000. NULL when p_price is NULL
-- (unpriced: never 0). input_tokens are the input tokens NOT read from the cache;
-- cached_input_tokens are the ones read from it, cache_write_tokens the ones written to it.
create or replace function usage.request_cost(p_price usage.prices, p_input bigint, p_output bigint,
                                              p_cached_input bigint, p_cache_write bigint)
returns numeric
language sql
immutable
set search_path = ''
as $$
  select case when (p_price).id is null then null
              else ((p_input * (p_price).input_per_mtok) + (p_output * (p_price).output_per_mtok)
                    + (p_cached_input * (p_price).cached_input_per_mtok)
                    + (p_cache_write * (p_price).cache_write_per_mtok)) / 1000000 end
$$;
revoke execute on function usage.request_cost(usage.prices, bigint, bigint, bigint, bigint) from public, anon, authenticated;
grant execute on function usage.request_cost(usage.prices, bigint, bigint, bigint, bigint) to service_role;
comment on function usage.request_cost(usage.prices, bigint, bigint, bigint, bigint) is
  'Cost of the tokens at a price: sum of tokens x price per million / 1e6, exact numeric; NULL for no price.';
