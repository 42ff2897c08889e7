-- 1001: the old versions of model requests that changed after they were received
-- (usage.reprice), for the combinable usage rollups (migrations/1000).
--
-- usage.reprice updates a request's cost in place and moves its received_at to now(), so
-- every rollup follows the change. A rollup that recomputes whole keys recomputes the key; a
-- combinable rollup adds the partial aggregate of the rows received since its watermark to
-- the stored row, which already counts the request's old version. reprice therefore copies
-- the old version of each request it changes here, with the time of the change
-- (retracted_at = the reprice's now(), the request's new received_at). The delta of a
-- combinable usage rollup over [p_after, p_upto) is the requests received in that range
-- minus the old versions retracted in that range that were received before p_after (those
-- the stored rows count): exact for an apply, a reader and a rebuild (from '-infinity'
-- nothing is retracted), and for a request repriced twice before an apply. Rows older than
-- the combinable rollups' watermarks are no longer read (they may be deleted).
create table usage.request_retractions (
  org_id              uuid         not null,
  retracted_at        timestamptz  not null,
  seq                 bigint       generated always as identity,
  id                  bigint       not null,
  occurred_at         timestamptz  not null,
  received_at         timestamptz  not null,
  user_id             uuid,
  team                text         collate "C" not null,
  project             text         collate "C" not null,
  feature             text         collate "C" not null,
  provider            text         collate "C" not null,
  model               text         collate "C" not null,
  was_routed          boolean      not null,
  router_confidence   numeric(4,3),
  input_tokens        integer      not null,
  output_tokens       integer      not null,
  cached_input_tokens integer      not null,
  cache_write_tokens  integer      not null,
  latency_ms          integer,
  status              text         collate "C" not null,
  rating              smallint,
  cost                numeric,
  baseline_cost       numeric,
  constraint pk_request_retractions primary key (org_id, retracted_at, seq),
  constraint fk_request_retractions_org_id foreign key (org_id) references app.organizations (id) on delete cascade
);
comment on table usage.request_retractions is
  'Old versions of model requests changed after they were received (usage.reprice: retracted_at = its now(), the new received_at; received_at = the old one). The combinable usage rollups subtract those received before their watermark (migrations/1000, 1001). service_role only.';

alter table usage.request_retractions enable row level security;
create policy all_service_role on usage.request_retractions for all to service_role using (true) with check (true);
comment on policy all_service_role on usage.request_retractions is 'service_role (usage.reprice, the rollups) writes and reads the retractions.';
revoke all on table usage.request_retractions from public, anon, authenticated;
grant all on table usage.request_retractions to service_role;
