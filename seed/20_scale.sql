-- Scale seed: deterministic synthetic organizations and events for load tests
-- (audiencectl seed scale --orgs N --events N --seed S). See seed/README.md.
--
--   select seed.scale_orgs(1000, 42);                       -- once: the organizations
--   select seed.scale_begin();                              -- optional: bulk load (below)
--   select seed.scale_events(1000, 42, 0, 250000);          -- then chunk after chunk:
--   select seed.scale_events(1000, 42, 250000, 250000);     --   events 250000..499999
--   ...                                                     -- (chunks may run on parallel
--                                                           --  connections)
--   select seed.scale_build_indexes();                      -- optional, after the last chunk:
--                                                           --  until null, from each connection
--   select seed.scale_finish();                             -- after seed.scale_begin()
-- Event number n is a pure function of (seed, n, number of organizations): its attributes
-- come from three 64-bit hashes of (seed, n). Times are relative to the current UTC day
-- (midnight), spread over the 180 days before it, so the same call on the same day
-- produces the same rows. Synthetic events have id -(seed * 2^40 + n): negative, never
-- produced by the identity, and unique per (seed, n).
create schema if not exists seed;

-- The synthetic organizations of a seed: rank k = 1..p_orgs (rank 1 is the largest).
create or replace function seed.scale_org_rows(p_orgs int, p_seed int)
returns table (k int, id uuid, slug text, name text, kind app.org_kind, timezone text, currency char(3))
language sql
immutable
parallel safe
as $$
  select g.k,
         seed.uuid('scale-org:' || p_seed || ':' || g.k),
         'scale-' || p_seed || '-' || g.k,
         'Scale org ' || g.k || ' (seed ' || p_seed || ')',
         (array['artist', 'artist', 'artist', 'creator', 'venue', 'promoter', 'label', 'brand', 'organizer'])
           [1 + (pg_catalog.hashint4(g.k + 31 * p_seed) & 2147483647) % 9]::app.org_kind,
         (array['Europe/Berlin', 'America/New_York', 'Europe/London', 'America/Los_Angeles', 'Australia/Sydney',
                'Europe/Paris', 'America/Sao_Paulo', 'Asia/Tokyo', 'UTC'])[z.i],
         (array['EUR', 'USD', 'GBP', 'USD', 'AUD', 'EUR', 'BRL', 'JPY', 'USD'])[z.i]::char(3)
  from pg_catalog.generate_series(1, p_orgs) as g (k)
  cross join lateral (select 1 + (pg_catalog.hashint4(g.k * 7 + p_seed) & 2147483647) % 9 as i) as z
$$;
comment on function seed.scale_org_rows(int, int) is
  'The p_orgs synthetic organizations of seed p_seed (rank k, deterministic id md5(''scale-org:seed:k''), slug scale-<seed>-<k>, kind, time zone, currency).';

-- Id of content item p_item (1..20) of organization rank p_k of a seed: built from the
-- integers (seed, item, rank) without hashing, so that every event can name one cheaply:
-- SSSSSSSS-5ca1-4III-8000-KKKKKKKKKKKK (hexadecimal).
create or replace function seed.scale_content_id(p_seed int, p_k int, p_item int)
returns uuid
language sql
immutable
parallel safe
as $$
  select (pg_catalog.lpad(pg_catalog.to_hex(p_seed), 8, '0') || '-5ca1-4' || pg_catalog.lpad(pg_catalog.to_hex(p_item), 3, '0')
          || '-8000-' || pg_catalog.lpad(pg_catalog.to_hex(p_k), 12, '0'))::uuid
$$;
comment on function seed.scale_content_id(int, int, int) is
  'Deterministic id of content item p_item of scale organization rank p_k of seed p_seed: <seed:8 hex>-5ca1-4<item:3 hex>-8000-<rank:12 hex>.';

-- The signed-in users of a scale organization: its visitors v1 .. v8 (the most frequent of
-- its log-uniform pool) carry a user id, built from integers like the content ids.
create or replace function seed.scale_user_id(p_seed int, p_k int, p_visitor int)
returns uuid
language sql
immutable
parallel safe
as $$
  select (pg_catalog.lpad(pg_catalog.to_hex(p_seed), 8, '0') || '-5ca1-5' || pg_catalog.lpad(pg_catalog.to_hex(p_visitor), 3, '0')
          || '-8000-' || pg_catalog.lpad(pg_catalog.to_hex(p_k), 12, '0'))::uuid
$$;
comment on function seed.scale_user_id(int, int, int) is
  'Deterministic user id of visitor v<p_visitor> (1-8: the signed-in visitors) of scale organization rank p_k of seed p_seed: <seed:8 hex>-5ca1-5<visitor:3 hex>-8000-<rank:12 hex>.';

