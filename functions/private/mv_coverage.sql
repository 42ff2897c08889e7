-- Can a materialized view of schema private answer for an organization, and as of when?
-- One row when the view is populated (its marker row, org_id = the nil uuid, holds as_of:
-- the refresh transaction's now()) and was computed after the organization was created
-- (an organization created later, with events loaded for earlier days, is not in it); no
-- row otherwise. to_day: the organization's local date at as_of; from_day: to_day - 90.
-- Reading an unpopulated view raises 55000, hence the pg_class check first.
-- Internal helper of public.get_audience_cohorts; p_view_name must be mv_cohort_retention,
-- the one audience view left (mv_audience_by_channel and mv_device_network, read by
-- nothing, were dropped by migrations/1040). 22023 for another name.
create or replace function private.mv_coverage(p_view_name text, p_org_id uuid)
returns table (as_of timestamptz, from_day date, to_day date)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_populated boolean;
  v_as_of     timestamptz;
begin
  if p_view_name is null or p_view_name <> 'mv_cohort_retention' then
    raise exception 'unknown audience materialized view "%"', p_view_name
      using errcode = '22023', hint = 'Pass mv_cohort_retention.';
  end if;
  select c.relispopulated into v_populated
  from pg_catalog.pg_class as c
  where c.oid = pg_catalog.to_regclass('private.' || p_view_name)
    and c.relkind = 'm';
  if not coalesce(v_populated, false) then
    return;
  end if;
  execute pg_catalog.format(
    'select m.as_of from private.%I as m where m.org_id = ''00000000-0000-0000-0000-000000000000''::uuid',
    p_view_name) into v_as_of;
  if v_as_of is null then
    return;
  end if;
  return query
    select v_as_of,
           (v_as_of at time zone o.timezone)::date - 90,
           (v_as_of at time zone o.timezone)::date
    from app.organizations as o
    where o.id = p_org_id
      and o.created_at < v_as_of;
end;
$$;
revoke execute on function private.mv_coverage(text, uuid) from public, anon, authenticated;
comment on function private.mv_coverage(text, uuid) is
  'One row (as_of, from_day, to_day) when the audience materialized view (mv_cohort_retention) is populated (as_of from its marker row) and was computed after the organization was created; none otherwise. Internal helper.';
