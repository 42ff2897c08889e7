-- requires: functions/private/assert_period.sql
-- requires: functions/usage/compute_model_days.sql
-- requires: functions/usage/compute_dimension_days.sql
-- requires: functions/usage/compute_dimension_weeks.sql
-- Cost of one organization for the local days [p_from, p_to) broken down by p_dimension
-- (user, team, project, feature, model, provider): the p_limit largest keys by cost (ties
-- by key), then one '(other)' row for all the rest (only when there is a rest), so that
-- the rows add up to the total: cost (to the cent), requests, tokens (all kinds),
-- share_pct of the period's cost (1 decimal; rounding aside the shares add to 100),
-- previous_cost in [p_from - n, p_from) and change_pct (1 decimal, NULL when the previous
-- cost is 0). Keys: user id (text; '(no user)' for requests without one), team / project /
-- feature ('(none)' when empty), 'provider/model', provider. Unpriced requests count in
-- requests and tokens with cost 0.
-- Who: members. Analysts and above: the organization, read through the rollups' inlined
-- readers private.model_days_rows (model, provider) or, for user, team, project and
-- feature (the dimension's rows only): the whole local weeks (Monday to Sunday) inside each
-- period from usage.dimension_weeks (migrations/1160; a week's row is the sum of its days'
-- rows) and the other days of the periods (at most 6 at each end of a period) from
-- private.dimension_days_rows (an index probe per day, index-only). The weeks that
-- requests received since the weekly rollup's watermark touch (some of whose keys its reader
-- would recompute, from dimension_days_rows) are read as days from dimension_days_rows instead:
-- the same sums, without computing dimension_days' new rows twice. With nothing received
-- since, the stored week rows are exact (its reader's stored half). Below analyst: only their own requests, computed from those requests. Errors: 42501 not a member; 22023 bad period, unknown dimension or
-- p_limit outside 1-100 (hints).
create or replace function public.get_cost_breakdown(p_org_id uuid, p_from date, p_to date,
                                                     p_dimension text default 'model', p_limit integer default 10)
returns table (key text, cost numeric, requests bigint, tokens bigint, share_pct numeric,
               previous_cost numeric, change_pct numeric)
language plpgsql
stable
security definer
set search_path = ''
set jit = off
-- No nested loops: the reader's anti-join of the stored user rows (11,800 for 60 days of
-- the largest organization at 10M requests) against the rows recomputed since the
-- watermark (200 after one unrefreshed hour) ran as a nested loop on the generic plan's
-- estimates (2.3M comparisons, 0.4 s); hashed it is one pass. The compute functions it
-- calls set nested loops on again.
set enable_nestloop = off
as $$
declare
  v_role app.org_role := app.assert_org_role(p_org_id, 'viewer');
  v_own  uuid := case when v_role < 'analyst' then auth.uid() end;
  v_n    integer;
  v_tz   text;
  -- The whole local weeks of the previous period [p_from - v_n, p_from): [v_pws, v_pwe), of
  -- the current one [p_from, p_to): [v_cws, v_cwe) (empty ranges when there are none), and
  -- the days of both periods outside them (user, team, project, feature).
  v_pws  date;
  v_pwe  date;
  v_cws  date;
  v_cwe  date;
  v_days date[];
  v_touched date[];
  v_wm   timestamptz;
