-- 0552: event types of the mashup dashboard and of interaction tracking (issue 15).
-- Their properties are free-form at ingestion (like every type's); the rollups of
-- migrations 0554-0557 read the ones named here, typed there (a value of the wrong JSON
-- type is ignored, never an error). properties.platform is stored in events.platform
-- (lower case) by ingestion, like a link click's. Time on a detail page is not a type of
-- its own: an event_view, page_view or profile_view may carry properties.duration_seconds
-- (a number >= 0, sent when the visitor leaves the page): a timed view (migration 0556).
insert into analytics.event_types (event_type, category, client_loggable, description) values
  ('mashup_exported',       'engagement', true,
   'A mashup (entity_id) was exported: properties.platform (where to: spotify, soundcloud, youtube, download, ...; stored in events.platform) and properties.format (mp3, wav, mp4, ...).'),
  ('ai_reaction',           'engagement', true,
   'A reaction to an AI suggestion or AI-made content: properties.reaction (e.g. like, dislike, love, wow, regenerate).'),
  ('subscription_upgraded', 'commerce',   false,
   'A user (user_id) moved to a higher paid plan: properties.from_tier and properties.to_tier (free, premium, professional, enterprise). Logged by the billing back end.'),
  ('search_result_click',   'navigation', true,
   'A result of a search was opened: properties.query (the query text as typed), properties.position (1-based rank), entity_type / entity_id the result.'),
  ('message_sent',          'messaging',  true,  'A direct message was sent by the user (user_id); no content is logged.'),
  ('navigate',              'navigation', true,
   'The feed tab changed: properties.from_tab and properties.to_tab (e.g. for_you, following, nearby, trending).'),
  ('scroll_depth',          'navigation', true,
   'How far a feed or page was scrolled: properties.depth_pct (0-100) and properties.tab.'),
  ('load_more',             'navigation', true,  'The next page of a feed or list was loaded: properties.tab, properties.page (2, 3, ...).'),
  ('share_sent',            'engagement', true,
   'Content (entity_type / entity_id) was sent to another user in the app (not an external share: that is share).'),
  ('friend_added',          'engagement', true,  'The user (user_id) added a friend (entity_type user, entity_id the friend).'),
  ('review_like',           'engagement', true,  'A review (entity_type review, entity_id) was liked; properties.event_id the reviewed event when known.'),
  ('review_comment',        'engagement', true,  'A comment was posted on a review (entity_type review, entity_id); properties.event_id the reviewed event when known.')
on conflict (event_type) do nothing;
