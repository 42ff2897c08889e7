-- 0202: the triggers that write budget alerts in the transaction of the rollup step that
-- changed usage.user_days. (The rollups themselves are registered with the engine by
-- functions/usage/register_rollups.sql: private.register_rollup and the compute functions
-- are repeatable files, applied after every migration.)

-- Budget alerts: after each statement that writes usage.user_days (the engine's upsert
-- fires both; transition tables need one trigger per event), the budgets of the touched
-- (organization, day)s are checked by usage.apply_budget_alerts (functions/usage), in the
-- same transaction. Looked up at run time, so the repeatable can change it.
create function usage.user_days_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform usage.apply_budget_alerts(k.org_ids, k.days)
  from (select pg_catalog.array_agg(c.org_id order by c.org_id, c.day) as org_ids,
               pg_catalog.array_agg(c.day order by c.org_id, c.day) as days
        from (select distinct t.org_id, t.day from changed as t) as c) as k;
  return null;
end;
$$;
revoke execute on function usage.user_days_changed() from public, anon, authenticated;
comment on function usage.user_days_changed() is
  'Trigger: after a statement changed usage.user_days, writes the budget alerts its (organization, day)s cross (usage.apply_budget_alerts).';

create trigger user_days_inserted after insert on usage.user_days
  referencing new table as changed for each statement execute function usage.user_days_changed();
create trigger user_days_updated after update on usage.user_days
  referencing new table as changed for each statement execute function usage.user_days_changed();
comment on trigger user_days_inserted on usage.user_days is 'Budget alerts in the rollup step''s transaction (inserted rows).';
comment on trigger user_days_updated on usage.user_days is 'Budget alerts in the rollup step''s transaction (updated rows).';
