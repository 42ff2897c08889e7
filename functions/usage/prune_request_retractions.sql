-- Deletes the old versions in usage.request_retractions that no rollup reads any more and
-- returns how many it deleted. Called at the start of usage.reprice (the only writer of the
-- table), so the table holds the retractions of the reprices since the lowest watermark of
-- its readers (plus the last reprice's) with no refresh step of its own.
-- Who reads a retraction (usage.request_deltas, migrations/1001): the compute function of a
-- combinable rollup of usage.model_requests (the registry: source usage.model_requests and
-- a combine function; the delta of a combinable rollup must subtract the old version of a
-- source row changed in place, migrations/1000), over [p_after, p_upto) with p_after = the
-- rollup's watermark (apply: [watermark, bound); its reader: [watermark, infinity); the full
-- rebuild: from '-infinity', which subtracts nothing), and only the retractions with
-- retracted_at >= p_after. A retraction with retracted_at < the lowest watermark of those
-- rollups is therefore read by nobody, now or later (a watermark only moves up, or back to
-- '-infinity' by private.reset_rollup, from which nothing is subtracted); one AT the lowest
-- watermark is still read by the next apply. No such rollup registered: nothing is deleted.
-- Concurrency: the watermarks are read in this statement's snapshot, so an apply still in
-- progress (its registry row FOR UPDATE, its new watermark not committed) counts with the
-- watermark it reads from, and no retraction it reads is deleted; a reader or apply whose
-- snapshot is older than this transaction's commit still sees the deleted rows (MVCC). No
-- registry lock is taken (a reprice never waits for an apply). Rows another transaction has
-- locked (a concurrent prune, app.erase_user) are skipped, not waited for: the next prune
-- deletes them if they are still there.
-- SECURITY DEFINER: the registry (private.rollups) is not readable by service_role.
-- Callable by service_role (usage.reprice) and DBA sessions; no errors.
create or replace function usage.prune_request_retractions()
returns bigint
language sql
volatile
security definer
set search_path = ''
as $$
  with dead as (
    select x.org_id, x.retracted_at, x.seq
    from usage.request_retractions as x
    where x.retracted_at < (select pg_catalog.min(r.watermark) from private.rollups as r
                            where r.source = 'usage.model_requests'::pg_catalog.regclass
                              and r.combine_function is not null)
    for update of x skip locked
  ),
  gone as (
    delete from usage.request_retractions as x
    using dead as d
    where x.org_id = d.org_id and x.retracted_at = d.retracted_at and x.seq = d.seq
    returning 1
  )
  select pg_catalog.count(*) from gone
$$;
revoke execute on function usage.prune_request_retractions() from public, anon, authenticated;
grant execute on function usage.prune_request_retractions() to service_role;
comment on function usage.prune_request_retractions() is
  'Deletes the retractions (usage.request_retractions) older than the lowest watermark of the combinable rollups of usage.model_requests (the only readers: nothing reads them any more); returns the count. Skips rows other transactions lock. Called by usage.reprice. service_role / DBA.';