begin
  perform private.assert_period(p_from, p_to);
  if p_dimension is null or p_dimension not in ('user', 'team', 'project', 'feature', 'model', 'provider') then
    raise exception 'unknown breakdown dimension %', p_dimension
      using errcode = '22023', hint = 'Use user, team, project, feature, model or provider.';
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    raise exception 'limit % is outside 1-100', p_limit using errcode = '22023', hint = 'Pass 1 to 100 rows.';
  end if;
  v_n := p_to - p_from;
  select o.timezone into v_tz from app.organizations as o where o.id = p_org_id;
  if v_own is null and p_dimension in ('user', 'team', 'project', 'feature') then
    -- First Monday at or after the start, last Monday at or before the end (isodow: 1 = Monday).
    v_pws := (p_from - v_n) + (8 - extract(isodow from p_from - v_n)::integer) % 7;
    v_pwe := p_from - (extract(isodow from p_from)::integer - 1);
    v_cws := p_from + (8 - extract(isodow from p_from)::integer) % 7;
    v_cwe := p_to - (extract(isodow from p_to)::integer - 1);
    if v_pws >= v_pwe then v_pws := p_from - v_n; v_pwe := p_from - v_n; end if;
    if v_cws >= v_cwe then v_cws := p_from; v_cwe := p_from; end if;
    -- The weeks that requests received since the weekly rollup's watermark touch (some of
    -- whose keys its reader would recompute from dimension_days) are read as days, from the
    -- exact reader of dimension_days: a stored week row is read only where it is current.
    select r.watermark into v_wm from private.rollups as r where r.name = 'usage.dimension_weeks';
    v_touched := case when usage.received_any(p_org_id, v_wm, 'infinity')
                      then array(select distinct t.week from usage.touched_dimension_weeks(p_org_id, v_wm, 'infinity') as t)
                      else '{}' end;
    v_days := array(select p_from - v_n + i from pg_catalog.generate_series(0, 2 * v_n - 1) as i
                    where p_from - v_n + i < v_pws or (p_from - v_n + i >= v_pwe and p_from - v_n + i < v_cws)
                       or p_from - v_n + i >= v_cwe
                       or p_from - v_n + i - (extract(isodow from p_from - v_n + i)::integer - 1) = any (v_touched));
  end if;
  return query
  with keyed as (
    select d.provider || '/' || d.model as key, d.day >= p_from as is_current, d.cost, d.requests,
           d.input_tokens + d.output_tokens + d.cached_input_tokens + d.cache_write_tokens as tokens
    from private.model_days_rows(p_org_id, p_from - v_n, p_to) as d
    where v_own is null and p_dimension = 'model'
    union all
    select d.provider::text, d.day >= p_from, d.cost, d.requests,
           d.input_tokens + d.output_tokens + d.cached_input_tokens + d.cache_write_tokens
    from private.model_days_rows(p_org_id, p_from - v_n, p_to) as d
    where v_own is null and p_dimension = 'provider'
    union all
    select case when p_dimension = 'user'
                then case when d.key = '00000000-0000-0000-0000-000000000000' then '(no user)' else d.key end
                else coalesce(nullif(d.key, ''), '(none)') end,
           d.day >= p_from, d.cost, d.requests, d.tokens
    from private.dimension_days_rows(p_org_id, p_from - v_n, p_to) as d
    where v_own is null and p_dimension in ('user', 'team', 'project', 'feature') and d.dimension = p_dimension
      and d.day = any (v_days)
    union all
    select case when p_dimension = 'user'
                then case when w.key = '00000000-0000-0000-0000-000000000000' then '(no user)' else w.key end
                else coalesce(nullif(w.key, ''), '(none)') end,
           w.week >= p_from, w.cost, w.requests, w.tokens
    from usage.dimension_weeks as w
    where v_own is null and p_dimension in ('user', 'team', 'project', 'feature')
      and w.org_id = p_org_id and w.dimension = p_dimension and w.week >= v_pws and w.week < v_cwe
      and (w.week < v_pwe or w.week >= v_cws) and w.week <> all (v_touched)
    union all
    select case p_dimension                                       -- a plain member: their own requests
             when 'user' then r.user_id::text
             when 'team' then coalesce(nullif(r.team, ''), '(none)')
             when 'project' then coalesce(nullif(r.project, ''), '(none)')
             when 'feature' then coalesce(nullif(r.feature, ''), '(none)')
             when 'model' then r.provider || '/' || r.model
             else r.provider::text end,
           r.occurred_at >= (p_from::timestamp at time zone v_tz), coalesce(r.cost, 0), 1,
           r.input_tokens::bigint + r.output_tokens + r.cached_input_tokens + r.cache_write_tokens
    from usage.model_requests as r
    where v_own is not null and r.org_id = p_org_id and r.user_id = v_own
      and r.occurred_at >= ((p_from - v_n)::timestamp at time zone v_tz) and r.occurred_at < (p_to::timestamp at time zone v_tz)
  ),
  per_key as (
    select k.key,
           coalesce(pg_catalog.sum(k.cost) filter (where k.is_current), 0) as cost,
           coalesce(pg_catalog.sum(k.requests) filter (where k.is_current), 0)::bigint as requests,
           coalesce(pg_catalog.sum(k.tokens) filter (where k.is_current), 0)::bigint as tokens,
           coalesce(pg_catalog.sum(k.cost) filter (where not k.is_current), 0) as previous_cost,
           pg_catalog.bool_or(k.is_current) as seen
    from keyed as k group by k.key
  ),
  ranked as (
    select p.*, pg_catalog.row_number() over (order by p.cost desc, p.key) as rank
    from per_key as p where p.seen
  ),
  rows as (
    select r.key, r.cost, r.requests, r.tokens, r.previous_cost, r.rank from ranked as r where r.rank <= p_limit
    union all
    select '(other)', pg_catalog.sum(r.cost), pg_catalog.sum(r.requests)::bigint, pg_catalog.sum(r.tokens)::bigint,
           pg_catalog.sum(r.previous_cost), p_limit + 1
    from ranked as r where r.rank > p_limit
    having pg_catalog.count(*) > 0
  )
  select r.key, pg_catalog.round(r.cost, 2), r.requests, r.tokens,
         pg_catalog.round(100 * r.cost / nullif(pg_catalog.sum(r.cost) over (), 0), 1),
         pg_catalog.round(r.previous_cost, 2),
         pg_catalog.round(100 * (r.cost - r.previous_cost) / nullif(r.previous_cost, 0), 1)
  from rows as r
  order by r.rank;
end;
$$;
revoke execute on function public.get_cost_breakdown(uuid, date, date, text, integer) from public, anon;
grant execute on function public.get_cost_breakdown(uuid, date, date, text, integer) to authenticated, service_role;
comment on function public.get_cost_breakdown(uuid, date, date, text, integer) is
  'Cost for local days [p_from, p_to) by user, team, project, feature, model or provider: the p_limit largest plus an (other) row, with requests, tokens, share % and change vs the previous period. Members; below analyst: own requests only. 42501 not a member; 22023 bad period, dimension or limit.';
