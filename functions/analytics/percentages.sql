-- Shares of a total as percentages with one decimal that add up to exactly 100.0
-- (largest remainder method): each count gets floor(count * 1000 / total) tenths, and
-- the tenths still missing to reach 1000 go, one each, to the counts with the largest
-- remainders (ties: the earlier position). Exact integer arithmetic, no floating point.
-- Returns the percentages in the order of p_counts; all zeros when the total is 0.
-- Internal helper of the dashboard RPCs; callable by authenticated and service_role
-- (it reads nothing).
create or replace function analytics.percentages(p_counts bigint[])
returns numeric[]
language sql
immutable
parallel safe
as $$
  with c as (
    select u.n, u.i from pg_catalog.unnest(p_counts) with ordinality as u (n, i)
  ),
  t as (
    select coalesce(pg_catalog.sum(c.n), 0)::bigint as total from c
  ),
  f as (
    select c.i, t.total,
           case when t.total > 0 then (c.n * 1000) / t.total else 0 end as floor_tenths,
           case when t.total > 0 then (c.n * 1000) % t.total else 0 end as remainder
    from c cross join t
  ),
  r as (
    select f.i,
           f.floor_tenths
           + case when f.total > 0
                   and pg_catalog.row_number() over (order by f.remainder desc, f.i)
                       <= 1000 - pg_catalog.sum(f.floor_tenths) over ()
                  then 1 else 0 end as tenths
    from f
  )
  select coalesce(pg_catalog.array_agg((r.tenths::numeric / 10)::numeric(4, 1) order by r.i), '{}')
  from r
$$;
revoke execute on function analytics.percentages(bigint[]) from public, anon;
grant execute on function analytics.percentages(bigint[]) to authenticated, service_role;
comment on function analytics.percentages(bigint[]) is
  'Percentages (one decimal) of each count in the total, adding up to exactly 100.0 by the largest remainder method; zeros when the total is 0.';
