-- A conversion funnel of one organization: for each step (an event type), how many
-- visitors reached it in order within the window, the conversion from the previous and
-- from the first step, and the median time from the previous step.
-- Callable by members (viewer or above) and service_role.
--
-- Definitions (bots excluded; a visitor is visitor_id, else 'user:<user_id>'):
--   * Entry: a visitor's FIRST p_steps[1] event in the period [p_from, p_to) (local days,
--     organization time zone) starts their funnel, at t1.
--   * Step k (k >= 2) is reached at the visitor's first p_steps[k] event strictly after
--     the time step k-1 was reached and before t1 + p_window. So a later step that
--     happened before an earlier one does not count, and each event serves one step.
--     Later steps may fall after p_to (the window runs from the entry).
--   * One count per visitor per step: visitors = how many visitors reached the step.
--   * conversion_from_previous_pct / conversion_from_first_pct: visitors / visitors of the
--     previous (first) step x 100, one decimal (NULL for a previous step of 0 visitors;
--     step 1: 100.0 when it has visitors).
--   * median_seconds_from_previous: median (percentile_cont 0.5) of the seconds between
--     reaching step k-1 and step k, one decimal; NULL for step 1.
-- 42501: not a member (or anon). 22023: bad period, fewer than 2 or more than 10 steps,
-- a NULL or unknown event type, a window that is NULL, not positive or over 90 days.
-- Built as one statement (generated from the step count only; the event types are bound
-- parameters): the period's events of the step types are reduced to one row per visitor
-- holding t1 (the first step's earliest time) and, per later step, the times of that
-- step's events, unsorted (each step k is the least time in its array after step k-1 and
-- before t1 + p_window, so no order is needed: no sort per visitor and step, and the
-- grouping may hash), found per visitor (no join between steps, so no plan depends on how
-- many visitors reach a step). Reads the raw events of the period and window of the step
-- types only, through the primary key (org_id, occurred_at).
create or replace function public.get_conversion_funnel(
  p_org_id uuid,
  p_steps  text[],
  p_from   date,
  p_to     date,
  p_window interval default '14 days'
)
returns table (step integer, event_type text, visitors bigint, conversion_from_previous_pct numeric,
               conversion_from_first_pct numeric, median_seconds_from_previous numeric)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_tz      text;
  v_from_ts timestamptz;
  v_to_ts   timestamptz;
  v_n       integer := pg_catalog.cardinality(p_steps);
  v_sql     text;
  v_unknown text;
  k         integer;
begin
  perform app.assert_org_role(p_org_id, 'viewer');   -- raises 42501; NULL is never "allowed"
  perform analytics.check_period(p_from, p_to);      -- raises 22023
  if p_steps is null or v_n < 2 or v_n > 10 or pg_catalog.array_ndims(p_steps) <> 1 then
    raise exception 'a funnel has 2 to 10 steps; got %', coalesce(v_n, 0)
      using errcode = '22023', hint = 'Pass p_steps as an array of 2 to 10 event types, e.g. {page_view,ticket_cta,purchase}.';
  end if;
  select s.value into v_unknown
  from pg_catalog.unnest(p_steps) as s (value)
  where s.value is null or s.value not in (select t.event_type from analytics.event_types as t)
  limit 1;
  if found then
    raise exception 'unknown event type in funnel steps: %', coalesce(v_unknown, 'NULL')
      using errcode = '22023', hint = 'Each step is an event type of analytics.event_types.';
  end if;
  if p_window is null or p_window <= interval '0' or p_window > interval '90 days' then
    raise exception 'funnel window % is not between 0 and 90 days', p_window
      using errcode = '22023', hint = 'Pass a positive interval of at most 90 days, e.g. ''14 days''.';
  end if;

  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  v_from_ts := p_from::timestamp at time zone v_tz;
  v_to_ts := p_to::timestamp at time zone v_tz;

  -- $1 org, $2 steps, $3 period start, $4 period end, $5 window.
  v_sql := 'with ev as (
      select coalesce(e.visitor_id, ''user:'' || e.user_id::text) as visitor, e.event_type, e.occurred_at
      from analytics.events as e
      where e.org_id = $1 and e.occurred_at >= $3 and e.occurred_at < $4 + $5
        and e.event_type = any ($2) and not e.is_bot
        and (e.visitor_id is not null or e.user_id is not null)
    ),
    per_visitor as materialized (
      select ev.visitor, pg_catalog.min(ev.occurred_at) filter (where ev.event_type = $2[1]) as t1';
  for k in 2 .. v_n loop
    v_sql := v_sql || pg_catalog.format(',
             pg_catalog.array_agg(ev.occurred_at) filter (where ev.event_type = $2[%1$s]) as a%1$s', k);
  end loop;
  v_sql := v_sql || '
      from ev
      group by ev.visitor
      having pg_catalog.min(ev.occurred_at) filter (where ev.event_type = $2[1]) < $4
    ),
    reached as (
      select p.t1';
  for k in 2 .. v_n loop
    v_sql := v_sql || pg_catalog.format(', s%s.t as t%1$s', k);
  end loop;
  v_sql := v_sql || '
      from per_visitor as p';
  for k in 2 .. v_n loop
    v_sql := v_sql || pg_catalog.format('
      left join lateral (select pg_catalog.min(x.t) as t from pg_catalog.unnest(p.a%1$s) as x (t)
                          where x.t > %2$s and x.t < p.t1 + $5) as s%1$s on true',
                                        k, case when k = 2 then 'p.t1' else pg_catalog.format('s%s.t', k - 1) end);
  end loop;
  v_sql := v_sql || '
    ),
    steps as (
      select 1 as step, pg_catalog.count(*) as visitors, null::double precision as median from reached as r';
  for k in 2 .. v_n loop
    v_sql := v_sql || pg_catalog.format('
      union all
      select %1$s, pg_catalog.count(r.t%1$s),
             pg_catalog.percentile_cont(0.5) within group (order by extract(epoch from r.t%1$s - r.t%2$s))
               filter (where r.t%1$s is not null)
      from reached as r', k, k - 1);
  end loop;
  v_sql := v_sql || '
    )
    select s.step, ($2)[s.step], s.visitors,
           case when s.step = 1 then case when s.visitors > 0 then 100.0 end
                when pg_catalog.lag(s.visitors) over (order by s.step) > 0
                then pg_catalog.round(100.0 * s.visitors / pg_catalog.lag(s.visitors) over (order by s.step), 1) end,
           case when pg_catalog.first_value(s.visitors) over (order by s.step) > 0
                then pg_catalog.round(100.0 * s.visitors / pg_catalog.first_value(s.visitors) over (order by s.step), 1) end,
           pg_catalog.round(s.median::numeric, 1)
    from steps as s
    order by s.step';

  return query execute v_sql using p_org_id, p_steps, v_from_ts, v_to_ts, p_window;
end;
$$;
revoke execute on function public.get_conversion_funnel(uuid, text[], date, date, interval) from public, anon;
grant execute on function public.get_conversion_funnel(uuid, text[], date, date, interval) to authenticated, service_role;
comment on function public.get_conversion_funnel(uuid, text[], date, date, interval) is
  'Conversion funnel over event types p_steps (2-10) for visitors entering in local days [p_from, p_to): per step visitors reaching it in order within p_window of their entry (default 14 days), conversion % from the previous and the first step, median seconds from the previous step. Viewer or above; 42501 otherwise; 22023 on bad arguments.';
