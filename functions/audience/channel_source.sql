-- Source of a touch: utm_source, else the referrer domain, else '(direct)'.
-- Internal helper (inlined); not callable by API roles.
create or replace function audience.channel_source(p_utm_source text, p_referrer_domain text)
returns text
language sql
immutable
parallel safe
as $$
  select coalesce(p_utm_source collate "C", p_referrer_domain collate "C", '(direct)' collate "C")
$$;
revoke execute on function audience.channel_source(text, text) from public, anon, authenticated;
comment on function audience.channel_source(text, text) is
  'Acquisition source of an event: utm_source, else referrer_domain, else ''(direct)''.';
