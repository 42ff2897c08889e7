-- requires: functions/usage/try_timestamptz.sql
-- requires: functions/usage/token_reason.sql
-- requires: functions/analytics/rfc3339_parts.sql
-- Validates and prices a batch of model request objects: one row per element of
-- p_requests with its 1-based position (ord), the reason it is rejected (NULL: valid),
-- its request_id (also when rejected, if it is a JSON string or number) and, when valid,
-- the typed columns of the usage.model_requests row to store (received_at = p_now; id from
-- the identity), with price_id and cost from the effective price at occurred_at (the
-- organization's own price, else the public one, as usage.price_at; exact numeric as
-- usage.request_cost; NULL cost when unpriced, never 0) and the baseline model's the same
-- way. The one definition shared by public.log_model_requests (p_org_id: the batch's
-- organization) and the bulk load usage.ingest_lines (p_org_id NULL: each element names
-- its organization in "org_id"; a NULL element is a line that is not JSON).
-- Callable by service_role.
--
-- The first failing rule gives the reason:
--   invalid_json (a NULL element); not_an_object;
--   only when p_org_id is NULL: missing: org_id | invalid: org_id (a uuid) |
--   unknown_org: <org_id>;
--   missing: request_id | invalid: request_id (1-128 characters);
--   missing: occurred_at | invalid: occurred_at (RFC 3339) | future: occurred_at (more than
--   5 minutes ahead of p_now) | invalid: occurred_at (before 2000);
--   invalid: user_id (a uuid other than the nil uuid 00000000-0000-0000-0000-000000000000,
--   which the rollups keep for requests without a user: omit user_id then); too_long: team|project|feature (at most 64 characters);
--   erased_user: user_id (a user erased by app.erase_user: app.erased_users);
--   missing: model | missing: provider | unknown_model: provider/model |
--   unknown_model: <model_requested> | unknown_model: baseline provider/model;
--   negative_tokens: <kind> | invalid: <kind> (input_tokens, output_tokens,
--   cached_input_tokens, cache_write_tokens, latency_ms, time_to_first_token_ms: JSON
--   integers 0..2147483647, absent or null);
--   invalid: status (ok, error, timeout, cancelled) | invalid: rating (1-5) |
--   invalid: router_confidence (0-1) | invalid: was_routed | invalid: feedback_flag |
--   invalid: metadata (an object).
-- Defaults: tokens 0, status ok, team/project/feature '', was_routed and feedback_flag
-- false, baseline_provider = provider, metadata {}. A count written as 1000.0 (a whole
-- number, valid) is stored as 1000.
--
-- How it stays fast (BENCHMARKS.md, "Model request ingestion at the COPY floor"): one
-- SELECT, SQL, STABLE, no SET clause, so that PostgreSQL inlines it into the caller's
-- statement: the batch is unnested once and flows through the levels as a set (no
-- per-request function call or subquery, no jsonb_agg of a batch); every field is read
-- once (levels 1-2, kept apart by OFFSET 0 so that no expression is copied into every
-- place that reads it); well-formed values take plain checks and only the others the
-- slow exact path: a timestamp whose parts are all in range (the probes of
-- analytics.rfc3339_parts, as analytics.parse_event) is cast directly, any other goes to
-- usage.try_timestamptz (the RFC 3339 regex, then the cast in an exception block: a
-- subtransaction, only for odd values); a count that is a JSON number of 1-9 digits is
-- valid, any other goes to usage.token_reason. The models are NOT IN sub-plans (hashed
-- for a large batch; evaluated only where the earlier checks passed; a join costs a
-- projection of every column at each join), the organization an EXISTS (only for the
-- bulk load); the prices are left joins whose conditions read only the batch's columns,
-- so that the planner joins them to the whole batch at once (callers raise
-- join_collapse_limit: with the levels these are more than 8 relations and were otherwise
-- run once per request); one owner's prices never overlap
-- (usage.prices.exclude_prices_overlap), so each price join finds at most one row.
-- Use the typed columns only where reason is NULL.
create or replace function usage.parse_requests(p_requests jsonb[], p_org_id uuid, p_now timestamptz)
returns table (
  ord bigint, reason text, org_id uuid, request_id text, occurred_at timestamptz, received_at timestamptz, user_id uuid,
  team text, project text, feature text, provider text, model text, model_requested text,
  was_routed boolean, router_confidence numeric(4, 3), baseline_provider text, baseline_model text,
  input_tokens integer, output_tokens integer, cached_input_tokens integer, cache_write_tokens integer,
  latency_ms integer, time_to_first_token_ms integer, status text, error_type text, rating smallint,
  feedback_flag boolean, price_id bigint, cost numeric, baseline_price_id bigint, baseline_cost numeric,
  metadata jsonb)
