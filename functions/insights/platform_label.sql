-- A display name for a platform key (spotify -> Spotify, apple_music -> Apple Music,
-- youtube -> YouTube); unknown keys are title-cased with underscores as spaces.
-- Pure; callable by anyone signed in.
create or replace function insights.platform_label(p_platform text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_platform
           when 'youtube' then 'YouTube'
           when 'youtube_music' then 'YouTube Music'
           when 'soundcloud' then 'SoundCloud'
           when 'tiktok' then 'TikTok'
           else pg_catalog.initcap(pg_catalog.replace(p_platform, '_', ' '))
         end
$$;
revoke execute on function insights.platform_label(text) from public, anon;
grant execute on function insights.platform_label(text) to authenticated, service_role;
comment on function insights.platform_label(text) is 'Display name of a platform key (Spotify, Apple Music, YouTube, ...).';
