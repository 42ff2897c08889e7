-- The local days [period_from, period_to) a saved view's date range stands for on local
-- day p_today, and those of its comparison:
--   today [t, t + 1); last_7_days / last_30_days / last_90_days: the N whole days before
--   today, [t - N, t); this_month [first day of t's month, t + 1); previous_month
--   [first day of the previous month, first day of t's month); a fixed range [p_from, p_to).
--   comparison previous_period: the same number of days just before; previous_year: the
--   same days one year earlier (29 February becomes the 28th); none: NULLs.
-- Internal helper of public.list_audience_views; immutable SQL.
create or replace function private.saved_view_period(p_preset text, p_from date, p_to date, p_comparison text, p_today date)
returns table (period_from date, period_to date, compare_from date, compare_to date)
language sql
immutable
as $$
  select r.f, r.t,
         case p_comparison when 'previous_period' then r.f - (r.t - r.f)
                           when 'previous_year' then (r.f - interval '1 year')::date end,
         case p_comparison when 'previous_period' then r.f
                           when 'previous_year' then (r.t - interval '1 year')::date end
  from (select case p_preset
                 when 'today' then p_today
                 when 'last_7_days' then p_today - 7
                 when 'last_30_days' then p_today - 30
                 when 'last_90_days' then p_today - 90
                 when 'this_month' then pg_catalog.date_trunc('month', p_today)::date
                 when 'previous_month' then (pg_catalog.date_trunc('month', p_today) - interval '1 month')::date
                 else p_from end as f,
               case p_preset
                 when 'today' then p_today + 1
                 when 'this_month' then p_today + 1
                 when 'previous_month' then pg_catalog.date_trunc('month', p_today)::date
                 when 'last_7_days' then p_today
                 when 'last_30_days' then p_today
                 when 'last_90_days' then p_today
                 else p_to end as t) as r
$$;
revoke execute on function private.saved_view_period(text, date, date, text, date) from public, anon, authenticated;
comment on function private.saved_view_period(text, date, date, text, date) is
  'Local days [from, to) of a saved view''s range on day p_today (presets today, last_7/30/90_days = the N days before today, this_month, previous_month; else the fixed range) and of its comparison (previous_period, previous_year, none). Internal helper.';
