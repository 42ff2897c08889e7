-- Rejects an order of an erased user: a BEFORE INSERT OR UPDATE OF user_id trigger on
-- audience.orders, per row, for rows with a user_id. Orders have no RPC: the back end
-- (service_role) or a DBA writes them directly, so the table itself applies the rule that
-- every ingestion path applies (log_events, log_model_requests, both `audiencectl ingest`
-- kinds: 'erased_user: user_id'): a user id in app.erased_users (erased by app.erase_user)
-- is not stored again. Without it a late order of an erased user (a payment provider's
-- retry, a sync that had not heard yet) was stored, and the next customers apply rebuilt
-- the erased user's customer row.
-- Checked: a row's user_id only (as the ingestion paths); an order without user_id is not
-- matched to anyone. One primary-key probe of app.erased_users per row with a user_id
-- (orders are low volume; analytics.events has no such trigger: its COPY path checks in
-- bulk, see README).
-- SECURITY DEFINER (a writer need not read app.erased_users), search_path pinned. Not
-- callable directly (a trigger function).
-- Errors: 23514 'erased_user: user_id ...' with a hint; the statement writes nothing.
create or replace function audience.reject_erased_user_orders()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from app.erased_users as e where e.user_id = new.user_id) then
    raise exception 'erased_user: user_id (user % was erased; their orders are not stored)', new.user_id
      using errcode = '23514',
            hint = 'The user was erased at their request (app.erase_user, app.erased_users): drop the order from the sync; every ingestion path rejects rows of erased users.';
  end if;
  return new;
end;
$$;
revoke execute on function audience.reject_erased_user_orders() from public, anon, authenticated;
comment on function audience.reject_erased_user_orders() is
  'Trigger (BEFORE INSERT OR UPDATE OF user_id, per row, on audience.orders): refuses (23514 erased_user: user_id) an order whose user_id is in app.erased_users, as every ingestion path rejects rows of erased users.';

create or replace trigger reject_erased_user_orders
  before insert or update of user_id on audience.orders
  for each row when (new.user_id is not null)
  execute function audience.reject_erased_user_orders();
comment on trigger reject_erased_user_orders on audience.orders is
  'Refuses orders of erased users (app.erased_users): 23514 erased_user: user_id.';
