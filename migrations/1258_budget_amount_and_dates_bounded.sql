-- 1258: a budget's amount must be a finite positive number and its dates calendar dates
-- from 2000 to 2199. usage.check_budget (0200) let NaN and Infinity through (NaN > 0 holds
-- for numeric: get_budget_status then answered pct_used NaN), and a starts_on of
-- '-infinity' made the INSERT of an admin run until statement_timeout: the trigger of 1254
-- (usage.budget_changed) walks every period from starts_on to today (year 1: 0.5-1 s a
-- write, 4713 BC: 5 s). Rows stored already are not checked again (none is expected; find
-- them with `select * from usage.budgets where not (amount > 0 and amount < 1e15) or
-- starts_on < '2000-01-01'`).
create or replace function usage.check_budget()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.thresholds_pct is null or pg_catalog.cardinality(new.thresholds_pct) = 0
     or exists (select 1 from pg_catalog.unnest(new.thresholds_pct) as t (pct) where t.pct is null or t.pct < 1 or t.pct > 1000) then
    raise exception 'budget thresholds % must each lie between 1 and 1000 %%', new.thresholds_pct
      using errcode = '22023', hint = 'Give thresholds as percentages of the amount, e.g. {50,75,90,100}.';
  end if;
  if new.ends_on is not null and new.ends_on <= new.starts_on then
    raise exception 'budget period end % is not after its start %', new.ends_on, new.starts_on
      using errcode = '22023', hint = 'Give ends_on after starts_on (exclusive), or NULL for an open-ended budget.';
  end if;
  -- NaN > 0 holds for numeric, and Infinity passed too: the amount must be a finite number.
  if new.amount is null or not (new.amount > 0 and new.amount < 1e15) then
    raise exception 'budget amount % must be positive and below 10^15', new.amount
      using errcode = '22023', hint = 'Give the amount in the budget''s currency, greater than 0 (not NaN or Infinity).';
  end if;
  if not (new.starts_on >= date '2000-01-01' and new.starts_on < date '2200-01-01')
     or (new.ends_on is not null and not new.ends_on < date '2200-01-01') then
    raise exception 'budget dates % to % must lie between 2000-01-01 and 2199-12-31', new.starts_on, coalesce(new.ends_on::text, 'open')
      using errcode = '22023', hint = 'Give starts_on (and ends_on, or NULL for an open-ended budget) as calendar dates from 2000 on.';
  end if;
  if (new.scope = 'org') <> (new.scope_value is null) then
    raise exception 'budget scope % needs % scope_value', new.scope, case when new.scope = 'org' then 'no' else 'a' end
      using errcode = '22023', hint = 'scope org has no scope_value; team, project, user, feature and model name one.';
  end if;
  return new;
end;
$$;
revoke execute on function usage.check_budget() from public, anon, authenticated;
comment on function usage.check_budget() is 'Trigger: clear 22023 errors for thresholds outside 1-1000 %, an end not after the start, an amount not in (0, 10^15) (NaN, Infinity), dates outside 2000-2199, a scope without its value (migration 1258).';
