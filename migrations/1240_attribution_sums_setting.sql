-- 1240: when public.get_audience_attribution reads its sums with events not yet applied. The
-- sums' reader moves them by each touched visitor's differences (the visitor's rows computed
-- twice, with their history); the per-visitor credits cost one touch row per visitor-day of
-- the period. The sums are read while the touched visitors are at most this many per 1,000
-- visitor-days of the period (BENCHMARKS.md, "The attribution's sums by the touched
-- visitors' share of the period").
insert into private.audience_settings (name, value, description) values
  ('attribution_sums_max_touched_per_mille', 3,
   'public.get_audience_attribution reads its sums with events received since they were applied while the visitors of those events are at most this many per 1,000 visitor-days of the period; above it, every visitor''s credit from the touch rows.')
on conflict (name) do nothing;
