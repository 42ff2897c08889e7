-- 0900: private.audience_touch_days (migration 0700) again, with the columns that let
-- public.get_audience_attribution read one row per visitor instead of every visitor-day
-- of the period and its lookback: each row also carries
--   * prev_day / next_day: the visitor's previous and next touch day (NULL: none), so the
--     visitor's first row of a period [from, to) is the one row with day >= from and
--     prev_day < from (or NULL), and its last the one with day < to and next_day >= to
--     (or NULL);
--   * click_day: the latest of the visitor's days up to and including this one with a
--     click (NULL: none), so "clicked in the period" is the last row's click_day >= from;
--   * ft_day, ft_source, ft_medium, ft_campaign: the visitor's earliest touch in
--     [day - 30, day] (the row's own touch when none is earlier): the first touch of the
--     default 30-day lookback window that starts 30 days before this day.
-- The rollup is derived data: the table is recreated empty and its watermark reset, so the
-- next refresh (private.apply_rollup) builds it from the events in one sorted pass
-- (private.compute_audience_touch_days from -infinity). Until then the reader
-- (private.rollup_rows) computes an organization's rows from its events: answers stay exact.
-- The compute function returns the table's row type, so it is dropped with it and created
-- again by its repeatable file (functions/private/compute_audience_touch_days.sql), which
-- also registers the rollup again (and with it the inlinable reader
-- private.audience_touch_days_rows, which returns the same row type).

drop function if exists private.audience_touch_days_rows(uuid, date, date);
drop function if exists private.compute_audience_touch_days(uuid, timestamptz, timestamptz);
drop table private.audience_touch_days;

create table private.audience_touch_days (
  org_id      uuid    not null,
  day         date    not null,
  visitor_key text    collate "C" not null,
  source      text    collate "C" not null,
  medium      text    collate "C" not null,
  campaign    text    collate "C" not null,
  clicked     boolean not null,
  nd_day      date,
  nd_source   text    collate "C",
  nd_medium   text    collate "C",
  nd_campaign text    collate "C",
  prev_day    date,
  next_day    date,
  click_day   date,
  ft_day      date    not null,
  ft_source   text    collate "C" not null,
  ft_medium   text    collate "C" not null,
  ft_campaign text    collate "C" not null,
  constraint pk_audience_touch_days primary key (org_id, day, visitor_key),
  constraint fk_audience_touch_days_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_audience_touch_days_pointer check (nd_day is null or (nd_day < day and nd_source is not null
                                                       and nd_medium is not null and nd_campaign is not null)),
  constraint check_audience_touch_days_neighbours check (prev_day < day and next_day > day and click_day <= day),
  constraint check_audience_touch_days_first_touch check (ft_day between day - 30 and day)
);
-- The compute function reads a visitor's stored rows around the days it recomputes, and
-- the attribution looks up a buyer's touch on their conversion day.
create index index_audience_touch_days_on_org_id_visitor_key_day on private.audience_touch_days (org_id, visitor_key, day);
-- The attribution reads an organization's rows of a range of days, keeping one per
-- visitor (prev_day < from, or next_day >= to): this one index only (the rows of a day lie
-- scattered over the heap, as the rollup is written a visitor at a time).
create index index_audience_touch_days_on_org_id_day_covering on private.audience_touch_days (org_id, day)
  include (visitor_key, source, medium, campaign, clicked, nd_day, nd_source, nd_medium, nd_campaign,
           prev_day, next_day, click_day, ft_day, ft_source, ft_medium, ft_campaign);
comment on table private.audience_touch_days is
  'Per organization, local day and visitor key (bots excluded): the day''s touch (channel of the first event: source, medium, campaign), clicked (link_click or ticket_cta that day), the visitor''s latest non-direct touch before the day (nd_*; NULL when none), previous and next touch day, latest click day up to the day, and earliest touch in [day - 30, day] (ft_*). Rollup private.audience_touch_days (engine); read by public.get_audience_attribution.';

revoke all on table private.audience_touch_days from public, anon, authenticated;

-- The registry row keeps the rollup's name; its target is the new table, empty.
update private.rollups
   set target = 'private.audience_touch_days'::regclass, watermark = '-infinity',
       applied_at = null, applied_rows = null, duration_ms = null
 where name = 'private.audience_touch_days';
