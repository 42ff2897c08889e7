-- Contract: the rollup private.audience_touch_days (migrations 0700, 0900): the pointers of
-- each visitor-day (prev_day, next_day, click_day, ft_*, nd_*), a late event recomputed by
-- the reader private.audience_touch_days_rows exactly as a rebuild, and retention.
-- Fixture: aud-berlin (Europe/Berlin), visitor T1 (times Berlin wall-clock):
--   05-01 page view, direct
--   05-10 page view from google.com (referral), then a link_click
--   05-20 page view, direct
--   06-25 page view, direct
-- later, received after the watermark: 05-15 page view from newsletter / email.
-- Visitors T2 (06-01 from google.com, 06-10 and 06-20 direct; later 07-05 direct: after
-- every stored day, the 30 days before it reach 06-10, not only the latest day 06-20) and
-- T3 (04-01 from google.com, 06-01 direct; later 05-20 direct: the latest day before is
-- more than 30 days back, the later day's 30 days start after it): the stored days a late
-- day reads (the latest before it, the earliest of each row's 30 days).
select plan(8);

select tests.audience_orgs();
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T1', tests.berlin('2026-05-01 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T1', tests.berlin('2026-05-10 10:00'), 'page_view', p_referrer => 'google.com');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T1', tests.berlin('2026-05-10 10:05'), 'link_click');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T1', tests.berlin('2026-05-20 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T1', tests.berlin('2026-06-25 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T2', tests.berlin('2026-06-01 10:00'), 'page_view', p_referrer => 'google.com');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T2', tests.berlin('2026-06-10 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T2', tests.berlin('2026-06-20 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T3', tests.berlin('2026-04-01 10:00'), 'page_view', p_referrer => 'google.com');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T3', tests.berlin('2026-06-01 10:00'), 'page_view');

create function pg_temp.t1_rows()
returns table (day date, source text, clicked boolean, prev_day date, next_day date, click_day date,
               ft_day date, ft_source text, nd_day date, nd_source text)
language sql as $$
  select r.day, r.source collate "default", r.clicked, r.prev_day, r.next_day, r.click_day,
         r.ft_day, r.ft_source collate "default", r.nd_day, r.nd_source collate "default"
  from private.audience_touch_days_rows(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') as r
  where r.visitor_key = 'T1'
  order by r.day
$$;
create function pg_temp.visitor_rows(p_visitor text)
returns table (day date, source text, clicked boolean, prev_day date, next_day date, click_day date,
               ft_day date, ft_source text, nd_day date, nd_source text)
language sql as $$
  select r.day, r.source collate "default", r.clicked, r.prev_day, r.next_day, r.click_day,
         r.ft_day, r.ft_source collate "default", r.nd_day, r.nd_source collate "default"
  from private.audience_touch_days_rows(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') as r
  where r.visitor_key = p_visitor
  order by r.day
$$;

select results_eq(
  $$ select * from pg_temp.t1_rows() $$,
  $$ values ('2026-05-01'::date, '(direct)'::text, false, null::date, '2026-05-10'::date, null::date, '2026-05-01'::date, '(direct)'::text, null::date, null::text),
            ('2026-05-10', 'google.com', true, '2026-05-01', '2026-05-20', '2026-05-10', '2026-05-01', '(direct)', null, null),
            ('2026-05-20', '(direct)', false, '2026-05-10', '2026-06-25', '2026-05-10', '2026-05-01', '(direct)', '2026-05-10', 'google.com'),
            ('2026-06-25', '(direct)', false, '2026-05-20', null, '2026-05-10', '2026-06-25', '(direct)', '2026-05-10', 'google.com') $$,
  'T1''s rows from the events (the rollup not built): neighbours, latest click, first touch of the 30 days up to the day (06-25: none earlier since 05-26), latest non-direct before'
);

-- Stored as private.apply_rollup stores them (this organization only; the watermark moved
-- past the fixture, inside this rolled-back transaction).
delete from private.audience_touch_days where org_id = md5('org:aud-berlin')::uuid;
insert into private.audience_touch_days
select * from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
update private.rollups set watermark = clock_timestamp() where name = 'private.audience_touch_days';
select results_eq(
  $$ select count(*)::integer from private.audience_touch_days where org_id = md5('org:aud-berlin')::uuid and visitor_key = 'T1' $$,
  $$ values (4) $$,
  'the 4 rows are stored'
);

-- A late event, received after the watermark, between two stored days.
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T1', tests.berlin('2026-05-15 09:00'), 'page_view', p_source => 'newsletter', p_medium => 'email');
update analytics.events set received_at = clock_timestamp()
 where org_id = md5('org:aud-berlin')::uuid and visitor_id = 'T1' and occurred_at = tests.berlin('2026-05-15 09:00');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T2', tests.berlin('2026-07-05 10:00'), 'page_view');
select tests.audience_event(md5('org:aud-berlin')::uuid, 'T3', tests.berlin('2026-05-20 10:00'), 'page_view');
update analytics.events set received_at = clock_timestamp()
 where org_id = md5('org:aud-berlin')::uuid
   and (visitor_id, occurred_at) in (('T2', tests.berlin('2026-07-05 10:00')), ('T3', tests.berlin('2026-05-20 10:00')));
select results_eq(
  $$ select * from pg_temp.t1_rows() $$,
  $$ values ('2026-05-01'::date, '(direct)'::text, false, null::date, '2026-05-10'::date, null::date, '2026-05-01'::date, '(direct)'::text, null::date, null::text),
            ('2026-05-10', 'google.com', true, '2026-05-01', '2026-05-15', '2026-05-10', '2026-05-01', '(direct)', null, null),
            ('2026-05-15', 'newsletter', false, '2026-05-10', '2026-05-20', '2026-05-10', '2026-05-01', '(direct)', '2026-05-10', 'google.com'),
            ('2026-05-20', '(direct)', false, '2026-05-15', '2026-06-25', '2026-05-10', '2026-05-01', '(direct)', '2026-05-15', 'newsletter'),
            ('2026-06-25', '(direct)', false, '2026-05-20', null, '2026-05-10', '2026-06-25', '(direct)', '2026-05-15', 'newsletter') $$,
  'the reader recomputes the late day, the later days'' pointers and the day before''s next_day'
);
select results_eq(
  $$ select r.* from private.audience_touch_days_rows(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') as r order by r.day, r.visitor_key $$,
  $$ select c.* from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity') as c order by c.day, c.visitor_key $$,
  'the rows read (stored, with T1''s days recomputed) equal a rebuild from the events, column for column'
);
select results_eq(
  $$ select * from pg_temp.visitor_rows('T2') $$,
  $$ values ('2026-06-01'::date, 'google.com'::text, false, null::date, '2026-06-10'::date, null::date, '2026-06-01'::date, 'google.com'::text, null::date, null::text),
            ('2026-06-10', '(direct)', false, '2026-06-01', '2026-06-20', null, '2026-06-01', 'google.com', '2026-06-01', 'google.com'),
            ('2026-06-20', '(direct)', false, '2026-06-10', '2026-07-05', null, '2026-06-01', 'google.com', '2026-06-01', 'google.com'),
            ('2026-07-05', '(direct)', false, '2026-06-20', null, null, '2026-06-10', '(direct)', '2026-06-01', 'google.com') $$,
  'T2''s day after every stored one: previous 06-20, first touch of the 30 days from 06-05 the stored 06-10'
);
select results_eq(
  $$ select * from pg_temp.visitor_rows('T3') $$,
  $$ values ('2026-04-01'::date, 'google.com'::text, false, null::date, '2026-05-20'::date, null::date, '2026-04-01'::date, 'google.com'::text, null::date, null::text),
            ('2026-05-20', '(direct)', false, '2026-04-01', '2026-06-01', null, '2026-05-20', '(direct)', '2026-04-01', 'google.com'),
            ('2026-06-01', '(direct)', false, '2026-05-20', null, null, '2026-05-20', '(direct)', '2026-04-01', 'google.com') $$,
  'T3''s late day 49 days after the stored 04-01: its own first touch; the later 06-01''s 30 days start at the late day'
);

-- Retention at 05-12 00:00 Berlin: the rows of 05-01 and 05-10 go; the pointers to them are
-- cleared, and the first touch becomes the earliest remaining row.
delete from private.audience_touch_days where org_id = md5('org:aud-berlin')::uuid;
insert into private.audience_touch_days
select * from private.compute_audience_touch_days(md5('org:aud-berlin')::uuid, '-infinity', 'infinity');
select private.retain_audience_touch_days(tests.berlin('2026-05-12 00:00'));
update private.rollups set watermark = clock_timestamp() where name = 'private.audience_touch_days';
select results_eq(
  $$ select * from pg_temp.t1_rows() $$,
  $$ values ('2026-05-15'::date, 'newsletter'::text, false, null::date, '2026-05-20'::date, null::date, '2026-05-15'::date, 'newsletter'::text, null::date, null::text),
            ('2026-05-20', '(direct)', false, '2026-05-15', '2026-06-25', null, '2026-05-15', 'newsletter', '2026-05-15', 'newsletter'),
            ('2026-06-25', '(direct)', false, '2026-05-20', null, null, '2026-06-25', '(direct)', '2026-05-15', 'newsletter') $$,
  'retention deletes the days before the cutoff and the pointers to them'
);
select results_eq(
  $$ select count(*)::integer from private.audience_touch_days
     where org_id = md5('org:aud-berlin')::uuid and (prev_day < '2026-05-12' or click_day < '2026-05-12' or nd_day < '2026-05-12' or ft_day < '2026-05-12') $$,
  $$ values (0) $$,
  'no row of the organization points before the cutoff'
);

select * from finish();
