-- Keyed hash of a text as a uuid: the first 16 bytes of HMAC-SHA256(key, p_message) where
-- p_inner_pad / p_outer_pad are the key's precomputed pads (private.pseudonymization_key).
-- Internal helper of the aggregation, retention and erasure functions (which read the
-- pads as the owner); not callable by API roles. SQL, STABLE like convert_to (which
-- depends on the server encoding), so that the planner inlines it: declared IMMUTABLE it
-- would run as a separate function call per value (measured twice as slow).
create or replace function private.hmac_uuid(p_inner_pad bytea, p_outer_pad bytea, p_message text)
returns uuid
language sql
stable
parallel safe
as $$
  select pg_catalog.encode(
           pg_catalog.substr(
             pg_catalog.sha256(p_outer_pad || pg_catalog.sha256(p_inner_pad || pg_catalog.convert_to(p_message, 'UTF8'))),
             1, 16),
           'hex')::uuid
$$;
revoke execute on function private.hmac_uuid(bytea, bytea, text) from public, anon, authenticated;
comment on function private.hmac_uuid(bytea, bytea, text) is
  'First 16 bytes of HMAC-SHA256 as a uuid, given the key''s inner and outer pads. Internal helper (pseudonymization).';
