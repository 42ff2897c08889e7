-- requires: functions/audience/opted_out.sql
-- requires: functions/audience/compute_customers.sql
-- The customers step of refresh: applies the rollup audience.customers
-- (private.apply_rollup: the customers touched by events, orders and removed orders
-- received since its watermark, recomputed by audience.compute_customers, watermark moved
-- to the engine's safe bound), then sweeps:
--   * rows of visitors who opted out (audience.opt_outs), or whose user did ('user:<user_id>'
--     of the row): record_opt_out deletes the row
--     itself, but an apply that read its snapshot before the opt-out committed may have
--     written it back (readers never show it: audience.customers_now filters opt-outs);
--   * markers of removed orders (audience.orders_removed) below the watermark, which no
--     apply or reader needs any more.
-- Returns the number of customer rows inserted, changed or deleted (a recomputed row that
-- comes out identical is not counted: a second call without new activity returns 0).
-- The engine applies every organization at once; p_org_id (NULL: all) is only checked,
-- so that callers of the former per-organization update keep working.
-- Nothing here depends on the clock: stage and propensity are derived at read time
-- (audience.customers_now), so time passing recomputes nothing.
-- Callable by service_role (audiencectl refresh runs it after the rollups) and DBA sessions.
-- Errors: P0002 for an unknown organization.
create or replace function audience.update_customers(p_org_id uuid default null)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_rows    bigint;
  v_deleted bigint;
begin
  if p_org_id is not null and not exists (select 1 from app.organizations as o where o.id = p_org_id) then
    raise exception 'organization % does not exist', p_org_id
      using errcode = 'P0002', hint = 'Pass an existing organization id, or NULL for every organization.';
  end if;
  v_rows := private.apply_rollup('audience.customers');
  delete from audience.customers as c
  using audience.opt_outs as x
  where x.org_id = c.org_id
    and (x.visitor_id = c.visitor_id
         or (c.user_id is not null and x.visitor_id = 'user:' || c.user_id::text and audience.opted_out(c.org_id, c.visitor_id)));
  get diagnostics v_deleted = row_count;
  delete from audience.orders_removed as r
  where r.received_at < (select w.watermark from private.rollups as w where w.name = 'audience.customers');
  return v_rows + v_deleted;
end;
$$;
revoke execute on function audience.update_customers(uuid) from public, anon, authenticated;
grant execute on function audience.update_customers(uuid) to service_role;
comment on function audience.update_customers(uuid) is
  'Applies the customers rollup (private.apply_rollup(''audience.customers'')), deletes rows of opted-out visitors and the removed-order markers below the watermark. Returns the rows inserted, changed or deleted (0 when nothing changed). p_org_id is only checked (P0002). service_role / DBA only.';
