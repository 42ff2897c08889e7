-- A subscription tier property as a label: its lower-cased, trimmed text when that is an
-- app.subscription_tier name, else '(unknown)'. Internal helper of
-- analytics.compute_org_daily_breakdowns: owner only.
create or replace function analytics.tier_label(p_value jsonb)
returns text
language sql
immutable
parallel safe
as $$
  select case when pg_catalog.jsonb_typeof(p_value) = 'string'
               and pg_catalog.lower(pg_catalog.btrim(p_value #>> '{}')) in ('free', 'premium', 'professional', 'enterprise')
              then pg_catalog.lower(pg_catalog.btrim(p_value #>> '{}'))
              else '(unknown)' end
$$;
revoke execute on function analytics.tier_label(jsonb) from public, anon, authenticated;
comment on function analytics.tier_label(jsonb) is
  'A tier property as a label: a name of app.subscription_tier (lower case) or ''(unknown)''. Internal helper (owner only).';