language sql
stable
parallel safe
as $$
  select c.ord,
         coalesce(c.frame_reason,
                  case when p_org_id is null and not exists (select 1 from app.organizations as o where o.id = c.org_id)
                       then 'unknown_org: ' || c.org_text end,
                  c.early_reason,
                  case when c.user_uuid is not null
                            and exists (select 1 from app.erased_users as u where u.user_id = c.user_uuid)
                         then 'erased_user: user_id' end,
                  case when (c.provider, c.model) not in (select m.provider, m.model from usage.models as m) then 'unknown_model: ' || c.provider || '/' || c.model
                       when c.model_requested is not null and c.model_requested not in (select m.model from usage.models as m) then 'unknown_model: ' || c.model_requested
                       when c.baseline_model is not null
                         and (c.baseline_provider, c.baseline_model) not in (select m.provider, m.model from usage.models as m)
                         then 'unknown_model: ' || c.baseline_provider || '/' || c.baseline_model
                  end,
                  c.late_reason),
         c.org_id, c.request_id, c.occurred_ts, p_now, c.user_uuid,
         c.team_v, c.project_v, c.feature_v, c.provider, c.model, c.model_requested,
         c.was_routed_v, c.router_confidence_v, case when c.baseline_model is not null then c.baseline_provider end,
         c.baseline_model, c.input_v, c.output_v, c.cached_v, c.cache_write_v, c.latency_v, c.ttft_v,
         c.status, c.error_type, c.rating_v, c.feedback_flag_v,
         coalesce(po.id, pp.id),
         -- usage.request_cost of the effective price: the same arithmetic, in the same order.
         case when po.id is not null
              then ((c.input_v * po.input_per_mtok) + (c.output_v * po.output_per_mtok)
                    + (c.cached_v * po.cached_input_per_mtok) + (c.cache_write_v * po.cache_write_per_mtok)) / 1000000
              when pp.id is not null
              then ((c.input_v * pp.input_per_mtok) + (c.output_v * pp.output_per_mtok)
                    + (c.cached_v * pp.cached_input_per_mtok) + (c.cache_write_v * pp.cache_write_per_mtok)) / 1000000
         end,
         case when c.baseline_model is not null then coalesce(bo.id, bp.id) end,
         case when c.baseline_model is null then null
              when bo.id is not null
              then ((c.input_v * bo.input_per_mtok) + (c.output_v * bo.output_per_mtok)
                    + (c.cached_v * bo.cached_input_per_mtok) + (c.cache_write_v * bo.cache_write_per_mtok)) / 1000000
              when bp.id is not null
              then ((c.input_v * bp.input_per_mtok) + (c.output_v * bp.output_per_mtok)
                    + (c.cached_v * bp.cached_input_per_mtok) + (c.cache_write_v * bp.cache_write_per_mtok)) / 1000000
         end,
         c.metadata_v
  from (
    -- Level 4: the typed values, cast only where the request passes every check but the
    -- model lookups (which do not guard a cast).
    select r.*,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then r.user_id::uuid end as user_uuid,
           coalesce(r.team, '') as team_v, coalesce(r.project, '') as project_v, coalesce(r.feature, '') as feature_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then coalesce(r.was_routed_t::boolean, false) end as was_routed_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then r.router_confidence_t::numeric(4, 3) end as router_confidence_v,
           -- A valid count is a whole number 0..2^31-1 (maybe written 1000.0): via numeric.
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then coalesce(r.input_t::numeric::integer, 0) end as input_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then coalesce(r.output_t::numeric::integer, 0) end as output_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then coalesce(r.cached_t::numeric::integer, 0) end as cached_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then coalesce(r.cache_write_t::numeric::integer, 0) end as cache_write_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then r.latency_t::numeric::integer end as latency_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then r.ttft_t::numeric::integer end as ttft_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then r.rating_t::numeric::smallint end as rating_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then coalesce(r.feedback_flag_t::boolean, false) end as feedback_flag_v,
           case when r.frame_reason is null and r.early_reason is null and r.late_reason is null then coalesce(r.metadata_j, '{}'::jsonb) end as metadata_v
    from (
      -- Level 3: the reasons, from the fields read once below: those checked before the
      -- models (early) and after them (late); the model lookups are joins at the top.
      select f.*,
             case
               when f.j is null then 'invalid_json'
               when not f.is_object then 'not_an_object'
               when p_org_id is null and coalesce(f.org_text, '') = '' then 'missing: org_id'
               when p_org_id is null and f.org_id is null then 'invalid: org_id'
             end as frame_reason,
             case
               -- Lengths in characters; the byte length (no scan) is checked first: it is never less.
               when f.request_id is null or f.request_id = '' then 'missing: request_id'
               when pg_catalog.octet_length(f.request_id) > 128 and pg_catalog.char_length(f.request_id) > 128 then 'invalid: request_id'
               when coalesce(f.occurred_at, '') = '' then 'missing: occurred_at'
               when f.occurred_ts is null then 'invalid: occurred_at'
               when f.occurred_ts > p_now + interval '5 minutes' then 'future: occurred_at'
               when f.occurred_ts < timestamptz '2000-01-01 00:00:00+00' then 'invalid: occurred_at'
               -- uuid: 36 characters, hyphens at 9, 14, 19, 24 (LIKE) and nowhere else, hex digits
               -- (the same strings as ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-...-[0-9a-fA-F]{12}$, cheaper).
               when f.user_id is not null
                    and not (f.user_id collate "C" like '________-____-____-____-____________'
                             and f.user_id collate "C" ~ '^[-0-9A-Fa-f]+$'
                             and pg_catalog.octet_length(pg_catalog.replace(f.user_id, '-', '')) = 32)
                 then 'invalid: user_id'
               -- the nil uuid is the rollups' key for "no user" (usage.user_days): a request
               -- without a user omits user_id
               when f.user_id = '00000000-0000-0000-0000-000000000000' then 'invalid: user_id'
               when pg_catalog.octet_length(f.team) > 64 and pg_catalog.char_length(f.team) > 64 then 'too_long: team'
               when pg_catalog.octet_length(f.project) > 64 and pg_catalog.char_length(f.project) > 64 then 'too_long: project'
               when pg_catalog.octet_length(f.feature) > 64 and pg_catalog.char_length(f.feature) > 64 then 'too_long: feature'
               when f.model = '' then 'missing: model'
               when f.provider = '' then 'missing: provider'
             end as early_reason,
             case
               when f.count_reason is not null then f.count_reason
               when f.status not in ('ok', 'error', 'timeout', 'cancelled') then 'invalid: status'
               when f.rating_type not in ('number', 'null')
                    or (f.rating_type = 'number' and f.rating_t::numeric not in (1, 2, 3, 4, 5)) then 'invalid: rating'
               when f.router_confidence_type not in ('number', 'null')
                    or (f.router_confidence_type = 'number' and f.router_confidence_t::numeric not between 0 and 1)
                 then 'invalid: router_confidence'
               when f.was_routed_type not in ('boolean', 'null') then 'invalid: was_routed'
               when f.feedback_flag_type not in ('boolean', 'null') then 'invalid: feedback_flag'
               when pg_catalog.jsonb_typeof(f.metadata_j) not in ('object', 'null') then 'invalid: metadata'
             end as late_reason
      from (
        -- Level 2: the timestamp and the counts. A count is valid without more ado when it
        -- is a JSON number written with 1-9 digits only (ltrim of the digits, cheaper than a
        -- regular expression; ->> of a number is never empty), else usage.token_reason
        -- decides (exactly: negative, fraction, too large, not a number).
        select e.*,
               -- The organization: p_org_id, else the element's "org_id" when it is a uuid (as
               -- ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-...-[0-9a-fA-F]{12}$: a LIKE, a one-class regex,
               -- 32 characters besides the hyphens; cheaper), else NULL.
               coalesce(p_org_id,
                        case when e.org_text collate "C" like '________-____-____-____-____________'
                                  and e.org_text collate "C" ~ '^[-0-9A-Fa-f]+$'
                                  and pg_catalog.octet_length(pg_catalog.replace(e.org_text, '-', '')) = 32
                             then e.org_text::uuid end) as org_id,
               case when e.occurred_at is null then null
                    when pg_catalog.substr(e.occurred_at, 1, 2) = any (analytics.rfc3339_parts('century'))
                         and pg_catalog.substr(e.occurred_at, 3, 2) = any (analytics.rfc3339_parts('two_digits'))
                         and pg_catalog.substr(e.occurred_at, 5, 7) = any (analytics.rfc3339_parts('month_day'))
                         and pg_catalog.substr(e.occurred_at, 12, 5) = any (analytics.rfc3339_parts('hour_minute'))
                         and pg_catalog.substr(e.occurred_at, 17, 3) = any (analytics.rfc3339_parts('second'))
                         and (pg_catalog.substr(e.occurred_at, 20) = any (analytics.rfc3339_parts('offset'))
                              or (pg_catalog.substr(e.occurred_at, 20, 1) = '.'
                                  and case when pg_catalog.right(e.occurred_at, 1) in ('Z', 'z')
                                           then pg_catalog.octet_length(e.occurred_at) between 22 and 30
                                                and pg_catalog.ltrim(pg_catalog.substr(e.occurred_at, 21,
                                                      pg_catalog.octet_length(e.occurred_at) - 21), '0123456789') = ''
                                           else pg_catalog.octet_length(e.occurred_at) between 27 and 35
                                                and pg_catalog.right(e.occurred_at, 6) = any (analytics.rfc3339_parts('offset'))
                                                and pg_catalog.ltrim(pg_catalog.substr(e.occurred_at, 21,
                                                      pg_catalog.octet_length(e.occurred_at) - 26), '0123456789') = ''
                                      end))
                         and pg_catalog.substr(e.occurred_at, 6, 5) <> '02-29'
                      then e.occurred_at::timestamptz
                    -- Anything else (February 29, a year before 1000, an offset beyond 14:59,
                    -- garbage): the exact, slow check.
                    else usage.try_timestamptz(e.occurred_at)
               end as occurred_ts,
               coalesce(
                 case when e.input_j is null or (pg_catalog.jsonb_typeof(e.input_j) = 'number'
                                                 and pg_catalog.octet_length(e.input_t) <= 9 and pg_catalog.ltrim(e.input_t, '0123456789') = '')
                      then null else usage.token_reason(e.j, 'input_tokens') end,
                 case when e.output_j is null or (pg_catalog.jsonb_typeof(e.output_j) = 'number'
                                                  and pg_catalog.octet_length(e.output_t) <= 9 and pg_catalog.ltrim(e.output_t, '0123456789') = '')
                      then null else usage.token_reason(e.j, 'output_tokens') end,
                 case when e.cached_j is null or (pg_catalog.jsonb_typeof(e.cached_j) = 'number'
                                                  and pg_catalog.octet_length(e.cached_t) <= 9 and pg_catalog.ltrim(e.cached_t, '0123456789') = '')
                      then null else usage.token_reason(e.j, 'cached_input_tokens') end,
                 case when e.cache_write_j is null or (pg_catalog.jsonb_typeof(e.cache_write_j) = 'number'
                                                       and pg_catalog.octet_length(e.cache_write_t) <= 9 and pg_catalog.ltrim(e.cache_write_t, '0123456789') = '')
                      then null else usage.token_reason(e.j, 'cache_write_tokens') end,
                 case when e.latency_j is null or (pg_catalog.jsonb_typeof(e.latency_j) = 'number'
                                                   and pg_catalog.octet_length(e.latency_t) <= 9 and pg_catalog.ltrim(e.latency_t, '0123456789') = '')
                      then null else usage.token_reason(e.j, 'latency_ms') end,
                 case when e.ttft_j is null or (pg_catalog.jsonb_typeof(e.ttft_j) = 'number'
                                                and pg_catalog.octet_length(e.ttft_t) <= 9 and pg_catalog.ltrim(e.ttft_t, '0123456789') = '')
                      then null else usage.token_reason(e.j, 'time_to_first_token_ms') end
               ) as count_reason,
               pg_catalog.jsonb_typeof(e.rating_j) as rating_type, e.rating_j #>> '{}' as rating_t,
               pg_catalog.jsonb_typeof(e.router_confidence_j) as router_confidence_type,
               e.router_confidence_j #>> '{}' as router_confidence_t,
               pg_catalog.jsonb_typeof(e.was_routed_j) as was_routed_type, e.was_routed_j #>> '{}' as was_routed_t,
               pg_catalog.jsonb_typeof(e.feedback_flag_j) as feedback_flag_type, e.feedback_flag_j #>> '{}' as feedback_flag_t
        from (
          -- Level 1: every field read once (-> and ->> of a non-object are NULL).
          select x.ord, x.j, pg_catalog.jsonb_typeof(x.j) = 'object' as is_object, x.j ->> 'org_id' as org_text,
                 case when pg_catalog.jsonb_typeof(x.j -> 'request_id') in ('string', 'number')
                      then x.j ->> 'request_id' end as request_id,
                 (x.j ->> 'occurred_at') collate "C" as occurred_at,
                 x.j ->> 'user_id' as user_id,
                 x.j ->> 'team' as team, x.j ->> 'project' as project, x.j ->> 'feature' as feature,
                 coalesce(x.j ->> 'provider', '') as provider, coalesce(x.j ->> 'model', '') as model,
                 x.j ->> 'model_requested' as model_requested,
                 coalesce(x.j ->> 'baseline_provider', x.j ->> 'provider', '') as baseline_provider,
                 x.j ->> 'baseline_model' as baseline_model,
                 coalesce(x.j ->> 'status', 'ok') as status, x.j ->> 'error_type' as error_type,
                 x.j -> 'input_tokens' as input_j, x.j ->> 'input_tokens' as input_t,
                 x.j -> 'output_tokens' as output_j, x.j ->> 'output_tokens' as output_t,
                 x.j -> 'cached_input_tokens' as cached_j, x.j ->> 'cached_input_tokens' as cached_t,
                 x.j -> 'cache_write_tokens' as cache_write_j, x.j ->> 'cache_write_tokens' as cache_write_t,
                 x.j -> 'latency_ms' as latency_j, x.j ->> 'latency_ms' as latency_t,
                 x.j -> 'time_to_first_token_ms' as ttft_j, x.j ->> 'time_to_first_token_ms' as ttft_t,
                 x.j -> 'rating' as rating_j, x.j -> 'router_confidence' as router_confidence_j,
                 x.j -> 'was_routed' as was_routed_j, x.j -> 'feedback_flag' as feedback_flag_j,
                 x.j -> 'metadata' as metadata_j
          from pg_catalog.unnest(p_requests) with ordinality as x (j, ord)
          offset 0
        ) as e
        offset 0
      ) as f
      offset 0
    ) as r
    offset 0
  ) as c
  -- The effective price (usage.price_at, as joins): the organization's own, else the public one.
  left join usage.prices as po
         on po.org_id = c.org_id and po.provider = c.provider and po.model = c.model and po.valid_during @> c.occurred_ts
  left join usage.prices as pp
         on pp.org_id is null and pp.provider = c.provider and pp.model = c.model and pp.valid_during @> c.occurred_ts
  left join usage.prices as bo
         on bo.org_id = c.org_id and bo.provider = c.baseline_provider and bo.model = c.baseline_model
            and bo.valid_during @> c.occurred_ts
  left join usage.prices as bp
         on bp.org_id is null and bp.provider = c.baseline_provider and bp.model = c.baseline_model
            and bp.valid_during @> c.occurred_ts
$$;
revoke execute on function usage.parse_requests(jsonb[], uuid, timestamptz) from public, anon, authenticated;
grant execute on function usage.parse_requests(jsonb[], uuid, timestamptz) to service_role;
comment on function usage.parse_requests(jsonb[], uuid, timestamptz) is
  'Validates and prices a batch of model request objects (of p_org_id, or each naming its "org_id" when NULL): (ord, reason or NULL, request_id, the typed usage.model_requests columns with price_id / cost from the effective price at occurred_at, NULL when unpriced). Reasons: see the function header. Inlined into log_model_requests and usage.ingest_lines.';
