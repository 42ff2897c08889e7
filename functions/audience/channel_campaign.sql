-- Campaign of a touch: utm_campaign, else '(none)'. Internal helper (inlined).
create or replace function audience.channel_campaign(p_utm_campaign text)
returns text
language sql
immutable
parallel safe
as $$
  select coalesce(p_utm_campaign collate "C", '(none)' collate "C")
$$;
revoke execute on function audience.channel_campaign(text) from public, anon, authenticated;
comment on function audience.channel_campaign(text) is 'Acquisition campaign of an event: utm_campaign, else ''(none)''.';
