-- requires: functions/analytics/percentages.sql
-- A breakdown as the dashboard shows it: labels with counts, sorted by count (then label,
-- byte order), the labels beyond the first p_limit - 1 merged into '(other)' when there
-- are more than p_limit, a NULL label shown as '(unknown)', each with its percentage of
-- the total (analytics.percentages: one decimal, adding up to exactly 100.0).
-- Returns [{"<p_label_key>": label, "visitors": n, "percentage": p}, ...].
-- Internal helper of the dashboard RPCs; callable by authenticated and service_role.
create or replace function analytics.share_list(p_labels text[], p_counts bigint[], p_label_key text,
                                                p_limit integer default 10)
returns jsonb
language sql
immutable
as $$
  with items as (
    select coalesce(u.label, '(unknown)') collate "C" as label, u.n
    from rows from (pg_catalog.unnest(p_labels), pg_catalog.unnest(p_counts)) as u (label, n)
    where u.n > 0
  ),
  merged as (
    select i.label, pg_catalog.sum(i.n)::bigint as n from items as i group by i.label
  ),
  ranked as (
    select m.label, m.n,
           pg_catalog.row_number() over (order by m.n desc, m.label) as rn,
           pg_catalog.count(*) over () as cnt
    from merged as m
  ),
  grouped as (
    select case when r.cnt > p_limit and r.rn >= p_limit then '(other)' else r.label end as label,
           pg_catalog.sum(r.n)::bigint as n,
           pg_catalog.min(r.rn) as rn
    from ranked as r
    group by 1
  ),
  ordered as (
    select g.label, g.n, pg_catalog.row_number() over (order by g.rn) as pos from grouped as g
  ),
  pct as (
    select analytics.percentages(pg_catalog.array_agg(o.n order by o.pos)) as p from ordered as o
  )
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(p_label_key, o.label, 'visitors', o.n,
                                                                     'percentage', pct.p[o.pos])
                                       order by o.pos),
                  '[]'::jsonb)
  from ordered as o cross join pct
$$;
revoke execute on function analytics.share_list(text[], bigint[], text, integer) from public, anon;
grant execute on function analytics.share_list(text[], bigint[], text, integer) to authenticated, service_role;
comment on function analytics.share_list(text[], bigint[], text, integer) is
  'Dashboard breakdown: [{label_key: label, visitors, percentage}] sorted by count, beyond p_limit merged into (other), percentages adding up to exactly 100.0.';
