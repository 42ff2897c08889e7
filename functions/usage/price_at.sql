-- The price that applies to one organization's request of a model at a time: the
-- organization's own (negotiated) price if one covers p_at, else the public price that
-- covers it, else no row (the request is unpriced). Prices never overlap per owner
-- (usage.prices.exclude_prices_overlap), so at most one of each kind matches.
-- Callable by service_role (ingestion, reprice) and by definer functions.
-- No SET clause (everything in it is schema-qualified; it is not a definer): so the planner
-- inlines it into its callers' lateral joins. Called through the SQL function executor it
-- cost ~0.2 ms a request, twice a request: most of the ingest path's time.
create or replace function usage.price_at(p_org_id uuid, p_provider text, p_model text, p_at timestamptz)
returns setof usage.prices
language sql
stable
as $$
  select p.*
  from usage.prices as p
  where p.provider operator(pg_catalog.=) p_provider and p.model operator(pg_catalog.=) p_model
    and (p.org_id operator(pg_catalog.=) p_org_id or p.org_id is null)
    and p.valid_during operator(pg_catalog.@>) p_at
  order by p.org_id is null
  limit 1
$$;
revoke execute on function usage.price_at(uuid, text, text, timestamptz) from public, anon, authenticated;
grant execute on function usage.price_at(uuid, text, text, timestamptz) to service_role;
comment on function usage.price_at(uuid, text, text, timestamptz) is
  'The effective price of a model for an organization at a time: its own override if any covers p_at, else the public price; no row when unpriced.';
