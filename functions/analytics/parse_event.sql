-- requires: functions/analytics/rfc3339_parts.sql
-- requires: functions/analytics/parse_user_agent.sql
-- requires: functions/analytics/personal_property_keys.sql
-- Parses one event: reason (NULL when the event is valid, else a stable reason code) and
-- event (the analytics.events row to store; every field is NULL when reason is not).
-- The single definition of event validation and of the jsonb -> row mapping, shared by
-- every ingestion path: public.log_events (and its wrappers), analytics.ingest_staged,
-- and analytics.validate_event (its reason, for one event).
-- Callable by authenticated and service_role (it reads nothing).
--
-- The event, one JSON object. Keys not listed are rejected (unknown_field). "Text" fields
-- take a JSON string (any other JSON value is stored as its JSON text); "" counts as
-- absent (a required field that is "" is missing_field). Limits are in bytes (UTF-8).
--   org_id           required  uuid string          the organization the event belongs to
--   event_type       required  text                one of analytics.event_types
--   occurred_at      required  RFC 3339 date-time: seconds required, fraction of 1 to 9
--                              digits optional, offset Z or +hh:mm / -hh:mm (up to 14:59):
--                              "2026-05-01T18:30:00Z", "2026-05-01T20:30:00.250+02:00",
--                              "2026-05-01 20:30:00-05:00" (T, t or a space; Z or z)
--   visitor_id       optional  text <= 128         anonymous visitor id
--   session_id       optional  text <= 128
--   user_id          optional  uuid string         signed-in user (auth.users.id)
--   client_event_id  optional  text <= 128         idempotency key (see analytics.events)
--   entity_type      optional  text <= 64          e.g. "content_item", "tour_date", "link"
--   entity_id        optional  uuid string
--   dnt              optional  true | false        do-not-track (the browser's DNT / GPC
--                              signal, or the visitor's choice): with true the event is
--                              stored WITHOUT visitor_id, user_id and session_id, and
--                              without the personal keys of its properties
--                              (analytics.personal_property_keys(): ip, email, name,
--                              user_agent, the full referrer URL...; the columns derived
--                              from them, such as device_type and referrer_domain, stay).
--                              It still counts in event totals: page views, clicks,
--                              revenue, cities, but never as a visitor, session, customer
--                              or lead; nothing is recorded about the visitor.
--                              (To stop profiling a visitor's other events as well, record
--                              an opt-out: public.record_opt_out.) The flag is not stored.
--   properties       optional  object of at most 8192 bytes in PostgreSQL's jsonb form
--                              (pg_column_size before compression; close to the size of the
--                              compact JSON text). These keys are typed and moved to
--                              columns; any other key stays in properties:
--     utm_source, utm_medium, utm_campaign, utm_content, utm_term  text <= 200
--     referrer         text <= 2048 (a URL; stays in properties; its host fills
--                      referrer_domain when that is absent)
--     referrer_domain  text <= 255
--     link_type, platform, device_os, device_browser               text <= 64
--     network_type     text <= 32 (wifi, 4g, 3g, ...)
--     city             text <= 128
--     device_type      "mobile" | "desktop" | "tablet" (any case)
--     country          ISO 3166-1 alpha-2, any case
--     currency         ISO 4217, any case
--     is_bot           true | false
--     page_load_ms     integer 0..600000
--     revenue_cents    integer 0..100000000000
--     user_agent       text <= 1024 (stays in properties). When device_type is absent,
--                      device_type, and device_os / device_browser / is_bot where each is
--                      absent too, come from it (analytics.parse_user_agent: the pattern
--                      list analytics.user_agent_patterns); a user agent no pattern
--                      classifies leaves them NULL (is_bot false).
-- Normalization: text is trimmed; utm_source, utm_medium, referrer_domain, link_type,
-- platform, device_type, network_type are lower-cased and country and currency
-- upper-cased (ASCII letters only: the "C" rules, no locale lookups);
-- referrer_domain loses a leading "www.". id is NULL (insert with OVERRIDING USER VALUE
-- so that the identity assigns it); received_at is the transaction time.
--
-- Reason codes, checked in this order (the first failure is reported):
--   invalid_event: not a JSON object | unknown_field: <key> | missing_field: <field> |
--   invalid_uuid: <field> | unknown_event_type: <value, first 64 characters> |
--   invalid_timestamp | too_old (before 2000-01-01 UTC; a 2019 event is accepted) |
--   occurred_in_future (more than 5 minutes after p_now) | field_too_long: <field> |
--   invalid_type: properties | properties_too_large | field_too_long: <property> (also
--   user_agent) |
--   invalid_country | invalid_currency | invalid_device_type | invalid_type: is_bot |
--   invalid_type: dnt |
--   invalid_number: page_load_ms | invalid_number: revenue_cents
--
-- How it stays fast and safe (each measured over 50,000 realistic events): one SELECT,
-- SQL, STABLE, no SET clause, so PostgreSQL inlines it into the caller's query; every
-- field is read once, by one ->> (a binary search in the object; about 2.5 times cheaper
-- than jsonb_to_record, which builds a tuple store per call) at the level below the ones
-- that use it, and the OFFSET 0 levels keep the planner from copying an expression into
-- every place that uses its result; the event type list is the constant
-- analytics.event_type_names(); the timestamp's parts are probed in the constant arrays
-- of analytics.rfc3339_parts() (hashed; about 3 times cheaper than checking each digit
-- with substr); shape checks use LIKE and single-class regular expressions (counted
-- repetition and alternatives measured 3 to 10 times slower).
-- Nothing can raise: every cast is guarded by the checks before it, so one bad event
-- never aborts a batch. Callers must pass a column (not an expression such as raw::jsonb,
-- which would be evaluated again for every reference) and read (event).* only where
-- reason is NULL.
create or replace function analytics.parse_event(p_event jsonb, p_now timestamptz default pg_catalog.now())
returns table (reason text, event analytics.events)
language sql
stable
parallel safe
as $$
  select c.reason,
         row(
           null::bigint,                                                                  -- id
           case when c.reason is null then c.org_id::uuid end,                            -- org_id
           case when c.reason is null then c.occurred_ts end,                             -- occurred_at
           pg_catalog.now(),                                                              -- received_at
           case when c.reason is null then c.event_type end,                              -- event_type
           nullif(pg_catalog.btrim(c.entity_type), ''),                                   -- entity_type
           case when c.reason is null then nullif(c.entity_id, '')::uuid end,             -- entity_id
           case when not c.dnt_on then nullif(c.visitor_id, '') end,                     -- visitor_id (not with dnt)
           case when c.reason is null and not c.dnt_on then nullif(c.user_id, '')::uuid end,   -- user_id (not with dnt)
           case when not c.dnt_on then nullif(c.session_id, '') end,                     -- session_id (not with dnt)
           nullif(c.client_event_id, ''),                                                 -- client_event_id
           case when c.reason is null then
             case when pg_catalog.jsonb_typeof(c.properties) = 'object' then
               c.properties
               - '{utm_source,utm_medium,utm_campaign,utm_content,utm_term,referrer_domain,link_type,platform,device_type,device_os,device_browser,network_type,page_load_ms,country,city,is_bot,revenue_cents,currency}'::text[]
               - case when c.dnt_on then analytics.personal_property_keys() else '{}'::text[] end
             else '{}'::jsonb end                                                         -- absent or JSON null
           end,                                                                           -- properties (with dnt: no personal keys)
           pg_catalog.lower(nullif(pg_catalog.btrim(c.utm_source), '') collate "C"),
           pg_catalog.lower(nullif(pg_catalog.btrim(c.utm_medium), '') collate "C"),
           nullif(pg_catalog.btrim(c.utm_campaign), ''),
           nullif(pg_catalog.btrim(c.utm_content), ''),
           nullif(pg_catalog.btrim(c.utm_term), ''),
           case when pg_catalog.left(c.domain, 4) = 'www.' then pg_catalog.substr(c.domain, 5)
                else c.domain end,                                                        -- referrer_domain
           pg_catalog.lower(nullif(pg_catalog.btrim(c.link_type), '') collate "C"),
           pg_catalog.lower(nullif(pg_catalog.btrim(c.platform), '') collate "C"),
           coalesce(pg_catalog.lower(nullif(pg_catalog.btrim(c.device_type), '') collate "C"), c.ua[1]),   -- device_type
           coalesce(nullif(pg_catalog.btrim(c.device_os), ''), c.ua[2]),                  -- device_os
           coalesce(nullif(pg_catalog.btrim(c.device_browser), ''), c.ua[3]),             -- device_browser
           pg_catalog.lower(nullif(pg_catalog.btrim(c.network_type), '') collate "C"),
           case when c.reason is null then c.page_load_ms::integer end,                   -- page_load_ms
           case when c.reason is null then pg_catalog.upper(nullif(c.country, '') collate "C") end,   -- country
           nullif(pg_catalog.btrim(c.city), ''),                                          -- city
           case when c.reason is null then coalesce(c.is_bot::boolean, c.ua[4]::boolean, false) end,   -- is_bot
           case when c.reason is null then c.revenue_cents::bigint end,                   -- revenue_cents
           case when c.reason is null then pg_catalog.upper(nullif(c.currency, '') collate "C") end,  -- currency
           false                                                                          -- self_logged (public.log_events sets it)
         )::analytics.events
  from (
    -- Level 3: the reason, from the fields read once below.
    select f.*,
           case
             when f.is_object is not true then 'invalid_event: not a JSON object'
             when p_event - '{org_id,event_type,occurred_at,visitor_id,session_id,user_id,client_event_id,entity_type,entity_id,properties,dnt}'::text[]
                  <> '{}'::jsonb
               then 'unknown_field: ' || pg_catalog.left(
                      pg_catalog.jsonb_path_query_first(
                        p_event - '{org_id,event_type,occurred_at,visitor_id,session_id,user_id,client_event_id,entity_type,entity_id,properties,dnt}'::text[],
                        '$.keyvalue().key') #>> '{}', 64)
             when coalesce(f.org_id, '') = '' then 'missing_field: org_id'
             when coalesce(f.event_type, '') = '' then 'missing_field: event_type'
             when coalesce(f.occurred_at, '') = '' then 'missing_field: occurred_at'
             -- uuid: 36 characters, hyphens at 9, 14, 19, 24 (LIKE) and nowhere else, hex digits.
             when not (f.org_id collate "C" like '________-____-____-____-____________'
                       and f.org_id collate "C" ~ '^[-0-9A-Fa-f]+$'
                       and pg_catalog.octet_length(pg_catalog.replace(f.org_id, '-', '')) = 32)
               then 'invalid_uuid: org_id'
             when nullif(f.user_id, '') is not null
                  and not (f.user_id collate "C" like '________-____-____-____-____________'
                           and f.user_id collate "C" ~ '^[-0-9A-Fa-f]+$'
                           and pg_catalog.octet_length(pg_catalog.replace(f.user_id, '-', '')) = 32)
               then 'invalid_uuid: user_id'
             when nullif(f.entity_id, '') is not null
                  and not (f.entity_id collate "C" like '________-____-____-____-____________'
                           and f.entity_id collate "C" ~ '^[-0-9A-Fa-f]+$'
                           and pg_catalog.octet_length(pg_catalog.replace(f.entity_id, '-', '')) = 32)
               then 'invalid_uuid: entity_id'
             when not (f.event_type = any (analytics.event_type_names()))
               then 'unknown_event_type: ' || pg_catalog.left(f.event_type, 64)
             when f.occurred_ts is null then 'invalid_timestamp'
             when f.occurred_ts < '2000-01-01 00:00:00+00'::timestamptz then 'too_old'
             when f.occurred_ts > p_now + interval '5 minutes' then 'occurred_in_future'
             when pg_catalog.octet_length(f.visitor_id) > 128 then 'field_too_long: visitor_id'
             when pg_catalog.octet_length(f.session_id) > 128 then 'field_too_long: session_id'
             when pg_catalog.octet_length(f.client_event_id) > 128 then 'field_too_long: client_event_id'
             when pg_catalog.octet_length(f.entity_type) > 64 then 'field_too_long: entity_type'
             when pg_catalog.jsonb_typeof(f.properties) not in ('object', 'null') then 'invalid_type: properties'
             when pg_catalog.pg_column_size(f.properties) > 8192 then 'properties_too_large'
             when pg_catalog.octet_length(f.utm_source) > 200 then 'field_too_long: utm_source'
             when pg_catalog.octet_length(f.utm_medium) > 200 then 'field_too_long: utm_medium'
             when pg_catalog.octet_length(f.utm_campaign) > 200 then 'field_too_long: utm_campaign'
             when pg_catalog.octet_length(f.utm_content) > 200 then 'field_too_long: utm_content'
             when pg_catalog.octet_length(f.utm_term) > 200 then 'field_too_long: utm_term'
             when pg_catalog.octet_length(f.referrer) > 2048 then 'field_too_long: referrer'
             when pg_catalog.octet_length(f.referrer_domain) > 255 then 'field_too_long: referrer_domain'
             when pg_catalog.octet_length(f.link_type) > 64 then 'field_too_long: link_type'
             when pg_catalog.octet_length(f.platform) > 64 then 'field_too_long: platform'
             when pg_catalog.octet_length(f.device_os) > 64 then 'field_too_long: device_os'
             when pg_catalog.octet_length(f.device_browser) > 64 then 'field_too_long: device_browser'
             when pg_catalog.octet_length(f.network_type) > 32 then 'field_too_long: network_type'
             when pg_catalog.octet_length(f.city) > 128 then 'field_too_long: city'
             when pg_catalog.octet_length(f.user_agent) > 1024 then 'field_too_long: user_agent'
             when nullif(f.country, '') collate "C" !~ '^[A-Za-z][A-Za-z]$' then 'invalid_country'
             when nullif(f.currency, '') collate "C" !~ '^[A-Za-z][A-Za-z][A-Za-z]$' then 'invalid_currency'
             when pg_catalog.lower(nullif(f.device_type, '') collate "C") not in ('mobile', 'desktop', 'tablet')
               then 'invalid_device_type'
             when f.is_bot not in ('true', 'false') then 'invalid_type: is_bot'
             when pg_catalog.jsonb_typeof(f.dnt) not in ('boolean', 'null') then 'invalid_type: dnt'
             when f.page_load_ms collate "C" !~ '^[0-9]+$'
               or pg_catalog.octet_length(f.page_load_ms) > 6
               or f.page_load_ms::integer > 600000
               then 'invalid_number: page_load_ms'
             when f.revenue_cents collate "C" !~ '^[0-9]+$'
               or pg_catalog.octet_length(f.revenue_cents) > 12
               or f.revenue_cents::bigint > 100000000000
               then 'invalid_number: revenue_cents'
           end as reason,
           coalesce(f.dnt = 'true'::jsonb, false) as dnt_on,
           -- Derived from the user agent only when device_type is absent (evaluated once here).
           case when nullif(pg_catalog.btrim(f.device_type), '') is null and nullif(pg_catalog.btrim(f.user_agent), '') is not null
                then analytics.parse_user_agent(f.user_agent) end as ua,
           coalesce(pg_catalog.lower(nullif(pg_catalog.btrim(f.referrer_domain), '') collate "C"),
                    -- host of the referrer URL: after "scheme://", before / ? # :, after "user@"
                    nullif(pg_catalog.split_part(pg_catalog.split_part(pg_catalog.split_part(pg_catalog.split_part(
                             pg_catalog.split_part(pg_catalog.split_part(pg_catalog.lower(f.referrer collate "C"), '://', 2),
                             '/', 1), '?', 1), '#', 1), '@', -1), ':', 1), '')) as domain
    from (
      -- Level 2: the typed properties (->> of a non-object is NULL), and the timestamp,
      -- cast only once its shape and ranges are known to be valid: year 1000-9999, month,
      -- day of that month, hour, minute and second, each a probe in analytics.rfc3339_parts;
      -- then the offset (Z, z, +hh:mm or -hh:mm up to 14:59), or "." and 1 to 9 digits and
      -- the offset. Positions 1-19 are checked to be ASCII before the byte lengths are used.
      select e.*,
             e.properties ->> 'utm_source' as utm_source, e.properties ->> 'utm_medium' as utm_medium,
             e.properties ->> 'utm_campaign' as utm_campaign, e.properties ->> 'utm_content' as utm_content,
             e.properties ->> 'utm_term' as utm_term, e.properties ->> 'referrer' as referrer,
             e.properties ->> 'referrer_domain' as referrer_domain, e.properties ->> 'link_type' as link_type,
             e.properties ->> 'platform' as platform, e.properties ->> 'device_type' as device_type,
             e.properties ->> 'device_os' as device_os, e.properties ->> 'device_browser' as device_browser,
             e.properties ->> 'network_type' as network_type, e.properties ->> 'page_load_ms' as page_load_ms,
             e.properties ->> 'country' as country, e.properties ->> 'city' as city,
             e.properties ->> 'is_bot' as is_bot, e.properties ->> 'revenue_cents' as revenue_cents,
             e.properties ->> 'currency' as currency, e.properties ->> 'user_agent' as user_agent,
             case when pg_catalog.substr(e.occurred_at, 1, 2) = any (analytics.rfc3339_parts('century'))
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
                       -- February 29 only in a leap year
                       and (pg_catalog.substr(e.occurred_at, 6, 5) <> '02-29'
                            or pg_catalog.substr(e.occurred_at, 1, 4)::integer % 4 = 0
                               and (pg_catalog.substr(e.occurred_at, 1, 4)::integer % 100 <> 0
                                    or pg_catalog.substr(e.occurred_at, 1, 4)::integer % 400 = 0))
                  then e.occurred_at::timestamptz
             end as occurred_ts
      from (
        -- Level 1: every top-level field read once (->> of a non-object is NULL).
        select pg_catalog.jsonb_typeof(p_event) = 'object' as is_object,
               p_event ->> 'org_id' as org_id, p_event ->> 'event_type' as event_type,
               (p_event ->> 'occurred_at') collate "C" as occurred_at,
               p_event ->> 'visitor_id' as visitor_id, p_event ->> 'session_id' as session_id,
               p_event ->> 'user_id' as user_id, p_event ->> 'client_event_id' as client_event_id,
               p_event ->> 'entity_type' as entity_type, p_event ->> 'entity_id' as entity_id,
               p_event -> 'properties' as properties, p_event -> 'dnt' as dnt
        offset 0
      ) as e
      offset 0
    ) as f
    offset 0
  ) as c
$$;
revoke execute on function analytics.parse_event(jsonb, timestamptz) from public, anon;
grant execute on function analytics.parse_event(jsonb, timestamptz) to authenticated, service_role;
comment on function analytics.parse_event(jsonb, timestamptz) is
  'Validates and maps one event (JSON object; shape in functions/analytics/parse_event.sql): reason NULL and event = the analytics.events row to insert (id NULL: OVERRIDING USER VALUE), or a stable reason code such as ''unknown_event_type: foo'', ''missing_field: org_id'', ''invalid_timestamp''. The one definition shared by every ingestion path.';
