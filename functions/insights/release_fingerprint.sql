-- A fingerprint (md5) of the releases (app.content_items kind 'release') an organization
-- published in [p_from, p_to): their ids and publication epochs, the only release data
-- insights.event_aggregates reads. Internal helper: owner only.
create or replace function insights.release_fingerprint(p_org_id uuid, p_from timestamptz, p_to timestamptz)
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.md5(coalesce(pg_catalog.string_agg(c.id::text || '@' || extract(epoch from c.published_at)::text, ','
                                                       order by c.id), ''))
  from app.content_items as c
  where c.org_id = p_org_id
    and c.kind = 'release'
    and c.published_at >= p_from
    and c.published_at < p_to
$$;
revoke execute on function insights.release_fingerprint(uuid, timestamptz, timestamptz) from public, anon, authenticated;
comment on function insights.release_fingerprint(uuid, timestamptz, timestamptz) is
  'md5 of the ids and publication times of an organization''s releases published in [p_from, p_to). Internal helper (owner only).';
