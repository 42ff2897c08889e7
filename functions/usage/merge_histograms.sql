-- Two sparse latency histograms (usage.latency_bucket numbers ascending, with their counts)
-- merged bucket by bucket: the counts of a bucket summed, buckets whose sum is 0 dropped
-- (a retracted request's -1: usage.request_deltas), ascending; '{}' when nothing is left.
-- NULL arrays count as empty. The combine functions of usage.org_days and usage.model_days
-- use it (migrations/1000). Internal; no errors.
create or replace function usage.merge_histograms(p_buckets_a smallint[], p_counts_a bigint[],
                                                  p_buckets_b smallint[], p_counts_b bigint[],
                                                  out buckets smallint[], out counts bigint[])
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  -- PL/pgSQL: its plan is cached for the session (a SQL function that is not inlined is
  -- planned again in every query that calls it).
  select coalesce(pg_catalog.array_agg(g.b order by g.b) filter (where g.n <> 0), '{}'),
         coalesce(pg_catalog.array_agg(g.n order by g.b) filter (where g.n <> 0), '{}')
  from (select h.b, pg_catalog.sum(h.n)::bigint as n
        from (select * from unnest(p_buckets_a, p_counts_a) as a (b, n)
              union all
              select * from unnest(p_buckets_b, p_counts_b) as b (b, n)) as h
        where h.b is not null
        group by h.b) as g
  into buckets, counts;
end;
$$;
revoke execute on function usage.merge_histograms(smallint[], bigint[], smallint[], bigint[]) from public, anon, authenticated;
comment on function usage.merge_histograms(smallint[], bigint[], smallint[], bigint[]) is
  'Two sparse latency histograms merged bucket by bucket (zero counts dropped). Internal, for the combinable usage rollups.';
