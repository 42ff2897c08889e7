-- 1252: an organization's time zone can no longer change once it has events, orders or
-- model requests. Every day-keyed derived row (the rollups of the engine, the audience
-- rollups, the touch days and attribution sums, the cohorts) is bucketed by the local days
-- of the zone it was computed in, and nothing re-derives an organization's history when
-- the zone changes: after an UPDATE of app.organizations.timezone the rollup-based RPCs kept
-- the old zone's days, before and after refresh, while the RPCs that read raw rows moved to
-- the new one (found by recomputing the RPCs from raw rows). Until a per-organization
-- rebuild exists, the change is refused with 55000 and a hint; a new organization, or one
-- without activity yet, sets its zone freely.
-- SECURITY DEFINER (it reads the raw tables whoever updates the organization), search_path
-- pinned. Trigger only.
create function app.check_organization_timezone_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.timezone is distinct from old.timezone
     and (exists (select 1 from analytics.events as e where e.org_id = old.id)
          or exists (select 1 from audience.orders as o where o.org_id = old.id)
          or exists (select 1 from usage.model_requests as r where r.org_id = old.id)) then
    raise exception 'the time zone of organization % cannot change from % to %: it has activity bucketed by its local days',
                    old.id, old.timezone, new.timezone
      using errcode = '55000',
            hint = 'Its rollups, cohorts and insights are keyed by the local days of its zone and are not re-derived. Set the time zone before the first event, order or model request (or use a new organization).';
  end if;
  return new;
end;
$$;
revoke execute on function app.check_organization_timezone_change() from public, anon, authenticated;
comment on function app.check_organization_timezone_change() is
  'Trigger: refuses (55000) a change of organizations.timezone once the organization has events, orders or model requests (migration 1252).';

create trigger check_organizations_timezone_change
  before update of timezone on app.organizations
  for each row execute function app.check_organization_timezone_change();
comment on trigger check_organizations_timezone_change on app.organizations is
  'Refuses a change of time zone once the organization has activity (55000): its derived rows are keyed by local days.';
