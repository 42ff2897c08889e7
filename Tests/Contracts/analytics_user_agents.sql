-- Contract: device type, OS, browser and bot flag from the user agent: analytics.parse_user_agent
-- over real user-agent strings (the maintained list analytics.user_agent_patterns, migration
-- 0502), and ingestion (public.log_events -> analytics.parse_event) using it when an event
-- has properties.user_agent and no device_type. Events go to organization ua-test (UTC).
select plan(8);

create temp table uas (name text, ua text, want text[]);
insert into uas values
 ('iPhone Safari', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', '{mobile,iOS,Safari,false}'),
 ('iPhone Chrome', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1', '{mobile,iOS,Chrome,false}'),
 ('iPhone Firefox', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/124.0 Mobile/15E148 Safari/605.1.15', '{mobile,iOS,Firefox,false}'),
 ('Android Chrome', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.99 Mobile Safari/537.36', '{mobile,Android,Chrome,false}'),
 ('Android Samsung Internet', 'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', '{mobile,Android,"Samsung Internet",false}'),
 ('Android Firefox', 'Mozilla/5.0 (Android 14; Mobile; rv:124.0) Gecko/124.0 Firefox/124.0', '{mobile,Android,Firefox,false}'),
 ('iPad Safari', 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', '{tablet,iOS,Safari,false}'),
 ('Android tablet Chrome', 'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36', '{tablet,Android,Chrome,false}'),
 ('Windows Chrome', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36', '{desktop,Windows,Chrome,false}'),
 ('Windows Edge', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.65', '{desktop,Windows,Edge,false}'),
 ('Windows Firefox', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:124.0) Gecko/20100101 Firefox/124.0', '{desktop,Windows,Firefox,false}'),
 ('Windows Opera', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0', '{desktop,Windows,Opera,false}'),
 ('macOS Safari', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', '{desktop,macOS,Safari,false}'),
 ('macOS Chrome', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36', '{desktop,macOS,Chrome,false}'),
 ('macOS Firefox', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:124.0) Gecko/20100101 Firefox/124.0', '{desktop,macOS,Firefox,false}'),
 ('Linux Firefox', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0', '{desktop,Linux,Firefox,false}'),
 ('ChromeOS Chrome', 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36', '{desktop,ChromeOS,Chrome,false}'),
 ('Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', '{NULL,NULL,NULL,true}'),
 ('Googlebot smartphone', 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.58 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', '{mobile,Android,Chrome,true}'),
 ('bingbot', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', '{NULL,NULL,NULL,true}'),
 ('facebookexternalhit', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', '{NULL,NULL,NULL,true}'),
 ('HeadlessChrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/123.0.0.0 Safari/537.36', '{desktop,Linux,Chrome,true}'),
 ('curl', 'curl/8.5.0', '{NULL,NULL,NULL,true}'),
 ('python-requests', 'python-requests/2.31.0', '{NULL,NULL,NULL,true}'),
 ('AhrefsBot', 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', '{NULL,NULL,NULL,true}');

select is_empty(
  $$ select name, analytics.parse_user_agent(ua) from uas where analytics.parse_user_agent(ua) is distinct from want $$,
  'each of the 25 real user agents (iPhone Safari / Chrome / Firefox, Android Chrome / Samsung Internet / Firefox, iPad, Android tablet, Windows Chrome / Edge / Firefox / Opera, macOS Safari / Chrome / Firefox, Linux Firefox, ChromeOS, Googlebot desktop and smartphone, bingbot, facebookexternalhit, HeadlessChrome, curl, python-requests, AhrefsBot) gives its device type, OS, browser and bot flag');
select results_eq(
  $$ select analytics.parse_user_agent('Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)') $$,
  $$ values ('{NULL,NULL,NULL,false}'::text[]) $$,
  'a user agent no pattern classifies: NULLs, not a bot');

select tests.create_user('ua@audience.test');
select tests.create_org('ua-test', tests.audience_user('ua'));
grant select on uas to service_role;
select tests.authenticate_as_service_role();
select is(
  public.log_events(
    (select jsonb_agg(jsonb_build_object('org_id', md5('org:ua-test')::uuid, 'event_type', 'page_view', 'occurred_at', '2026-06-10T10:00:00Z',
                                         'client_event_id', 'ua:' || u.name, 'properties', jsonb_build_object('user_agent', u.ua)))
     from uas as u)
    || jsonb_build_array(
      jsonb_build_object('org_id', md5('org:ua-test')::uuid, 'event_type', 'page_view', 'occurred_at', '2026-06-10T10:00:00Z', 'client_event_id', 'ua:given',
                         'properties', jsonb_build_object('user_agent', (select ua from uas where name = 'iPhone Safari'), 'device_type', 'Desktop')),
      jsonb_build_object('org_id', md5('org:ua-test')::uuid, 'event_type', 'page_view', 'occurred_at', '2026-06-10T10:00:00Z', 'client_event_id', 'ua:partial',
                         'properties', jsonb_build_object('user_agent', (select ua from uas where name = 'Googlebot smartphone'), 'device_os', 'Android 6', 'is_bot', false)),
      jsonb_build_object('org_id', md5('org:ua-test')::uuid, 'event_type', 'page_view', 'occurred_at', '2026-06-10T10:00:00Z', 'client_event_id', 'ua:long',
                         'properties', jsonb_build_object('user_agent', repeat('x', 1025))))),
  '{"accepted": 27, "duplicates": 0, "rejected": [{"index": 27, "reason": "field_too_long: user_agent"}]}'::jsonb,
  'log_events stores the 27 events with a user agent; one over 1024 bytes is rejected (field_too_long: user_agent)');
select tests.clear_authentication();

select is_empty(
  $$ select u.name from uas as u
     join analytics.events as e on e.org_id = md5('org:ua-test')::uuid and e.client_event_id = 'ua:' || u.name
     where array[e.device_type, e.device_os, e.device_browser, e.is_bot::text] is distinct from u.want $$,
  'without device_type each stored event has the device type, OS, browser and bot flag of its user agent');
select results_eq(
  $$ select device_type collate "default", device_os collate "default", device_browser collate "default", is_bot, properties ->> 'user_agent' like 'Mozilla/5.0 (iPhone%'
     from analytics.events where org_id = md5('org:ua-test')::uuid and client_event_id = 'ua:given' $$,
  $$ values ('desktop', null::text, null::text, false, true) $$,
  'a device_type sent by the client wins and nothing is derived; the user agent stays in properties');
select results_eq(
  $$ select device_type collate "default", device_os collate "default", device_browser collate "default", is_bot
     from analytics.events where org_id = md5('org:ua-test')::uuid and client_event_id = 'ua:partial' $$,
  $$ values ('mobile', 'Android 6', 'Chrome', false) $$,
  'without device_type: the fields the client sent (device_os, is_bot false) are kept, the others derived');
select results_eq(
  $$ select count(*)::int from analytics.events where org_id = md5('org:ua-test')::uuid and is_bot $$,
  $$ values (8) $$,
  'the 8 bot user agents are stored as bots (excluded from every audience number)');
select tests.authenticate_as(tests.audience_user('ua'));
select results_eq(
  $$ select kind, count(*)::int from analytics.user_agent_patterns group by kind order by kind $$,
  $$ values ('bot'::text, 5), ('browser', 6), ('device', 5), ('os', 7) $$,
  'signed-in users read the 23 patterns (reference data)');

select * from finish();
