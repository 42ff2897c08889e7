-- 1263: a segment export answers exactly the customers its audit row counted. The request
-- (public.request_segment_export) counted the customers the segment matched then, but each
-- fetch (public.fetch_segment_export) evaluated the segment again: a refresh between the two
-- made an audit row of 7 customers export 12. private.segment_export_members keeps the
-- matched visitor ids of each request (written in the request's transaction, with its audit
-- row); a fetch answers those customers only, as they are at the fetch (one who opted out
-- or was erased since, or no longer matches, is left out: never more than audited). Rows of
-- expired requests are deleted by the next request of the organization. Internal (no API
-- role reads it); erasure finds it by (org_id, visitor_id).
create table private.segment_export_members (
  org_id     uuid   not null,
  export_id  bigint not null,
  visitor_id text   collate "C" not null,
  constraint pk_segment_export_members primary key (org_id, export_id, visitor_id)
);
comment on table private.segment_export_members is
  'The customers (visitor ids) each segment export request matched, written with its audit row; fetch_segment_export answers only these (migration 1263).';
revoke all on table private.segment_export_members from public;
