-- 0502: the maintained list of user-agent patterns from which ingestion derives the
-- device type, operating system, browser and bot flag of an event that carries
-- properties.user_agent but no device_type (analytics.parse_user_agent, called by
-- analytics.parse_event). Global reference data, like analytics.event_types.
-- Maintenance: add or change rows in a new migration (a pattern is a PostgreSQL regular
-- expression matched case-insensitively, ~*); for each kind the row with the lowest
-- priority that matches wins; Tests/Contracts/analytics_user_agents.sql holds the real
-- user-agent strings every change must still classify.

create table analytics.user_agent_patterns (
  kind        text    not null,
  priority    integer not null,
  pattern     text    not null,
  value       text    not null,
  description text    not null,
  constraint pk_user_agent_patterns primary key (kind, priority),
  constraint check_user_agent_patterns_kind check (kind in ('bot', 'device', 'os', 'browser')),
  constraint check_user_agent_patterns_device check (kind <> 'device' or value in ('mobile', 'desktop', 'tablet')),
  constraint check_user_agent_patterns_bot check (kind <> 'bot' or value = 'true')
);
comment on table analytics.user_agent_patterns is
  'User-agent patterns (PostgreSQL regular expressions, matched case-insensitively against the first 512 characters): per kind (bot, device, os, browser) the matching row of lowest priority gives the value (device: mobile / desktop / tablet; bot: true). Read by analytics.parse_user_agent when an event has properties.user_agent and no device_type. Maintained by migrations.';

insert into analytics.user_agent_patterns (kind, priority, pattern, value, description) values
  ('bot', 10, 'googlebot|bingbot|yandexbot|duckduckbot|baiduspider|applebot|ahrefsbot|semrushbot|petalbot|gptbot|ccbot|claudebot|bytespider|mj12bot|dotbot', 'true', 'search and AI crawlers'),
  ('bot', 20, 'facebookexternalhit|facebookcatalog|twitterbot|slackbot|discordbot|whatsapp/|telegrambot|linkedinbot|pinterestbot|redditbot|embedly', 'true', 'link preview fetchers'),
  ('bot', 30, 'headlesschrome|phantomjs|puppeteer|playwright|selenium|lighthouse|pingdom|uptimerobot|statuscake', 'true', 'headless browsers and monitors'),
  ('bot', 40, '^(curl|wget|python-requests|python-urllib|go-http-client|okhttp|java|libwww-perl|axios|node-fetch|scrapy)/', 'true', 'HTTP libraries and command-line clients'),
  ('bot', 50, '\m(bot|crawler|spider|scraper)\M', 'true', 'anything that calls itself a bot, crawler, spider or scraper'),
  ('device', 10, 'ipad', 'tablet', 'iPad (iPadOS 13+ Safari in desktop mode reports a Macintosh: desktop)'),
  ('device', 20, 'android(?!.*mobile)', 'tablet', 'Android without "Mobile" (Google''s convention for tablets)'),
  ('device', 30, 'tablet|kindle|silk/|playbook', 'tablet', 'other tablets'),
  ('device', 40, 'iphone|ipod|android|windows phone|blackberry|bb10|opera mini|mobile', 'mobile', 'phones'),
  ('device', 50, 'windows nt|macintosh|mac os x|x11|cros|linux', 'desktop', 'desktop systems'),
  ('os', 10, 'windows phone', 'Windows Phone', 'Windows Phone (before Windows)'),
  ('os', 20, 'iphone|ipad|ipod', 'iOS', 'iOS and iPadOS (their user agents also say "like Mac OS X")'),
  ('os', 30, 'android', 'Android', 'Android (before Linux)'),
  ('os', 40, 'cros', 'ChromeOS', 'ChromeOS (before Linux)'),
  ('os', 50, 'windows', 'Windows', 'Windows'),
  ('os', 60, 'mac os x|macintosh', 'macOS', 'macOS'),
  ('os', 70, 'linux|x11', 'Linux', 'other Linux and Unix desktops'),
  ('browser', 10, 'edg(e|a|ios)?/', 'Edge', 'Edge on every platform (before Chrome: it says Chrome too)'),
  ('browser', 20, 'opr/|opera', 'Opera', 'Opera (before Chrome)'),
  ('browser', 30, 'samsungbrowser/', 'Samsung Internet', 'Samsung Internet (before Chrome)'),
  ('browser', 40, 'firefox/|fxios/', 'Firefox', 'Firefox, also on iOS'),
  ('browser', 50, 'crios/|chrome/|chromium/', 'Chrome', 'Chrome and Chromium, also on iOS (before Safari: Chrome says Safari too)'),
  ('browser', 60, 'safari/', 'Safari', 'Safari');

alter table analytics.user_agent_patterns enable row level security;
create policy select_authenticated on analytics.user_agent_patterns
  for select to authenticated
  using (true);
comment on policy select_authenticated on analytics.user_agent_patterns is 'Reference data: every signed-in user may read the patterns.';
create policy all_service_role on analytics.user_agent_patterns
  for all to service_role
  using (true) with check (true);
comment on policy all_service_role on analytics.user_agent_patterns is 'service_role maintains the patterns (they are normally changed by migrations).';
revoke all on table analytics.user_agent_patterns from public, anon, authenticated;
grant select on table analytics.user_agent_patterns to authenticated;
grant select, insert, update, delete on table analytics.user_agent_patterns to service_role;
