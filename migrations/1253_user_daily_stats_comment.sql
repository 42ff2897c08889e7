-- 1253: the comment of analytics.user_daily_stats said plays_received counts "plays by
-- others"; it counts every non-bot play of the items the user created, the creator's own
-- included (analytics.compute_user_daily_stats), and the table's unit of replacement is now
-- the organization-day (migration 1250). Comment only.
comment on table analytics.user_daily_stats is
  'One row per organization, signed-in user and local day with activity by or about the user (the plan''s analytics_user_daily). Done by the user (events.user_id): plays, events_viewed (event_view), events_clicked (link_click on a tour_date), events_interested (interested), ticket_links_clicked, reviews, searches, sessions, time_spent_seconds, items_created (content_created). Received: plays_received (every non-bot play, the creator''s own included, of the items the user created: creator = user of the item''s earliest content_created), followers_gained (follow events on entity_type ''user'' = the user). Rollup analytics.user_daily_stats (engine; unit of replacement: organization-day). No foreign key to auth.users: app.erase_user removes the rows.';
