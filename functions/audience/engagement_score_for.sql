-- Lifetime engagement score 0-100: least(100, 5 x sessions + 2 x engaged events), where
-- engaged events are play, like, share, comment, follow, subscribe and download.
-- Internal helper (inlined); not callable by API roles.
create or replace function audience.engagement_score_for(p_sessions bigint, p_engaged_events bigint)
returns smallint
language sql
immutable
parallel safe
as $$
  select least(100, 5 * coalesce(p_sessions, 0) + 2 * coalesce(p_engaged_events, 0))::smallint
$$;
revoke execute on function audience.engagement_score_for(bigint, bigint) from public, anon, authenticated;
comment on function audience.engagement_score_for(bigint, bigint) is
  'Engagement score 0-100: least(100, 5 x sessions + 2 x engaged events (play, like, share, comment, follow, subscribe, download)).';