-- The catalogue of every synthetic organization: 20 content items. Items 1-8 releases,
-- 9-10 mashups (played, liked, shared), 11-16 links (one per link_click platform, in the
-- order of seed.scale_event_rows' platform list), 17-20 products (no event names them).
create or replace function seed.scale_content_rows(p_orgs int, p_seed int)
returns table (org_id uuid, id uuid, kind text, title text, external_ref text, published_at timestamptz)
language sql
stable
parallel safe
as $$
  select o.id,
         seed.scale_content_id(p_seed, o.k, i.n),
         case when i.n <= 8 then 'release' when i.n <= 10 then 'mashup' when i.n <= 16 then 'link' else 'product' end,
         case when i.n <= 8 then 'Release ' || i.n
              when i.n <= 10 then 'Mashup ' || (i.n - 8)
              when i.n <= 16 then (array['Spotify', 'Apple Music', 'Deezer', 'YouTube', 'Bandcamp', 'Tickets'])[i.n - 10]
              else 'Product ' || (i.n - 16) end,
         'scale:' || i.n,
         case when i.n <= 10 then pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC'
                                  - pg_catalog.make_interval(days => 20 * i.n) end
  from seed.scale_org_rows(p_orgs, p_seed) as o
  cross join pg_catalog.generate_series(1, 20) as i (n)
$$;
comment on function seed.scale_content_rows(int, int) is
  'The 20 content items of each synthetic organization of seed p_seed (8 releases, 2 mashups, 6 links, 4 products; ids seed.scale_content_id(seed, rank, item)).';

-- Creates the synthetic organizations of a seed (those missing) with their content items
-- (seed.scale_content_rows) and the monthly event partitions for the last 7 months;
-- returns how many organizations it created.
create or replace function seed.scale_orgs(p_orgs int, p_seed int)
returns int
language plpgsql
volatile
as $$
declare
  v_created int;
begin
  if p_orgs is null or p_orgs not between 1 and 1000000 or p_seed is null or p_seed not between 0 and 1000000 then
    raise exception 'organizations % / seed % out of range', p_orgs, p_seed
      using errcode = '22023', hint = 'Pass 1 to 1000000 organizations and a seed from 0 to 1000000.';
  end if;
  perform analytics.ensure_partitions(3, 7);
  insert into app.organizations (id, slug, name, kind, timezone, currency, display_name, genres)
  select o.id, o.slug, o.name, o.kind, o.timezone, o.currency, o.name, '{}'::text[]
  from seed.scale_org_rows(p_orgs, p_seed) as o
  on conflict (id) do nothing;
  get diagnostics v_created = row_count;
  insert into app.content_items (org_id, id, kind, title, external_ref, published_at)
  select c.org_id, c.id, c.kind, c.title, c.external_ref, c.published_at
  from seed.scale_content_rows(p_orgs, p_seed) as c
  on conflict do nothing;
  return v_created;
end;
$$;
comment on function seed.scale_orgs(int, int) is
  'Creates the p_orgs synthetic organizations of seed p_seed that are missing, with their 20 content items each (and event partitions for the last 7 months); returns the number of organizations created. Idempotent.';

-- The months (first days, UTC) that the events of a seed generated today fall in.
create or replace function seed.scale_months()
returns setof date
language sql
stable
as $$
  select pg_catalog.generate_series(
           pg_catalog.date_trunc('month', (pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') - interval '180 days')),
           pg_catalog.date_trunc('month', pg_catalog.now() at time zone 'UTC'),
           interval '1 month')::date
$$;
comment on function seed.scale_months() is
  'First days (UTC) of the months that seed.scale_event_rows writes today: the 180 days before today''s UTC midnight.';

-- Events p_first .. p_first + p_count - 1 of a seed, as analytics.events rows.
-- Distributions (by construction, from the hashes):
--   organization  rank k = floor(exp(u * ln(p_orgs + 1))), u uniform: P(k) = ln((k+1)/k) /
--                 ln(p_orgs + 1); with 1000 organizations rank 1 gets 10.0 % of all events
--                 (1,000,000 of 10,000,000), rank 2 5.9 %, rank 100 0.14 %, rank 1000 0.014 %.
--   time          uniform over the 180 days before today's UTC midnight.
--   visitor       per organization, a pool of max(50, 200000 / k) visitors, log-uniform
--                 (a few visitors come back often, most once).
--   user          visitors v1 .. v8 of each organization are signed in (user_id
--                 seed.scale_user_id(seed, k, visitor); bots never): P = ln 9 / ln(pool + 1),
--                 of the non-bot events: 18.0 % for rank 1 (pool 200,000), 55.9 % with a pool of 50.
--   type          page_view 40 %, impression 12 %, link_click 12 %, play 10 %, profile_view 6 %,
--                 like 5 %, event_view 3 %, share 2 %, follow 2 %, search 2 %, ticket_cta 1.5 %,
--                 comment 1 %, checkout_started 1 %, download 0.8 %, subscribe 0.5 %,
--                 purchase 0.5 %, tip 0.3 %, email_open, email_click, unsubscribe (the rest).
--   device        mobile 60 %, desktop 32 %, tablet 8 %, with a matching OS, browser, network.
--   place         24 cities in 14 countries, log-uniform (Berlin, London, New York first).
--   source        page views and link clicks: instagram 30 %, google 20 % (referrer only),
--                 tiktok 10 %, newsletter 8 %, facebook 5 %, direct 27 %.
--   bots          about 2.3 % (is_bot; desktop, Ashburn US, no campaign).
--   content       play, like, share: one of the organization's releases and mashups
--                 (items 1-10), item i = floor(exp(u * ln 11)): P(i) = ln((i+1)/i) / ln 11,
--                 item 1 29 %, item 2 17 %, item 10 4 %; link_click: the link item of its
--                 platform (items 11-16). entity_type content_item for all four.
--   revenue       purchase 5.00-149.00, tip 1.00-20.00 in the organization's currency.
-- Order: the rows come out sorted by (month of occurred_at, organization rank k,
-- occurred_at), so that an INSERT routes each month's rows one after the other (routing
-- rows that alternate between month tables measured about 1 us more per row) and each
-- month table gets one organization's events together, in time order. The sort is on one
-- bigint key of narrow rows, before the 30 columns are built.
-- Cost: 2.5-4 us per row with the sort, JIT on (the version with text comparisons and a
-- wide (org_id, occurred_at) sort: 4.5-8.5 us). Attributes stay integer codes (type t,
-- device d, source s) until the outermost level turns them into text (comparing text
-- per row cost more than computing it); organization ids, content item ids (when the call
-- has at least 64 events per organization; otherwise built per row, which costs less than
-- building 16 per organization) and the content item of the top 8 hash bits are looked up
-- in arrays built once per call (the uncorrelated sub-selects are computed once).
create or replace function seed.scale_event_rows(p_orgs int, p_seed int, p_first bigint, p_count bigint)
returns setof analytics.events
language sql
stable
parallel safe
as $$
  select
    -(p_seed::bigint * 1099511627776 + x.n),                                    -- id
    ((select pg_catalog.array_agg(o.id order by o.k)                            -- org_id: md5 ids once per org
      from seed.scale_org_rows(p_orgs, p_seed) as o))[x.k],
    (select pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC')   -- once
      - pg_catalog.make_interval(secs => x.secs::float8),                       -- occurred_at
    pg_catalog.now(),                                                           -- received_at: now, so that
                                                                                -- incremental consumers see them
    (array['page_view', 'impression', 'link_click', 'play', 'profile_view', 'like', 'event_view', 'share',
           'follow', 'search', 'ticket_cta', 'comment', 'checkout_started', 'download', 'subscribe',
           'purchase', 'tip', 'email_open', 'email_click', 'unsubscribe'])[x.t],  -- event_type
    case when x.item is not null then 'content_item' end,                       -- entity_type
    case when x.item is null then null
         when p_orgs <= p_count / 64 then                                      -- ids of every org once
           ((select pg_catalog.array_agg(seed.scale_content_id(p_seed, c.k, c_i.i) order by c.k, c_i.i)
             from pg_catalog.generate_series(1, case when p_orgs <= p_count / 64 then p_orgs else 0 end) as c (k)
             cross join pg_catalog.generate_series(1, 16) as c_i (i)))[(x.k - 1) * 16 + x.item]
         else seed.scale_content_id(p_seed, x.k, x.item)
    end,                                                                        -- entity_id
    'v' || x.visitor,                                                           -- visitor_id
    case when x.visitor > 8 or x.is_bot then null                               -- user_id: v1 .. v8 signed in
         when p_orgs <= p_count / 64 then                                      -- ids of every org once
           ((select pg_catalog.array_agg(seed.scale_user_id(p_seed, c.k, c_v.v) order by c.k, c_v.v)
             from pg_catalog.generate_series(1, case when p_orgs <= p_count / 64 then p_orgs else 0 end) as c (k)
             cross join pg_catalog.generate_series(1, 8) as c_v (v)))[(x.k - 1) * 8 + x.visitor]
         else seed.scale_user_id(p_seed, x.k, x.visitor)
    end,
    null::text,                                                                 -- session_id
    null::text,                                                                 -- client_event_id
    '{}'::jsonb,                                                                -- properties
    case x.s when 1 then 'instagram' when 3 then 'tiktok' when 4 then 'newsletter' when 5 then 'facebook' end,
    case x.s when 1 then 'social' when 3 then 'social' when 5 then 'social' when 4 then 'email' end,  -- utm_medium
    case when x.s = 4 then 'monthly-' || (x.h3 & 3) end,                        -- utm_campaign
    null::text,                                                                 -- utm_content
    null::text,                                                                 -- utm_term
    case x.s when 1 then 'instagram.com' when 2 then 'google.com' when 3 then 'tiktok.com'
             when 5 then 'facebook.com' end,                                    -- referrer_domain
    case when x.t = 3 then (array['streaming', 'streaming', 'streaming', 'video', 'store', 'tickets'])[1 + x.pick6] end,
    case when x.t = 3 then (array['spotify', 'apple_music', 'deezer', 'youtube', 'bandcamp', 'tickets'])[1 + x.pick6] end,
    (array['mobile', 'desktop', 'tablet'])[x.d],                                -- device_type
    case x.d
      when 1 then case when x.h3 & 1 = 0 then 'iOS' else 'Android' end
      when 3 then case when x.h3 & 1 = 0 then 'iPadOS' else 'Android' end
      else (array['Windows', 'macOS', 'Linux', 'Windows'])[1 + (x.h3 & 3)] end,  -- device_os
    case x.d
      when 2 then (array['Chrome', 'Safari', 'Firefox', 'Edge'])[1 + ((x.h3 >> 2) & 3)]
      else (array['Safari', 'Chrome', 'Chrome', 'Samsung Internet'])[1 + ((x.h3 >> 2) & 3)] end,
    case when x.d = 2 then case when x.h3 & 16 = 0 then 'wifi' else 'ethernet' end
         else (array['4g', '4g', '4g', '4g', 'wifi', 'wifi', 'wifi', '5g', '5g', '3g'])[1 + ((x.h3 >> 4) & 65535) % 10] end,
    case when x.t = 1 or x.t = 5 or x.t = 7                                     -- page_view, profile_view, event_view
         then 250 + ((x.h3 >> 20) & 4095) % 2750 end,                           -- page_load_ms
    case when x.is_bot then 'US' else (array['DE', 'GB', 'US', 'FR', 'DE', 'NL', 'US', 'ES', 'PL', 'IT', 'DE', 'SE',
         'AU', 'BR', 'US', 'CA', 'JP', 'AT', 'CH', 'GB', 'DE', 'MX', 'DK', 'FR'])[x.place] end,   -- country
    case when x.is_bot then 'Ashburn' else (array['Berlin', 'London', 'New York', 'Paris', 'Hamburg', 'Amsterdam',
         'Los Angeles', 'Madrid', 'Warsaw', 'Milan', 'Munich', 'Stockholm', 'Sydney', 'São Paulo', 'Chicago',
         'Toronto', 'Tokyo', 'Vienna', 'Zurich', 'Manchester', 'Cologne', 'Mexico City', 'Copenhagen', 'Lyon'])[x.place] end,
    x.is_bot,
    case x.t when 16 then (5 + ((x.h3 >> 32) & 1023) % 145) * 100               -- purchase
             when 17 then (1 + ((x.h3 >> 32) & 1023) % 20) * 100 end,           -- tip
    case when x.t = 16 or x.t = 17 then                                         -- the organization's currency,
      (array['EUR', 'USD', 'GBP', 'USD', 'AUD', 'EUR', 'BRL', 'JPY', 'USD'])   -- as seed.scale_org_rows
        [1 + (pg_catalog.hashint4(x.k * 7 + p_seed) & 2147483647) % 9]::char(3) end,
    false                                                                       -- self_logged: a trusted writer
  from (
    select y.*,
           case when y.is_bot then 2 when y.dev < 614 then 1 when y.dev < 942 then 2 else 3 end as d,   -- device
           case when y.is_bot or (y.t <> 1 and y.t <> 3) then null                -- source: page views and link clicks
                when y.src < 307 then 1 when y.src < 512 then 2 when y.src < 614 then 3
                when y.src < 696 then 4 when y.src < 747 then 5 else 6 end as s,  -- (6: direct)
           pg_catalog.floor(pg_catalog.exp((((y.h3 >> 40) & 16777215)::float8 / 16777216)
                                           * pg_catalog.ln(greatest(50, 200000 / y.k) + 1)))::int as visitor,
           case when y.t = 3 then (11 + y.pick6)::int                           -- link_click: the platform's link
                when y.t = 4 or y.t = 6 or y.t = 8 then                         -- play, like, share
                  ((select pg_catalog.array_agg(pg_catalog.floor(pg_catalog.exp((u.u::float8 / 256) * pg_catalog.ln(11)))::int
                                                order by u.u)
                    from pg_catalog.generate_series(0, 255) as u (u)))[1 + ((y.h1 >> 56) & 255)]
           end as item
    from (
      select z.*,
             case when (z.h2 & 1023) < 410 then 1                               -- page_view
                  when (z.h2 & 1023) < 533 then 2                               -- impression
                  when (z.h2 & 1023) < 656 then 3                               -- link_click
                  when (z.h2 & 1023) < 758 then 4                               -- play
                  when (z.h2 & 1023) < 819 then 5                               -- profile_view
                  when (z.h2 & 1023) < 870 then 6                               -- like
                  when (z.h2 & 1023) < 901 then 7                               -- event_view
                  when (z.h2 & 1023) < 921 then 8                               -- share
                  when (z.h2 & 1023) < 942 then 9                               -- follow
                  when (z.h2 & 1023) < 962 then 10                              -- search
                  when (z.h2 & 1023) < 977 then 11                              -- ticket_cta
                  when (z.h2 & 1023) < 987 then 12                              -- comment
                  when (z.h2 & 1023) < 997 then 13                              -- checkout_started
                  when (z.h2 & 1023) < 1005 then 14                             -- download
                  when (z.h2 & 1023) < 1010 then 15                             -- subscribe
                  when (z.h2 & 1023) < 1015 then 16                             -- purchase
                  when (z.h2 & 1023) < 1018 then 17                             -- tip
                  when (z.h2 & 1023) < 1021 then 18                             -- email_open
                  when (z.h2 & 1023) < 1023 then 19                             -- email_click
                  else 20 end as t,                                             -- unsubscribe
             ((z.h2 >> 10) & 1023) as dev,
             pg_catalog.floor(pg_catalog.exp((((z.h2 >> 20) & 16777215)::float8 / 16777216) * pg_catalog.ln(25)))::int as place,
             ((z.h2 >> 44) & 1023) as src,
             ((z.h2 >> 54) & 127) < 3 as is_bot,
             ((z.h3 >> 8) & 1023) % 6 as pick6
      from (
        select w.*
        from (
          select v.*,
                 least(p_orgs, pg_catalog.floor(pg_catalog.exp(((v.h1 & 16777215)::float8 / 16777216)
                                                               * pg_catalog.ln(p_orgs + 1)))::int) as k,
                 ((v.h1 >> 24) & 4294967295) % 15552000 as secs                 -- occurred_at = midnight - secs
          from (
            select s.n,
                   pg_catalog.hashint8extended(s.n, p_seed) as h1,
                   pg_catalog.hashint8extended(s.n, p_seed + 1000003) as h2,
                   pg_catalog.hashint8extended(s.n, p_seed + 2000006) as h3
            from pg_catalog.generate_series(p_first, p_first + p_count - 1) as s (n)
            offset 0                              -- each hash computed once, not per reference
          ) as v
          offset 0
        ) as w
        -- (month, rank, time) as one bigint: the month is the number of month starts
        -- (seconds before midnight, ascending) below secs; rank < 2^20, secs < 2^24.
        order by (pg_catalog.width_bucket(w.secs - 1,
                    (select pg_catalog.array_agg(pg_catalog.date_part('epoch', pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') - m.m)::bigint
                                                 order by m.m desc)
                     from seed.scale_months() as m (m)))::bigint << 44)
                 | (w.k::bigint << 24) | (16777215 - w.secs)
        offset 0
      ) as z
      offset 0
    ) as y
    offset 0
  ) as x
$$;
comment on function seed.scale_event_rows(int, int, bigint, bigint) is
  'Synthetic events p_first .. p_first + p_count - 1 of seed p_seed over p_orgs organizations, as analytics.events rows, sorted by (month, organization rank, occurred_at) (distributions in seed/20_scale.sql).';

-- Bulk load (seed.scale_begin / seed.scale_build_indexes / seed.scale_finish). Inserting
-- row by row into the indexes of analytics.events costs more than generating the rows;
-- building an index from a filled table costs far less. seed.scale_begin() takes the
-- months the seed writes (the 180 days before today's UTC midnight) out of
-- analytics.events when nothing is stored in them yet: it creates those month tables
-- (analytics.events_pYYYY_MM, as analytics.ensure_partitions does, with their bounds
-- CHECK, autovacuum off, and only the partial indexes of analytics.events, which take few
-- rows) as partitions of seed.scale_load instead. seed.scale_events() then inserts into
-- seed.scale_load; after the last chunk, seed.scale_build_indexes() (from one session or
-- several at once) builds every other index of analytics.events on each month table in
-- one sorted pass, as the ATTACH would; seed.scale_finish() attaches each month table to
-- analytics.events (building whatever index is still missing; the bounds CHECK spares the
-- validation scan), moves into it any row of that month that reached the DEFAULT
-- partition meanwhile and turns autovacuum back on. Between seed.scale_begin and
-- seed.scale_finish those months are missing from analytics.events (readers see no event
-- of them; anything else written for them lands in the DEFAULT partition until
-- seed.scale_finish moves it).

-- Creates on month table analytics.<p_table> the indexes of analytics.events that it lacks,
-- as ALTER TABLE analytics.events ATTACH PARTITION would create them (the parent's
-- definitions, names generated from the table's name; a constraint's index as that
-- constraint), so that the ATTACH finds them and builds nothing. p_partial_only: only the
-- partial indexes. Returns the number of indexes created.
create or replace function seed.scale_create_indexes(p_table text, p_partial_only boolean)
returns int
language plpgsql
volatile
as $$
declare
  v_index record;
  v_count int := 0;
begin
  for v_index in
    select pg_catalog.pg_get_indexdef(i.indexrelid) as def, c.oid as constraint_oid
    from pg_catalog.pg_index as i
    left join pg_catalog.pg_constraint as c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
    where i.indrelid = 'analytics.events'::pg_catalog.regclass
      and (i.indpred is not null or not p_partial_only)
    order by i.indexrelid
  loop
    -- Compared without name and table: 'CREATE [UNIQUE] INDEX ON USING btree (...) [WHERE ...]'.
    continue when exists (
      select 1 from pg_catalog.pg_index as ci
      where ci.indrelid = pg_catalog.format('analytics.%I', p_table)::pg_catalog.regclass
        and pg_catalog.regexp_replace(pg_catalog.pg_get_indexdef(ci.indexrelid), '^(CREATE (UNIQUE )?INDEX) \S+ ON \S+ ', '\1 ON ')
          = pg_catalog.regexp_replace(v_index.def, '^(CREATE (UNIQUE )?INDEX) \S+ ON ONLY \S+ ', '\1 ON '));
    if v_index.constraint_oid is not null then
      execute pg_catalog.format('alter table analytics.%I add %s', p_table, pg_catalog.pg_get_constraintdef(v_index.constraint_oid));
    else
      execute pg_catalog.regexp_replace(v_index.def, '^(CREATE (UNIQUE )?INDEX) \S+ ON ONLY \S+ ',
                                        pg_catalog.format('\1 ON analytics.%I ', p_table));
    end if;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function seed.scale_create_indexes(text, boolean) is
  'Creates on month table analytics.<p_table> the indexes of analytics.events it lacks (p_partial_only: only the partial ones), as ATTACH PARTITION would (same definitions and generated names); returns how many it created.';

-- The month tables of the bulk load in progress (the partitions of seed.scale_load), by
-- name; none when no bulk load is in progress.
create or replace function seed.scale_load_tables()
returns setof text
language sql
stable
as $$
  select c.relname::text
  from pg_catalog.pg_inherits as i
  join pg_catalog.pg_class as c on c.oid = i.inhrelid
  where i.inhparent = pg_catalog.to_regclass('seed.scale_load')
  order by c.relname
$$;
comment on function seed.scale_load_tables() is
  'Names of the month tables of the bulk load in progress (partitions of seed.scale_load), in order; none when no bulk load is in progress.';

-- Starts a bulk load: when every month of seed.scale_months() is missing from
-- analytics.events or empty, and the DEFAULT partition holds no row of them, replaces
-- those months by tables under seed.scale_load with only the partial indexes of
-- analytics.events (and autovacuum off); returns the number of months
-- taken (0: nothing done, seed.scale_events inserts into analytics.events as usual).
-- Idempotent: a bulk load already begun returns its number of months.
create or replace function seed.scale_begin()
returns int
language plpgsql
volatile
as $$
declare
  v_month date;
  v_name  text;
  v_from  timestamptz;
  v_to    timestamptz;
  v_used  boolean;
  v_count int := 0;
begin
  -- The same lock as analytics.ensure_partitions: nobody creates partitions meanwhile.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('analytics.ensure_partitions'));
  if pg_catalog.to_regclass('seed.scale_load') is not null then
    return (select pg_catalog.count(*)::int from seed.scale_load_tables());
  end if;

  lock table analytics.events_default in access exclusive mode;
  if exists (select 1 from analytics.events_default as d
             where d.occurred_at >= (select pg_catalog.min(m)::timestamp at time zone 'UTC' from seed.scale_months() as m)
               and d.occurred_at < (select (pg_catalog.max(m) + interval '1 month') at time zone 'UTC' from seed.scale_months() as m)) then
    return 0;
  end if;
  for v_month in select m from seed.scale_months() as m loop
    v_name := 'events_p' || pg_catalog.to_char(v_month, 'YYYY_MM');
    if pg_catalog.to_regclass(pg_catalog.format('analytics.%I', v_name)) is not null then
      if not exists (select 1 from pg_catalog.pg_inherits i
                     where i.inhrelid = pg_catalog.format('analytics.%I', v_name)::pg_catalog.regclass
                       and i.inhparent = 'analytics.events'::pg_catalog.regclass) then
        return 0;                                         -- a table of that name that is not a partition
      end if;
      execute pg_catalog.format('select exists (select 1 from analytics.%I)', v_name) into v_used;
      if v_used then
        return 0;
      end if;
    end if;
  end loop;

  create table seed.scale_load (like analytics.events) partition by range (occurred_at);
  comment on table seed.scale_load is
    'Bulk load in progress (seed.scale_begin): the month tables of analytics.events (without their non-partial indexes until seed.scale_build_indexes) that seed.scale_events fills; seed.scale_finish attaches them to analytics.events and drops this table.';
  create table seed.scale_loaded (
    orgs  int    not null,
    seed  int    not null,
    first bigint not null,
    count bigint not null
  );
  comment on table seed.scale_loaded is
    'Chunks of events stored into seed.scale_load (seed.scale_events during a bulk load), so that a chunk run twice is stored once. Dropped by seed.scale_finish.';

  for v_month in select m from seed.scale_months() as m loop
    v_name := 'events_p' || pg_catalog.to_char(v_month, 'YYYY_MM');
    v_from := v_month::timestamp at time zone 'UTC';
    v_to := (v_month + interval '1 month')::timestamp at time zone 'UTC';
    if pg_catalog.to_regclass(pg_catalog.format('analytics.%I', v_name)) is not null then
      execute pg_catalog.format('alter table analytics.events detach partition analytics.%I', v_name);
      execute pg_catalog.format('drop table analytics.%I', v_name);    -- empty (checked above)
    end if;
    -- As analytics.ensure_partitions creates a partition, without attaching it.
    execute pg_catalog.format(
      'create table analytics.%I (like analytics.events including defaults including constraints including storage)',
      v_name);
    execute pg_catalog.format(
      'alter table analytics.%I add constraint %I check (occurred_at >= %L and occurred_at < %L)',
      v_name, 'check_' || v_name || '_bounds', v_from, v_to);
    execute pg_catalog.format('alter table analytics.%I enable row level security', v_name);
    -- No autovacuum while loading: it would analyze and vacuum the tables between chunks
    -- (work that the ANALYZE after seed.scale_finish redoes), and seed.scale_finish's
    -- DETACH would wait deadlock_timeout (1 s) for it to give way. seed.scale_finish
    -- resets the setting.
    execute pg_catalog.format('alter table analytics.%I set (autovacuum_enabled = false)', v_name);
    execute pg_catalog.format('revoke all on table analytics.%I from public, anon, authenticated', v_name);
    execute pg_catalog.format(
      'comment on table analytics.%I is %L', v_name,
      pg_catalog.format('Partition of analytics.events for %s (UTC). Reached only through the parent.',
                        pg_catalog.to_char(v_month, 'YYYY-MM')));
    -- The partial indexes now: they take few rows (none, or 2.5 % of the events), so
    -- maintaining them during the load costs less than a heap scan each to build them
    -- after it (measured about 0.4 against 0.7 us per event).
    perform seed.scale_create_indexes(v_name, true);
    execute pg_catalog.format('alter table seed.scale_load attach partition analytics.%I for values from (%L) to (%L)',
                              v_name, v_from, v_to);
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function seed.scale_begin() is
  'Starts a bulk load of scale events when their months are empty: month tables under seed.scale_load with only the partial indexes of analytics.events; returns the number of months (0: not possible, events go to analytics.events as usual). Finish with seed.scale_finish() (after seed.scale_build_indexes() from each session, optionally).';

-- During a bulk load, once every chunk is stored: builds the missing indexes of one month
-- table of seed.scale_load that no other session is indexing (seed.scale_create_indexes);
-- returns its name, or null when no such table is left. Sessions that call it until it
-- returns null index different months at the same time (measured on 2 cores: two sessions
-- index two months in 20-35 % less time than one after the other); seed.scale_finish then
-- only attaches them (it builds whatever is still missing itself).
create or replace function seed.scale_build_indexes()
returns text
language plpgsql
volatile
as $$
declare
  v_name text;
begin
  if pg_catalog.to_regclass('seed.scale_load') is null then
    return null;
  end if;
  -- Index builds sort in memory up to this much (per index, one at a time).
  perform pg_catalog.set_config('maintenance_work_mem', '256MB', true);
  for v_name in select t from seed.scale_load_tables() as t loop
    -- The lock marks the table taken until this transaction ends.
    if pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('seed.scale_build_indexes'), pg_catalog.hashtext(v_name))
       and seed.scale_create_indexes(v_name, false) > 0 then
      return v_name;
    end if;
  end loop;
  return null;
end;
$$;
comment on function seed.scale_build_indexes() is
  'During a bulk load, after its last chunk: builds the indexes of one month table of seed.scale_load that no other session is indexing; returns its name, null when none is left. Call it from several sessions until null, then seed.scale_finish().';

-- Ends a bulk load: attaches every month table of seed.scale_load to analytics.events
-- (building the indexes that seed.scale_build_indexes did not), moving into it the rows
-- of its month that reached the DEFAULT partition meanwhile, and turns its autovacuum back
-- on; drops seed.scale_load and seed.scale_loaded. Returns the number of months attached
-- (0 when no bulk load was in progress).
create or replace function seed.scale_finish()
returns int
language plpgsql
volatile
as $$
declare
  v_name    text;
  v_month   date;
  v_from    timestamptz;
  v_to      timestamptz;
  v_columns text;
  v_count   int := 0;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('analytics.ensure_partitions'));
  if pg_catalog.to_regclass('seed.scale_load') is null then
    return 0;
  end if;
  -- Index builds sort in memory up to this much (per index, one at a time).
  perform pg_catalog.set_config('maintenance_work_mem', '256MB', true);

  select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum)
  into v_columns
  from pg_catalog.pg_attribute a
  where a.attrelid = 'analytics.events'::pg_catalog.regclass
    and a.attnum > 0
    and not a.attisdropped;

  lock table analytics.events_default in access exclusive mode;
  for v_name in select t from seed.scale_load_tables() as t loop
    v_month := pg_catalog.to_date(pg_catalog.substr(v_name, 9), 'YYYY_MM');
    v_from := v_month::timestamp at time zone 'UTC';
    v_to := (v_month + interval '1 month')::timestamp at time zone 'UTC';
    execute pg_catalog.format('alter table seed.scale_load detach partition analytics.%I', v_name);
    execute pg_catalog.format(
      'with moved as (delete from analytics.events_default where occurred_at >= $1 and occurred_at < $2 returning %s) '
      'insert into analytics.%I (%s) select %s from moved',
      v_columns, v_name, v_columns, v_columns)
      using v_from, v_to;
    execute pg_catalog.format(
      'alter table analytics.events attach partition analytics.%I for values from (%L) to (%L)',
      v_name, v_from, v_to);
    execute pg_catalog.format('alter table analytics.%I drop constraint %I', v_name, 'check_' || v_name || '_bounds');
    execute pg_catalog.format('alter table analytics.%I reset (autovacuum_enabled)', v_name);
    v_count := v_count + 1;
  end loop;
  drop table seed.scale_load;
  drop table seed.scale_loaded;
  return v_count;
end;
$$;
comment on function seed.scale_finish() is
  'Ends a bulk load (seed.scale_begin): attaches the loaded month tables to analytics.events, which builds the indexes they still lack; returns the number of months attached (0: none in progress).';

-- Inserts events p_first .. p_first + p_count - 1 of a seed (one INSERT ... SELECT, no
-- loop) and returns how many it stored. Idempotent per chunk: when the first and the
-- last event of the chunk are already stored it stores nothing (returns 0); when only
-- one of them is (a rerun with other chunk boundaries) it falls back to ON CONFLICT DO
-- NOTHING. During a bulk load (seed.scale_begin) it inserts into seed.scale_load instead,
-- only the parts of the chunk that seed.scale_loaded does not list (exactly once, whatever
-- the chunk boundaries); concurrent chunks of a bulk load run in parallel unless they
-- share a block of 50,000 event numbers.
-- The rows are valid by construction (types from analytics.event_types, checked
-- shapes), so they skip public.log_events' validation, which would cost more than the
-- insert itself; nothing of the table is disabled. Chunks may be inserted concurrently.
-- Call seed.scale_orgs(p_orgs, p_seed) first.
create or replace function seed.scale_events(p_orgs int, p_seed int, p_first bigint, p_count bigint)
returns bigint
language plpgsql
volatile
as $$
declare
  v_first_stored boolean;
  v_last_stored  boolean;
  v_inserted     bigint;
  v_rows         bigint;
  v_next         bigint;
  v_end          bigint := p_first + p_count;
  v_range        record;
begin
  if p_orgs is null or p_orgs not between 1 and 1000000 or p_seed is null or p_seed not between 0 and 1000000
     or p_first is null or p_first < 0 or p_count is null or p_count < 0 or p_first + p_count > 1099511627776 then
    raise exception 'organizations %, seed %, first %, count % out of range', p_orgs, p_seed, p_first, p_count
      using errcode = '22023', hint = 'Pass 1 to 1000000 organizations, a seed from 0 to 1000000 and 0 <= first, first + count < 2^40.';
  end if;
  if p_count = 0 then
    return 0;
  end if;
  if not exists (select 1 from app.organizations as o where o.id = seed.uuid('scale-org:' || p_seed || ':1')) then
    raise exception 'the organizations of seed % do not exist', p_seed
      using errcode = '55000', hint = pg_catalog.format('Call seed.scale_orgs(%s, %s) first.', p_orgs, p_seed);
  end if;

  -- The sort inside seed.scale_event_rows (250,000 narrow rows: about 30 MB) in memory
  -- rather than in temporary files.
  perform pg_catalog.set_config('work_mem', '256MB', true);

  if pg_catalog.to_regclass('seed.scale_load') is not null then
    -- Bulk load: the tables, without their unique index, cannot answer "is it stored?";
    -- the ledger does.
    -- In the order of seed.scale_event_rows (month, organization, time): each month
    -- table gets one organization's events together, in time order (the physical order
    -- that readers of one organization's events find; the index builds sort anyway),
    -- and tuple routing sees each month's rows in a row.
    -- Chunks that may overlap run one after the other, others concurrently: a chunk locks
    -- every block of 50,000 event numbers it touches (in ascending order, so no deadlock)
    -- until commit, and reads the ledger only then, so it sees every chunk of its blocks
    -- stored before. (Chunks of a multiple of 50,000 events at multiples of 50,000, as
    -- audiencectl sends them, share no block.) A chunk of more than 64 blocks takes the
    -- whole ledger instead (exclusive), which every chunk shares.
    if (v_end - 1) / 50000 - p_first / 50000 >= 64 then
      perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('seed.scale_loaded'));
    else
      perform pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('seed.scale_loaded'));
      perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('seed.scale_loaded:block'), b::int)
      from pg_catalog.generate_series(p_first / 50000, (v_end - 1) / 50000) as b;   -- ascending
    end if;
    v_inserted := 0;
    v_next := p_first;
    for v_range in                                  -- stored ranges overlapping the chunk, then its end
      select t.first, t.stop
      from (select l.first, l.first + l.count as stop
            from seed.scale_loaded as l
            where l.orgs = p_orgs and l.seed = p_seed and l.first < v_end and l.first + l.count > p_first
            union all
            select v_end, v_end) as t
      order by t.first
    loop
      if v_range.first > v_next then                -- a gap [v_next, v_range.first) not stored yet
        insert into seed.scale_load
        select * from seed.scale_event_rows(p_orgs, p_seed, v_next, v_range.first - v_next);
        get diagnostics v_rows = row_count;
        v_inserted := v_inserted + v_rows;
        insert into seed.scale_loaded (orgs, seed, first, count) values (p_orgs, p_seed, v_next, v_range.first - v_next);
      end if;
      v_next := greatest(v_next, v_range.stop);
    end loop;
    return v_inserted;
  end if;

  select exists (select 1 from seed.scale_event_rows(p_orgs, p_seed, p_first, 1) as r
                 join analytics.events as e on (e.org_id, e.occurred_at, e.id) = (r.org_id, r.occurred_at, r.id)),
         exists (select 1 from seed.scale_event_rows(p_orgs, p_seed, p_first + p_count - 1, 1) as r
                 join analytics.events as e on (e.org_id, e.occurred_at, e.id) = (r.org_id, r.occurred_at, r.id))
  into v_first_stored, v_last_stored;

  if v_first_stored and v_last_stored then
    return 0;
  elsif v_first_stored or v_last_stored then
    insert into analytics.events
    select * from seed.scale_event_rows(p_orgs, p_seed, p_first, p_count)
    on conflict do nothing;
  else
    -- In the order of seed.scale_event_rows: each partition gets its rows by organization
    -- and time, so that consecutive index insertions land on the same pages (sorted by
    -- key measured about 25 % faster than the generation order).
    insert into analytics.events
    select * from seed.scale_event_rows(p_orgs, p_seed, p_first, p_count);
  end if;
  get diagnostics v_inserted = row_count;
  return v_inserted;
end;
$$;
comment on function seed.scale_events(int, int, bigint, bigint) is
  'Stores synthetic events p_first .. p_first + p_count - 1 of seed p_seed over p_orgs organizations (one INSERT ... SELECT; into seed.scale_load during a bulk load); returns the number stored; idempotent per chunk.';
