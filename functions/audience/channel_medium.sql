-- Medium of a touch: utm_medium; else 'referral' when the event came from a referrer
-- without utm_source; else '(none)'. Internal helper (inlined); not callable by API roles.
create or replace function audience.channel_medium(p_utm_source text, p_utm_medium text, p_referrer_domain text)
returns text
language sql
immutable
parallel safe
as $$
  select coalesce(p_utm_medium collate "C",
                  case when p_utm_source is null and p_referrer_domain is not null then 'referral' collate "C" end,
                  '(none)' collate "C")
$$;
revoke execute on function audience.channel_medium(text, text, text) from public, anon, authenticated;
comment on function audience.channel_medium(text, text, text) is
  'Acquisition medium of an event: utm_medium, else ''referral'' (referrer without utm_source), else ''(none)''.';
