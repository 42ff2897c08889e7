-- 0950: private.audience_attribution_days, the attribution of private.audience_touch_days as
-- sums ("Distinct visitors as sums", migration 0920, applied to the three models).
--
-- get_audience_attribution credits each visitor with an event in a period [from, to) to one
-- channel, decided by the visitor's first row of the period (first touch) or last row (last
-- touch, last non-direct touch). Read per visitor, that is every visitor's first and last
-- touch row of the period (83,868 rows for the largest organization's 30 days at 10M). Each
-- of those decisions is a condition "from <= some day" on a row, i.e. "gap <= day - from"
-- with gap = the row's day minus that day, so the visitors (and clicked visitors) of a
-- channel in any period are an exact sum over the period's days of small signed weights:
--   the weights with day in [from, to) and gap <= day - from
-- (gap 0: always; weights whose gap exceeds 365, the most day - from can be, are not
-- stored). A row holds one day, model and channel, its weights cumulated by gap (as in
-- migration 0920): the period's count is the sum over its rows of
--   visitors[width_bucket(day - from, gaps)]   (0 when no gap is <= day - from)
-- 9 channels x 5 models a day for the largest organization of the 10M seed.
-- The conditions, for a touch row n of day d (p: the visitor's previous row, at prev_day):
--   * n is the visitor's first row of the period iff prev_day < from: +1 at gap 0, -1 at
--     gap d - prev_day;
--   * the last row's value of anything is the sum over the period's rows of it, minus the
--     same of each row's previous row when that is in the period (gap d - prev_day): each
--     row of the period but the last is the previous row of exactly one row of it;
--   * clicked in the period: the last row's click_day >= from (gap d - click_day); for first
--     touch, the visitor is counted at their first clicked row of the period (the previous
--     click before from), with the channel of whichever row r of (previous click, d] is the
--     first of the period: +1 at gap d - r.day, -1 at gap d - r.prev_day;
--   * last non-direct: a direct row with a non-direct touch before it (nd_day) credits that
--     touch iff nd_day >= first day of the period - lookback, i.e. iff from <= the latest
--     row day <= nd_day + lookback (gap d - that day).
-- model (the row's measure; the RPC sums the rows of the models it reads):
--   'ft'   first touch, lookback 0 (the first row's own touch);
--   'ft30' added to 'ft' for a 30-day lookback: the first row's ft_* touch instead of its own;
--   'lt'   last touch (any lookback: the last row's own touch);
--   'nd0', 'nd30' added to 'lt' for last non-direct with a lookback of 0 / 30 days.
-- visitors / clicked: the cumulated signed weights (visitors credited / of them with a
-- click in the period). Buyers' windows end on their conversion day, not on their last day: the RPC
-- moves the few buyers itself. Other lookbacks are not covered (the RPC reads the touch
-- rows for them).
-- A rollup of the rollup private.audience_touch_days (engine, migration 0600), unit
-- (organization, day): the rows of a day are recomputed from all its touch rows and their
-- visitors' earlier rows. It starts empty: the next refresh builds it (until then the reader
-- computes an organization's rows from its touch rows: answers stay exact). Aggregates
-- without identifiers. Not readable by API roles.

create table private.audience_attribution_days (
  org_id   uuid       not null,
  day      date       not null,
  model    text       collate "C" not null,
  source   text       collate "C" not null,
  medium   text       collate "C" not null,
  campaign text       collate "C" not null,
  gaps     smallint[] not null,
  visitors integer[]  not null,
  clicked  integer[]  not null,
  constraint pk_audience_attribution_days primary key (org_id, model, day, source, medium, campaign),
  constraint fk_audience_attribution_days_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_audience_attribution_days_model check (model in ('ft', 'ft30', 'lt', 'nd0', 'nd30')),
  constraint check_audience_attribution_days_arrays check (
    pg_catalog.cardinality(gaps) between 1 and 366 and pg_catalog.cardinality(visitors) = pg_catalog.cardinality(gaps)
    and pg_catalog.cardinality(clicked) = pg_catalog.cardinality(gaps) and gaps[1] >= 0 and gaps[pg_catalog.cardinality(gaps)] <= 365)
);
-- The attribution reads the rows of one organization, model and range of days through the
-- primary key (a few hundred rows: no covering index, which would double the arrays); the
-- engine replaces units, organization-days, through this one.
create index index_audience_attribution_days_on_org_id_day on private.audience_attribution_days (org_id, day);
comment on table private.audience_attribution_days is
  'Rollup private.audience_attribution_days (engine, migration 0950; a rollup of private.audience_touch_days, unit organization-day): per organization, local day, model (ft, ft30, lt, nd0, nd30) and channel, signed weights of visitors and clicked visitors by gap, cumulated, such that the attribution of any period [from, to) sums visitors[i] over the rows of its days, i = the number of gaps <= day - from (see the migration). Read by public.get_audience_attribution. Not readable by API roles.';
comment on column private.audience_attribution_days.model is
  'ft: first touch, lookback 0; ft30: added to ft for a 30-day lookback; lt: last touch; nd0 / nd30: added to lt for last non-direct with a 0 / 30-day lookback.';
comment on column private.audience_attribution_days.gaps is
  'The distinct gaps (0..365) of the row''s weights, ascending: a weight counts in a period [from, to) iff its gap <= day - from.';
comment on column private.audience_attribution_days.visitors is
  'visitors[i]: the sum of the visitor weights whose gap is at most gaps[i] (visitors credited to the channel).';
comment on column private.audience_attribution_days.clicked is
  'clicked[i]: the same for the clicked-visitor weights (of them, visitors with a link_click or ticket_cta in the period).';

revoke all on table private.audience_attribution_days from public, anon, authenticated;
