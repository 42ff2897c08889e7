-- 0700: private.audience_touch_days, the touches that public.get_audience_attribution
-- credits: one row per organization, visitor (audience.visitor_key) and local day with a
-- non-bot event, carrying that day's touch (the channel of the visitor's first event of
-- the day: source / medium / campaign as private.visitor_day_channels defines them),
-- whether the visitor clicked that day (link_click or ticket_cta), and a pointer to the
-- visitor's latest non-direct touch strictly before the day (its day and channel; NULL:
-- none among the visitor's rows). With the pointer, last touch and last non-direct touch
-- are read from the rows of the period alone, whatever the lookback.
-- Maintained by the rollup engine (migration 0100) from analytics.events by
-- private.compute_audience_touch_days (functions/private/), read through
-- private.rollup_rows. Per-visitor rows: app.erase_user removes a person's (org_id,
-- visitor_key); analytics.apply_retention deletes the days before its cutoff and the
-- pointers to them (private.retain_audience_touch_days), as for the audience rollups.

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
  constraint pk_audience_touch_days primary key (org_id, day, visitor_key),
  constraint fk_audience_touch_days_org_id foreign key (org_id) references app.organizations (id) on delete cascade,
  constraint check_audience_touch_days_pointer check (nd_day is null or (nd_day < day and nd_source is not null
                                                       and nd_medium is not null and nd_campaign is not null))
);
-- The compute function reads a visitor's stored rows around the days it recomputes.
create index index_audience_touch_days_on_org_id_visitor_key_day on private.audience_touch_days (org_id, visitor_key, day);
-- The readers (private.rollup_rows: an organization's rows of a range of days, t.*) scan
-- this one index only: the rows of a day lie scattered over the heap, as the rollup is
-- written a visitor-day at a time (150,000-event organization, its 33,237 rows of 60 days:
-- 12.7 ms index-only against 85 ms through the heap).
create index index_audience_touch_days_on_org_id_day_covering on private.audience_touch_days (org_id, day)
  include (visitor_key, source, medium, campaign, clicked, nd_day, nd_source, nd_medium, nd_campaign);
comment on table private.audience_touch_days is
  'Per organization, local day and visitor key (bots excluded): the day''s touch (channel of the first event: source, medium, campaign), clicked (link_click or ticket_cta that day), and the visitor''s latest non-direct touch before the day (nd_day, nd_source, nd_medium, nd_campaign; NULL when none). Rollup private.audience_touch_days (engine); read by public.get_audience_attribution through private.rollup_rows.';

revoke all on table private.audience_touch_days from public, anon, authenticated;

-- Registered with the rollup engine by its compute function's file
-- (functions/private/compute_audience_touch_days.sql).
